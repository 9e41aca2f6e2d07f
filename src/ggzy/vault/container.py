"""The plaintext inside an envelope: the structured bid form, then the files, streamed (docs/sealing.md §4).

``u32 form length | form JSON | (0x01 | u32 entry length | entry JSON {name, size} | size bytes | SHA-256)* | 0x00``

The SHA-256 of each file follows its bytes so a browser or the CLI can seal in one pass over a multi-GB file.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from ggzy.vault.envelope import canonical
from ggzy.vault.errors import VaultError, form_invalid, malformed, tampered

FILE_MARK = 1
END_MARK = 0
MAX_FORM_LEN = 1 << 16
MAX_ENTRY_LEN = 4096
MAX_FILES = 1000
PIECE = 1 << 20
_PRICE = re.compile(r"^(0|[1-9]\d{0,14})(\.\d{1,2})?$")
_FORM_KEYS = {"price", "duration_days", "quality_commitment", "project_manager"}
_FORM_OPTIONAL = {"extra"}


@dataclass(frozen=True)
class BidForm:
    """投标函要素: price in yuan (decimal string, ≤ 2 places), duration in days, quality, project manager."""

    price: Decimal
    duration_days: int
    quality_commitment: str
    project_manager_name: str
    project_manager_id: str
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "duration_days": self.duration_days,
            "price": format(self.price, "f"),
            "project_manager": {"id_number": self.project_manager_id, "name": self.project_manager_name},
            "quality_commitment": self.quality_commitment,
        }
        if self.extra:
            doc["extra"] = dict(self.extra)
        return doc

    @classmethod
    def from_json(cls, doc: Any) -> BidForm:
        if not isinstance(doc, dict):
            raise form_invalid("投标表单应为 JSON 对象", field="form")
        missing = sorted(_FORM_KEYS - set(doc))
        unknown = sorted(set(doc) - _FORM_KEYS - _FORM_OPTIONAL)
        if missing or unknown:
            raise form_invalid(f"缺少字段 {missing}，未知字段 {unknown}", field="form")
        price = doc["price"]
        if not isinstance(price, str) or not _PRICE.match(price):
            raise form_invalid("投标报价 price 应为以元为单位的十进制字符串（最多两位小数）", field="price")
        days = doc["duration_days"]
        if type(days) is not int or not 0 < days <= 36500:
            raise form_invalid("工期 duration_days 应为 1–36500 的整数（日历天）", field="duration_days")
        quality = doc["quality_commitment"]
        if not isinstance(quality, str) or not 0 < len(quality) <= 500:
            raise form_invalid("质量承诺 quality_commitment 应为 1–500 字", field="quality_commitment")
        manager = doc["project_manager"]
        if not isinstance(manager, dict) or set(manager) != {"name", "id_number"}:
            raise form_invalid("项目负责人 project_manager 应含 name 与 id_number", field="project_manager")
        name, id_number = manager["name"], manager["id_number"]
        if not isinstance(name, str) or not 0 < len(name) <= 64:
            raise form_invalid("项目负责人姓名应为 1–64 字", field="project_manager.name")
        if not isinstance(id_number, str) or not 0 < len(id_number) <= 64:
            raise form_invalid("项目负责人证件号应为 1–64 字符", field="project_manager.id_number")
        extra = doc.get("extra", {})
        if not isinstance(extra, dict) or len(extra) > 32 or not all(
            isinstance(k, str) and isinstance(v, str) and len(v) <= 2000 for k, v in extra.items()
        ):
            raise form_invalid("extra 应为最多 32 项的字符串映射", field="extra")
        return cls(Decimal(price), days, quality, name, id_number, dict(extra))


@dataclass(frozen=True)
class FileSource:
    """A file to seal: its name in the bid, its size, and how to open it (read once, streamed)."""

    name: str
    size: int
    open: Callable[[], BinaryIO]

    @classmethod
    def from_path(cls, path: Path, name: str | None = None) -> FileSource:
        return cls(name=name or path.name, size=path.stat().st_size, open=lambda: path.open("rb"))


@dataclass(frozen=True)
class FileInfo:
    name: str
    size: int
    sha256: str


def check_file_name(name: str) -> None:
    if (
        not 0 < len(name) <= 255
        or name in (".", "..")
        or any(c in name for c in "/\\\x00")
        or any(ord(c) < 0x20 for c in name)
    ):
        raise form_invalid(f"文件名 {name!r} 无效（不得含路径分隔符或控制字符，长度 1–255）", field="files")


def container_pieces(form: BidForm, files: Sequence[FileSource], *, piece: int = PIECE) -> Iterator[bytes]:
    """The plaintext container, as pieces of at most ``piece`` bytes of file data (bounded memory)."""
    if len(files) > MAX_FILES:
        raise form_invalid(f"文件数不得超过 {MAX_FILES}", field="files")
    names = [f.name for f in files]
    for name in names:
        check_file_name(name)
    if len(set(names)) != len(names):
        raise form_invalid("文件名重复", field="files")
    BidForm.from_json(form.to_json())  # what a reader would refuse is refused here first
    form_bytes = canonical(form.to_json())
    yield struct.pack(">I", len(form_bytes)) + form_bytes
    for source in files:
        entry = canonical({"name": source.name, "size": source.size})
        yield bytes([FILE_MARK]) + struct.pack(">I", len(entry)) + entry
        digest = hashlib.sha256()
        left = source.size
        with source.open() as fh:
            while left:
                data = fh.read(min(piece, left))
                if not data:
                    break
                digest.update(data)
                left -= len(data)
                yield data
            if left or fh.read(1):
                raise form_invalid(f"文件 {source.name} 在加密过程中大小发生变化", field="files")
        yield digest.digest()
    yield bytes([END_MARK])


class _Reader:
    """Exact reads over an iterator of plaintext chunks, without joining the chunks."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buf = memoryview(b"")

    def _fill(self) -> bool:
        for chunk in self._chunks:
            if chunk:
                self._buf = memoryview(chunk)
                return True
        return False

    def exact(self, n: int) -> bytes:
        parts = []
        while n:
            if not self._buf and not self._fill():
                raise malformed("投标内容提前结束", field="container")
            take = self._buf[:n]
            parts.append(bytes(take))
            self._buf = self._buf[len(take) :]
            n -= len(take)
        return b"".join(parts)

    def stream(self, n: int) -> Iterator[memoryview]:
        while n:
            if not self._buf and not self._fill():
                raise malformed("文件内容提前结束", field="container")
            take = self._buf[:n]
            self._buf = self._buf[len(take) :]
            n -= len(take)
            yield take

    def at_end(self) -> bool:
        return not self._buf and not self._fill()


