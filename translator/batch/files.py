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
from typing import Any, Callable

from ..documents.formats import SUFFIXES, summary_path
from ..documents.output import write_atomic
from ..errors import TranslatorError, first_line
from ._records import RecordWriter
from .local import Stats
from .resume import ResumeState

RECORDS = "translator-files.jsonl"


def list_files(root: Path, skip: Path | None = None) -> list[Path]:
    """The files under ``root`` translator reads, but those under ``skip`` (an output folder
    inside the input: its translations are not inputs of the next run)."""
    skipped = skip.resolve() if skip is not None else None
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not (skipped is not None and p.resolve().is_relative_to(skipped))
    )


def plan_outputs(files: list[Path], source: Path, target: Path, pdf_as: str) -> dict[Path, Path]:
    """Each input's output path, decided before any work so that two inputs never share one:
    where they would (laporan.docx and laporan.pdf both as laporan.en.docx), the input of the
    output's own kind keeps the plain name and the others carry their suffix (laporan.pdf.en.docx)."""
    from ..documents.formats import output_suffix

    plain = {path: target / path.relative_to(source).with_name(
        f"{path.stem}.en{output_suffix(path.name, pdf_as)}") for path in files}  # fmt: skip
    claimed: dict[Path, list[Path]] = {}
    for path, out in plain.items():
        claimed.setdefault(out, []).append(path)
    plan = {}
    for out, paths in claimed.items():
        keeper = next((p for p in paths if p.suffix.lower() == out.suffix), paths[0])
        for path in paths:
            plan[path] = out if path == keeper else out.with_name(f"{path.name}.en{out.suffix}")
    return plan


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
    encoding: str | None = None,
    input_format: str = "auto",
    overwrite: bool = False,
) -> Stats:
    """Translate every file under ``root`` not yet done in ``out_dir``; the pipeline is loaded only
    when a file needs it. An output file that exists and no record of this folder names is not
    replaced unless ``overwrite`` (its input's record says why)."""
    started = time.perf_counter()
    source, target = Path(root), Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    state = ResumeState.repair_and_read(target / RECORDS)
    plan = plan_outputs(list_files(source, skip=target), source, target, pdf_as)
    ours = state.outputs(target)
    stats = Stats()
    loaded: list[Any] = []
    writer = RecordWriter(target / RECORDS)
    try:
        for path, out in plan.items():
            name = path.relative_to(source).as_posix()
            if name in state and not (retry_failed and state.failed(name)):
                stats.skipped += 1
                stats.earlier_failed += state.failed(name)
                continue
            stats.retried += name in state
            theirs = [p for p in _written_for(out, summary) if p.exists() and p.resolve() not in ours]
            if theirs and not overwrite:
                record = _refused(name, theirs[0].relative_to(target).as_posix())
            else:
                if not loaded:  # a model that cannot load stops the batch: it is not the files' fault
                    loaded.append(pipeline_source())
                options = dict(summary=summary, pdf_as=pdf_as, force=force, encoding=encoding,
                               input_format=input_format)  # fmt: skip
                record = _translate_one(loaded[0], path, out, name, target, options)
            if record["error"] is None:
                stats.ok += 1
                stats.empty += "skipped" in record
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


def _written_for(out: Path, summary: str) -> list[Path]:
    """The files a translation into ``out`` writes: the file, and its summary's file when the
    summary goes into one (asked for, or a subtitle file's)."""
    if summary == "file" or (summary != "none" and out.suffix == ".srt"):
        return [out, summary_path(out)]
    return [out]


def _refused(name: str, output: str) -> dict[str, Any]:
    reason = f"{output} exists already and this batch did not write it; rerun with --overwrite to replace it"
    return {"id": name, "error": reason, "output": None}


def _translate_one(
    pipeline: Any, path: Path, out: Path, name: str, target: Path, options: dict[str, Any]
) -> dict[str, Any]:
    """One file translated and written whole; its record (with the reason when it failed, and
    ``skipped`` when it had nothing to translate and was copied as it was)."""
    from ..documents.formats import translate_file

    record: dict[str, Any] = {"id": name, "error": None, "output": out.relative_to(target).as_posix()}
    try:
        done = translate_file(pipeline, path.read_bytes(), path.name, **options)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, done.data)
        if done.summary:
            write_atomic(summary_path(out), done.summary + "\n")
            record["summary_output"] = summary_path(out).relative_to(target).as_posix()
    except (TranslatorError, OSError) as e:
        record.update(error=first_line(e), output=None)
        return record
    warnings = [w.to_dict() for w in done.result.warnings]
    record.update(signature=done.result.signature, sentences=len(done.result.segments), warnings=warnings)
    if done.nothing:
        record["skipped"] = done.notes[0]
    return record
