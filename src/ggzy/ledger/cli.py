"""``ggzy verify``: check a ledger against a signed tree head, offline or against a running platform.

    ggzy verify                                  the local database (events as stored) vs its latest head
    ggzy verify --url http://127.0.0.1:8000      download the log, head and key from a platform
    ggzy verify --log events.jsonl --head head.json --public-key key.pem    fully offline

Exit status 0 when the log matches the signed head, 1 when it does not (with the reason in Chinese).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ggzy.ledger.signing import TreeHead
from ggzy.ledger.verify import VerifyResult, verify_log


def add_verify_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="平台地址：从其公开接口下载日志、树头和公钥")
    p.add_argument("--log", type=Path, help="JSON Lines 日志文件（/api/ledger/export 的输出）")
    p.add_argument("--head", type=Path, help="签名树头 JSON 文件（/api/ledger/tree-head 的输出）")
    p.add_argument("--public-key", type=Path, help="平台公钥 PEM 文件；给出时以此为准（推荐事先保存）")
    p.add_argument("--save", type=Path, help="把下载的日志、树头和公钥保存到该目录")


def _head_from_json(doc: dict[str, Any]) -> TreeHead:
    return TreeHead(
        tree_size=int(doc["tree_size"]),
        root_hash=bytes.fromhex(doc["root_hash"]),
        timestamp_ms=int(doc["timestamp_ms"]),
        signature=bytes.fromhex(doc["signature"]),
        key_id=str(doc["key_id"]),
    )


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _report(result: VerifyResult) -> int:
    if result.ok:
        print(f"校验通过：{result.message_zh}")
        return 0
    where = f"（序号 {result.index}）" if result.index is not None else ""
    print(f"校验失败 [{result.code}]{where}：{result.message_zh}", file=sys.stderr)
    return 1


def _verify_url(args: argparse.Namespace) -> int:
    import httpx

    base = args.url.rstrip("/")
    with httpx.Client(timeout=60) as client:
        head_doc = client.get(f"{base}/api/ledger/tree-head").raise_for_status().json()
        key_pem = (
            args.public_key.read_bytes()
            if args.public_key
            else client.get(f"{base}/api/ledger/public-key").raise_for_status().json()["public_key_pem"].encode()
        )
        head = _head_from_json(head_doc)
        save: Path | None = args.save
        if save:
            save.mkdir(parents=True, exist_ok=True)
            (save / "head.json").write_text(json.dumps(head_doc, ensure_ascii=False), encoding="utf-8")
            (save / "key.pem").write_bytes(key_pem)
        with client.stream("GET", f"{base}/api/ledger/export", params={"tree_size": head.tree_size}) as resp:
            resp.raise_for_status()
            out = (save / "events.jsonl").open("w", encoding="utf-8") if save else None

            def events() -> Iterator[dict[str, Any]]:
                for line in resp.iter_lines():
                    if line.strip():
                        if out:
                            out.write(line + "\n")
                        yield json.loads(line)

            try:
                return _report(verify_log(events(), head, key_pem))
            finally:
                if out:
                    out.close()


def _verify_local() -> int:
    from ggzy.core.db import create_database
    from ggzy.core.settings import load_settings
    from ggzy.ledger import queries
    from ggzy.ledger.signing import SigningKey

    settings = load_settings()
    if not settings.signing_key_path.exists():
        print("未找到平台签名密钥：请先启动平台（ggzy serve / ggzy demo）", file=sys.stderr)
        return 1
    key = SigningKey.load_or_create(settings.signing_key_path)
    db = create_database(settings.resolved_database_url)
    try:
        with db.session(write=False) as session:
            head = queries.latest_tree_head(session)
            if head is None:
                print("账本还没有签名树头：请访问 /api/ledger/tree-head 或启动平台后再试", file=sys.stderr)
                return 1
            return _report(verify_log(queries.iter_events(session), head, key.public_key_pem()))
    finally:
        db.dispose()


def verify_command(args: argparse.Namespace) -> int:
    if args.url:
        return _verify_url(args)
    if args.log or args.head:
        if not (args.log and args.head and args.public_key):
            print("离线校验需要同时给出 --log、--head 和 --public-key", file=sys.stderr)
            return 2
        head = _head_from_json(json.loads(args.head.read_text(encoding="utf-8")))
        return _report(verify_log(_lines(args.log), head, args.public_key.read_bytes()))
    return _verify_local()
