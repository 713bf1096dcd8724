"""News feeds (RSS and Atom, read by feedparser): each new item's article is fetched, translated and
summarised, and a digest lists every item so far, newest first, with its English title, link, date
and summary, the full translation one click away.

What has been done is kept in a state file beside the digest, so a rerun (from cron) processes
only new items. An item that fails (its page is gone, times out, is not Indonesian) is recorded
with the reason and tried again on the next run, up to ``max_attempts`` times; nothing is lost
silently. The state is written after every item, whole or not at all.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError, TranslatorError, first_line
from .output import write_atomic
from .web import FetchError, FetchPolicy, fetch, fetch_document

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "application/feed+json",
)
STATE_FILE = "feed-state.json"
STATE_FORMAT = "translator-feed 1"


@dataclass
class Item:
    """One feed item and what became of it."""

    id: str
    feed: str
    link: str | None
    title: str
    published: float | None  # seconds since the epoch, UTC
    status: str = "new"  # "done" or "failed"
    attempts: int = 0
    error: str | None = None
    title_en: str | None = None
    summary_en: str | None = None
    file: str | None = None  # the full translation, relative to the digest's folder


@dataclass
class RunCount:
    feeds: int = 0
    new: int = 0
    done: int = 0
    failed: int = 0
    given_up: int = 0  # of the failed: this was their last try (--max-attempts)
    skipped: int = 0  # already done, or failed too often
    feed_errors: list[str] = field(default_factory=list)


class FeedState:
    """The items met so far, by id, in a JSON file written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: dict[str, Item] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("format") != STATE_FORMAT:
                    raise ValueError(f"format {data.get('format')!r}")
                self.items = {i["id"]: Item(**i) for i in data["items"]}
            except (ValueError, KeyError, TypeError) as e:
                raise InputError(
                    f"{path}: not a feed state this tool wrote ({e}); move it away to start anew"
                ) from None

    def save(self) -> None:
        items = [asdict(i) for i in self.items.values()]
        write_atomic(
            self.path, json.dumps({"format": STATE_FORMAT, "items": items}, ensure_ascii=False, indent=1)
        )


# What feedparser notes about a feed that it still reads whole: a declared encoding it overrode, a
# content type that is not XML's, a prefix (itunes:, media:) used without its namespace declared,
# as many podcast feeds do. Any other note (a syntax error: a truncated or broken feed) means
# items may be missing, so the feed is refused rather than read in part.
_HARMLESS = ("CharacterEncodingOverride", "NonXMLContentType")
_ITEMS = re.compile(rb"<(?:item|entry)[\s>/]")


def read_feed(url: str, policy: FetchPolicy) -> list[Item]:
    """The items of the feed at ``url`` (or of a saved feed file); a feed that cannot be read
    whole raises FetchError with the parser's reason."""
    import feedparser

    from .web import is_url

    if is_url(url):
        data, _, final = fetch(url, policy, FEED_TYPES + ("text/html",), "an RSS or Atom feed")
    else:
        try:
            data, final = Path(url).read_bytes(), str(Path(url).resolve())
        except OSError as e:
            raise FetchError(f"{url}: cannot read the feed file ({e.strerror or e})") from None
    parsed = feedparser.parse(data)
    problem = parsed.get("bozo_exception")
    harmless = type(problem).__name__ in _HARMLESS or "unbound prefix" in str(problem)
    if parsed.bozo and not harmless:
        raise FetchError(
            f"{url}: not an RSS or Atom feed, or not a whole one ({first_line(problem)}); nothing was read"
        )
    if not parsed.get("version") and not parsed.entries:
        raise FetchError(f"{url}: not an RSS or Atom feed (no channel or feed element)")
    written = len(_ITEMS.findall(data))
    if len(parsed.entries) < written:
        raise FetchError(
            f"{url}: the feed has {written} items and only {len(parsed.entries)} could be read; nothing "
            "was read"
        )
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        key = entry.get("id") or link or _content_key(entry)
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(
            Item(
                id=str(key),
                feed=final,
                link=link,
                title=(entry.get("title") or "").strip(),
                published=float(calendar.timegm(stamp)) if stamp else None,
            )
        )
    return items


