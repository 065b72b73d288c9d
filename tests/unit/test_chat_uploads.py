"""Uploaded specs: real small files of every supported kind, and every way a file can be wrong."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
import yaml
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from webnova.chat.uploads import (
    MAX_DOCUMENT_BYTES,
    MAX_SPEC_CHARS,
    MAX_TEXT_BYTES,
    UploadKind,
    describe_upload,
    plain,
    read_upload,
    read_upload_file,
)
from webnova.generator.catalog import load_catalog, preset_yaml


def _pdf(text: str | None, *, encrypt: bool = False) -> bytes:
    """A one-page PDF whose content stream draws `text` (or a blank page)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    if text is not None:
        font = DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        })
        page[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)}),
        })
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 20 150 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if encrypt:
        writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _docx(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _valid_blueprint_yaml() -> str:
    return preset_yaml(load_catalog().templates[0])


def test_markdown_spec_is_read_as_text_with_blank_line_runs_collapsed() -> None:
    upload = read_upload("brief.md", b"# Clinic\n\n\n\nBook appointments.  \r\n")

    assert upload.ok
    assert upload.kind is UploadKind.MARKDOWN
    assert upload.text == "# Clinic\n\nBook appointments."


def test_arabic_text_spec_with_bom_is_read() -> None:
    upload = read_upload("spec.txt", "\ufeffمنصة لحجز المواعيد".encode())

    assert upload.ok
    assert upload.text == "منصة لحجز المواعيد"


def test_pdf_spec_text_is_extracted() -> None:
    upload = read_upload("spec.pdf", _pdf("A marketplace for local bakeries"))

    assert upload.ok, upload.error
    assert upload.kind is UploadKind.PDF
    assert "marketplace for local bakeries" in upload.text


def test_docx_spec_paragraphs_and_tables_are_extracted() -> None:
    data = _docx("School portal", "Teachers post grades.", table=[["Role", "Can"], ["Parent",
                                                                                 "read"]])
    upload = read_upload("spec.docx", data)

    assert upload.ok, upload.error
    assert "Teachers post grades." in upload.text
    assert "Parent | read" in upload.text


def test_valid_yaml_blueprint_is_validated() -> None:
    upload = read_upload("shop.yaml", _valid_blueprint_yaml().encode())

    assert upload.ok
    assert upload.blueprint is not None
    assert "is a valid blueprint" in describe_upload(upload)


def test_json_blueprint_is_validated_as_json() -> None:
    document = yaml.safe_load(_valid_blueprint_yaml())

    good = read_upload("shop.json", json.dumps(document).encode())
    yaml_named_json = read_upload("shop.json", yaml.safe_dump(document).encode())

    assert good.blueprint is not None
    assert not yaml_named_json.ok
    assert yaml_named_json.issues


def test_broken_blueprint_reports_field_paths() -> None:
    document = yaml.safe_load(_valid_blueprint_yaml())
    document["entities"][0]["fields"][0]["type"] = "teleporter"
    upload = read_upload("broken.yml", yaml.safe_dump(document).encode())

    assert not upload.ok
    assert upload.blueprint is None
    message = describe_upload(upload)
    assert "is not a valid blueprint" in message
    assert "`entities[0].fields[0].type`" in message


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("notes.md", b"   \n\t\n", "empty"),
        ("empty.pdf", b"", "empty"),
        ("blob.txt", b"abc\x00\x01\x02def", "binary"),
        ("latin.txt", "café crème".encode("latin-1"), "not_utf8"),
        ("fake.pdf", b"this is not a pdf at all", "unreadable"),
        ("fake.docx", b"PK\x03\x04 truncated zip", "unreadable"),
        ("plain.docx", b"just text renamed to docx", "unreadable"),
        ("tool.exe", b"MZ\x90\x00", "unsupported_type"),
        ("noextension", b"hello", "unsupported_type"),
    ],
)
def test_bad_files_get_a_clear_error(name: str, data: bytes, code: str) -> None:
    upload = read_upload(name, data)

    assert not upload.ok
    assert upload.error is not None
    assert upload.error.code == code
    assert describe_upload(upload).startswith("**")


def test_truncated_pdf_is_unreadable_not_a_crash() -> None:
    data = _pdf("Complete document")

    upload = read_upload("cut.pdf", data[: len(data) // 3])

    assert upload.error is not None
    assert upload.error.code in {"unreadable", "no_text"}


def test_pdf_without_text_asks_for_a_text_version() -> None:
    upload = read_upload("scan.pdf", _pdf(None))

    assert upload.error is not None
    assert upload.error.code == "no_text"


def test_encrypted_pdf_is_refused_with_a_reason() -> None:
    upload = read_upload("locked.pdf", _pdf("secret plan", encrypt=True))

    assert upload.error is not None
    assert upload.error.code == "encrypted"


def test_oversized_files_are_refused_per_type() -> None:
    text = read_upload("big.md", b"a" * (MAX_TEXT_BYTES + 1))
    pdf = read_upload("big.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES)
    blueprint = read_upload("big.yaml", b"a: " + b"b" * (MAX_TEXT_BYTES + 1))

    for upload in (text, pdf, blueprint):
        assert upload.error is not None
        assert upload.error.code == "too_large"
    assert "10 MB" in describe_upload(pdf)


def test_oversized_file_on_disk_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    with path.open("wb") as handle:
        handle.truncate(MAX_TEXT_BYTES + 10)  # sparse: the check must not need the bytes

    upload = read_upload_file("big.txt", path)

    assert upload.error is not None
    assert upload.error.code == "too_large"


def test_missing_file_on_disk_is_unreadable(tmp_path: Path) -> None:
    upload = read_upload_file("gone.md", tmp_path / "nothing")

    assert upload.error is not None
    assert upload.error.code == "unreadable"


def test_very_long_spec_is_cut_and_says_so() -> None:
    upload = read_upload("long.txt", ("word " * (MAX_SPEC_CHARS // 4)).encode())

    assert upload.ok
    assert upload.truncated
    assert len(upload.text) == MAX_SPEC_CHARS
    assert "Only the first" in describe_upload(upload)


def test_html_in_file_names_is_shown_as_text() -> None:
    upload = read_upload("<img src=x onerror=alert(1)>.exe", b"x")

    message = describe_upload(upload)

    assert "**<img" not in message
    assert "\\<img src=x onerror=alert(1)\\>" in message
    assert plain("a*b_c") == "a\\*b\\_c"
