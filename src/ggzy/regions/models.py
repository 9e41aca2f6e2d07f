"""Regions of China, the province's trading centers and their venues."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.core.db import Base


class Region(Base):
    """A province, prefecture or county (or functional zone such as 兰州新区), by its statistics code."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # province | prefecture | county
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True, index=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    is_functional_zone: Mapped[bool] = mapped_column(Boolean, default=False)


class Center(Base):
    """A trading center (公共资源交易中心) or one of its county branches (分中心)."""

    __tablename__ = "centers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    # province | prefecture | branch
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), nullable=True, index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")


class Venue(Base):
    """A room of a center: opening room, evaluation room, or remote-evaluation site."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # opening_room | evaluation_room | remote_evaluation_site
    kind: Mapped[str] = mapped_column(String(32))
    capacity: Mapped[int] = mapped_column(Integer, default=0)
