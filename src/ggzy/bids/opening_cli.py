"""``ggzy unwrap --envelope bid.ggzy --key me.key``: on the bidder's machine, unwrap the bid's data key with
the bidder's own private key and print it as hex, to send to the opening (POST /api/bids/{id}/decrypt).
The private key never leaves the machine; the data key opens only this one bid."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ggzy.vault.cli import _guard
from ggzy.vault.envelope import read_header, unwrap_key
from ggzy.vault.keys import load_private_key


def unwrap(args: argparse.Namespace) -> int:
    key = load_private_key(args.key)
    with Path(args.envelope).open("rb") as src:
        header = read_header(src).header
    data_key = unwrap_key(header, key)
    if args.json:
        print(json.dumps({"lot_id": header.lot_id, "bidder_id": header.bidder_id, "data_key": data_key.hex()}))
    else:
        print(data_key.hex())
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("unwrap", help="开标时在本机用自己的私钥解开投标文件的数据密钥（输出十六进制）")
    p.add_argument("--envelope", type=Path, required=True, help="密封的投标文件")
    p.add_argument("--key", type=Path, required=True, help="投标人自己的私钥文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（含标段与投标人编号）")
    p.set_defaults(func=_guard(unwrap))
