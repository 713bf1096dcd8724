"""Rendering a Result as text, JSON or Markdown, and writing files atomically."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from ..errors import OutputError
from ..types import Result, Segment

OUTPUT_FORMATS = ("text", "json", "markdown")


def render(
    result: Result,
    fmt: str,
    *,
    translation: bool = True,
    summary: bool = True,
    side_by_side: bool = False,
    headings: bool = True,
) -> str:
    """``translation`` / ``summary`` say which parts to show; without ``headings`` plain text is
    just the text, for pipes (the translate and summarize commands)."""
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(result, translation, summary, side_by_side)
    parts = []
    if result.source is not None:
        parts.append(f"Source\n------\n{result.source.line()}\n{result.source.url}\n")
    if summary:
        parts.append("Summary\n-------\n" + result.summary + "\n")
    if translation:
        parts.append("Translation\n-----------\n" + result.translation + "\n")
    if translation and side_by_side:
        parts.append("Side by side\n------------\n" + _pairs(result) + "\n")
    if not headings:
        shown = [p for p, on in ((result.summary, summary), (result.translation, translation)) if on]
        shown += [_pairs(result)] if translation and side_by_side else []
        return "\n\n".join(shown) + "\n"
    return "\n".join(parts)


def _pairs(result: Result) -> str:
    """Each segment numbered from 1, its Indonesian and its English on lines of their own."""
    width = len(str(len(result.segments)))
    rows = []
    for i, segment in enumerate(result.segments, start=1):
        rows.append(
            f"{i:>{width}}  ID  {' '.join(segment.source.split())}\n{'':>{width}}  EN  {segment.translation}"
        )
    return "\n".join(rows)


def _markdown(result: Result, translation: bool, summary: bool, side_by_side: bool) -> str:
    out = []
    if result.source is not None:
        source = result.source
        rest = result.source.line()[len(source.title or source.url) :]
        out.append(f"## Source\n\n[{_escape(source.title or source.url)}]({source.url}){_escape(rest)}\n")
    if summary:
        out.append("## Summary\n\n" + (result.summary or "_(no summary)_") + "\n")
    if translation:
        out.append("## Translation\n\n" + result.translation + "\n")
        if side_by_side:
            rows = ["| # | Indonesian | English | Confidence |", "|---:|---|---|---:|"]
            for i, segment in enumerate(result.segments, start=1):
                cells = (_cell(segment.source), _cell(segment.translation), _confidence(segment))
                rows.append(f"| {i} | {' | '.join(cells)} |")
            out.append("## Side by side\n\n" + "\n".join(rows) + "\n")
    if result.warnings:
        out.append(
            "## Flags\n\n" + "\n".join(f"- `{w.kind}` {_escape(str(w))}" for w in result.warnings) + "\n"
        )
    return "\n".join(out)


def _confidence(segment: Segment) -> str:
    """The model's confidence, or where the translation came from when no model made it."""
    if segment.origin in ("correction", "source"):
        return segment.origin
    return "" if segment.confidence is None else f"{segment.confidence:.2f}"


def _cell(text: str) -> str:
    return _escape(text).replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("`", "\\`")


def guard_output(
    target: str | os.PathLike[str], inputs: "list[str | os.PathLike[str]]", overwrite: bool = False
) -> None:
    """Refuse, before any work, an output that is one of the run's inputs (never, whatever the
    flags), or a file that exists and this run did not write (unless ``overwrite``)."""
    path = Path(target)
    for source in inputs:
        if source in (None, "-") or not Path(source).exists():
            continue
        if path.exists() and os.path.samefile(path, source) or path.resolve() == Path(source).resolve():
            raise OutputError(
                f"{target}: is the input {source}; translator never writes over its input: choose another "
                "output name"
            )
    if path.exists() and not overwrite:
        raise OutputError(
            f"{target}: exists already; add --overwrite to replace it, or choose another output"
        )


def write_atomic(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Write ``text`` to ``path`` through a temp file and a rename: a reader, or a crash, sees the
    old file or the new one, never half of one."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"{target}: is a directory; --output needs a file path")
    if not directory.is_dir():
        raise OutputError(f"{target}: the directory {directory} does not exist")
    temp = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
    # Created with mode 0o666, so the process umask applies as it does to any new file (without
    # reading the umask, which can only be done by setting it, for every thread at once).
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o777)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
