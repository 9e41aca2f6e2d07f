"""Demo data for a fresh install: regions, the Gansu centers, demo entities and one user per role."""

from __future__ import annotations

from ggzy.bids.demo import seed_opening_keys, seed_sealed_bids
from ggzy.core.clock import SystemClock
from ggzy.core.db import Database
from ggzy.core.settings import Settings
from ggzy.credit.demo import seed_credit
from ggzy.documents.demo import seed_documents
from ggzy.entities.demo import seed_entities
from ggzy.evaluation.demo import seed_evaluation
from ggzy.experts.demo import seed_experts
from ggzy.projects.demo import seed_projects
from ggzy.regions.demo import seed_centers
from ggzy.regions.service import load_regions


def seed_demo(db: Database, *, settings: Settings) -> str:
    """Idempotent: a second run adds nothing and prints the same accounts."""
    now = SystemClock().now()
    with db.transaction() as session:
        regions = load_regions(session)
    with db.transaction() as session:
        centers = seed_centers(session, now=now)
    with db.transaction() as session:
        accounts = seed_entities(session, now=now, settings=settings)
    notes: list[str] = []
    # Each step in its own transaction, in dependency order: the expert pool, then lots, then their schemes.
    for seed in (seed_experts, seed_projects, seed_opening_keys, seed_sealed_bids, seed_documents, seed_evaluation):
        with db.transaction() as session:
            notes += seed(session, now=now, settings=settings)
    # One demo bidder under a sanction in force, so the refusal of its bids can be seen (credit domain).
    with db.transaction() as session:
        notes += seed_credit(session, now=now, settings=settings)
    # Two years of generated public notices for the portal, search and open data (generated once).
    from ggzy.disclosure.demo_data import generate

    with db.transaction() as session:
        published = generate(session, now=now)
    if published:
        notes.append(f"演示公告：新增 {published} 条（近两年，覆盖全省14个市州和六类交易）。")
    lines = [
        f"演示数据已就绪：新增行政区划 {regions} 个，新增交易中心 {centers} 个。",
        f"演示账号（密码在首次导入时随机生成，保存在 {settings.data_dir / 'demo-accounts.txt'}）：",
    ]
    lines += [f"  {a.role_label:<12} 用户名 {a.username:<12} 密码 {a.password}" for a in accounts]
    lines += notes
    return "\n".join(lines)
