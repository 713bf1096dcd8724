"""Feeds: new items translated into a digest, newest first; a rerun processes only new items; a
failing item is recorded with its reason and tried again, never lost."""

from __future__ import annotations

import json

from local_site import ARTICLE, local_site

from helpers import SENTENCES, cli


def test_a_feed_becomes_a_digest_and_a_rerun_does_only_what_is_new(tiny_config, tmp_path):
    out = tmp_path / "digest"
    extra: dict = {}
    with local_site(extra) as base:
        first = cli("feed", base + "/feed.xml", "--out", str(out), "--config", str(tiny_config))
        stderr = first.stderr.decode()
        assert first.returncode == 1, "one item failed"
        assert "3 new item(s), 2 translated, 1 failed" in stderr and "answered 404" in stderr
        digest = json.loads((out / "digest.json").read_text())
        titles = [i["title"] for i in digest["items"]]
        assert titles == ["Harga beras naik di pasar", "Bus listrik mulai diuji di Bandung"], "newest first"
        item = digest["items"][1]
        assert item["link"] == base + "/berita" and item["summary_en"] and item["title_en"]
        full = (out / item["file"]).read_text()
        assert item["summary_en"] in full and "## Translation" in full
        assert (
            digest["failed"][0]["error"].endswith("answered 404 Not Found")
            and digest["failed"][0]["attempts"] == 1
        )
        markdown = (out / "digest.md").read_text()
        newest, older = (f"[source]({i['link']})" for i in digest["items"])
        assert markdown.index(newest) < markdown.index(older)
        assert "Not translated yet" in markdown and f"]({item['file']})" in markdown
        assert f'href="{base}/berita"' in (out / "digest.html").read_text()

        again = cli("feed", base + "/feed.xml", "--out", str(out), "--config", str(tiny_config))
        assert (
            "0 new item(s), 0 translated, 1 failed (1 to be tried again next run), 2 already done"
            in again.stderr.decode()
        )

        extra["/nanti"] = (200, "text/html", ARTICLE.replace(SENTENCES[0], SENTENCES[3]).encode())
        third = cli("feed", base + "/feed.xml", "--out", str(out), "--config", str(tiny_config))
        assert third.returncode == 0, third.stderr.decode()
        digest = json.loads((out / "digest.json").read_text())
        assert len(digest["items"]) == 3 and digest["failed"] == []
        retried = next(i for i in digest["items"] if i["id"] == "berita-3")
        assert retried["attempts"] == 3 and retried["status"] == "done"


def test_a_feed_that_is_not_one_is_an_error_and_the_state_is_kept(tiny_config, tmp_path):
    out = tmp_path / "digest"
    with local_site() as base:
        page = cli("feed", base + "/berita", "--out", str(out), "--config", str(tiny_config))
        missing = cli("feed", base + "/tidak-ada.xml", "--out", str(out), "--config", str(tiny_config))
    assert page.returncode == 1 and "not an RSS or Atom feed" in page.stderr.decode()
    assert missing.returncode == 1 and "answered 404" in missing.stderr.decode()
    assert "Traceback" not in page.stderr.decode() + missing.stderr.decode()
    (out / "feed-state.json").write_text("{not json", encoding="utf-8")
    broken = cli("feed", "http://127.0.0.1:9/feed.xml", "--out", str(out), "--config", str(tiny_config))
    assert broken.returncode == 2 and "not a feed state this tool wrote" in broken.stderr.decode()


RSS_HEAD = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Berita</title>'


