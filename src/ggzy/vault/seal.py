"""Seal and open a whole bid (form + files) in one call each: the API the CLI, the upload and the opening use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from ggzy.vault.container import BidForm, FileInfo, FileSource, Sink, container_pieces, read_container
from ggzy.vault.envelope import (
    DEFAULT_CHUNK_SIZE,
    EnvelopeHeader,
    Role,
    SealResult,
    open_stream,
    read_header,
    seal_stream,
)
from ggzy.vault.errors import key_mismatch
from ggzy.vault.keys import PrivateKey, PublicKey


@dataclass(frozen=True)
class OpenedBid:
    header: EnvelopeHeader
    form: BidForm
    files: list[FileInfo]


def seal_bid(
    form: BidForm,
    files: Sequence[FileSource],
    out: BinaryIO,
    *,
    opening_key: PublicKey,
    bidder_key: PublicKey | None,
    lot_id: str,
    bidder_id: str,
    created_at: datetime,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    metadata: dict[str, str] | None = None,
) -> SealResult:
    recipients: list[tuple[PublicKey, Role]] = [(opening_key, "opening")]
    if bidder_key is not None:
        recipients.append((bidder_key, "bidder"))
    return seal_stream(
        container_pieces(form, files, piece=max(chunk_size, 1 << 16)),
        out,
        recipients=recipients,
        lot_id=lot_id,
        bidder_id=bidder_id,
        created_at=created_at,
        chunk_size=chunk_size,
        metadata=metadata,
    )


def open_bid(
    src: BinaryIO,
    private_key: PrivateKey,
    *,
    sink: Sink | None = None,
    expect_lot_id: str | None = None,
    expect_bidder_id: str | None = None,
    verify_file_hashes: bool = True,
) -> OpenedBid:
    """Decrypt and verify an envelope; files stream to ``sink``. Only a normal return means the whole bid is
    authentic and complete: on any refusal the caller discards what the sink received. Every chunk's AES-GCM
    tag is always checked; ``verify_file_hashes=False`` (bulk opening) skips recomputing the recorded
    per-file SHA-256, which is authentic anyway (see :func:`read_container`)."""
    parsed = read_header(src)
    header = parsed.header
    if expect_lot_id is not None and header.lot_id != expect_lot_id:
        raise key_mismatch(f"文件属于标段 {header.lot_id}，不是 {expect_lot_id}")
    if expect_bidder_id is not None and header.bidder_id != expect_bidder_id:
        raise key_mismatch(f"文件属于投标人 {header.bidder_id}，不是 {expect_bidder_id}")
    chunks = open_stream(src, private_key, parsed=parsed)
    form, files = read_container(chunks, sink, verify_file_hashes=verify_file_hashes)
    return OpenedBid(header=header, form=form, files=files)
