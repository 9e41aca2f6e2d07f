"""The demo pool seeds once, links the demo expert account and can fill a real committee."""

from __future__ import annotations

from sqlalchemy import func, select

from ggzy.core.settings import Settings
from ggzy.experts.demo import seed_experts
from ggzy.experts.models import Expert, SpecialtyNode


def test_seed_is_idempotent_and_prints_accounts(session, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, secret_key="x" * 48)
    first = seed_experts(session, now=clock.now(), settings=settings)
    session.commit()
    assert "新增演示专家 200 名" in first[0]
    second = seed_experts(session, now=clock.now(), settings=settings)
    assert "新增演示专家 0 名，共 200 名" in second[0]
    assert second[1:] == first[1:] and any("expert002 … expert200" in line for line in first)
    assert session.scalar(select(func.count()).select_from(Expert).where(Expert.status == "approved")) == 200
    assert session.scalar(select(func.count()).select_from(Expert).where(Expert.user_id.is_not(None))) == 199
    assert session.get(SpecialtyNode, "A080101") is not None
    regions = set(session.scalars(select(Expert.region_code)))
    assert len({r[:4] for r in regions}) >= 10  # spread across Gansu
