"""Demo opening keys: the published demo lots get one so that visitors can seal and upload bids in the browser.

In a real ceremony each custodian keeps its own share (page /lots/{id}/opening-key, or ``ggzy shares split``);
here all of them are written to ``<data>/demo-shares/lot-<id>/`` so that one visitor can play every custodian
at the opening (escrow).
"""

from __future__ import annotations

import io
import os
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.bids import completion, service
from ggzy.bids.models import LotOpeningKey
from ggzy.bids.service import register_opening_key
from ggzy.bids.storage import BidStorage
from ggzy.core.security import Principal, Role
from ggzy.core.settings import Settings
from ggzy.ledger.signing import session_signer
from ggzy.projects import service as projects
from ggzy.projects.demo import DEMO_PROJECT_NAMES, demo_principal
from ggzy.projects.models import Lot, Project
from ggzy.vault.container import BidForm, FileSource
from ggzy.vault.envelope import read_header, unwrap_key
from ggzy.vault.keys import PrivateKey, PublicKey
from ggzy.vault.seal import seal_bid
from ggzy.vault.threshold import generate_opening_key

DEMO_CUSTODIANS = ("交易中心", "行政监督部门", "公证机构")


def seed_opening_keys(session: Session, *, now: datetime, settings: Settings) -> list[str]:
    """Idempotent: a lot that has a key is left alone."""
    center = demo_principal(session, "center", Role.center_staff)
    lots = session.scalars(
        select(Lot)
        .join(Project)
        .outerjoin(LotOpeningKey, LotOpeningKey.lot_id == Lot.id)
        .where(Lot.stage == "published", Project.name.in_(DEMO_PROJECT_NAMES), LotOpeningKey.lot_id.is_(None))
        .order_by(Lot.id)
    ).all()
    for lot in lots:
        _register_demo_key(session, center=center, lot_id=lot.id, settings=settings, now=now)
    if not lots:
        return []
    return [
        f"演示开标密钥：{len(lots)} 个标段已登记（2/3 门限），三位保管人的分片保存在 "
        f"{settings.data_dir / 'demo-shares'}（仅演示如此；正式环境由各保管人各自保存）。"
    ]


# A third construction lot whose notice went out three weeks ago and whose bid deadline has just passed, with
# sealed bids from the three demo bidder accounts: the server's scheduler opens it, and a visitor runs the
# opening hall (bidders decrypt, custodians' shares open the rest, the record is signed and published).
OPENING_LOT = ("03", "照明及智能监控", "6800000.00")
SEALED_BIDS = (  # username, price, days, project manager, id number
    ("bidder1", "6512000.00", 150, "张海涛", "620102198001011234"),
    ("bidder2", "6630500.00", 160, "孙立军", "620402197905052345"),
    ("bidder3", "6478800.00", 155, "马文斌", "620702198206063456"),
)


def seed_sealed_bids(session: Session, *, now: datetime, settings: Settings) -> list[str]:
    """Idempotent: left alone when the project already has the lot."""
    project = session.scalars(select(Project).where(Project.name == DEMO_PROJECT_NAMES[0])).one_or_none()
    code, name, estimate = OPENING_LOT
    if project is None or session.scalar(select(Lot.id).where(Lot.project_id == project.id, Lot.code == code)):
        return []
    agency = demo_principal(session, "agency", Role.owner_staff)
    center = demo_principal(session, "center", Role.center_staff)
    published_at = now - timedelta(days=21)
    lot = projects.add_lot(
        session, actor=agency, project_id=project.id, code=code, name=name, procedure="open_tender",
        estimate=Decimal(estimate), max_price=Decimal("6900000.00"), category="works", now=published_at,
    )  # fmt: skip
    deadline = (now - timedelta(minutes=5)).replace(second=0, microsecond=0)
    projects.publish_notice(
        session, actor=agency, lot_id=lot.id, documents_from=published_at,
        documents_until=published_at + timedelta(days=6), bid_deadline=deadline, bid_bond=None, now=published_at,
    )  # fmt: skip
    public = _register_demo_key(session, center=center, lot_id=lot.id, settings=settings, now=published_at)
    storage = BidStorage.under(settings.data_dir)
    keys_dir = settings.data_dir / "demo-bids" / f"lot-{lot.id}"
    keys_dir.mkdir(parents=True, exist_ok=True)
    signer = session_signer(session)
    for i, (username, price, days, manager, id_number) in enumerate(SEALED_BIDS):
        bidder = demo_principal(session, username, Role.bidder_staff)
        at = published_at + timedelta(days=10 + i, hours=3)
        own = PrivateKey.generate()
        out = io.BytesIO()
        seal_bid(
            BidForm(Decimal(price), days, "合格", manager, id_number),
            [FileSource("技术标（演示）.txt", len(_TECH), lambda: io.BytesIO(_TECH))],
            out, opening_key=public, bidder_key=own.public, lot_id=str(lot.id),
            bidder_id=str(bidder.entity_id), created_at=at, metadata={"tool": "ggzy demo"},
        )  # fmt: skip
        blob = out.getvalue()
        upload = service.start_upload(session, actor=bidder, lot_id=lot.id, declared_size=len(blob), now=at)
        service.check_chunk(
            session, actor=bidder, upload_id=upload.id, start=0, length=len(blob), storage=storage, now=at
        )
        with storage.locked_partial(upload.id) as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        service.record_chunk(session, actor=bidder, upload_id=upload.id, start=0, end=len(blob), now=at)
        info = service.inspect_upload(session, actor=bidder, upload_id=upload.id, storage=storage)
        staged = service.stage_bid_file(session, actor=bidder, upload_id=upload.id, storage=storage)
        completion.complete_upload(
            session, actor=bidder, staged=staged, info=info, signing_key=signer, ip="127.0.0.1", now=at
        )
        storage.discard_partial(upload.id)  # as upload_io.complete does once the bid is recorded
        # What `ggzy unwrap` prints on the bidder's machine: the data key to paste in the opening hall.
        data_key = unwrap_key(read_header(io.BytesIO(blob)).header, own).hex()
        (keys_dir / f"{username}-data-key.txt").write_text(data_key + "\n", encoding="utf-8")
    return [
        f"演示开标：标段“{name}”投标截止时间已过，三家演示投标人已递交密封投标文件；开标大厅 /lots/{lot.id}/opening。"
        f"投标人解密用的数据密钥在 {keys_dir}（相当于各自运行 ggzy unwrap 的结果）。"
    ]


_TECH = ("施工组织设计（演示）：照明及智能监控系统安装，质量目标合格，安全文明施工。\n" * 200).encode()


def _register_demo_key(
    session: Session, *, center: Principal, lot_id: int, settings: Settings, now: datetime
) -> PublicKey:
    """A 2-of-3 opening key registered for the lot, all three shares written to the data folder (demo only)."""
    public, shares = generate_opening_key(2, 3, DEMO_CUSTODIANS)
    register_opening_key(
        session,
        actor=center,
        lot_id=lot_id,
        public_key=public.raw.hex(),
        k=2,
        n=3,
        custodians=list(DEMO_CUSTODIANS),
        commitments_digest=shares[0].digest,
        now=now,
    )
    folder = settings.data_dir / "demo-shares" / f"lot-{lot_id}"
    folder.mkdir(parents=True, exist_ok=True)
    for share in shares:
        (folder / f"share-{share.index}.json").write_text(share.dumps(), encoding="utf-8")
    return public
