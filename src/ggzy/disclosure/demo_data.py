"""Generated demo notices: a few thousand, over the last two years, across Gansu's 14 prefectures and all six
trades, each lot with its lifecycle (tender → opening → candidates → result → contract; some fail or end).

Projects and lots are real rows; every notice goes through ``ggzy.notices.service.publish`` (signature, ledger
event, search text), in chronological order, so ids, ledger indexes and publication times rise together.
Lot stages are set on the rows as the end state of an imported history (no scheduler timers are created).
``bulk_notices`` is the benchmarks' shortcut: plain core inserts, unsigned, for a million rows.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI
from ggzy.entities import uscc
from ggzy.entities.models import Entity
from ggzy.notices.models import Notice
from ggzy.notices.segment import segment
from ggzy.notices.service import KINDS, NoticeDraft, publish
from ggzy.projects import codes, notice_drafts
from ggzy.projects.models import Lot, Project
from ggzy.regions.models import Region

MARKER_NAME = "甘肃省公共资源交易演示数据（虚构）"
_ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# (trade, procedure, category, name templates, estimate range in 10k yuan)
_TEMPLATES: list[tuple[str, str, str, list[str], tuple[int, int]]] = [
    (
        "construction",
        "open_tender",
        "works",
        [
            "{c}{s}道路改造工程",
            "{c}第{n}中学教学楼新建工程",
            "{c}人民医院住院综合楼建设工程",
            "{c}城乡供水管网改造工程",
            "{c}污水处理厂提标改造工程",
            "{c}高标准农田建设项目",
            "{c}{s}桥梁加固工程",
            "{c}老旧小区改造工程",
            "{c}第{n}小学运动场改造工程",
            "{c}农村公路安全生命防护工程",
            "{c}水库除险加固工程",
            "{c}中医医院门诊楼建设工程",
        ],
        (300, 30000),
    ),
    (
        "procurement",
        "open_tender",
        "goods",
        [
            "{c}人民医院医疗设备采购项目",
            "{c}教育局学生课桌椅采购项目",
            "{c}智慧城市信息化平台建设项目",
            "{c}第{n}中学多媒体教学设备采购项目",
            "{c}妇幼保健院彩色超声诊断仪采购项目",
            "{c}公安局执法记录仪采购项目",
            "{c}疾病预防控制中心检测设备采购项目",
            "{c}图书馆图书采购项目",
            "{c}环卫车辆采购项目",
        ],
        (30, 3000),
    ),
    (
        "procurement",
        "open_tender",
        "services",
        [
            "{c}政务服务中心物业管理服务采购项目",
            "{c}城区道路清扫保洁服务采购项目",
            "{c}人民医院保洁服务采购项目",
        ],
        (50, 800),
    ),
    (
        "land",
        "listing",
        "goods",
        [
            "{c}{code}号地块国有建设用地使用权挂牌出让",
            "{c}{s}片区商住用地使用权挂牌出让",
            "{c}工业园区{code}号工业用地出让",
        ],
        (500, 50000),
    ),
    (
        "mining",
        "auction",
        "goods",
        [
            "{c}{s}建筑用砂石矿采矿权出让",
            "{c}{s}金矿探矿权出让",
            "{c}{s}石灰岩矿采矿权出让",
        ],
        (100, 20000),
    ),
    (
        "property",
        "online_bidding",
        "goods",
        [
            "{c}国有资产经营公司闲置房产租赁权转让",
            "{c}城市建设投资公司报废车辆处置",
            "{c}国有企业股权转让项目",
        ],
        (20, 5000),
    ),
    (
        "medical",
        "open_tender",
        "goods",
        [
            "{c}医疗保障局医用耗材带量采购项目",
            "{c}公立医院药品集中采购项目",
            "{c}人民医院检验试剂集中采购项目",
        ],
        (100, 8000),
    ),
]
_STREETS = [
    "雁滩",
    "滨河",
    "东岗",
    "西津",
    "中山",
    "建设",
    "人民",
    "解放",
    "新华",
    "长安",
    "祁连",
    "河西",
    "陇海",
    "丝路",
]
_FAIL_REASONS = ["递交投标文件的投标人少于三个", "有效投标不足三家，不具备竞争性", "投标报价均超过最高投标限价"]
_END_REASONS = ["项目资金来源发生变化", "项目建设内容调整", "上级主管部门要求暂停实施"]
_BIDDER_NAMES = [
    "甘肃陇原建设集团有限公司",
    "甘肃路桥建设集团有限公司",
    "甘肃第一建设集团有限责任公司",
    "甘肃华成医疗器械有限公司",
    "兰州金诚信息技术有限公司",
    "甘肃祁连水利水电工程有限公司",
    "天水长城电工有限公司",
    "甘肃丝路物业服务有限公司",
    "白银金鼎路桥工程有限公司",
    "酒泉钢铁建设有限公司",
]
_OWNER_KINDS = ["人民政府", "交通运输局", "教育局", "卫生健康委员会", "水务局", "自然资源局", "住房和城乡建设局"]


@dataclass
class _Planned:
    at: datetime
    lot_index: int
    kind: str
    extra: dict[str, Any] = field(default_factory=dict)


def _org8(n: int) -> str:
    digits = []
    for _ in range(4):
        n, r = divmod(n, len(_ORG))
        digits.append(_ORG[r])
    return "MD9" + "".join(reversed(digits)) + "0"


def _entity(session: Session, *, n: int, name: str, kind: str, region: str, now: datetime) -> Entity:
    row = Entity(
        uscc=uscc.make("12" if kind == "tenderee" else "91", region.ljust(6, "0")[:6], _org8(n)),
        name=name,
        kind=kind,
        region_code=region,
        legal_representative="演示",
        created_at=now,
    )
    session.add(row)
    return row


def already_generated(session: Session) -> bool:
    return session.scalar(select(Entity.id).where(Entity.name == MARKER_NAME)) is not None


def generate(session: Session, *, lots: int = 900, now: datetime, seed: int = 5) -> int:
    """Generate ``lots`` lots (about four notices each) once; returns the notices published (0 on a rerun)."""
    if already_generated(session):
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    counties = _counties(session)
    start = now - timedelta(days=730)
    _entity(session, n=1, name=MARKER_NAME, kind="tenderee", region="62", now=start)
    owners: dict[str, Entity] = {}
    bidders = [
        _entity(session, n=100 + i, name=f"{name}（演示）", kind="bidder", region="6201", now=start)
        for i, name in enumerate(_BIDDER_NAMES)
    ]
    session.flush()
    rows: list[Lot] = []
    plans: list[_Planned] = []
    for i in range(lots):
        trade, procedure, category, names, (low, high) = rng.choice(_TEMPLATES)
        county_code, county_name, prefecture_name = rng.choice(counties)
        place = county_name if rng.random() < 0.7 else prefecture_name
        name = rng.choice(names).format(c=place, s=rng.choice(_STREETS), n=rng.randint(1, 12), code=rng.randint(1, 60))
        owner_name = f"{place}{rng.choice(_OWNER_KINDS)}（演示）"
        owner = owners.get(owner_name)
        if owner is None:
            owner = owners[owner_name] = _entity(
                session, n=1000 + len(owners), name=owner_name, kind="tenderee", region=county_code, now=start
            )
            session.flush()
        opened = start + timedelta(minutes=rng.randint(0, 729 * 24 * 60))
        day = opened.astimezone(SHANGHAI).date()
        estimate = Decimal(rng.randint(low, high) * 10000)
        project = Project(
            code=codes.make(owner.uscc, day, i % 999_999 + 1),
            name=f"{name}（演示）",
            trade=trade,
            owner_entity_id=owner.id,
            region_code=county_code,
            fund_source=rng.choice(["财政资金", "专项债券", "自筹资金"]),
            state_funded=True,
            description="演示项目：全部数据为虚构。",
            created_at=opened,
        )
        session.add(project)
        session.flush()
        lot = Lot(
            project_id=project.id,
            code="01",
            name=rng.choice(["施工", "货物", "服务", "标段一"])
            if trade in ("construction", "procurement")
            else "标的一",
            procedure=procedure,
            estimate=estimate,
            max_price=estimate if trade != "land" else None,
            category=category,
            stage="draft",
            documents_from=opened,
            documents_until=opened + timedelta(days=7),
            bid_deadline=opened + timedelta(days=21),
            bid_bond=(estimate * Decimal("0.02")).quantize(Decimal("1")),
            created_at=opened,
            updated_at=opened,
        )
        session.add(lot)
        rows.append(lot)
        plans += _lifecycle(rng, i, opened, now, trade, estimate, bidders)
    session.flush()
    plans.sort(key=lambda p: (p.at, p.lot_index))
    for plan in plans:
        lot = rows[plan.lot_index]
        draft = _draft(lot, plan)
        lot.stage = _STAGE_AFTER[plan.kind]
        lot.updated_at = plan.at
        publish(
            session,
            kind=plan.kind,
            draft=draft,
            project=lot.project,
            lot=lot,
            actor="system",
            now=plan.at,
            event_kind="demo.notice_imported",
            event_data={"lot_id": lot.id, "project_id": lot.project_id},
        )
    return len(plans)


_STAGE_AFTER = {
    "tender": "published",
    "change": "published",
    "opening": "opened",
    "candidates": "publicity",
    "result": "awarded",
    "contract": "contracted",
    "failure": "failed",
    "termination": "terminated",
}


def _lifecycle(
    rng: random.Random, i: int, opened: datetime, now: datetime, trade: str, estimate: Decimal, bidders: list[Entity]
) -> list[_Planned]:
    steps: list[tuple[int, str, dict[str, Any]]] = [(0, "tender", {})]
    roll = rng.random()
    chosen = rng.sample(bidders, rng.randint(3, 6))
    prices = sorted(estimate * Decimal(rng.randint(850, 985)) / 1000 for _ in chosen)
    bids = [{"bidder_name": b.name, "price": p.quantize(Decimal("0.01"))} for b, p in zip(chosen, prices, strict=True)]
    if rng.random() < 0.08:
        steps.append((rng.randint(2, 6), "change", {}))
    if roll < 0.04:
        steps.append((rng.randint(3, 15), "termination", {"reason": rng.choice(_END_REASONS)}))
    elif trade in ("land", "mining", "property"):
        steps += [(22, "result", {"bids": bids}), (35, "contract", {"bids": bids})]
    elif roll < 0.12:
        steps += [(21, "opening", {"bids": bids[:2]}), (22, "failure", {"reason": rng.choice(_FAIL_REASONS)})]
    else:
        steps += [
            (21, "opening", {"bids": bids}),
            (25, "candidates", {"bids": bids}),
            (29, "result", {"bids": bids}),
            (45, "contract", {"bids": bids}),
        ]
    out = []
    for days, kind, extra in steps:
        at = opened + timedelta(days=days, minutes=rng.randint(0, 600))
        if at >= now:
            break  # the rest of this lot's life is still ahead
        out.append(_Planned(at, i, kind, extra))
    return out


def _draft(lot: Lot, plan: _Planned) -> NoticeDraft:
    bids = plan.extra.get("bids", [])
    if plan.kind == "tender":
        return notice_drafts.tender(lot)
    if plan.kind == "change":
        base = notice_drafts.tender(lot)
        return NoticeDraft(
            title=base.title.replace("招标公告", "变更公告"),
            text=f"{base.title}的投标截止时间不变，补充发布工程量清单修正说明。",
            fields={"changes": ["工程量清单修正"]},
        )
    if plan.kind == "opening":
        return notice_drafts.opening(lot, bids=bids)
    if plan.kind == "candidates":
        ranked = [{"rank": k + 1, "name": b["bidder_name"], "price": b["price"]} for k, b in enumerate(bids[:3])]
        return notice_drafts.candidates(lot, ranked=ranked, publicity_until=plan.at + timedelta(days=3))
    if plan.kind == "result":
        return notice_drafts.result(
            lot, winner_entity_id=0, winner_name=bids[0]["bidder_name"], price=bids[0]["price"], rank=1
        )
    if plan.kind == "contract":
        return notice_drafts.contract(
            lot,
            supplier_name=bids[0]["bidder_name"],
            amount=bids[0]["price"],
            signed_on=plan.at.astimezone(SHANGHAI).date(),
            late=None,
        )
    action = "fail" if plan.kind == "failure" else "terminate"
    return notice_drafts.ended(lot, action=action, reason=plan.extra["reason"])


def _counties(session: Session) -> list[tuple[str, str, str]]:
    """(county code, county name, prefecture name) for every county of Gansu's 14 prefectures."""
    prefectures = {r.code: r.name for r in session.scalars(select(Region).where(Region.parent_code == "62"))}
    rows = session.scalars(select(Region).where(Region.parent_code.in_(prefectures), Region.name != "市辖区"))
    return [(r.code, r.name, prefectures[r.parent_code or ""]) for r in rows]


