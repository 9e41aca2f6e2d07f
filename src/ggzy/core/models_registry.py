"""Import every domain's ``models`` module so Base.metadata knows all tables (Alembic, tests)."""

from __future__ import annotations

import importlib
import pkgutil

import ggzy


def import_all_models() -> None:
    importlib.import_module("ggzy.core.events")
    for info in pkgutil.iter_modules(ggzy.__path__):
        if info.ispkg and info.name not in {"core", "web", "migrations"}:
            try:
                importlib.import_module(f"ggzy.{info.name}.models")
            except ModuleNotFoundError as exc:
                if exc.name != f"ggzy.{info.name}.models":
                    raise


def import_all_services() -> None:
    """Import every domain's ``service`` module: they register scheduler and event handlers on import."""
    for info in pkgutil.iter_modules(ggzy.__path__):
        if info.ispkg and info.name not in {"core", "web", "migrations"}:
            try:
                importlib.import_module(f"ggzy.{info.name}.service")
            except ModuleNotFoundError as exc:
                if exc.name != f"ggzy.{info.name}.service":
                    raise
