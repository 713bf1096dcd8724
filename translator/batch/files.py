"""A folder of files in, a folder of translated files out: each .docx, .pptx, .odt, .srt, .pdf (and
.txt) under the input becomes the same kind of file (a PDF's as .docx or Markdown) at the same
relative path under the output, named NAME.en.SUFFIX. Every file gets one record in
``translator-files.jsonl`` in the output folder (its output, or the reason it failed), so a rerun
skips what is done, ``retry_failed`` redoes what failed, and no file is skipped without a record.
A translated file is written whole (a temporary file, then a rename) before its record.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from ..errors import TranslatorError, first_line
from ..formats import SUFFIXES
from ..output import write_atomic
from .local import Stats
from .records import RecordWriter
from .resume import ResumeState

RECORDS = "translator-files.jsonl"


def list_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def run_file_batch(
    pipeline_source: Callable[[], object],
    root: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    summary: str = "top",
    pdf_as: str = ".docx",
    force: bool = False,
    retry_failed: bool = False,
    on_file: Callable[[str, str | None], None] | None = None,
) -> Stats:
    """Translate every file under ``root`` not yet done in ``out_dir``; the pipeline is loaded only
    when a file needs it."""
    from ..formats import output_suffix

    started = time.perf_counter()
    source, target = Path(root), Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    state = ResumeState.repair_and_read(target / RECORDS)
    stats = Stats()
    loaded: list = []
    writer = RecordWriter(target / RECORDS)
    try:
        for path in list_files(source):
            name = path.relative_to(source).as_posix()
            if name in state and not (retry_failed and state.failed(name)):
                stats.skipped += 1
                stats.earlier_failed += state.failed(name)
                continue
            stats.retried += name in state
            out = target / path.relative_to(source).with_name(
                f"{path.stem}.en{output_suffix(path.name, pdf_as)}"
            )
            if not loaded:  # a model that cannot load stops the batch: it is not the files' fault
                loaded.append(pipeline_source())
            record = _translate_one(loaded[0], path, out, name, target, summary, pdf_as, force)
            if record["error"] is None:
                stats.ok += 1
                stats.sentences += record["sentences"]
            else:
                stats.failed += 1
                stats.failures.append(f"{name}: {record['error']}")
            writer.write(record)
            writer.sync()
            if on_file:
                on_file(name, record["error"])
    finally:
        writer.close()
        stats.seconds = time.perf_counter() - started
    return stats


def _translate_one(pipeline, path: Path, out: Path, name: str, target: Path, summary, pdf_as, force) -> dict:
    """One file translated and written whole; its record (with the reason when it failed)."""
    from ..formats import translate_file

    record: dict = {"id": name, "error": None, "output": out.relative_to(target).as_posix()}
    try:
        done = translate_file(
            pipeline, path.read_bytes(), path.name, summary=summary, pdf_as=pdf_as, force=force
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, done.data)
        if done.summary:
            write_atomic(out.with_name(f"{out.stem}.summary.txt"), done.summary + "\n")
    except (TranslatorError, OSError) as e:
        record.update(error=first_line(e), output=None)
        return record
    warnings = [w.to_dict() for w in done.result.warnings]
    record.update(signature=done.result.signature, sentences=len(done.result.segments), warnings=warnings)
    return record
