"""API shapes for evaluation."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CriterionBody(_In):
    code: str = Field(min_length=1, max_length=20, description="评分因素编号")
    name: str = Field(min_length=1, max_length=100, description="评分因素名称")
    kind: str = Field(pattern="^(objective|subjective)$", description="objective 客观分 / subjective 主观分")
    max_score: Decimal = Field(gt=0, le=100, decimal_places=2, description="分值上限")


class SchemeIn(_In):
    method: str = Field(
        pattern="^(lowest_price|comprehensive|qualification)$",
        description="lowest_price 经评审的最低投标价法 / comprehensive 综合评分法 / qualification 合格制",
    )
    price_weight: Decimal = Field(default=Decimal(0), ge=0, le=100, decimal_places=2, description="价格分权重（分）")
    criteria: list[CriterionBody] = Field(default_factory=list, max_length=50)


class CriterionOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    max_score: Decimal


class SchemeOut(BaseModel):
    lot_id: int
    method: str
    method_label: str
    price_weight: Decimal
    frozen: bool
    criteria: list[CriterionOut]


class VerdictBody(_In):
    bidder_id: int
    passed: bool
    reason: str = Field(default="", max_length=500, description="不合格理由（不合格时必填）")


class ScoreBody(_In):
    bidder_id: int
    criterion_id: int
    score: Decimal = Field(ge=-1000, le=1000, description="得分（0至该因素分值上限，最多两位小数）")


class SheetIn(_In):
    verdicts: list[VerdictBody] = Field(max_length=500)
    scores: list[ScoreBody] = Field(default_factory=list, max_length=20000)


class CorrectionIn(_In):
    bidder_id: int
    criterion_id: int
    new_score: Decimal = Field(ge=-1000, le=1000)
    reason: str = Field(
        max_length=40, description="summation_error | out_of_range | objective_inconsistent | abnormal_score"
    )
    note: str = Field(max_length=500, description="修改说明")


class ReportIn(_In):
    candidate_count: int = Field(default=3, ge=0, le=10, description="推荐中标候选人数量（1至3）")


class BidderOut(BaseModel):
    id: int
    name: str
    price: Decimal
    status: str


class SheetOut(BaseModel):
    status: str
    submitted_at: datetime | None
    signed_at: datetime | None
    time_short: bool
    verdicts: list[dict[str, Any]]
    scores: list[dict[str, Any]]


class MemberProgress(BaseModel):
    member_id: int
    name: str
    submitted: bool
    signed: bool
    report_signed: bool


class Progress(BaseModel):
    members: int
    submitted: int
    signed: int
    time_short: int
    report_signed: int


class EvaluationOut(BaseModel):
    id: int
    lot_id: int
    lot_name: str
    project_name: str
    status: str
    status_label: str
    method: str
    extended: bool
    failure_reason: str
    started_at: datetime
    fixed_at: datetime | None
    role: str = Field(description="调用者的身份：member / center / manager / supervisor / bidder")
    progress: Progress
    member_progress: list[MemberProgress] | None = None
    bidders: list[BidderOut] | None = None
    scheme: SchemeOut | None = None
    my_sheet: SheetOut | None = None
    summary: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
    report_id: int | None = None


class AssignmentOut(BaseModel):
    evaluation_id: int
    lot_id: int
    lot_name: str
    project_name: str
    status: str
    status_label: str
    sheet_status: str
