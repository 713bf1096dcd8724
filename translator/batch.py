"""Batch translation of many documents into a JSONL file that survives crashes and bad input.

Every document gets exactly one record: its results, or ``error`` with the reason. Records are
appended whole, one write each, and flushed; a rerun of the same command skips the ids already in
the output, after cutting off a last line torn by a crash. Sentences of several documents share
batches (``Pipeline.run_many``), so short documents do not each pay for a half-empty batch.
"""

from __future__ import annotations

import csv
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .documents import FORMATS, detect_format, document_from_bytes, to_document
from .errors import InputError, TranslatorError

DOCUMENT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm"}
DEFAULT_POOL_DOCS = 16


@dataclass(frozen=True)
class Item:
    """One input document: its text, or why it has none."""

    id: str
    text: str | None
    error: str | None = None
    notes: tuple[str, ...] = ()


@dataclass
class Stats:
    ok: int = 0
    failed: int = 0
    skipped: int = 0  # already in the output from an earlier run
    duplicates: int = 0  # ids met twice in the input; the later ones are not processed
    earlier_failed: int = 0  # records with an error written by an earlier run
    sentences: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        total = self.ok + self.failed + self.skipped
        parts = [f"{total} documents: {self.ok} ok, {self.failed} failed, {self.skipped} skipped (already in the output)"]
        if self.earlier_failed:
            parts.append(f"{self.earlier_failed} of the skipped had failed before")
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate id(s) ignored")
        parts.append(f"{self.sentences} sentences, {self.seconds:.1f} s")
        return "; ".join(parts)

    @property
    def any_failed(self) -> bool:
        return bool(self.failed or self.earlier_failed)

    def add(self, outcome: "Outcome") -> None:
        if outcome.failure is None:
            self.ok += 1
            self.sentences += outcome.sentences
        else:
            self.failed += 1
            self.failures.append(outcome.failure)


def read_items(source: str | os.PathLike[str], text_field: str = "text", id_field: str = "id", fmt: str = "auto") -> Iterator[Item]:
    """Documents from a directory (.txt/.md/.html files), a JSONL file, or a CSV file with a header."""
    path = Path(source)
    if fmt not in FORMATS:
        raise InputError(f"unknown input format {fmt!r}; use one of {', '.join(FORMATS)}")
    if path.is_dir():
        return _from_directory(path, fmt)
    if not path.exists():
        raise InputError(f"{source}: no such file or directory")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return _from_jsonl(path, text_field, id_field, fmt)
    if suffix == ".csv":
        return _from_csv(path, text_field, id_field, fmt)
    raise InputError(f"{source}: expected a directory, a .jsonl file or a .csv file")


def _from_directory(root: Path, fmt: str) -> Iterator[Item]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)
    if not files:
        raise InputError(f"{root}: no .txt, .md or .html files in this directory")
    for file in files:
        doc_id = file.relative_to(root).as_posix()
        try:
            document = document_from_bytes(file.read_bytes(), doc_id, fmt)
        except InputError as e:
            yield Item(doc_id, None, _without_name(str(e), doc_id))
        except OSError as e:
            yield Item(doc_id, None, f"cannot read ({e.strerror or e})")
        else:
            yield Item(doc_id, document.text, None, document.notes)


def _from_jsonl(path: Path, text_field: str, id_field: str, fmt: str) -> Iterator[Item]:
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fallback_id = f"line-{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                yield Item(fallback_id, None, f"line {number} is not JSON ({e.msg})")
                continue
            if not isinstance(record, dict):
                yield Item(fallback_id, None, f"line {number} is not a JSON object")
                continue
            yield _item(record, text_field, id_field, fallback_id, fmt)


