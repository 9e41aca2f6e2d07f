"""Tender document files under ``<data_dir>/documents``: streamed in, hashed, checked, then stored by hash.

A file is written to ``partial/`` while it arrives (SHA-256 and size counted on the way, the size limit
enforced before the bytes hit the disk), fsynced, then moved by an atomic rename to
``lots/<lot>/<sha256>.<ext>``. Stored files are never rewritten: the name is the content's hash.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ggzy.core.errors import AppError, InvalidInput

# Allowed types: extension → accepted leading bytes. Both must agree (a renamed .exe is refused).
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (doc, xls)
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # zip and the OOXML formats built on it (docx, xlsx), OFD
MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "doc": (_OLE2,),
    "xls": (_OLE2,),
    "docx": _ZIP,
    "xlsx": _ZIP,
    "zip": _ZIP,
    "ofd": _ZIP,
    "rar": (b"Rar!\x1a\x07",),
    "7z": (b"7z\xbc\xaf\x27\x1c",),
    "dwg": (b"AC10", b"AC1.", b"AC2."),
}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "ofd": "application/ofd",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
    "dwg": "image/vnd.dwg",
}
HEAD_LEN = 16
ALLOWED_ZH = "、".join(MAGIC)


def extension_of(name: str) -> str:
    """The lower-case extension of ``name``, or a 422 naming the allowed types."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in MAGIC:
        raise InvalidInput(f"文件类型不允许：仅接受 {ALLOWED_ZH} 格式", code="DOCUMENT_TYPE_NOT_ALLOWED", field="file")
    return ext


def _magic_matches(ext: str, head: bytes) -> bool:
    for magic in MAGIC[ext]:
        if ext == "dwg" and magic.endswith(b"."):
            if head[:3] == magic[:3] and head[3:4].isdigit():
                return True
        elif head.startswith(magic):
            return True
    return False


def check_content(ext: str, head: bytes) -> None:
    if not _magic_matches(ext, head):
        raise InvalidInput(
            f"文件内容与扩展名 .{ext} 不符（文件头校验失败），请上传真实的 {ext} 文件",
            code="DOCUMENT_CONTENT_MISMATCH",
            field="file",
        )


class TooLarge(AppError):
    status_code = 413
    default_code = "DOCUMENT_TOO_LARGE"


@dataclass(frozen=True)
class Received:
    partial: Path
    size: int
    sha256: str
    head: bytes


class Incoming:
    """One file arriving: write blocks with :meth:`write`, then :meth:`finish` (or :meth:`discard`)."""

    def __init__(self, storage: DocumentStorage, max_bytes: int) -> None:
        self.storage = storage
        self.max_bytes = max_bytes
        storage.partial_dir.mkdir(parents=True, exist_ok=True)
        self.path = storage.partial_dir / f"{secrets.token_hex(16)}.part"
        self._fh = open(self.path, "wb")  # noqa: SIM115 - closed in finish/discard
        self._hash: Any = hashlib.sha256()
        self.size = 0
        self.head = b""

    def write(self, data: bytes) -> None:
        if self.size + len(data) > self.max_bytes:
            self.discard()
            raise TooLarge(
                f"文件过大：单个招标文件不得超过 {self.max_bytes} 字节（{self.max_bytes / 1048576:.1f} MB）",
                field="file",
            )
        if len(self.head) < HEAD_LEN:
            self.head = (self.head + data[:HEAD_LEN])[:HEAD_LEN]
        self._fh.write(data)
        self._hash.update(data)
        self.size += len(data)

    def finish(self) -> Received:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        if self.size == 0:
            self.discard()
            raise InvalidInput("文件为空", code="DOCUMENT_EMPTY", field="file")
        return Received(self.path, self.size, self._hash.hexdigest(), self.head)

    def discard(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self.path.unlink(missing_ok=True)


class DocumentStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def under(cls, data_dir: Path) -> DocumentStorage:
        return cls(data_dir / "documents")

    @property
    def partial_dir(self) -> Path:
        return self.root / "partial"

    def incoming(self, max_bytes: int) -> Incoming:
        return Incoming(self, max_bytes)

    def resolve(self, relpath: str) -> Path:
        return self.root / relpath

    def store(self, received: Received, *, lot_id: int, ext: str) -> str:
        """Move a received file to its final, content-addressed name; returns the relative path."""
        relpath = f"lots/{lot_id}/{received.sha256}.{ext}"
        dest = self.resolve(relpath)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            received.partial.unlink(missing_ok=True)  # same bytes already stored: immutable, keep the first
        else:
            os.replace(received.partial, dest)
            fd = os.open(dest.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return relpath
