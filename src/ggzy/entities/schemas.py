"""API shapes for entities and users."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ggzy.core.security import Role
from ggzy.entities.trades import EntityKind, Trade

USERNAME = r"^[A-Za-z0-9_.\-]+$"
PHONE = r"^[0-9+\-() ]{7,20}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UserIn(_In):
    username: str = Field(min_length=3, max_length=50, pattern=USERNAME, description="用户名（字母、数字、_.-）")
    display_name: str = Field(min_length=2, max_length=50, description="姓名")
    password: str = Field(min_length=1, max_length=200, description="密码：至少10位，含字母和数字")


class EntityRegistration(_In):
    uscc: str = Field(min_length=1, max_length=30, description="统一社会信用代码（18位）")
    name: str = Field(min_length=2, max_length=100, description="主体名称")
    kind: EntityKind = Field(description="主体类型：tenderee 招标人/采购人，agency 代理机构，bidder 投标人")
    region_code: str = Field(min_length=2, max_length=12, pattern=r"^[0-9]+$", description="所在行政区划代码")
    legal_representative: str = Field(min_length=2, max_length=50, description="法定代表人")
    contact_name: str = Field(default="", max_length=50, description="联系人")
    contact_phone: str = Field(default="", max_length=20, description="联系电话")
    address: str = Field(default="", max_length=200, description="地址")
    admin: UserIn = Field(description="主体管理员账号")


class EntityUpdate(_In):
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=200)


class EntityPublic(BaseModel):
    id: int
    uscc: str
    name: str
    kind: str
    region_code: str
    region_name: str
    legal_representative: str


class EntityPrivate(EntityPublic):
    contact_name: str
    contact_phone: str
    address: str
    created_at: datetime


class EntityPage(BaseModel):
    items: list[EntityPublic]
    total: int
    limit: int
    offset: int


class GrantOut(BaseModel):
    id: int
    role: str
    trade: str | None
    region_code: str | None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    entity_id: int | None
    is_entity_admin: bool
    is_active: bool
    roles: list[GrantOut]


class RegistrationOut(BaseModel):
    entity: EntityPrivate
    admin: UserOut


class GrantIn(_In):
    role: Role
    trade: Trade | None = None
    region_code: str | None = Field(default=None, max_length=12, pattern=r"^[0-9]+$")


class PasswordChange(_In):
    old_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
