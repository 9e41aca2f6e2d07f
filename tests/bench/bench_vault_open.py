"""Opening sealed bids vs raw AES-GCM over the same bytes, in the same run.

    .venv/bin/python tests/bench/bench_vault_open.py                 # 300 bids of 20 MB (≈ 6 GB on disk)
    .venv/bin/python tests/bench/bench_vault_open.py --n 30 --mb 5   # quick

Bids are sealed to files under a temporary directory (streamed from one plaintext file, never whole in
memory), then each is opened with the lot's opening key and verified (header, key unwrap, every chunk's
AES-GCM tag, container structure), its files streamed to a discarding sink. The baseline reads the same
envelope files in the same record sizes and runs AES-GCM decryption only, with the data keys unwrapped
beforehand. The passes are interleaved per bid — each envelope is read once to warm the page cache, then
the three passes run over it in rotating order — so disk speed and other load on the machine hit all three
alike. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ggzy.vault.container import BidForm, FileSource
from ggzy.vault.envelope import TAG_LEN, chunk_aad, chunk_nonce, read_header, unwrap_key
from ggzy.vault.keys import PrivateKey
from ggzy.vault.seal import open_bid, seal_bid

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
FORM = BidForm(Decimal("12345678.90"), 365, "合格", "张三", "620102198001011234")


class Discard:
    def write(self, data: bytes | memoryview) -> int:
        return len(data)


def discard(name: str, size: int) -> BinaryIO:
    return Discard()  # type: ignore[return-value]


def raw_gcm(path: Path, key: bytes) -> float:
    start = time.perf_counter()
    with path.open("rb") as src:
        parsed = read_header(src)
        aead = AESGCM(key)
        record = parsed.header.chunk_size + TAG_LEN
        counter = 0
        data = src.read(record)
        while data:
            nxt = src.read(record)
            aead.decrypt(chunk_nonce(parsed.header.nonce_prefix, counter), data,
                         chunk_aad(parsed.header_hash, counter, not nxt))
            counter += 1
            data = nxt
    return time.perf_counter() - start


def opening(path: Path, key: PrivateKey, *, verify_file_hashes: bool) -> float:
    start = time.perf_counter()
    with path.open("rb") as src:
        open_bid(src, key, sink=discard, verify_file_hashes=verify_file_hashes)
    return time.perf_counter() - start


def warm(path: Path) -> None:
    with path.open("rb") as fh:
        while fh.read(1 << 22):
            pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--chunk-size", type=int, default=1 << 20)
    parser.add_argument("--dir", type=Path, default=None, help="where to write the envelopes (default: a temp dir)")
    args = parser.parse_args()
    opening_key = PrivateKey.generate()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        plain = root / "bid.pdf"
        with plain.open("wb") as fh:
            for _ in range(args.mb):
                fh.write(os.urandom(1 << 20))
        paths = []
        start = time.perf_counter()
        for i in range(args.n):
            path = root / f"bid-{i:04d}.ggzy"
            with path.open("wb") as out:
                seal_bid(FORM, [FileSource.from_path(plain)], out, opening_key=opening_key.public, bidder_key=None,
                         lot_id="BENCH-LOT", bidder_id=f"B-{i}", created_at=NOW, chunk_size=args.chunk_size)
            paths.append(path)
        seal_s = time.perf_counter() - start
        total = sum(p.stat().st_size for p in paths)
        data_keys = []
        for path in paths:
            with path.open("rb") as src:
                data_keys.append(unwrap_key(read_header(src).header, opening_key))
        passes: list[tuple[str, Callable[[Path, bytes], float]]] = [
            ("base", raw_gcm),
            ("fast", lambda p, _k: opening(p, opening_key, verify_file_hashes=False)),
            ("full", lambda p, _k: opening(p, opening_key, verify_file_hashes=True)),
        ]
        spent = {"base": 0.0, "fast": 0.0, "full": 0.0}
        for i, (path, data_key) in enumerate(zip(paths, data_keys, strict=True)):
            warm(path)
            for name, run in passes[i % 3 :] + passes[: i % 3]:
                spent[name] += run(path, data_key)
        base, fast, full = [spent["base"]], [spent["fast"]], [spent["full"]]
        gb = total / 1e9
        print(f"bids: {args.n} × {args.mb} MiB, chunk {args.chunk_size} B, envelopes {gb:.2f} GB total")
        print(f"seal (incl. file SHA-256, envelope SHA-256, write): {seal_s:.2f} s  ({gb / seal_s:.2f} GB/s)")
        print(f"raw AES-GCM decrypt, same bytes:                 {min(base):.2f} s  ({gb / min(base):.2f} GB/s)")
        print(f"open + verify (GCM tags, header, structure):     {min(fast):.2f} s  "
              f"ratio {min(fast) / min(base):.2f}×")
        print(f"open + verify + recompute file SHA-256:          {min(full):.2f} s  "
              f"ratio {min(full) / min(base):.2f}×")


if __name__ == "__main__":
    main()
