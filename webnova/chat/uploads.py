"""Files dropped into the chat: a spec to read (Markdown, text, PDF, DOCX) or a blueprint to check.

Pure functions over bytes, so every rule is unit-tested without Chainlit. The kind follows the file
extension, and the content must agree with it (a `.pdf` has to start like a PDF, a `.docx` has to
be a ZIP): a renamed binary is refused rather than half-read. Failures are data (`UploadError`
with a stable code and a message in the current language); nothing here raises for bad input.
Blueprints (YAML/JSON) go through `webnova.generator.validation.parse_blueprint`, so the issues
carry field paths such as `entities[0].fields[1].max_length`.
"""

from __future__ import annotations

import io
import re
import zipfile
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from webnova.generator.blueprint import Blueprint
from webnova.generator.validation import MAX_INPUT_BYTES, BlueprintIssue, parse_blueprint
from webnova.i18n import _, format_number, ngettext

MAX_TEXT_BYTES: Final = 1024 * 1024
MAX_DOCUMENT_BYTES: Final = 10 * 1024 * 1024
MAX_PDF_PAGES: Final = 200
# A spec longer than this is cut: the planner reads a brief, not a book.
MAX_SPEC_CHARS: Final = 200_000
MAX_SHOWN_ISSUES: Final = 20


class UploadKind(StrEnum):
    """What an uploaded file is taken to be."""

    MARKDOWN = "markdown"
    TEXT = "text"
    PDF = "pdf"
    DOCX = "docx"
    BLUEPRINT = "blueprint"


_EXTENSIONS: Final[dict[str, UploadKind]] = {
    ".md": UploadKind.MARKDOWN,
    ".markdown": UploadKind.MARKDOWN,
    ".txt": UploadKind.TEXT,
    ".text": UploadKind.TEXT,
    ".pdf": UploadKind.PDF,
    ".docx": UploadKind.DOCX,
    ".yaml": UploadKind.BLUEPRINT,
    ".yml": UploadKind.BLUEPRINT,
    ".json": UploadKind.BLUEPRINT,
}
_LIMITS: Final[dict[UploadKind, int]] = {
    UploadKind.MARKDOWN: MAX_TEXT_BYTES,
    UploadKind.TEXT: MAX_TEXT_BYTES,
    UploadKind.PDF: MAX_DOCUMENT_BYTES,
    UploadKind.DOCX: MAX_DOCUMENT_BYTES,
    UploadKind.BLUEPRINT: MAX_INPUT_BYTES,
}
SUPPORTED_EXTENSIONS: Final = tuple(_EXTENSIONS)


class UploadError(BaseModel):
    """Why a file cannot be used: a stable code and a message in the current language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    message: str


class Upload(BaseModel):
    """The outcome of reading one file: spec text, a checked blueprint, or an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: UploadKind | None = None
    text: str = Field(default="", description="The spec's text (Markdown, text, PDF, DOCX).")
    truncated: bool = False
    blueprint: Blueprint | None = None
    issues: list[BlueprintIssue] = Field(default_factory=list)
    error: UploadError | None = None

    @property
    def ok(self) -> bool:
        """Whether the file gave a usable spec or a valid blueprint."""
        return self.error is None and not self.issues


def kind_of(name: str) -> UploadKind | None:
    """The kind a file name announces, or None for an unsupported extension."""
    return _EXTENSIONS.get(PurePath(name).suffix.lower())


def read_upload_file(name: str, path: Path) -> Upload:
    """Read an uploaded file from disk (Chainlit stores them under `.files/`) and check it.

    The size is checked before the bytes are read, so an oversized file is never loaded.
    """
    kind = kind_of(name)
    try:
        size = path.stat().st_size
        limit = _LIMITS[kind] if kind else MAX_DOCUMENT_BYTES
        if size > limit:
            return _failed(name, kind, _too_large(limit))
        data = path.read_bytes()
    except OSError:
        return _failed(name, kind, UploadError(code="unreadable", message=_(
            "The file could not be read. Please upload it again.")))
    return read_upload(name, data)


def read_upload(name: str, data: bytes) -> Upload:
    """Check an uploaded file's bytes and turn them into spec text or a validated blueprint.

    Args:
        name: The file name as the browser sent it (only its extension is trusted).
        data: The file's content.

    Returns:
        An `Upload`; `error` says why a file cannot be used, `issues` why a blueprint is invalid.
    """
    kind = kind_of(name)
    if kind is None:
        return _failed(name, None, UploadError(code="unsupported_type", message=_(
            "This file type is not supported. Upload Markdown (.md), text (.txt), PDF, Word "
            "(.docx), or a blueprint in YAML or JSON.")))
    if len(data) > _LIMITS[kind]:
        return _failed(name, kind, _too_large(_LIMITS[kind]))
    if not data.strip():
        return _failed(name, kind, UploadError(code="empty", message=_("The file is empty.")))
    if kind is UploadKind.BLUEPRINT:
        result = parse_blueprint(data, filename=name)
        return Upload(name=name, kind=kind, blueprint=result.blueprint, issues=result.issues)
    reader = {UploadKind.PDF: _pdf_text, UploadKind.DOCX: _docx_text}.get(kind, _plain_text)
    text_or_error = reader(data)
    if isinstance(text_or_error, UploadError):
        return _failed(name, kind, text_or_error)
    return _spec(name, kind, text_or_error)


