"""The translation memory: no model time for what it knows, no stale answers, safe to share."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from translator import Pipeline
from translator.memory.store import TranslationMemory
from translator.models.base import Generated

from helpers import CHILD_CWD, SENTENCES, cli, config_with_memory, running, spy_generate


def test_a_second_run_of_the_same_document_makes_no_generate_call(
    tiny_dirs, tmp_path, monkeypatch, example_text
):
    config = config_with_memory(tiny_dirs, tmp_path, tmp_path / "tm.sqlite3")
    first = Pipeline.from_config(config, summarize=False)(example_text, summarize=False)
    assert first.cache_hits == 0
    again = Pipeline.from_config(config, summarize=False)
    calls = spy_generate(monkeypatch, again.translator.model)
    second = again(example_text, summarize=False)
    assert calls == []
    assert second.cache_hits == sum(s.pieces for s in second.segments if any(c.isalnum() for c in s.source))
    assert [s.translation for s in second.segments] == [s.translation for s in first.segments]
    assert [f.to_dict() for f in second.warnings] == [f.to_dict() for f in first.warnings]


def test_any_change_that_decides_the_output_misses(tiny_dirs, tmp_path, monkeypatch):
    memory = tmp_path / "tm.sqlite3"
    base = config_with_memory(tiny_dirs, tmp_path, memory)
    Pipeline.from_config(base, summarize=False)(SENTENCES[0], summarize=False)
    beams = tmp_path / "beams.yaml"
    beams.write_text(
        base.read_text().replace("    num_beams: 1\n", "    num_beams: 2\n", 1), encoding="utf-8"
    )
    (tmp_path / "g.tsv").write_text("Bandung\tBandung City\n", encoding="utf-8")
    changed = [beams, config_with_memory(tiny_dirs, tmp_path, memory, "glossary: [g.tsv]\n")]
    for config in changed:
        pipeline = Pipeline.from_config(config, summarize=False)
        calls = spy_generate(monkeypatch, pipeline.translator.model)
        assert pipeline(SENTENCES[0], summarize=False).cache_hits == 0 and calls, config.name
    pipeline = Pipeline.from_config(base, summarize=False)
    calls = spy_generate(monkeypatch, pipeline.translator.model)
    assert pipeline(SENTENCES[0] + " ", summarize=False).cache_hits == 1 and not calls, (
        "the same text the model sees"
    )
    assert pipeline(SENTENCES[0].replace(".", "!"), summarize=False).cache_hits == 0 and calls


def _writer_code(path: Path, start: int, count: int) -> str:
    return (
        "import sys\n"
        "from translator.memory.store import TranslationMemory\n"
        "from translator.models.base import Generated\n"
        f"m = TranslationMemory({str(path)!r})\n"
        f"for i in range({start}, {start + count}, 10):\n"
        "    m.put_many((f'k{j}', Generated(f'text {j}', 3, False)) for j in range(i, i + 10))\n"
        "    m.get_many([f'k{j}' for j in range(0, i, 7)])\n"
        "    print(i, flush=True)\n"
    )


def test_four_processes_write_to_one_file_at_once_and_nothing_is_renamed_or_lost(tmp_path):
    path = tmp_path / "tm.sqlite3"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _writer_code(path, 200 * n, 300)],
            cwd=CHILD_CWD,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(4)
    ]
    try:
        errors = [p.communicate(timeout=300)[1].decode() for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
    assert [p.name for p in tmp_path.iterdir() if "unreadable" in p.name] == [], "a file in use was set aside"
    memory = TranslationMemory(path)
    assert (
        memory.notes == [] and memory.stats().entries == 900
    )  # keys 0..899, overlapping ranges written twice
    assert memory.get_many(["k0", "k899"])["k899"].text == "text 899"
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_kill_in_the_middle_of_writing_leaves_a_good_file(tmp_path):
    path = tmp_path / "tm.sqlite3"
    with running([sys.executable, "-c", _writer_code(path, 0, 100_000)]) as process:
        seen = 0
        deadline = time.monotonic() + 300
        while seen < 30 and time.monotonic() < deadline and process.poll() is None:
            if process.stdout.readline():
                seen += 1
        assert process.poll() is None, process.stderr.read().decode()
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    memory = TranslationMemory(path)
    assert memory.notes == [] and memory.stats().entries >= 290
    assert memory.get_many(["k5"])["k5"].text == "text 5"


@pytest.mark.parametrize(
    "content", [b"this is not a database at all" * 100, None], ids=["garbage", "foreign-sqlite"]
)
def test_a_corrupt_or_foreign_file_is_set_aside_with_a_warning(tmp_path, content):
    path = tmp_path / "tm.sqlite3"
    if content is None:
        sqlite3.connect(path).execute("CREATE TABLE songs (title TEXT)").connection.commit()
    else:
        path.write_bytes(content)
    memory = TranslationMemory(path)
    assert len(memory.notes) == 1 and f"set aside as {tmp_path}/tm.sqlite3.unreadable-" in memory.notes[0]
    assert any(p.name.startswith("tm.sqlite3.unreadable-") for p in tmp_path.iterdir())
    memory.put_many([("a", Generated("A.", 2, False))])
    assert memory.get_many(["a"])["a"].text == "A."


def test_an_unusable_place_means_no_memory_and_a_note_never_a_crash(tiny_dirs, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    config = config_with_memory(tiny_dirs, tmp_path, blocker / "tm.sqlite3")
    result = Pipeline.from_config(config, summarize=False)(SENTENCES[0], summarize=False)
    assert [w.kind for w in result.warnings][:1] == [
        "memory"
    ] and "translating without it" in result.warnings[0].message


def test_the_memory_is_bounded_and_keeps_what_is_used(tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite3", max_mb=0.02)  # about 20 KB of entries
    memory.put_many([("keep", Generated("kept", 1, False)), ("old", Generated("old", 1, False))])
    for batch in range(30):
        memory.put_many((f"k{batch}-{i}", Generated("x" * 40, 1, False)) for i in range(20))
        memory.get_many(["keep"])
    found = memory.get_many(["keep", "old"])
    assert "keep" in found and "old" not in found, "least recently used out first"
    used = (
        sqlite3.connect(memory.path)
        .execute("SELECT sum(length(key) + length(value) + 40) FROM memory")
        .fetchone()[0]
    )
    assert used <= 0.02 * 1024 * 1024


def test_cache_stats_and_clear_on_the_command_line(tiny_dirs, tmp_path):
    memory = tmp_path / "tm.sqlite3"
    config = config_with_memory(tiny_dirs, tmp_path, memory)
    for _ in range(2):
        assert cli("translate", "--config", str(config), stdin=SENTENCES[0].encode()).returncode == 0
    stats = cli("cache", "stats", "--config", str(config))
    out = stats.stdout.decode()
    assert (
        stats.returncode == 0
        and str(memory) in out
        and "1 entries" in out
        and "1 hits, 1 misses: hit rate 50%" in out
    )
    assert "cleared 1 entries" in cli("cache", "clear", "--config", str(config)).stdout.decode()
    assert (
        "0 entries" in cli("cache", "stats", "--cache", str(memory), "--config", str(config)).stdout.decode()
    )
    no_memory = cli(
        "translate", "--config", str(config), "--no-cache", "--format", "json", stdin=SENTENCES[0].encode()
    )
    assert '"cache_hits": 0' in no_memory.stdout.decode()


def test_a_locked_file_is_waited_on_and_never_set_aside(tmp_path):
    path = tmp_path / "tm.sqlite3"
    first = TranslationMemory(path)
    first.put_many([("a", Generated("A.", 2, False))])
    first.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")  # out of WAL, so that an exclusive lock blocks readers too
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            TranslationMemory(path, busy_timeout_s=0.2)
        assert sorted(p.name for p in tmp_path.iterdir() if "unreadable" in p.name) == [], (
            "a live file was renamed"
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert TranslationMemory(path).get_many(["a"])["a"].text == "A.", "nothing lost"


def test_the_size_bound_holds_without_scanning_the_table_on_each_write(tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite3", max_mb=0.02)
    statements: list[str] = []
    memory._db.set_trace_callback(statements.append)
    for batch in range(30):
        memory.put_many((f"k{batch}-{i}", Generated("x" * 40, 1, False)) for i in range(20))
    scans = [s for s in statements if "sum(" in s and "WHERE key IN" not in s]
    assert scans == [], scans[:2]
    db = sqlite3.connect(memory.path)
    used = db.execute("SELECT sum(length(key) + length(value) + 40) FROM memory").fetchone()[0]
    kept = int(db.execute("SELECT value FROM meta WHERE name = 'bytes'").fetchone()[0])
    assert used == kept <= 0.02 * 1024 * 1024, "the size kept in the file is the data's size"
    memory.put_many([("k0-0", Generated("y" * 400, 1, False))])  # a replaced entry is counted once
    assert (
        int(db.execute("SELECT value FROM meta WHERE name = 'bytes'").fetchone()[0])
        == db.execute("SELECT sum(length(key) + length(value) + 40) FROM memory").fetchone()[0]
    )


def test_a_memory_that_fails_mid_run_degrades_to_translating_without_it(tiny_dirs, tmp_path, monkeypatch):
    config = config_with_memory(tiny_dirs, tmp_path, tmp_path / "tm.sqlite3")
    pipeline = Pipeline.from_config(config, summarize=False)

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(pipeline.translator.memory, "get_many", broken)
    first = pipeline(SENTENCES[0], summarize=False)
    assert first.translation and pipeline.translator.memory is None
    flags = [w for w in first.warnings if w.kind == "memory"]
    assert (
        len(flags) == 1
        and "disk I/O error" in flags[0].message
        and "translating without it" in flags[0].message
    )
    again = pipeline(SENTENCES[1], summarize=False)
    assert [w.kind for w in again.warnings].count("memory") == 1, "every later Result says so, once"