def _content_key(entry: Any) -> str:  # a feedparser entry
    """An entry without an id or a link is known by a digest of what it says (title, summary,
    content, date), so it is never dropped and never counted twice."""
    import hashlib

    parts = [entry.get("title") or "", entry.get("summary") or "", entry.get("published") or ""]
    parts += [c.get("value", "") for c in entry.get("content") or []]
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def run_feeds(
    urls: list[str],
    out: Path,
    pipeline_source: Callable[[], object],
    *,
    policy: FetchPolicy = FetchPolicy(allow_private=True),
    max_attempts: int = 3,
    force: bool = False,
    on_item: Callable[[Item], None] | None = None,
    zone: tzinfo | None = None,
) -> RunCount:
    """Process the new (and earlier failed) items of every feed; write the digest. The pipeline is
    loaded only when there is an item to translate."""
    out.mkdir(parents=True, exist_ok=True)
    state = FeedState(out / STATE_FILE)
    count = RunCount()
    loaded: list[Any] = []
    for url in urls:
        try:
            items = read_feed(url, policy)
        except FetchError as e:
            count.feed_errors.append(first_line(e))
            continue
        count.feeds += 1
        for item in items:
            known = state.items.get(item.id)
            if known and (known.status == "done" or known.attempts >= max_attempts):
                count.skipped += 1
                continue
            if known is None:
                count.new += 1
                state.items[item.id] = item
            target = state.items[item.id]
            if not loaded:
                loaded.append(pipeline_source())
            _process(target, loaded[0], out, policy, force)
            count.done += target.status == "done"
            count.failed += target.status == "failed"
            count.given_up += target.status == "failed" and target.attempts >= max_attempts
            state.save()  # after every item: a crash loses at most the one in progress
            if on_item:
                on_item(target)
    if count.feeds:  # a run whose every feed failed leaves the state and the digest as they were
        state.save()
        write_digest(list(state.items.values()), out, zone)
    return count


def _process(item: Item, pipeline: Any, out: Path, policy: FetchPolicy, force: bool) -> None:
    item.attempts += 1
    try:
        if not item.link:
            raise FetchError("the item has no link to an article")
        document = fetch_document(item.link, policy)
        result = pipeline(document, summarize=pipeline.summary.enabled, force=force)
        title = pipeline(item.title, summarize=False, force=True).translation if item.title.strip() else ""
    except TranslatorError as e:
        item.status, item.error = "failed", first_line(e)
        return
    item.status, item.error = "done", None
    item.title_en = title or (result.source.title if result.source else None) or item.link
    item.summary_en = result.summary or None
    name = f"items/{_slug(item)}.md"
    body = f"# {item.title_en}\n\n{item.title}  \n<{item.link}>\n\n"
    if result.summary:
        body += f"## English summary\n\n{result.summary}\n\n"
    write_atomic(_ensure(out / name), body + f"## Translation\n\n{result.translation}\n")
    item.file = name


def _ensure(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _slug(item: Item) -> str:
    import hashlib

    digest = hashlib.sha256(item.id.encode()).hexdigest()[:10]
    words = "".join(c if c.isalnum() else "-" for c in item.title.lower())[:50].strip("-")
    return f"{'-'.join(w for w in words.split('-') if w) or 'item'}-{digest}"


def write_digest(items: list[Item], out: Path, zone: tzinfo | None = None) -> None:
    """digest.md, digest.html and digest.json: the done items newest first, then what failed; times
    in ``zone`` (None: the machine's)."""
    from .digest import html_digest, json_digest, local_zone, markdown_digest, when

    zone = zone or local_zone()
    done = sorted((i for i in items if i.status == "done"), key=lambda i: -(i.published or 0))
    failed = [i for i in items if i.status == "failed"]
    stamp = when(time.time(), zone)
    write_atomic(out / "digest.md", markdown_digest(done, failed, stamp, zone))
    write_atomic(out / "digest.html", html_digest(done, failed, stamp, zone))
    write_atomic(out / "digest.json", json_digest(done, failed, stamp, zone))
