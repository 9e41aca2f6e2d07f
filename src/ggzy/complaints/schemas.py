"""API shapes. No shape carries a question's asker: only ``mine`` tells the asker its own questions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class QuestionIn(BaseModel):
    text: str = Field(min_length=5, max_length=4000, description="问题内容（提问人身份不公开）")


class AnswerIn(BaseModel):
    answer: str = Field(min_length=2, max_length=4000, description="答复内容，将作为澄清与答疑公告发布")


class QuestionOut(BaseModel):
    id: int
    lot_id: int
    text: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None
    notice_id: int | None = Field(description="澄清与答疑公告编号（已答复时）")
    mine: bool = Field(description="是否为本单位所提（仅对提问单位本身为真）")


class ObjectionIn(BaseModel):
    kind: Literal["documents", "opening", "result"] = Field(
        description="documents 招标文件；opening 开标；result 评标结果"
    )
    text: str = Field(min_length=5, max_length=4000)


class ObjectionAnswerIn(BaseModel):
    answer: str = Field(min_length=2, max_length=4000)
    changes_documents: bool = Field(default=False, description="答复是否涉及修改招标文件（将另行发布变更公告）")


class ObjectionOut(BaseModel):
    id: int
    lot_id: int
    kind: str
    kind_label: str
    entity_id: int
    entity_name: str
    text: str
    received_at: datetime
    due_at: datetime | None = Field(description="法定答复期限（开标异议为当场答复，为空）")
    rule: str
    citation: str
    status: str
    answer: str | None
    answered_at: datetime | None
    overdue: bool = Field(description="已逾期（已答复的按答复时间，未答复的按当前时间）")
    changes_documents: bool
    holds_lot: bool = Field(description="该异议目前使标段暂停")


class HoldOut(BaseModel):
    lot_id: int
    on_hold: bool
    citation: str | None = None