def _failed(name: str, kind: UploadKind | None, error: UploadError) -> Upload:
    return Upload(name=name, kind=kind, error=error)


def _too_large(limit: int) -> UploadError:
    megabytes = format_number(round(limit / (1024 * 1024), 1))
    return UploadError(code="too_large", message=_(
        "The file is too large; the limit for this type is {size} MB.").format(size=megabytes))


def _binary() -> UploadError:
    return UploadError(code="binary", message=_(
        "This looks like a binary file, not text. Upload the document itself (PDF or .docx) "
        "or its text."))


def _spec(name: str, kind: UploadKind, text: str) -> Upload:
    text = _tidy(text)
    if not text:
        return _failed(name, kind, UploadError(code="no_text", message=_(
            "No text was found in the file. A scanned document needs to be converted to text "
            "first.")))
    truncated = len(text) > MAX_SPEC_CHARS
    return Upload(name=name, kind=kind, text=text[:MAX_SPEC_CHARS], truncated=truncated)


def _tidy(text: str) -> str:
    # Extractors leave runs of blank lines and trailing spaces; the planner does not need them.
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _plain_text(data: bytes) -> str | UploadError:
    if b"\x00" in data:
        return _binary()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if _looks_binary(data):
        return _binary()
    return UploadError(code="not_utf8", message=_(
        "The file is not UTF-8 text. Save it as UTF-8 and upload it again."))


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return controls > len(sample) // 20


def _unreadable(kind: str) -> UploadError:
    return UploadError(code="unreadable", message=_(
        "The {kind} file is damaged or not really a {kind} file, so it cannot be read."
    ).format(kind=kind))


def _pdf_text(data: bytes) -> str | UploadError:
    if not data.startswith(b"%PDF-"):
        return _unreadable("PDF")
    from pypdf import PdfReader  # imported on use: most chats never see a PDF
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return UploadError(code="encrypted", message=_(
                "The PDF is password-protected. Upload a copy without a password."))
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            return UploadError(code="too_many_pages", message=_(
                "The PDF has more than {count} pages; upload the part that describes the "
                "platform.").format(count=format_number(MAX_PDF_PAGES)))
        return "\n\n".join(page.extract_text() or "" for page in pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return _unreadable("PDF")


def _docx_text(data: bytes) -> str | UploadError:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return _unreadable("Word")
    import docx  # imported on use: most chats never see a Word file
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError):
        return _unreadable("Word")
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(" | ".join(cell.text for cell in row.cells) for row in table.rows)
    return "\n".join(parts)


# ---------------------------------------------------------------- what the chat says about it

# Enough to stop emphasis, links, images, code, headings, tables and HTML; "(" or "!" only matter
# next to an escaped "[".
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~&])")


def plain(text: str) -> str:
    """`text` with Markdown and HTML characters escaped, so a file name is shown, never run."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def describe_upload(upload: Upload) -> str:
    """What the chat answers after reading a file (Markdown, in the current language)."""
    name = plain(upload.name)
    if upload.error is not None:
        return _("**{name}** cannot be used: {reason}").format(
            name=name, reason=upload.error.message)
    if upload.kind is UploadKind.BLUEPRINT:
        return _describe_blueprint(upload, name)
    count = len(upload.text)
    lines = [ngettext("Read **{name}**: {count} character of specification.",
                      "Read **{name}**: {count} characters of specification.", count).format(
        name=name, count=format_number(count))]
    if upload.truncated:
        lines.append(_("Only the first {count} characters are used.").format(
            count=format_number(MAX_SPEC_CHARS)))
    return "\n\n".join(lines)


def _describe_blueprint(upload: Upload, name: str) -> str:
    if upload.blueprint is not None:
        bp = upload.blueprint
        count = len(bp.entities)
        return ngettext(
            "**{name}** is a valid blueprint: {title} ({template}), {count} entity.",
            "**{name}** is a valid blueprint: {title} ({template}), {count} entities.", count,
        ).format(name=name, title=plain(bp.name), template=bp.template,
                 count=format_number(count))
    lines = [_("**{name}** is not a valid blueprint:").format(name=name), ""]
    for issue in upload.issues[:MAX_SHOWN_ISSUES]:
        where = f"`{issue.path}`: " if issue.path and "`" not in issue.path else ""
        lines.append(f"- {where}{plain(issue.message)}")
    hidden = len(upload.issues) - MAX_SHOWN_ISSUES
    if hidden > 0:
        lines.append(_("- and {count} more.").format(count=format_number(hidden)))
    return "\n".join(lines)
