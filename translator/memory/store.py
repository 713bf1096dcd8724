"""Translation memory: sentence translations kept in SQLite, so that repeated news boilerplate and
reruns of a batch cost no model time.

The key is a hash of everything that decides an output: the model id, revision, backend and
compute type, the generation, retry and candidate settings, the glossary, and the exact text the
model sees. A change to any of them misses; nothing stale is ever returned. One file serves the
threads of a Pipeline, the batch engine and several processes at once (WAL mode, a busy timeout);
it is bounded in size (least recently used out first, against a size kept in the file, so no
write scans the table), survives a kill mid-write (SQLite's transactions). A file another process
holds locked is waited on (the busy timeout) and never touched; only a corrupt or foreign file is
set aside, with a warning that says where it went.

The same file holds people's corrections (``corrections.py``): whole source sentences with their
human translation, never evicted, applied before any model runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol, Sequence

from ..cachedir import cache_dir
from ..models.base import Generated
from .corrections import COLUMNS, LOCAL, Correction, CorrectionStore, checked, normal

FORMAT = "translator-memory 1"
BUSY_TIMEOUT_S = 30.0
DEFAULT_MAX_MB = 500
ENTRY_OVERHEAD = 40  # bytes an entry costs beyond its key and value (row header, index)
# The data's size as the bound counts it, measured by a scan (only when a file is first opened, or
# after a bulk import; every other write keeps the count up to date).
MEASURED_BYTES = (
    f"SELECT CAST(coalesce(sum(length(key) + length(value) + {ENTRY_OVERHEAD}), 0) AS TEXT) FROM memory"
)


def default_path() -> Path:
    """``$TRANSLATOR_CACHE/memory.sqlite3``, or under ``$XDG_CACHE_HOME/translator`` or
    ``~/.cache/translator``."""
    return cache_dir() / "memory.sqlite3"


def memory_key(context: dict[str, Any], text: str) -> str:
    return hashlib.sha256(
        json.dumps([context, text], sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


@dataclass(frozen=True)
class Stats:
    path: str
    entries: int
    bytes: int
    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        return self.hits / (self.hits + self.misses) if self.hits + self.misses else 0.0


class Memory(Protocol):
    """What the engine asks of a translation memory (engine/translate.py): the outputs it holds for
    some keys, room for new ones, people's corrections kept beside them, and where it lives for
    messages. ``TranslationMemory`` is a SQLite file on this machine; ``PostgresMemory``
    (memory/postgres.py) is the database the service's replicas share. Both pass one contract
    test suite (tests/test_shared_state.py)."""

    @property
    def path(self) -> Path | str: ...  # the file, or the database's URL without its password

    notes: list[str]  # what happened on opening, for every Result

    def get_many(self, keys: list[str]) -> dict[str, Generated]: ...

    def put_many(self, items: Iterable[tuple[str, Generated] | tuple[str, Generated, str]]) -> None: ...

    def corrections(self) -> CorrectionStore: ...

    def close(self) -> None: ...


class TranslationMemory:
    """A SQLite file of translations. Safe to share between threads and processes."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        max_mb: float = DEFAULT_MAX_MB,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.path = Path(path)
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.busy_timeout_s = busy_timeout_s
        self.notes: list[str] = []  # what happened on opening: a file set aside
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = open_database(self.path, self.busy_timeout_s)
        except sqlite3.OperationalError:
            raise  # locked past the busy timeout, or no access: the file is someone's, never set aside
        except sqlite3.DatabaseError as e:
            aside = self.path.with_name(f"{self.path.name}.unreadable-{int(time.time())}")
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.notes.append(
                f"translation memory {self.path} was not readable ({e}); set aside as {aside}, starting a "
                "new one"
            )
            self._db = open_database(self.path, self.busy_timeout_s)

    def get_many(self, keys: list[str]) -> dict[str, Generated]:
        """The stored outputs for those ``keys`` that are in memory; counts hits and misses."""
        if not keys:
            return {}
        found: dict[str, Generated] = {}
        now = time.time()
        with self._lock:
            for chunk, marks in chunks(keys):
                query = f"SELECT key, value FROM memory WHERE key IN ({marks})"
                found.update((key, decode(value)) for key, value in self._db.execute(query, chunk))
            with _transaction(self._db):
                used = [(now, key) for key in found]
                self._db.executemany("UPDATE memory SET used = ? WHERE key = ?", used)
                self._count("hits", len(found))
                self._count("misses", len(keys) - len(found))
        return found

    def put_many(self, items: Iterable[tuple[str, Generated] | tuple[str, Generated, str]]) -> None:
        """Store outputs by key; a third element, the source text, is kept for exports (TMX)."""
        now = time.time()
        rows = [(key, encode(g, *source), now) for key, g, *source in items]
        if not rows:
            return
        with self._lock, _transaction(self._db):
            replaced = 0
            for chunk, marks in chunks([row[0] for row in rows]):
                query = (
                    "SELECT coalesce(sum(length(key) + length(value) + ?), 0) FROM memory "
                    f"WHERE key IN ({marks})"
                )
                replaced += self._db.execute(query, [ENTRY_OVERHEAD, *chunk]).fetchone()[0]
            self._db.executemany("INSERT OR REPLACE INTO memory VALUES (?, ?, ?)", rows)
            # characters, as SQLite's length() counts them
            added = sum(len(key) + len(value) + ENTRY_OVERHEAD for key, value, _ in rows)
            self._count("bytes", added - replaced)
            if self._bytes() > self.max_bytes:
                self._evict()

    def _bytes(self) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE name = 'bytes'").fetchone()[0])

    def _evict(self) -> None:
        """Least recently used out first, a tenth at a time, until the data fits ``max_bytes`` (the
        file's free pages are reused by later writes; the file does not grow past the bound)."""
        while self._bytes() > self.max_bytes:
            count = self._db.execute("SELECT count(*) FROM memory").fetchone()[0]
            dropped = self._db.execute(
                "DELETE FROM memory WHERE key IN (SELECT key FROM memory ORDER BY used LIMIT ?) RETURNING "
                "length(key) + length(value) + ?",
                (max(1, count // 10), ENTRY_OVERHEAD),
            ).fetchall()
            if not dropped:
                return
            self._count("bytes", -sum(row[0] for row in dropped))

    def _count(self, name: str, n: int) -> None:
        if n:
            self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE name = ?", (n, name))

    def corrections(self) -> CorrectionStore:
        """People's corrections, kept in this file."""
        return Corrections(self)

    def stats(self) -> Stats:
        with self._lock:
            entries = self._db.execute("SELECT count(*) FROM memory").fetchone()[0]
            meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
            size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return Stats(str(self.path), entries, size, int(meta.get("hits", 0)), int(meta.get("misses", 0)))

    def read(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one query (for the corrections and exports, which share this file)."""
        with self._lock:
            return self._db.execute(query, params).fetchall()

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one write transaction: all of it is written, or none."""
        with self._lock, _transaction(self._db):
            yield self._db

    def clear(self, corrections: bool = False) -> int:
        """Delete every model translation and the counters, and people's corrections only when
        ``corrections`` is asked for by name; returns how many rows went."""
        with self._lock:
            count = self._db.execute("SELECT count(*) FROM memory").fetchone()[0]
            self._db.execute("DELETE FROM memory")
            if corrections:
                count += self._db.execute("SELECT count(*) FROM corrections").fetchone()[0]
                self._db.execute("DELETE FROM corrections")
            self._db.execute("UPDATE meta SET value = '0' WHERE name IN ('hits', 'misses', 'bytes')")
            self._db.execute("VACUUM")
        return int(count)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Corrections:
    """People's corrections held in a memory's SQLite file, never evicted by its size bound."""

    def __init__(self, memory: TranslationMemory) -> None:
        self.memory = memory

    def add(
        self,
        source: str,
        translation: str,
        who: str = LOCAL,
        force: bool = False,
        created: float | None = None,
    ) -> Correction:
        """Record a correction; refused with the reason (``CorrectionRefused``) unless ``force``."""
        source, translation, created = checked(source, translation, force, created)
        with self.memory.writing() as db:
            db.execute(
                "INSERT OR IGNORE INTO corrections (source, translation, who, created) VALUES (?, ?, ?, ?)",
                (source, translation, who, created),
            )
            row = db.execute(
                f"SELECT {COLUMNS} FROM corrections WHERE source = ? AND translation = ? AND who = ? "
                "AND created = ?",
                (source, translation, who, created),
            ).fetchone()
        return Correction(*row)

    def latest(self, sources: list[str]) -> dict[str, Correction]:
        """The latest correction of each of ``sources`` that has one, by the source as given."""
        wanted = {normal(s): s for s in sources if s.strip()}
        found: dict[str, Correction] = {}
        for chunk, marks in chunks(list(wanted)):
            rows = self.memory.read(
                f"SELECT {COLUMNS} FROM corrections WHERE id IN (SELECT max(id) FROM corrections "
                f"WHERE source IN ({marks}) GROUP BY source)",
                chunk,
            )
            for row in rows:
                found[wanted[row[1]]] = Correction(*row)
        return found

    def all(self, history: bool = False) -> list[Correction]:
        """Every sentence's latest correction, newest first; with ``history``, every one ever made."""
        where = "" if history else "WHERE id IN (SELECT max(id) FROM corrections GROUP BY source)"
        rows = self.memory.read(f"SELECT {COLUMNS} FROM corrections {where} ORDER BY id DESC")
        return [Correction(*row) for row in rows]

    def history(self, source: str) -> list[Correction]:
        """The corrections of one sentence, newest first."""
        rows = self.memory.read(
            f"SELECT {COLUMNS} FROM corrections WHERE source = ? ORDER BY id DESC", (normal(source),)
        )
        return [Correction(*row) for row in rows]

    def delete(self, correction_id: int) -> bool:
        """Remove one correction (its sentence falls back to the one before, or to the model)."""
        with self.memory.writing() as db:
            return db.execute("DELETE FROM corrections WHERE id = ?", (correction_id,)).rowcount > 0


def open_database(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """The memory file opened (made, if new) and checked: raises DatabaseError for a file that is
    not a translator memory, OperationalError for one locked past the timeout or out of reach."""
    db = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "meta" not in tables:
            raise sqlite3.DatabaseError(
                f"not a translator memory (it holds the tables {', '.join(sorted(tables))})"
            )
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS memory (key TEXT PRIMARY KEY, value TEXT NOT NULL, used REAL NOT "
            "NULL)"
        )
        db.execute("CREATE INDEX IF NOT EXISTS memory_used ON memory (used)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS corrections (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT "
            "NULL, translation TEXT NOT NULL, who TEXT NOT NULL, created REAL NOT NULL, "
            "UNIQUE (source, translation, who, created))"
        )
        db.execute("CREATE INDEX IF NOT EXISTS corrections_source ON corrections (source, id)")
        db.execute(
            "INSERT OR IGNORE INTO meta VALUES ('format', ?), ('hits', '0'), ('misses', '0')", (FORMAT,)
        )
        found = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        if not found or found[0] != FORMAT:
            raise sqlite3.DatabaseError(
                f"not a translator memory (format {found[0] if found else 'missing'!r})"
            )
        db.execute("SELECT count(*) FROM memory").fetchone()
        # The data's size, kept up to date by every write: the bound is checked without a scan.
        # A file from before this row existed is measured once.
        db.execute(f"INSERT OR IGNORE INTO meta SELECT 'bytes', ({MEASURED_BYTES})")
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken at once (IMMEDIATE: another process waits, never deadlocks)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def chunks(keys: list[str], size: int = 500) -> Iterator[tuple[list[str], str]]:
    """``keys`` in chunks within SQLite's limit on parameters, each with its ``?`` marks."""
    for start in range(0, len(keys), size):
        chunk = keys[start : start + size]
        yield chunk, ",".join("?" * len(chunk))


def encode(g: Generated, source: str | None = None) -> str:
    fields = {"text": g.text, "new_tokens": g.new_tokens, "hit_cap": g.hit_cap, "retried": g.retried}
    alternatives = [a.text for a in g.alternatives] or None
    extra = {
        "reranked": g.reranked,
        "confidence": g.confidence,
        "alternatives": alternatives,
        "source": source,
    }
    return json.dumps({**fields, **{k: v for k, v in extra.items() if v is not None}}, ensure_ascii=False)


def decode(value: str) -> Generated:
    data = json.loads(value)
    return Generated(
        data["text"],
        data["new_tokens"],
        data["hit_cap"],
        data.get("retried", False),
        reranked=data.get("reranked"),
        cached=True,
        confidence=data.get("confidence"),
        alternatives=tuple(Generated(text, 0, False, cached=True) for text in data.get("alternatives", [])),
    )
