"""API shapes for projects, lots and the opening result of a lot."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ggzy.entities.trades import Trade


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProjectIn(_In):
    name: str = Field(min_length=4, max_length=200, description="项目名称")
    trade: Trade = Field(description="交易类型")
    region_code: str = Field(min_length=2, max_length=12, pattern=r"^[0-9]+$", description="项目所在行政区划代码")
    owner_entity_id: int | None = Field(
        default=None, description="招标人/采购人的主体编号（代理机构创建时必填；招标人自行创建时留空）"
    )
    fund_source: str = Field(default="", max_length=100, description="资金来源")
    state_funded: bool = Field(default=True, description="是否国有资金占控股或主导地位")
    description: str = Field(default="", max_length=5000, description="项目概况")


class LotIn(_In):
    code: str = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z\-]+$", description="标段（包）编号")
    name: str = Field(min_length=2, max_length=200, description="标段（包）名称")
    procedure: str = Field(min_length=2, max_length=40, description="交易方式，如 open_tender")
    estimate: Decimal = Field(gt=0, max_digits=16, decimal_places=2, description="估算价/采购预算（元）")
    max_price: Decimal | None = Field(default=None, gt=0, max_digits=16, decimal_places=2, description="最高投标限价")
    category: str = Field(default="works", pattern=r"^(works|goods|services)$", description="工程/货物/服务")


class NoticeIn(_In):
    documents_from: AwareDatetime = Field(description="招标文件开始发出时间（带时区）")
    documents_until: AwareDatetime = Field(description="招标文件发出截止时间")
    bid_deadline: AwareDatetime = Field(description="投标截止时间，即开标时间")
    bid_bond: Decimal | None = Field(
        default=None, ge=0, max_digits=16, decimal_places=2, description="投标保证金（元）"
    )


class EndIn(_In):
    action: str = Field(pattern=r"^(fail|terminate)$", description="fail 流标，terminate 终止")
    reason: str = Field(min_length=4, max_length=1000, description="原因")


class OpenedBidIn(_In):
    entity_id: int = Field(description="投标人主体编号")
    price: Decimal = Field(gt=0, max_digits=16, decimal_places=2, description="投标报价（元）")
    listed_items: dict[str, Any] = Field(default_factory=dict, description="开标唱标的其他内容（工期、质量等）")


class OpeningIn(_In):
    bids: list[OpenedBidIn] = Field(min_length=1, max_length=500, description="开标记录中的投标人及报价")


class LotBidderOut(BaseModel):
    id: int
    entity_id: int
    entity_name: str
    price: Decimal
    listed_items: dict[str, Any]
    status: str
    opened_at: datetime


class CandidateOut(BaseModel):
    rank: int
    lot_bidder_id: int
    entity_id: int
    name: str
    price: Decimal
    score: Decimal | None


class AwardIn(_In):
    lot_bidder_id: int = Field(description="中标人（开标记录中的投标人编号，须为中标候选人）")


class ContractIn(_In):
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2, description="合同金额（元），应与中标价一致")
    signed_on: date = Field(description="合同签订日期")


class PerformanceIn(_In):
    completed_on: date = Field(description="完成（交付、竣工验收）日期")
    quality: str = Field(min_length=2, max_length=200, description="质量情况")
    final_amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2, description="结算金额（元）")


class LotOut(BaseModel):
    id: int
    project_id: int
    code: str
    name: str
    procedure: str
    estimate: Decimal
    max_price: Decimal | None
    category: str
    stage: str
    stage_reason: str
    documents_from: datetime | None
    documents_until: datetime | None
    bid_deadline: datetime | None
    bid_bond: Decimal | None
    publicity_from: datetime | None = None
    publicity_until: datetime | None = None
    candidates: list[CandidateOut] = Field(default_factory=list, description="中标候选人：公示后可见")
    winner_bidder_id: int | None = None
    awarded_at: datetime | None = None
    contract_amount: Decimal | None = None
    contract_signed_on: date | None = None
    performance: dict[str, Any] | None = None
    bidder_count: int | None = Field(description="开标后的投标人数量；开标前为空")


class ProjectOut(BaseModel):
    id: int
    code: str
    name: str
    trade: str
    region_code: str
    owner_entity_id: int
    owner_name: str
    agency_entity_id: int | None
    agency_name: str | None
    fund_source: str
    state_funded: bool
    description: str
    created_at: datetime
    lots: list[LotOut]


class ProjectPage(BaseModel):
    items: list[ProjectOut]
    total: int
    limit: int
    offset: int
