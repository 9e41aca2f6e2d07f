"""``ggzy draw verify``: replay a published draw record, alone or against the ledger.

With ``--record FILE`` the record is replayed from itself: the revealed secret must match the commitment,
the seed its inputs, the candidate list its hash, and the keyed ordering must give the recorded committee.
With ``--db`` (the local database) or ``--url`` (a running platform) it is also compared with the ledger
events written at request and draw time, so even a consistently rewritten record is caught.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.experts import draw


def ledger_problems(session: Session, record: dict[str, Any]) -> list[str]:
    """Compare a record with what the ledger recorded before and at the draw."""
    from ggzy.ledger.models import LedgerEvent, LedgerTreeHead

    problems: list[str] = []
    subject = f"committee:{record.get('committee_id')}"
    events = list(
        session.scalars(select(LedgerEvent).where(LedgerEvent.subject == subject).order_by(LedgerEvent.index))
    )
    drawn = [e for e in events if e.kind == "committee.drawn" and e.data.get("round") == record.get("round")]
    if not drawn:
        return ["账本中没有这次抽取的记录"]
    event = drawn[-1]
    if event.data.get("record_hash") != record.get("record_hash") or event.data.get("record_hash") != draw.record_hash(
        record
    ):
        problems.append("抽取记录与账本中登记的摘要不符")
    commitment = record.get("seed_inputs", {}).get("commitment")
    committed = [
        e
        for e in events
        if e.kind in ("committee.requested", "committee.redraw_requested")
        and e.data.get("secret_commitment") == commitment
        and e.index < event.index
    ]
    size = int(record.get("seed_inputs", {}).get("tree_size", 0))
    if not committed:
        problems.append("账本中没有在抽取前登记该随机数承诺值")
    elif size <= committed[-1].index:
        problems.append("种子使用的签名树头不包含随机数承诺事件：树头可能先于承诺签发")
    if size > 0:
        head = session.get(LedgerTreeHead, size)
        if head is None or head.root_hash.hex() != record["seed_inputs"]["tree_root"]:
            problems.append("种子使用的签名树头不是平台发布的树头")
    return problems


def add_draw_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="draw_command", required=True)
    v = sub.add_parser("verify", help="重放专家抽取记录，核对得到同一评标委员会")
    v.add_argument("--record", help="抽取记录 JSON 文件（/api/committees/{id}/record 的内容）")
    v.add_argument("--committee", type=int, help="评标委员会编号（与 --db 或 --url 一起使用时可不提供 --record）")
    v.add_argument("--db", action="store_true", help="同时与本地数据库中的透明账本核对")
    v.add_argument("--url", help="平台地址，如 http://127.0.0.1:8000：从平台下载公开的抽取记录")


def _load(args: argparse.Namespace) -> dict[str, Any]:
    if args.record:
        with open(args.record, encoding="utf-8") as fh:
            doc: dict[str, Any] = json.load(fh)
            return doc
    if args.url and args.committee:
        url = f"{args.url.rstrip('/')}/api/committees/{args.committee}/record"
        if not url.startswith(("http://", "https://")):
            raise ValueError("--url 必须是 http(s) 地址")
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (scheme checked above)
            fetched: dict[str, Any] = json.load(resp)
            return fetched
    if args.db and args.committee:
        from ggzy.core.db import create_database
        from ggzy.core.settings import load_settings
        from ggzy.experts.models import CommitteeDraw

        db = create_database(load_settings().resolved_database_url)
        try:
            with db.session(write=False) as session:
                row = session.scalars(
                    select(CommitteeDraw)
                    .where(CommitteeDraw.committee_id == args.committee)
                    .order_by(CommitteeDraw.round.desc())
                ).first()
                if row is None:
                    raise ValueError(f"评标委员会 {args.committee} 没有抽取记录")
                return dict(row.record)
        finally:
            db.dispose()
    raise ValueError("请提供 --record 文件，或 --committee 加 --db / --url")


def verify_record(record: dict[str, Any], *, with_db: bool) -> dict[str, Any]:
    result = draw.replay(record)
    problems = list(result.problems)
    if with_db:
        from ggzy.core.db import create_database
        from ggzy.core.settings import load_settings

        db = create_database(load_settings().resolved_database_url)
        try:
            with db.session(write=False) as session:
                problems += ledger_problems(session, record)
        finally:
            db.dispose()
    return {
        "ok": not problems,
        "committee_id": record.get("committee_id"),
        "round": record.get("round"),
        "members": result.members,
        "reserves": result.reserves,
        "problems": problems,
    }


def draw_command(args: argparse.Namespace) -> int:
    try:
        record = _load(args)
    except (OSError, ValueError) as exc:
        print(f"无法读取抽取记录：{exc}", file=sys.stderr)
        return 2
    outcome = verify_record(record, with_db=bool(args.db))
    print(json.dumps(outcome, ensure_ascii=False, indent=1))
    if outcome["ok"]:
        print("校验通过：按记录重放得到同一评标委员会。", file=sys.stderr)
        return 0
    print("校验失败：" + "；".join(outcome["problems"]), file=sys.stderr)
    return 1
