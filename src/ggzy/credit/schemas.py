"""API shapes. Sanctions are public credit information; who recorded them (a user id) is not shown."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class SanctionIn(BaseModel):
    entity_id: int = Field(description="被惩戒的市场主体编号（投标人/供应商）")
    kind: Literal["construction", "procurement", "all"] = Field(
        description="construction 取消依法必须招标项目投标资格；procurement 禁止参加政府采购；all 全部交易"
    )
    scope_trades: list[str] | None = Field(
        default=None, description="适用的交易类型；construction、procurement 固定为本类，all 默认全部六类"
    )
    valid_from: date = Field(description="起始日期（北京时间，含当日）")
    valid_until: date = Field(description="截止日期（北京时间，含当日）")
    authority: str = Field(min_length=2, max_length=100, description="决定机关")
    document_no: str = Field(min_length=2, max_length=100, description="决定文书号")
    rule: str = Field(max_length=80, description="法律依据（惩戒依据目录中的规则键）")
    reason: str = Field(min_length=5, max_length=2000, description="惩戒事由")


class LiftIn(BaseModel):
    reason: str = Field(min_length=5, max_length=2000, description="解除理由（如信用修复、决定被撤销）")


class SanctionOut(BaseModel):
    id: int
    entity_id: int
    entity_name: str
    uscc: str
    kind: str
    kind_label: str
    scope_trades: list[str]
    scope_labels: list[str]
    valid_from: date
    valid_until: date
    authority: str
    document_no: str
    rule: str
    citation: str
    reason: str
    status: str = Field(description="pending 尚未开始；in_force 执行中；expired 已期满；lifted 已解除")
    status_label: str
    imposed_at: datetime
    lifted_at: datetime | None
    lift_reason: str | None


class SanctionPage(BaseModel):
    items: list[SanctionOut]
    total: int
    limit: int
    offset: int


class BasisOut(BaseModel):
    key: str
    title: str
    trade: str
    kinds: list[str]
    min_years: int
    max_years: int
    citation: str


class EntityCreditOut(BaseModel):
    entity_id: int
    entity_name: str
    uscc: str
    on: date = Field(description="查询日期（北京时间）")
    barred: bool = Field(description="当日是否被禁止参加任何交易类型的投标")
    barred_trades: list[str]
    in_force: list[SanctionOut]