# --- benchmarks: a million notices without signatures or ledger events ---------------------------------------


@lru_cache(maxsize=100_000)
def _seg(text: str) -> str:
    return segment(text)


def bulk_notices(session: Session, *, count: int, now: datetime, seed: int = 7, batch: int = 20_000) -> int:
    """Insert ``count`` notices with plain core inserts (benchmarks only: unsigned, no ledger events; ids,
    ledger indexes and times rise together over the last two years). Returns the number inserted."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    counties = _counties(session)
    owner = _entity(
        session,
        n=9000 + rng.randint(0, 20000),
        name=f"基准测试招标人{rng.randint(0, 10**6)}",
        kind="tenderee",
        region="6201",
        now=now,
    )
    session.flush()
    projects = []
    for k in range(1000):
        trade, _p, _c, names, _r = rng.choice(_TEMPLATES)
        code, county, _prefecture = rng.choice(counties)
        name = rng.choice(names).format(c=county, s=rng.choice(_STREETS), n=k % 12 + 1, code=k)
        projects.append(
            Project(
                code=f"BENCH{owner.id:06d}{k:06d}",
                name=name,
                trade=trade,
                owner_entity_id=owner.id,
                region_code=code,
                created_at=now,
            )
        )
    session.add_all(projects)
    session.flush()
    prefecture_of = {c: p for c, _n, p in counties}
    county_of = {c: n for c, n, _p in counties}
    first_index = int(session.scalar(select(func.coalesce(func.max(Notice.ledger_index), 0))) or 0) + 10**6
    start = now - timedelta(days=730)
    step = timedelta(days=730) / max(count, 1)
    kinds = list(KINDS)
    for offset in range(0, count, batch):
        rows = []
        for j in range(offset, min(count, offset + batch)):
            project = rng.choice(projects)
            kind = rng.choice(kinds)
            amount = Decimal(rng.randint(10, 50000) * 1000)
            title = f"{project.name}{KINDS[kind]}"
            text = (
                _seg(
                    f"{KINDS[kind]} {project.name} {county_of[project.region_code]} "
                    f"{prefecture_of[project.region_code]}"
                )
                + " "
                + _seg(rng.choice(_BIDDER_NAMES))
            )
            rows.append(
                {
                    "ledger_index": first_index + j,
                    "kind": kind,
                    "project_id": project.id,
                    "lot_id": None,
                    "related_id": None,
                    "trade": project.trade,
                    "region_code": project.region_code,
                    "title": title,
                    "amount": amount,
                    "published_at": start + step * j,
                    "document": json.dumps({"title": title, "text": ""}, ensure_ascii=False),
                    "digest": "0" * 64,
                    "signature": "",
                    "key_id": "bench",
                    "search_text": text,
                }
            )
        session.execute(insert(Notice), rows)
    return count
