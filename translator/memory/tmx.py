"""The translation memory in and out as TMX 1.4, the format translators' tools (OmegaT, Trados,
memoQ) exchange memories in.

Each translation unit holds an Indonesian and an English variant. A property ``x-origin`` tells a
person's correction from a model's translation; a model's translation also carries ``x-key``, its
memory key (a hash of the model, its settings and the text), so an import restores it for the same
model and never for another. A unit from another tool, without ``x-origin``, is a person's
translation: it comes in as a correction. An import is one transaction and idempotent; an export is
written to a temporary file and moved into place, so a failure never leaves half a file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError, OutputError
from ..text.cleaning import xml_safe
from ..version import __version__
from .corrections import normal, problem
from .store import MEASURED_BYTES, TranslationMemory

MAX_TMX_MB = 200  # a larger file is refused before parsing
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TIME_FORMAT = "%Y%m%dT%H%M%SZ"


class TmxError(InputError):
    """A TMX file that cannot be imported: not XML, not TMX, no Indonesian-English unit, too big."""


@dataclass(frozen=True)
class Unit:
    """One translation unit: an Indonesian sentence and its English translation."""

    source: str
    target: str
    origin: str = "correction"  # "correction" (a person's) or "model"
    who: str = "import"
    created: float = 0.0
    key: str | None = None  # a model translation's memory key
    value: str | None = None  # a model translation's stored record (JSON), restored as it was


@dataclass
class ImportCount:
    """What an import did, unit by unit: every unit read is counted exactly once."""

    new: int = 0  # not in the memory before
    same: int = 0  # already there, identical: nothing written
    changed: int = 0  # a sentence whose latest correction (or a key whose translation) was another
    refused: dict[str, int] = field(default_factory=dict)  # reason -> units
    skipped: int = 0  # units without both languages, or model units without a key

    def refuse(self, reason: str) -> None:
        self.refused[reason] = self.refused.get(reason, 0) + 1

    def line(self) -> str:
        parts = [f"{self.new:,} new", f"{self.same:,} already there", f"{self.changed:,} changed"]
        refused = sum(self.refused.values())
        if refused:
            reasons = "; ".join(f"{n:,}: {reason}" for reason, n in sorted(self.refused.items()))
            parts.append(f"{refused:,} refused ({reasons}; --force takes them anyway)")
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped (no id/en pair, or a model unit without its key)")
        return ", ".join(parts)


def export_memory(memory: TranslationMemory, path: str | os.PathLike[str]) -> tuple[int, int]:
    """Write every correction (with its history) and every model translation whose source is known
    to ``path``; returns (units written, model entries left out for want of their source)."""
    units, unknown = list(_corrections(memory)), 0
    for key, value, used in memory.read("SELECT key, value, used FROM memory ORDER BY used"):
        record = json.loads(value)
        if not record.get("source"):
            unknown += 1
            continue
        units.append(Unit(record["source"], record["text"], "model", "model", used, key, value))
    write_tmx(path, units)
    return len(units), unknown


def _corrections(memory: TranslationMemory) -> Iterator[Unit]:
    rows = memory.read("SELECT source, translation, who, created FROM corrections ORDER BY id")
    for source, translation, who, created in rows:
        yield Unit(source, translation, "correction", who, created)


def import_memory(
    memory: TranslationMemory, path: str | os.PathLike[str], force: bool = False
) -> ImportCount:
    """Add ``path``'s units to the memory in one transaction: all of them, or nothing on an error.
    A unit already there is not added twice. A person's unit passes the checks ``memory correct``
    makes (not empty, not the source again, no number lost or added) unless ``force``."""
    units, skipped = read_tmx(path)
    count = ImportCount(skipped=skipped)
    with memory.writing() as db:
        for unit in units:
            if unit.origin == "model":
                _import_model(db, unit, count)
                continue
            source, target = normal(unit.source), unit.target.strip()
            reason = problem(source, target)
            if reason and not force:
                count.refuse(reason)
                continue
            latest = db.execute(
                "SELECT translation FROM corrections WHERE source = ? ORDER BY id DESC LIMIT 1", (source,)
            ).fetchone()
            added = db.execute(
                "INSERT OR IGNORE INTO corrections (source, translation, who, created) VALUES (?, ?, ?, ?)",
                (source, target, unit.who, unit.created),
            ).rowcount
            if not added:
                count.same += 1
            elif latest is None:
                count.new += 1
            else:
                count.changed += latest[0] != target
                count.same += latest[0] == target
        db.execute(f"UPDATE meta SET value = ({MEASURED_BYTES}) WHERE name = 'bytes'")  # once per import
    return count


def _import_model(db: sqlite3.Connection, unit: Unit, count: ImportCount) -> None:
    if not unit.key:
        count.skipped += 1
        return
    value = unit.value or json.dumps(
        {"text": unit.target, "new_tokens": 0, "hit_cap": False, "source": unit.source}, ensure_ascii=False
    )
    before = db.execute("SELECT value FROM memory WHERE key = ?", (unit.key,)).fetchone()
    if before is not None and before[0] == value:
        count.same += 1
        return
    db.execute("INSERT OR REPLACE INTO memory VALUES (?, ?, ?)", (unit.key, value, unit.created))
    if before is None:
        count.new += 1
    else:
        count.changed += 1


def write_tmx(path: str | os.PathLike[str], units: list[Unit]) -> None:
    """``units`` as a TMX 1.4 document at ``path``, written whole or not at all."""
    from lxml import etree

    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root,
        "header",
        creationtool="translator",
        creationtoolversion=__version__,
        segtype="sentence",
        datatype="plaintext",
        adminlang="en",
        srclang="id",
        **{"o-tmf": "translator-memory"},
    )
    body = etree.SubElement(root, "body")
    for unit in units:
        created = time.strftime(TIME_FORMAT, time.gmtime(unit.created or time.time()))
        tu = etree.SubElement(body, "tu", creationdate=created, creationid=unit.who)
        etree.SubElement(tu, "prop", type="x-origin").text = unit.origin
        if unit.key:
            etree.SubElement(tu, "prop", type="x-key").text = unit.key
        if unit.value:
            etree.SubElement(tu, "prop", type="x-record").text = unit.value
        for lang, text in (("id", unit.source), ("en", unit.target)):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
            etree.SubElement(tuv, "seg").text = xml_safe(text)[0]
    target = Path(path)
    try:
        handle = tempfile.NamedTemporaryFile("wb", dir=target.parent, prefix=f".{target.name}.", delete=False)
    except OSError as e:
        raise OutputError(f"{path}: cannot write ({e.strerror or e})") from None
    with handle:
        etree.ElementTree(root).write(handle, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    os.replace(handle.name, target)


def read_tmx(path: str | os.PathLike[str], max_mb: float = MAX_TMX_MB) -> tuple[list[Unit], int]:
    """The Indonesian-English units of a TMX file, and how many units lacked one of the two."""
    from lxml import etree

    try:
        size = os.path.getsize(path)
    except OSError as e:
        raise TmxError(f"{path}: cannot read ({e.strerror or e})") from None
    if size > max_mb * 1024 * 1024:
        raise TmxError(
            f"{path}: {size / 1024 / 1024:.0f} MB is over the limit of {max_mb:g} MB for a TMX file"
        )
    # No entities, no DTD, no network: a TMX file is data, never instructions to fetch anything.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as e:
        raise TmxError(f"{path}: not XML ({e})") from None
    if root.tag != "tmx" or root.find("body") is None:
        raise TmxError(f"{path}: not a TMX file (its root is <{root.tag}>, TMX needs <tmx> with a <body>)")
    units, skipped = [], 0
    for tu in root.iter("tu"):
        unit = _unit(tu)
        if unit is None:
            skipped += 1
        else:
            units.append(unit)
    if not units:
        raise TmxError(f"{path}: no translation unit has both an Indonesian (id) and an English (en) variant")
    return units, skipped


def _unit(tu: Any) -> Unit | None:  # an lxml element
    texts: dict[str, str] = {}
    for tuv in tu.iter("tuv"):
        lang = (tuv.get(XML_LANG) or tuv.get("lang") or "").lower().replace("_", "-").split("-")[0]
        lang = "id" if lang == "in" else lang  # the old ISO code of Indonesian
        seg = tuv.find("seg")
        if seg is not None and lang in ("id", "en"):
            texts.setdefault(lang, " ".join(seg_text(seg).split()))
    if not texts.get("id") or not texts.get("en"):
        return None
    props = {p.get("type"): (p.text or "") for p in tu.iter("prop")}
    origin = "model" if props.get("x-origin") == "model" else "correction"
    return Unit(
        texts["id"],
        texts["en"],
        origin,
        tu.get("creationid") or "import",
        _created(tu.get("creationdate")),
        props.get("x-key") or None,
        props.get("x-record") or None,
    )


# TMX 1.4b's inline elements: these hold the native code of the tool the text came from (tags of
# RTF, HTML, Word), never text; <hi> holds text; <sub> is text of the native code, so left out too.
_NATIVE = {"bpt", "ept", "it", "ph", "ut"}


def seg_text(element: Any) -> str:
    """The text of a <seg> (or <hi>): native code left out, each inline element's tail kept."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _NATIVE and child.tag != "sub":
            parts.append(seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _created(stamp: str | None) -> float:
    import calendar

    try:
        return float(calendar.timegm(time.strptime(stamp or "", TIME_FORMAT)))
    except ValueError:
        return 0.0  # unknown: the same on every import, so a second import adds nothing
