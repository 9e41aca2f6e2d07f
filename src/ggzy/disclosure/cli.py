"""``ggzy export ocds``: write an OCDS release or record package to a file, streaming (constant memory)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ggzy.core.errors import InvalidInput


def export_ocds(
    db: Any,
    *,
    out: Path,
    kind: str,
    date_from: str | None,
    date_to: str | None,
    base_url: str,
    ocid_prefix: str,
    publisher: str,
) -> int:
    """Export into ``out`` (written to a temporary file then renamed, so a reader never sees half a package)."""
    from ggzy.core.clock import SystemClock
    from ggzy.disclosure import http
    from ggzy.disclosure import ocds_packages as packages
    from ggzy.disclosure.ocds import Context

    rng = packages.parse_range(date_from, date_to, names=("--from", "--to"))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ocds-", suffix=".json", dir=out.parent)
    try:
        with db.session(write=False) as session, os.fdopen(fd, "w", encoding="utf-8") as fp:
            ctx = Context(session=session, base_url=base_url, ocid_prefix=ocid_prefix, publisher_name=publisher)
            published = http.notices_version(session)[2] or SystemClock().now()
            query = [f"from={rng.date_from}" if rng.date_from else "", f"to={rng.date_to}" if rng.date_to else ""]
            qs = "&".join(q for q in query if q)
            if kind == "records":
                uri = ctx.url("/api/ocds/record-packages" + (f"?{qs}" if qs else ""))
                count = packages.write_record_package(fp, ctx, rng, uri=uri, published=published)
            else:
                uri = ctx.url("/api/ocds/releases" + (f"?{qs}" if qs else ""))
                count = packages.write_release_package(fp, ctx, rng, uri=uri, published=published)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def export_command(args: argparse.Namespace) -> int:
    from ggzy.cli import open_database
    from ggzy.core.settings import load_settings

    settings = load_settings()
    db = open_database(settings)
    try:
        count = export_ocds(
            db,
            out=Path(args.out),
            kind=args.kind,
            date_from=args.date_from,
            date_to=args.date_to,
            base_url=args.base_url or settings.public_base_url,
            ocid_prefix=settings.ocds_ocid_prefix,
            publisher=settings.platform_name,
        )
    except InvalidInput as exc:
        print(f"参数错误 [{exc.code}]：{exc.message}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    label = "记录" if args.kind == "records" else "发布"
    print(f"已导出 {count} 条 OCDS {label}到 {args.out}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="导出开放数据（OCDS 1.1）")
    what = p.add_subparsers(dest="what", required=True)
    o = what.add_parser("ocds", help="导出 OCDS 发布包或记录包（流式写入，内存占用恒定）")
    o.add_argument("--out", required=True, help="输出文件（JSON）")
    o.add_argument("--from", dest="date_from", help="开始日期 YYYY-MM-DD（北京时间，含）")
    o.add_argument("--to", dest="date_to", help="结束日期 YYYY-MM-DD（北京时间，含）")
    o.add_argument("--kind", choices=("releases", "records"), default="releases", help="包类型，默认 releases")
    o.add_argument("--base-url", help="链接中使用的平台地址，默认取 GGZY_PUBLIC_BASE_URL")
    o.set_defaults(func=export_command)
