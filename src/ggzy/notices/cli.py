"""``ggzy notice-verify``: check one published notice against the platform's public API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ggzy.ledger.signing import TreeHead
from ggzy.notices.verify import check_notice


def verify_notice_command(args: argparse.Namespace) -> int:
    import httpx

    base = args.url.rstrip("/")
    with httpx.Client(timeout=30) as client:
        resp = client.get(f"{base}/api/notices/{args.id}/document")
        if resp.status_code == 404:
            print(f"公告 {args.id} 不存在", file=sys.stderr)
            return 1
        resp.raise_for_status()
        document = resp.content
        signature = resp.headers["X-Ggzy-Signature"]
        index = int(resp.headers["X-Ggzy-Ledger-Index"])
        key_pem = (
            Path(args.public_key).read_bytes()
            if args.public_key
            else client.get(f"{base}/api/ledger/public-key").raise_for_status().json()["public_key_pem"].encode()
        )
        event: dict[str, Any] = client.get(f"{base}/api/ledger/events/{index}").raise_for_status().json()
        head = TreeHead.from_json(client.get(f"{base}/api/ledger/tree-head").raise_for_status().json())
        proof = (
            client.get(f"{base}/api/ledger/proofs/inclusion", params={"index": index, "tree_size": head.tree_size})
            .raise_for_status()
            .json()
        )
    result = check_notice(
        document=document,
        signature_hex=signature,
        event=event,
        head=head,
        audit_path=proof["audit_path"],
        public_key_pem=key_pem,
    )
    if result.ok:
        print(f"校验通过：{result.message_zh}")
        return 0
    print(f"校验失败 [{result.code}]：{result.message_zh}", file=sys.stderr)
    return 1


def register(sub: Any) -> None:
    p = sub.add_parser("notice-verify", help="校验一则公告：平台签名、账本事件及其包含证明")
    p.add_argument("--url", required=True, help="平台地址")
    p.add_argument("--id", type=int, required=True, help="公告编号")
    p.add_argument("--public-key", help="平台公钥 PEM 文件；给出时以此为准（推荐事先保存）")
    p.set_defaults(func=verify_notice_command)
