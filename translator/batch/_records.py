"""Batch records: one JSON line per document, ``{"id", "error", **Result.to_dict()}``, appended whole.

A failed document's record has the same keys, with ``error`` set and empty results, so that every
reader can rely on one schema whichever way a document ended.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from ..errors import OutputError
from ..types import Result


def result_record(doc_id: str, result: Result) -> dict[str, Any]:
    """The record of a document that was translated."""
    return {"id": doc_id, "error": None, **result.to_dict()}


def error_record(doc_id: str, message: str, models: list[dict[str, Any]], signature: str) -> dict[str, Any]:
    """The record of a document that failed: the same keys as a result, ``error`` says why."""
    return {
        "id": doc_id,
        "error": message,
        "translation": None,
        "summary": None,
        "segments": [],
        "warnings": [],
        "models": models,
        "timings": {},
        "summary_chunks": 0,
        "summary_rounds": 0,
        "summary_method": "",
        "signature": signature,
        "source_text": None,
        "cache_hits": 0,
        "source": None,
    }


@dataclass(frozen=True)
class Outcome:
    """One document's record, and what the summary line needs to know of it."""

    record: dict[str, Any]
    sentences: int = 0

    @property
    def failure(self) -> str | None:
        error = self.record["error"]
        return None if error is None else f"{self.record['id']}: {error}"


class RecordWriter:
    """Appends one JSON line per record with a single write, flushed to disk per pool."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as e:
            raise OutputError(f"{path}: cannot write ({e.strerror or e})") from None

    def write(self, record: dict[str, Any]) -> None:
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        while data:
            data = data[os.write(self.fd, data) :]

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)
