"""Checks on an uploaded evidence file: its type is read from its content (never from its name or from what
the browser claims), its size is bounded, and its name is reduced to a harmless base name.

Accepted: PDF, JPEG, PNG and XLSX (an Office Open XML workbook, i.e. a ZIP with the workbook parts).
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from smartgov.errors import ErrorCode, Invalid
from smartgov.limits import FILE_NAME_MAX_LENGTH
from smartgov.workbooks import UnreadableWorkbook, check_workbook, inspect_archive

CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    key: str
    content_type: str
    extensions: tuple[str, ...]
    """The first one is appended to a name whose own extension does not fit the content."""


PDF = FileType("pdf", "application/pdf", (".pdf",))
JPEG = FileType("jpeg", "image/jpeg", (".jpg", ".jpeg"))
PNG = FileType("png", "image/png", (".png",))
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
ACCEPTED = (PDF, JPEG, PNG, XLSX)
ACCEPTED_LABEL = "PDF, JPG, PNG, XLSX"
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,.xlsx"
"""For <input type=file accept=…>: a hint to the browser's file picker, never a check."""

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class EvidenceInvalid(Invalid):
    """The file is refused; the message says why, for the user. Nothing was stored."""

    code = ErrorCode.FILE_REFUSED


@dataclass(frozen=True)
class CheckedFile:
    type: FileType
    name: str
    size: int
    sha256: str


def max_megabytes() -> str:
    """The size limit in MB (MiB), as short as it can be written: "10", "2.5", "0.25"."""
    return f"{settings.EVIDENCE_MAX_BYTES / (1024 * 1024):.2f}".rstrip("0").rstrip(".")


def check_upload(upload) -> CheckedFile:
    """Check an uploaded file (a Django UploadedFile or any file object with a `name`): size, type, hash.

    Raises EvidenceInvalid with a translated reason."""
    limit = settings.EVIDENCE_MAX_BYTES
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large()
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    while chunk := upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large()
        digest.update(chunk)
    if size == 0:
        raise EvidenceInvalid(_("The file is empty."))
    upload.seek(0)
    kind = detect_type(upload)
    upload.seek(0)
    if kind is None:
        raise EvidenceInvalid(
            _("“%(name)s” is refused: its content is not one of the accepted types (%(types)s). The type is read "
              "from the file itself, not from its name.")
            % {"name": sanitise_name(getattr(upload, "name", "") or ""), "types": ACCEPTED_LABEL})
    return CheckedFile(type=kind, name=sanitise_name(getattr(upload, "name", "") or "", kind), size=size,
                       sha256=digest.hexdigest())


def detect_type(fileobj) -> FileType | None:
    """The accepted type of the content of `fileobj` (read from its start), or None."""
    head = fileobj.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(_PNG_SIGNATURE):
        return PNG
    if head.startswith(b"PK\x03\x04") and _is_xlsx(fileobj):
        return XLSX
    return None


def _is_xlsx(fileobj) -> bool:
    """A zip with the workbook parts is a workbook; it is accepted only if it passes the checks of every workbook
    the platform opens (`smartgov.workbooks.check_workbook`: sizes, ratios, strings, cells, no DOCTYPE), since a
    reviewer opens it in Excel. Raises EvidenceInvalid with the reason when it does not."""
    fileobj.seek(0)
    archive = inspect_archive(fileobj)
    if archive is None or not archive.is_workbook:
        return False
    try:
        check_workbook(fileobj)
    except UnreadableWorkbook as refused:
        raise EvidenceInvalid(str(refused)) from None
    return True


def sanitise_name(name: str, kind: FileType | None = None) -> str:
    """The base name only (no directories, from either kind of slash), without control characters, at most
    255 characters; when the file's extension does not fit its content, the right one is appended so that the
    downloaded file opens as what it is."""
    name = unicodedata.normalize("NFC", str(name))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".").strip()
    if kind is not None:
        if not name:
            name = f"evidence{kind.extensions[0]}"
        elif not name.lower().endswith(kind.extensions):
            name = f"{name}{kind.extensions[0]}"
    if len(name) > FILE_NAME_MAX_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        keep_suffix = dot and 0 < len(suffix) <= 10
        limit = FILE_NAME_MAX_LENGTH
        name = f"{stem[:limit - len(suffix) - 1]}.{suffix}" if keep_suffix else name[:limit]
    return name


def _too_large():
    return EvidenceInvalid(_("The file is larger than the limit of %(limit)s MB.") % {"limit": max_megabytes()})
