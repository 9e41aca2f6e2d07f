"""``ggzy keygen | seal | unseal | shares split | shares combine``: sealing bids on the bidder's machine.

    ggzy keygen --out me.key                        X25519 key pair: me.key (0600) and me.key.pub (JSON)
    ggzy seal --lot L1 --bidder B1 --form form.json --to lot.pub --self me.key.pub --out bid.ggzy a.pdf b.dwg
    ggzy unseal bid.ggzy --key me.key --out-dir opened/     → opened/form.json and opened/files/*
    ggzy unseal bid.ggzy --share s1.json --share s3.json --digest <published digest> --out-dir opened/
    ggzy shares split --key lot.key --k 2 --n 3 --custodian 交易中心 --custodian 监督部门 \
        --custodian 公证处 --out-dir s/
    ggzy shares combine s/share-1.json s/share-3.json --out lot.key

Refusals print ``错误 [CODE] message`` on stderr and exit 1.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from ggzy import __version__
from ggzy.core.errors import AppError
from ggzy.vault.container import BidForm, FileSource, check_file_name
from ggzy.vault.envelope import DEFAULT_CHUNK_SIZE
from ggzy.vault.errors import form_invalid, key_invalid, share_invalid
from ggzy.vault.fingerprint import machine_fingerprint
from ggzy.vault.keys import PrivateKey, load_private_key, load_public_key, write_private_key
from ggzy.vault.seal import open_bid, seal_bid
from ggzy.vault.threshold import Share, combine_shares, split_key

TOOL = f"ggzy-seal/{__version__}"


def _fail(exc: AppError) -> int:
    print(f"错误 [{exc.code}] {exc.message}", file=sys.stderr)
    return 1


def _guard(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except AppError as exc:
            return _fail(exc)
        except OSError as exc:
            print(f"错误 [IO_ERROR] 文件读写失败：{exc}", file=sys.stderr)
            return 1

    return run


def keygen(args: argparse.Namespace) -> int:
    out: Path = args.out
    pub_path = out.with_name(out.name + ".pub")
    if out.exists() or pub_path.exists():
        raise key_invalid(f"{out} 或 {pub_path} 已存在，不会覆盖")
    key = PrivateKey.generate()
    write_private_key(out, key)
    pub_path.write_text(json.dumps(key.public.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"key_id": key.key_id, "public_key": key.public.raw.hex(), "private_key_file": str(out),
                      "public_key_file": str(pub_path)}, ensure_ascii=False))
    return 0


def seal(args: argparse.Namespace) -> int:
    try:
        form = BidForm.from_json(json.loads(Path(args.form).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise form_invalid(f"无法读取投标表单 {args.form}：{exc}", field="form") from exc
    sources = []
    for path in args.files:
        if not path.is_file():
            raise form_invalid(f"文件 {path} 不存在", field="files")
        sources.append(FileSource.from_path(path))
    opening = load_public_key(args.to)
    bidder = load_public_key(args.self_key) if args.self_key else None
    fp = machine_fingerprint(TOOL)
    out: Path = args.out
    tmp = out.with_name(out.name + ".part")
    try:
        with tmp.open("wb") as fh:
            result = seal_bid(
                form,
                sources,
                fh,
                opening_key=opening,
                bidder_key=bidder,
                lot_id=args.lot,
                bidder_id=args.bidder,
                created_at=datetime.now(UTC),  # the bidder's own clock: informative only; the receipt's counts
                chunk_size=args.chunk_size,
                metadata={"tool": TOOL, "fingerprint": fp.hash},
            )
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    print(json.dumps({"envelope": str(out), "ciphertext_hash": result.ciphertext_hash, "size": result.size,
                      "lot_id": args.lot, "bidder_id": args.bidder, "fingerprint": fp.hash}, ensure_ascii=False))
    return 0


def _load_shares(paths: list[Path]) -> list[Share]:
    shares = []
    for position, path in enumerate(paths, start=1):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise share_invalid(f"无法读取 {path}", index=position) from exc
        shares.append(Share.loads(text, position=position))
    return shares


def unseal(args: argparse.Namespace) -> int:
    if args.key:
        key = load_private_key(args.key)
    elif args.share:
        key = combine_shares(_load_shares(args.share), expected_digest=args.digest)
    else:
        raise key_invalid("需要 --key 或至少一个 --share")
    out_dir: Path = args.out_dir
    if out_dir.exists() and any(out_dir.iterdir()):
        raise form_invalid(f"输出目录 {out_dir} 不为空", field="out_dir")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # Files land in a scratch directory and move into place only when the whole envelope verified.
    work = Path(tempfile.mkdtemp(prefix=".unseal-", dir=out_dir.parent))
    (work / "files").mkdir()
    handles: list[BinaryIO] = []

    def sink(name: str, size: int) -> BinaryIO:
        check_file_name(name)
        fh = (work / "files" / name).open("xb")
        handles.append(fh)
        return fh

    try:
        with Path(args.envelope).open("rb") as src:
            try:
                opened = open_bid(src, key, sink=sink)
            finally:
                for fh in handles:
                    fh.close()
        (work / "form.json").write_text(
            json.dumps(opened.form.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        if out_dir.exists():
            out_dir.rmdir()
        work.rename(out_dir)
    finally:
        if work.exists():
            shutil.rmtree(work)
    print(json.dumps({"lot_id": opened.header.lot_id, "bidder_id": opened.header.bidder_id,
                      "form": opened.form.to_json(), "metadata": opened.header.metadata,
                      "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in opened.files]},
                     ensure_ascii=False))
    return 0


def shares_split(args: argparse.Namespace) -> int:
    key = load_private_key(args.key)
    shares = split_key(key, args.k, args.n, args.custodian or ())
    args.out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for share in shares:
        path = args.out_dir / f"share-{share.index}.json"
        with path.open("x", encoding="utf-8") as fh:
            fh.write(share.dumps())
        path.chmod(0o600)
        written.append(str(path))
    print(json.dumps({"key_id": key.key_id, "k": args.k, "n": args.n, "commitments_digest": shares[0].digest,
                      "shares": written}, ensure_ascii=False))
    return 0


def shares_combine(args: argparse.Namespace) -> int:
    key = combine_shares(_load_shares(args.shares), expected_digest=args.digest)
    write_private_key(args.out, key)
    print(json.dumps({"key_id": key.key_id, "private_key_file": str(args.out)}, ensure_ascii=False))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the vault subcommands to the ``ggzy`` parser."""
    p = sub.add_parser("keygen", help="生成 X25519 密钥对（投标人自有密钥或标段开标密钥）")
    p.add_argument("--out", type=Path, required=True, help="私钥文件（公钥写到同名 .pub）")
    p.set_defaults(func=_guard(keygen))

    p = sub.add_parser("seal", help="在本机加密投标文件（投标表单 + 文件）")
    p.add_argument("--lot", required=True, help="标段编号")
    p.add_argument("--bidder", required=True, help="投标人编号")
    p.add_argument("--form", type=Path, required=True, help="投标表单 JSON（price、duration_days …）")
    p.add_argument("--to", type=Path, required=True, help="标段开标公钥（PEM、JSON 或十六进制）")
    p.add_argument("--self", dest="self_key", type=Path, help="投标人自己的公钥，开标时可自行解密")
    p.add_argument("--out", type=Path, required=True, help="输出的密封文件")
    p.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="分块字节数")
    p.add_argument("files", type=Path, nargs="*", help="投标文件")
    p.set_defaults(func=_guard(seal))

    p = sub.add_parser("unseal", help="解密密封的投标文件")
    p.add_argument("envelope", type=Path)
    p.add_argument("--key", type=Path, help="私钥文件")
    p.add_argument("--share", type=Path, action="append", help="开标密钥分片（可重复）")
    p.add_argument("--digest", help="公告中的分片承诺摘要")
    p.add_argument("--out-dir", type=Path, required=True)
    p.set_defaults(func=_guard(unseal))

    p = sub.add_parser("shares", help="开标密钥的门限分片（k/n）")
    ssub = p.add_subparsers(dest="shares_command", required=True)
    s = ssub.add_parser("split", help="把开标私钥拆成 n 份，任意 k 份可恢复")
    s.add_argument("--key", type=Path, required=True)
    s.add_argument("--k", type=int, required=True)
    s.add_argument("--n", type=int, required=True)
    s.add_argument("--custodian", action="append", help="保管人名称（按序号，可重复）")
    s.add_argument("--out-dir", type=Path, required=True)
    s.set_defaults(func=_guard(shares_split))
    s = ssub.add_parser("combine", help="用至少 k 份分片恢复开标私钥")
    s.add_argument("shares", type=Path, nargs="+")
    s.add_argument("--digest", help="公告中的分片承诺摘要")
    s.add_argument("--out", type=Path, required=True)
    s.set_defaults(func=_guard(shares_combine))
