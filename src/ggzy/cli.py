"""The ``ggzy`` command: serve, demo, migrate, seed, verify, outbox."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from ggzy.core.settings import SettingsError, load_settings


def _cmd_migrate(args: argparse.Namespace) -> int:
    from ggzy.core.migrate import upgrade

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    print(f"数据库已迁移到最新版本：{_redact(settings.resolved_database_url)}")
    return 0


def open_database(settings: object | None = None):  # type: ignore[no-untyped-def]
    """The configured database, with the platform's signing key attached so notices can be signed."""
    from ggzy.core.db import create_database
    from ggzy.core.settings import Settings
    from ggzy.ledger.signing import SigningKey

    resolved = settings if isinstance(settings, Settings) else load_settings()
    resolved.data_dir.mkdir(parents=True, exist_ok=True)
    db = create_database(resolved.resolved_database_url)
    db.signer = SigningKey.load_or_create(resolved.signing_key_path)
    return db


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _cmd_seed(args: argparse.Namespace) -> int:
    from ggzy.demo import seed_demo

    settings = load_settings()
    db = open_database(settings)
    try:
        report = seed_demo(db, settings=settings)
    finally:
        db.dispose()
    print(report)
    return 0


def _serve(settings_host: str | None, port: int | None, workers: int | None = None) -> int:
    import uvicorn

    from ggzy.core.migrate import unapplied
    from ggzy.web.app import create_app
    from ggzy.web.http_protocol import HTTP_PROTOCOL

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    behind = unapplied(settings.resolved_database_url)
    if behind is not None:
        print(f"无法启动：{behind}", file=sys.stderr)
        return 2
    host, port = settings_host or settings.host, port or settings.port
    workers = workers or settings.resolved_web_workers
    print(f"平台已启动：http://{host}:{port}/（{workers} 个工作进程）")
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", http=HTTP_PROTOCOL)
        return 0
    # Each worker process builds its own app from the same environment (settings, data folder, database).
    settings.check_production()
    uvicorn.run(
        "ggzy.web.app:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        http=HTTP_PROTOCOL,
    )
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    return _serve(args.host, args.port, args.workers)


def _cmd_demo(args: argparse.Namespace) -> int:
    """Migrate, seed demo data (idempotent) and serve: the README's first command."""
    _cmd_migrate(args)
    _cmd_seed(args)
    if args.no_serve:
        return 0
    return _serve(args.host, args.port)


def _cmd_verify(args: argparse.Namespace) -> int:
    from ggzy.ledger.cli import verify_command

    return verify_command(args)


def _cmd_outbox(args: argparse.Namespace) -> int:
    from ggzy.core.events import deliver_pending

    db = open_database()
    ok, failed = deliver_pending(db)
    print(json.dumps({"delivered": ok, "failed": failed}, ensure_ascii=False))
    return 1 if failed else 0


def _cmd_tick(args: argparse.Namespace) -> int:
    """Fire due time-driven transitions once (the server also does this every few seconds)."""
    from ggzy.bids.box import seal_due
    from ggzy.core.clock import SystemClock
    from ggzy.core.models_registry import import_all_services
    from ggzy.procedures.scheduler import run_due

    import_all_services()
    settings = load_settings()
    db = open_database(settings)
    try:
        now = SystemClock().now()
        report = run_due(db, now=now)
        sealed = seal_due(db, now=now, minutes=settings.bid_box_seal_minutes)
    finally:
        db.dispose()
    print(
        json.dumps(
            {"done": report.done, "skipped": report.skipped, "failed": report.failed, "bid_boxes_sealed": sealed},
            ensure_ascii=False,
        )
    )
    return 1 if report.failed else 0


def _cmd_draw(args: argparse.Namespace) -> int:
    from ggzy.experts.cli import draw_command

    return draw_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ggzy", description="ggzy 公共资源交易平台")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="启动 Web 服务")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument(
        "--workers",
        type=int,
        help="工作进程数（默认取 GGZY_WEB_WORKERS；未设置时每个 CPU 核一个，至多 8）",
    )
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("demo", help="迁移数据库、导入演示数据并启动")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("migrate", help="把数据库迁移到最新版本")
    p.set_defaults(func=_cmd_migrate)

    p = sub.add_parser("seed", help="导入演示数据（可重复执行）")
    p.set_defaults(func=_cmd_seed)

    p = sub.add_parser("verify", help="校验透明账本：下载的日志与签名树头是否一致")
    from ggzy.ledger.cli import add_verify_arguments

    add_verify_arguments(p)
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("outbox", help="重试待投递的消息")
    p.set_defaults(func=_cmd_outbox)

    p = sub.add_parser("draw", help="专家抽取：draw verify 重放抽取记录")
    from ggzy.experts.cli import add_draw_arguments

    add_draw_arguments(p)
    p.set_defaults(func=_cmd_draw)

    p = sub.add_parser("tick", help="执行已到期的定时流程（如投标截止自动进入开标）")
    p.set_defaults(func=_cmd_tick)

    from ggzy.vault.cli import register as register_vault

    register_vault(sub)  # keygen, seal, unseal, shares
    from ggzy.bids.cli import register as register_bids

    register_bids(sub)  # bids-clean
    from ggzy.bids.opening_cli import register as register_opening

    register_opening(sub)  # unwrap (the bidder's data key, at the opening)
    from ggzy.notices.cli import register as register_notices

    register_notices(sub)  # notice-verify
    from ggzy.disclosure.cli import register as register_disclosure

    register_disclosure(sub)  # export ocds
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
