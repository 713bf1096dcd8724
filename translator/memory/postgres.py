"""The translation memory and people's corrections in PostgreSQL, shared by every replica of the
service (and by the CLI and batches given the same ``database:``). The same keys, values, size
bound and rules as the SQLite file (store.py, corrections.py); what differs is only where the
rows live.

Several replicas write at once: a write takes its rows in key order (no two writers wait on each
other in a circle), and the size kept in ``memory_meta`` is updated in the same transaction as
the rows it counts.
"""

from __future__ import annotations

from typing import Iterable

from ..database import Database, open_database
from ..database.postgres import NOW
from ..models.base import Generated
from .corrections import COLUMNS, LOCAL, Correction, CorrectionStore, checked, normal
from .store import DEFAULT_MAX_MB, ENTRY_OVERHEAD, Stats, decode, encode

USED_S = 60  # a hit marks its entry used again only when its mark is older than this (LRU to the minute)


class PostgresMemory:
    """Sentence translations in the shared database; the ``Memory`` protocol."""

    def __init__(self, url: str, max_mb: float = DEFAULT_MAX_MB) -> None:
        self.db: Database = open_database(url)
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.notes: list[str] = []

    @property
    def path(self) -> str:
        return self.db.shown

    def get_many(self, keys: list[str]) -> dict[str, Generated]:
        """The stored outputs for those ``keys`` that are held; marks them used, counts hits and misses."""
        if not keys:
            return {}
        # One statement, one round trip: the rows, their use marked (only when it is older than
        # USED_S: a hot sentence is not rewritten on every hit) and the hits and misses counted.
        rows = self.db.query(
            "WITH found AS (SELECT key, value, used FROM memory WHERE key = ANY(%(keys)s)), "
            f"touched AS (UPDATE memory SET used = {NOW} WHERE key IN (SELECT key FROM found WHERE used < "
            f"{NOW} - {USED_S})), "
            "counted AS (UPDATE memory_meta SET value = value + CASE name WHEN 'hits' THEN (SELECT count(*) "
            "FROM found) ELSE %(asked)s - (SELECT count(*) FROM found) END WHERE name IN ('hits', 'misses')) "
            "SELECT key, value FROM found",
            {"keys": keys, "asked": len(keys)},
        )
        return {key: decode(value) for key, value in rows}

    def put_many(self, items: Iterable[tuple[str, Generated] | tuple[str, Generated, str]]) -> None:
        """Store outputs by key (the last of a key given twice wins); a third element, the source
        text, is kept for exports."""
        rows = {key: encode(g, *source) for key, g, *source in items}
        if not rows:
            return
        keys = sorted(rows)
        values = [rows[k] for k in keys]
        added = sum(len(k) + len(v) + ENTRY_OVERHEAD for k, v in zip(keys, values))
        # One statement (atomic, one round trip): the rows written and the size kept in memory_meta
        # moved by what they add less what they replace (``old`` sees the table before the write).
        found = self.db.query(
            "WITH old AS (SELECT coalesce(sum(length(key) + length(value) + %(overhead)s), 0) AS n FROM "
            "memory WHERE key = ANY(%(keys)s)), "
            f"written AS (INSERT INTO memory SELECT k, v, {NOW} FROM unnest(%(keys)s::text[], "
            "%(values)s::text[]) AS t(k, v) ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "used = excluded.used) "
            "UPDATE memory_meta SET value = value + %(added)s - (SELECT n FROM old) WHERE name = 'bytes' "
            "RETURNING value",
            {"overhead": ENTRY_OVERHEAD, "keys": keys, "values": values, "added": added},
        )
        if found and int(found[0][0]) > self.max_bytes:
            self._evict(int(found[0][0]))

    def _evict(self, size: int) -> None:
        """Least recently used out first, a tenth at a time, until the data fits the bound."""
        with self.db.connection() as conn, conn.transaction():
            while size > self.max_bytes:
                counted = conn.execute("SELECT count(*) FROM memory").fetchone()
                dropped = conn.execute(
                    "DELETE FROM memory WHERE key IN (SELECT key FROM memory ORDER BY used LIMIT %s "
                    "FOR UPDATE SKIP LOCKED) RETURNING length(key) + length(value) + %s",
                    (max(1, (counted[0] if counted else 0) // 10), ENTRY_OVERHEAD),
                ).fetchall()
                if not dropped:
                    break
                freed = sum(r[0] for r in dropped)
                conn.execute("UPDATE memory_meta SET value = value - %s WHERE name = 'bytes'", (freed,))
                size -= freed

    def corrections(self) -> CorrectionStore:
        return PostgresCorrections(self.db)

    def stats(self) -> Stats:
        entries = self.db.query("SELECT count(*) FROM memory")[0][0]
        meta = dict(self.db.query("SELECT name, value FROM memory_meta"))
        return Stats(self.path, int(entries), int(meta["bytes"]), int(meta["hits"]), int(meta["misses"]))

    def close(self) -> None:
        self.db.close()


class PostgresCorrections:
    """People's corrections in the shared database; the ``CorrectionStore`` protocol."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self,
        source: str,
        translation: str,
        who: str = LOCAL,
        force: bool = False,
        created: float | None = None,
    ) -> Correction:
        """Record a correction; refused with the reason (``CorrectionRefused``) unless ``force``."""
        row = checked(source, translation, force, created)
        with self.db.connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO corrections (source, translation, who, created) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                (row[0], row[1], who, row[2]),
            )
            found = conn.execute(
                f"SELECT {COLUMNS} FROM corrections WHERE source = %s AND translation = %s AND who = %s "
                "AND created = %s",
                (row[0], row[1], who, row[2]),
            ).fetchone()
        assert found is not None
        return Correction(*found)

    def latest(self, sources: list[str]) -> dict[str, Correction]:
        """The latest correction of each of ``sources`` that has one, by the source as given."""
        wanted = {normal(s): s for s in sources if s.strip()}
        if not wanted:
            return {}
        rows = self.db.query(
            f"SELECT {COLUMNS} FROM corrections WHERE id IN (SELECT max(id) FROM corrections "
            "WHERE source = ANY(%s) GROUP BY source)",
            (list(wanted),),
        )
        return {wanted[row[1]]: Correction(*row) for row in rows}

    def all(self, history: bool = False) -> list[Correction]:
        """Every sentence's latest correction, newest first; with ``history``, every one ever made."""
        where = "" if history else "WHERE id IN (SELECT max(id) FROM corrections GROUP BY source)"
        return [
            Correction(*r)
            for r in self.db.query(f"SELECT {COLUMNS} FROM corrections {where} ORDER BY id DESC")
        ]

    def history(self, source: str) -> list[Correction]:
        """The corrections of one sentence, newest first."""
        rows = self.db.query(
            f"SELECT {COLUMNS} FROM corrections WHERE source = %s ORDER BY id DESC", (normal(source),)
        )
        return [Correction(*row) for row in rows]

    def delete(self, correction_id: int) -> bool:
        """Remove one correction (its sentence falls back to the one before, or to the model)."""
        with self.db.connection() as conn:
            return conn.execute("DELETE FROM corrections WHERE id = %s", (correction_id,)).rowcount > 0
