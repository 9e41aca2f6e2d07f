"""API shapes of regions, centers and venues."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RegionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str
    parent_code: str | None
    is_functional_zone: bool


class RegionDetail(RegionOut):
    ancestors: list[RegionOut]
    children: list[RegionOut]


class VenueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    center_id: int
    name: str
    kind: str
    capacity: int


class CenterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    region_code: str
    level: str
    parent_id: int | None
    address: str
    phone: str


class CenterDetail(CenterOut):
    venues: list[VenueOut]
    branches: list[CenterOut]


class VenueIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="场所名称")
    kind: str = Field(
        description="opening_room 开标室 / evaluation_room 评标室 / remote_evaluation_site 远程异地评标场所"
    )
    capacity: int = Field(ge=0, le=10000, description="容纳人数")
