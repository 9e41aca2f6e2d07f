"""API shapes of the expert pool and committees."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class SpecialtyNodeOut(BaseModel):
    code: str
    name: str
    parent_code: str | None


class SpecialtyNodeIn(BaseModel):
    code: str = Field(min_length=3, max_length=7, description="专业代码，如 A080104")
    name: str = Field(min_length=1, max_length=100)


class EmploymentSchema(BaseModel):
    employer_name: str = Field(min_length=2, max_length=100)
    employer_uscc: str = Field(min_length=18, max_length=18, description="工作单位统一社会信用代码")
    start_date: date
    end_date: date | None = Field(default=None, description="为空表示现任职")


class InterestSchema(BaseModel):
    kind: Literal["relative", "interest"]
    party_uscc: str = Field(min_length=18, max_length=18)
    party_name: str = Field(min_length=2, max_length=100)
    note: str = Field(default="", max_length=200)


class ExpertIn(BaseModel):
    name: str = Field(min_length=2, max_length=50)
    id_number: str = Field(min_length=18, max_length=18, description="居民身份证号码")
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=100)
    title: str = Field(min_length=2, max_length=50, description="职称，如 高级工程师")
    title_level: Literal["principal_senior", "senior", "intermediate", "junior"]
    years_of_practice: int = Field(ge=0, le=70)
    region_code: str = Field(min_length=2, max_length=12)
    specialties: list[str] = Field(min_length=1, max_length=10, description="评标专业代码（最多3个）")
    employments: list[EmploymentSchema] = Field(min_length=1, max_length=20)
    interests: list[InterestSchema] = Field(default_factory=list, max_length=50)
    for_self: bool = Field(default=True, description="专家本人申请；中心工作人员录入时为 false")


class ExpertOut(BaseModel):
    id: int
    name: str
    status: str
    title: str
    title_level: str
    years_of_practice: int
    region_code: str
    employer_name: str
    specialties: list[str]
    user_id: int | None
    sanction: str | None = Field(default=None, description="当前处理：suspension / blacklist")


class ExpertDetail(ExpertOut):
    phone: str
    email: str
    birth_date: date
    employments: list[EmploymentSchema]
    interests: list[InterestSchema]
    review_note: str


class ExpertPage(BaseModel):
    items: list[ExpertOut]
    total: int


class ReviewIn(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=500)


class UnavailabilityIn(BaseModel):
    start_date: date
    end_date: date
    reason: str = Field(default="", max_length=200)


class SanctionIn(BaseModel):
    kind: Literal["suspension", "blacklist"]
    reason: str = Field(min_length=1, max_length=1000)
    days: int | None = Field(default=None, ge=1, le=3650, description="期限（日）；黑名单可为空表示永久")
    committee_id: int | None = None


class RequirementSchema(BaseModel):
    specialty: str = Field(min_length=3, max_length=7)
    count: int = Field(ge=1, le=50)


class CommitteeIn(BaseModel):
    lot_id: int
    size: int = Field(ge=1, le=51)
    owner_representative_user_ids: list[int] = Field(default_factory=list, max_length=20)
    requirements: list[RequirementSchema] = Field(min_length=1, max_length=10)
    region_prefixes: list[str] = Field(
        min_length=1, max_length=20, description="抽取地区代码前缀：本地如 6201，全省 62"
    )
    remote_sites: list[str] = Field(default_factory=list, max_length=20, description="远程异地评标分会场")
    evaluation_start: datetime
    evaluation_end: datetime
    venue: str = Field(min_length=1, max_length=200)
    reserve_count: int = Field(default=2, ge=0, le=10)


class RedrawIn(BaseModel):
    reason: str = Field(default="", max_length=1000)


class RespondIn(BaseModel):
    accept: bool
    note: str = Field(default="", max_length=200)


class ReplaceIn(BaseModel):
    status: Literal["no_show", "replaced"]
    reason: str = Field(min_length=1, max_length=200)


class RatingIn(BaseModel):
    expert_id: int
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=1000)


class MemberOut(BaseModel):
    id: int
    kind: str
    is_reserve: bool
    status: str
    specialty_code: str | None
    position: int
    expert_id: int | None = None
    name: str | None = Field(default=None, description="评标结果确定前仅交易中心工作人员可见")
    employer: str | None = Field(default=None, description="评标结果确定前仅交易中心工作人员可见")


class CommitteeOut(BaseModel):
    id: int
    lot_id: int
    status: str
    round: int
    size: int
    owner_representatives: int
    reserve_count: int
    requirements: list[dict[str, Any]]
    region_prefixes: list[str]
    remote_sites: list[str]
    evaluation_start: datetime
    evaluation_end: datetime
    venue: str
    secret_commitment: str
    result_fixed: bool
    counts: dict[str, int]
    names_visible: bool
    members: list[MemberOut] | None = Field(default=None, description="名单：评标结果确定前仅交易中心工作人员可见")


class DrawOut(BaseModel):
    committee_id: int
    round: int
    record_hash: str
    ledger_index: int
    drawn_at: datetime
    candidates: int
    excluded: int
    superseded_reason: str | None


class AssignmentOut(BaseModel):
    member_id: int
    committee_id: int
    lot_id: int
    status: str
    is_reserve: bool
    evaluation_start: datetime
    evaluation_end: datetime
    venue: str


class RatingOut(BaseModel):
    committee_id: int
    expert_id: int
    expert_name: str
    rater_role: str
    score: int
    comment: str
    created_at: datetime
