"""`ggzy bids-clean`: discard uploads not completed by their lot's deadline and partial files nobody owns."""

from __future__ import annotations

import argparse
import json

from ggzy.bids.service import discard_stale_uploads
from ggzy.bids.storage import BidStorage


def clean_command(args: argparse.Namespace) -> int:
    from ggzy.core.clock import SystemClock
    from ggzy.core.db import create_database
    from ggzy.core.settings import load_settings

    settings = load_settings()
    db = create_database(settings.resolved_database_url)
    try:
        with db.transaction() as session:
            count = discard_stale_uploads(session, storage=BidStorage.under(settings.data_dir), now=SystemClock().now())
    finally:
        db.dispose()
    print(json.dumps({"discarded": count}, ensure_ascii=False))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("bids-clean", help="清理投标截止前未完成的上传及无主的临时文件")
    p.set_defaults(func=clean_command)