def _from_csv(path: Path, text_field: str, id_field: str, fmt: str) -> Iterator[Item]:
    with _open_text(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or text_field not in reader.fieldnames:
            raise InputError(f"{path}: no column {text_field!r} in the header (columns: {', '.join(reader.fieldnames or [])}); use --text-field")
        for number, row in enumerate(reader, start=2):
            yield _item(row, text_field, id_field, f"row-{number}", fmt)


def _item(record: dict, text_field: str, id_field: str, fallback_id: str, fmt: str) -> Item:
    raw_id = record.get(id_field)
    doc_id = str(raw_id) if raw_id not in (None, "") else fallback_id
    text = record.get(text_field)
    if not isinstance(text, str):
        return Item(doc_id, None, f"no string field {text_field!r}" if text is None else f"field {text_field!r} is not a string")
    if "\x00" in text:
        return Item(doc_id, None, "looks like binary data (NUL character)")
    try:
        document = to_document(text, doc_id, fmt if fmt != "auto" else detect_format("", text))
    except InputError as e:
        return Item(doc_id, None, _without_name(str(e), doc_id))
    return Item(doc_id, document.text, None, document.notes)


def _open_text(path: Path, newline: str | None = None):
    try:
        return path.open("r", encoding="utf-8-sig", newline=newline, errors="strict")
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None


def _without_name(message: str, name: str) -> str:
    return message[len(name) + 2 :] if message.startswith(f"{name}: ") else message


def read_done(out: str | os.PathLike[str]) -> dict[str, bool]:
    """Ids already in ``out`` and whether each failed. A torn last line (a crash mid-write) is cut off."""
    path = Path(out)
    if not path.exists():
        return {}
    if path.is_dir():
        raise InputError(f"{out}: is a directory; --output needs a .jsonl file path")
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with path.open("r+b") as handle:
            handle.truncate(end)
        data = data[:end]
    done: dict[str, bool] = {}
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            done[str(record["id"])] = record.get("error") is not None
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
            raise InputError(f"{out}:{number}: not a record this tool wrote; fix or remove the line, or choose another --output") from None
    return done


class RecordWriter:
    """Appends one JSON line per record with a single write, flushed to disk per pool."""

    def __init__(self, path: str | os.PathLike[str]):
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as e:
            raise InputError(f"{path}: cannot write ({e.strerror or e})") from None

    def write(self, record: dict) -> None:
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        while data:
            data = data[os.write(self.fd, data) :]

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


def pending_items(items: Iterator[Item], done: dict[str, bool], stats: Stats, on_skip: Callable[[str], None] | None = None) -> Iterator[Item]:
    """The items still to do, each id once; counts the skipped and duplicate ones in ``stats``."""
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            stats.duplicates += 1
            if on_skip:
                on_skip(f"{item.id}: duplicate id in the input; only the first is processed")
            continue
        seen.add(item.id)
        if item.id in done:
            stats.skipped += 1
            stats.earlier_failed += done[item.id]
            continue
        yield item


def pools(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    """Consecutive groups of ``size`` items: the documents whose sentences share batches."""
    pool: list[Item] = []
    for item in items:
        pool.append(item)
        if len(pool) >= size:
            yield pool
            pool = []
    if pool:
        yield pool


def run_batch(
    pipeline,
    items: Iterator[Item],
    out: str | os.PathLike[str],
    *,
    summarize: bool = True,
    pool_docs: int = DEFAULT_POOL_DOCS,
    on_document: Callable[[int], None] | None = None,
    on_skip: Callable[[str], None] | None = None,
    force: bool = False,
) -> Stats:
    """Process every item not yet in ``out``; returns the counts for the summary line.
    ``pipeline`` may be None when every item is already done: it is only used for pending work."""
    started = time.perf_counter()
    done = read_done(out)
    stats = Stats()
    writer = RecordWriter(out)
    try:
        for pool in pools(pending_items(items, done, stats, on_skip), pool_docs):
            write_outcomes(writer, process_pool(pipeline, pool, summarize, force), stats, on_document)
    finally:
        writer.close()
        stats.seconds = time.perf_counter() - started
    return stats


def write_outcomes(writer: "RecordWriter", outcomes, stats: Stats, on_document: Callable[[int], None] | None) -> None:
    """Append each record as it comes, count it, and flush to disk at the end of the group."""
    for outcome in outcomes:
        writer.write(outcome.record)
        stats.add(outcome)
        if on_document:
            on_document(1)
    writer.sync()


@dataclass(frozen=True)
class Outcome:
    """One document's record, and what the summary line needs to know of it."""

    record: dict
    sentences: int = 0

    @property
    def failure(self) -> str | None:
        error = self.record["error"]
        return None if error is None else f"{self.record['id']}: {error}"


def process_pool(pipeline, items: list[Item], summarize: bool, force: bool) -> list[Outcome]:
    """Records for a pool of documents, in order: sentences pooled, failures pinned on their document."""
    readable = [item for item in items if item.error is None]
    try:
        outcomes = pipeline.run_many([item.text for item in readable], summarize=summarize, force=force) if readable else []
    except (TranslatorError, RuntimeError, ValueError, IndexError, MemoryError):
        outcomes = [_one(pipeline, item, summarize, force) for item in readable]  # pin the failure on its document
    by_id = {item.id: outcome for item, outcome in zip(readable, outcomes)}
    results = []
    for item in items:
        outcome = by_id.get(item.id, item.error)
        if isinstance(outcome, (str, Exception)):
            message = outcome if isinstance(outcome, str) else _message(outcome)
            results.append(Outcome(_error_record(item.id, message, pipeline, summarize)))
            continue
        record = {
            "id": item.id,
            "translation": outcome.translation,
            "summary": outcome.summary if summarize else None,
            "warnings": [{"kind": "input", "message": n, "segment": None, "detail": None} for n in item.notes]
            + [w.to_dict() for w in outcome.warnings],
            "error": None,
            "models": [m.to_dict() for m in outcome.models],
            "timings": outcome.timings,
            "signature": outcome.signature,
        }
        results.append(Outcome(record, len(outcome.segments)))
    return results


def _one(pipeline, item: Item, summarize: bool, force: bool):
    """One document alone, so that a failure is pinned on the document that caused it."""
    try:
        return pipeline.run_many([item.text], summarize=summarize, force=force)[0]
    except (TranslatorError, RuntimeError, ValueError, IndexError, MemoryError) as e:
        return e


def _message(error: Exception) -> str:
    if isinstance(error, TranslatorError):
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"{type(error).__name__}: {(str(error).splitlines() or [''])[0]}"


def _error_record(doc_id: str, message: str, pipeline, summarize: bool) -> dict:
    return {
        "id": doc_id,
        "translation": None,
        "summary": None,
        "warnings": [],
        "error": message,
        "models": [m.to_dict() for m in pipeline.models(summarize)],
        "timings": {},
        "signature": pipeline.signature(summarize),
    }
