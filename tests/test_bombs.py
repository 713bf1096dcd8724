"""Office files as bombs: refused in one line before anything is decompressed or parsed, with the
process's memory barely moved (issue 32's doors, the documents' part)."""

from __future__ import annotations

import io
import resource
import struct
import zipfile

import pytest

from documents_kit import make_docx
from translator.documents.formats import package
from translator.errors import InputError

from helpers import SENTENCES


def _docx() -> bytes:
    return make_docx(
        "Kepala", "Judul", "Pemerintah kota mulai ", "menguji", " bus listrik.", SENTENCES[2], SENTENCES[1]
    )


def _declare(data: bytes, part: str, size: int) -> bytes:
    """The archive with ``part``'s uncompressed size in its central directory set to ``size``: what
    a crafted bomb claims (the reader must believe no less than the header, and read nothing)."""
    out = bytearray(data)
    offset = 0
    while (offset := out.find(b"PK\x01\x02", offset)) != -1:
        name_length = struct.unpack_from("<H", out, offset + 28)[0]
        name = bytes(out[offset + 46 : offset + 46 + name_length]).decode()
        if name == part:
            struct.pack_into("<I", out, offset + 24, size)
            return bytes(out)
        offset += 46
    raise AssertionError(f"{part} not in the archive")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_part_that_claims_gigabytes_is_refused_with_no_memory_spent():
    bomb = _declare(_docx(), "word/document.xml", 3_500_000_000)
    before = _peak_mb()
    with pytest.raises(InputError, match=r"zip bomb|over the limit"):
        package.Package(bomb, "bom.docx", package.DOCX)
    assert _peak_mb() - before < 200


def test_one_parsed_part_over_its_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(package, "MAX_XML_PART", 1000)
    with pytest.raises(InputError, match=r"word/document.xml is \d+ MB of XML, over the limit"):
        package.Package(_docx(), "besar.docx", package.DOCX)


def test_an_archive_of_too_many_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(package.MAX_PARTS + 1):
            archive.writestr(f"x/{i}", b"")
    with pytest.raises(InputError, match="parts in the archive, over the limit"):
        package.Package(out.getvalue(), "banyak.docx", package.DOCX)


def test_deep_nesting_is_refused_as_malformed_not_parsed():
    deep = "<a>" * 5000 + "</a>" * 5000
    document = (
        '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{deep}</w:body></w:document>"
    )
    source = zipfile.ZipFile(io.BytesIO(_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = document.encode() if info.filename == "word/document.xml" else source.read(info)
            archive.writestr(info, data)
    with pytest.raises(InputError, match="not well-formed XML"):
        package.Package(out.getvalue(), "dalam.docx", package.DOCX)


def test_entities_are_never_expanded():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "hahahahahahahaha">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>"
    )
    try:
        tree = package._parse(laughs.encode(), "tawa.docx", "word/document.xml")
    except InputError as refused:  # libxml2 2.11 and later refuse the amplification outright
        assert "entity" in str(refused).lower()
        return
    assert len("".join(tree.itertext())) < 1000, "an entity was expanded"