def test_a_saved_feed_file_is_read_and_entries_without_id_are_kept(tmp_path, tiny_config):
    """No id, no link: such entries are keyed by their content, never dropped; an empty channel is
    0 new items, exit 0."""
    feed = tmp_path / "simpan.xml"
    feed.write_text(
        RSS_HEAD + f"<item><title>Satu</title><description>{SENTENCES[0]}</description></item>"
        f"<item><title>Dua</title><description>{SENTENCES[1]}</description></item></channel></rss>",
        encoding="utf-8",
    )
    from translator.documents.feeds import read_feed
    from translator.documents.web import FetchPolicy

    items = read_feed(str(feed), FetchPolicy(allow_private=True))
    assert (
        len(items) == 2 and len({i.id for i in items}) == 2 and all(i.id.startswith("sha256:") for i in items)
    )
    assert [i.id for i in read_feed(str(feed), FetchPolicy(allow_private=True))] == [i.id for i in items]

    empty = tmp_path / "kosong.xml"
    empty.write_text(RSS_HEAD + "</channel></rss>", encoding="utf-8")
    out = tmp_path / "digest"
    done = cli("feed", str(empty), "--out", str(out), "--config", str(tiny_config))
    assert done.returncode == 0 and "0 new item(s)" in done.stderr.decode(), done.stderr.decode()


def test_a_truncated_feed_exits_1_and_leaves_the_state_as_it_was(tmp_path, tiny_config):
    out = tmp_path / "digest"
    empty = tmp_path / "kosong.xml"
    empty.write_text(RSS_HEAD + "</channel></rss>", encoding="utf-8")
    assert cli("feed", str(empty), "--out", str(out), "--config", str(tiny_config)).returncode == 0
    state = {p.name: p.read_bytes() for p in out.iterdir()}
    cut = tmp_path / "terpotong.xml"
    cut.write_text(RSS_HEAD + f"<item><guid>a</guid><title>{SENTENCES[0]}</title></item><item><gu", "utf-8")
    proc = cli("feed", str(cut), "--out", str(out), "--config", str(tiny_config))
    stderr = proc.stderr.decode()
    assert proc.returncode == 1 and "not a whole one" in stderr and "0 new item(s)" in stderr, stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == state, "state and digest untouched"


def test_the_last_try_is_said_to_be_the_last(tmp_path, tiny_config):
    from helpers import free_port

    feed = tmp_path / "mati.xml"
    dead = f"http://127.0.0.1:{free_port()}/berita"  # nothing listens there: the fetch fails at once
    feed.write_text(
        RSS_HEAD + f"<item><guid>x</guid><title>Judul</title><link>{dead}</link></item></channel></rss>"
    )
    out = tmp_path / "digest"
    proc = cli("feed", str(feed), "--out", str(out), "--config", str(tiny_config), "--max-attempts", "1")
    stderr = proc.stderr.decode()
    assert proc.returncode == 1 and "1 failed (1 given up after 1 tries)" in stderr, stderr
    assert "tried again" not in stderr


def test_digest_times_are_in_the_readers_zone_with_its_offset(tiny_config, tmp_path):
    out = tmp_path / "digest"
    with local_site({}) as base:
        cli(
            "feed",
            base + "/feed.xml",
            "--out",
            str(out),
            "--config",
            str(tiny_config),
            "--timezone",
            "Asia/Jakarta",
        )
    digest = json.loads((out / "digest.json").read_text())
    item = next(i for i in digest["items"] if i["published"])
    from datetime import datetime, timezone

    utc = datetime.fromtimestamp(item["published"], timezone.utc)
    jakarta = utc.replace(tzinfo=None) + (datetime(2000, 1, 1, 7) - datetime(2000, 1, 1))
    assert item["published_at"] == jakarta.isoformat() + "+07:00"
    shown = f"{jakarta:%Y-%m-%d %H:%M} WIB (UTC+07:00)"
    assert shown in (out / "digest.md").read_text()
    assert (
        f'datetime="{jakarta.isoformat(timespec="minutes")}+07:00">{shown}</time>'
        in (out / "digest.html").read_text()
    )
    assert digest["generated"].endswith("WIB (UTC+07:00)")


def test_an_unknown_time_zone_is_a_usage_error(tmp_path):
    found = cli("feed", "http://127.0.0.1:9/feed.xml", "--out", str(tmp_path), "--timezone", "Asia/Bandung")
    assert found.returncode == 2 and "no time zone 'Asia/Bandung'" in found.stderr.decode()
    assert not any(tmp_path.iterdir())