def _json(data: bytes, what: str) -> Any:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise malformed(f"{what} 不是合法 JSON", field="container") from exc
    try:
        is_canonical = canonical(doc) == data
    except ValueError:  # a lone surrogate cannot be encoded as UTF-8
        is_canonical = False
    if not is_canonical:
        raise malformed(f"{what} 不是规范 JSON", field="container")
    return doc


Sink = Callable[[str, int], BinaryIO | None]


def read_container(
    chunks: Iterable[bytes], sink: Sink | None = None, *, verify_file_hashes: bool = True
) -> tuple[BidForm, list[FileInfo]]:
    """Parse the container, streaming each file to ``sink(name, size)`` (None: keep nothing).

    With ``verify_file_hashes`` each file's SHA-256 is recomputed and compared with the recorded one. Without
    it the recorded hash is reported as is: it is still authentic (AES-GCM covers every container byte, so
    only a holder of the data key — the sealer — could have written it), but a sealer's own inconsistency
    would go unnoticed. Bulk opening skips the recomputation (it costs more than the decryption itself)."""
    reader = _Reader(chunks)
    (form_len,) = struct.unpack(">I", reader.exact(4))
    if form_len > MAX_FORM_LEN:
        raise malformed("投标表单过长", field="container")
    try:
        form = BidForm.from_json(_json(reader.exact(form_len), "投标表单"))
    except VaultError as exc:
        raise malformed(f"投标表单无效：{exc.message}", field="container") from exc
    files: list[FileInfo] = []
    seen: set[str] = set()
    while True:
        mark = reader.exact(1)[0]
        if mark == END_MARK:
            break
        if mark != FILE_MARK or len(files) >= MAX_FILES:
            raise malformed("文件条目标记无效", field="container")
        (entry_len,) = struct.unpack(">I", reader.exact(4))
        if entry_len > MAX_ENTRY_LEN:
            raise malformed("文件条目过长", field="container")
        entry = _json(reader.exact(entry_len), "文件条目")
        if not isinstance(entry, dict) or set(entry) != {"name", "size"}:
            raise malformed("文件条目应含 name 与 size", field="container")
        name, size = entry["name"], entry["size"]
        if not isinstance(name, str) or type(size) is not int or size < 0:
            raise malformed("文件条目 name/size 类型错误", field="container")
        try:
            check_file_name(name)
        except VaultError as exc:
            raise malformed(exc.message, field="container") from exc
        if name in seen:
            raise malformed(f"文件名重复：{name}", field="container")
        seen.add(name)
        out = sink(name, size) if sink else None
        digest = hashlib.sha256() if verify_file_hashes else None
        for piece in reader.stream(size):
            if digest is not None:
                digest.update(piece)
            if out is not None:
                out.write(piece)
        recorded = reader.exact(32)
        if digest is not None and recorded != digest.digest():
            raise tampered(f"文件 {name} 的 SHA-256 与内容不符")
        files.append(FileInfo(name=name, size=size, sha256=recorded.hex()))
    if not reader.at_end():
        raise malformed("投标内容末尾有多余数据", field="container")
    return form, files
