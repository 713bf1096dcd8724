"""Small documents of each kind, made in the test (no files shipped): PDF and ODT by hand, the
office formats with their own libraries."""

from __future__ import annotations

import io
import zipfile


def make_pdf(pages: list[list[str]], text: bool = True) -> bytes:
    """A PDF whose pages hold these lines in Helvetica (or, without ``text``, only a drawing)."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for number, lines in enumerate(pages):
        if text:
            rows = []
            for i, line in enumerate(lines):
                escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                rows.append(f"BT /F1 11 Tf 72 {760 - 16 * i} Td ({escaped}) Tj ET")
            stream = "\n".join(rows).encode("latin-1")
        else:
            stream = b"0.5 g 72 400 200 200 re f"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * number} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:text>
<text:h text:outline-level="1">{heading}</text:h>
<text:p>{before}<text:span text:style-name="Bold">{bold}</text:span>{after}</text:p>
<text:p text:style-name="Standard">{plain}</text:p>
</office:text></office:body></office:document-content>
"""
ODT_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def make_odt(heading: str, before: str, bold: str, after: str, plain: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("META-INF/manifest.xml", ODT_MANIFEST)
        content = ODT_CONTENT.format(heading=heading, before=before, bold=bold, after=after, plain=plain)
        archive.writestr("content.xml", content)
    return out.getvalue()


def make_docx(header: str, heading: str, before: str, bold: str, after: str, cell: str, item: str) -> bytes:
    from docx import Document

    document = Document()
    document.sections[0].header.paragraphs[0].text = header
    document.add_heading(heading, level=1)
    paragraph = document.add_paragraph(before)
    paragraph.add_run(bold).bold = True
    paragraph.add_run(after)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = cell
    table.cell(0, 1).text = "2.500"
    document.add_paragraph(item, style="List Bullet")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pptx(slides: list[tuple[str, str]]) -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for title, body in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
