"""Configuration from the environment (prefix ``GGZY_``), with safe defaults for the embedded mode.

Embedded mode keeps everything in one data folder (SQLite, documents, signing key, secret key) so the
platform runs from nothing. Production mode refuses to start unless every secret is given explicitly.
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that must never reach production: a leaked example is as good as no secret.
_KNOWN_WEAK_SECRETS = {"", "changeme", "secret", "dev", "development", "ggzy"}


class Mode(StrEnum):
    embedded = "embedded"
    production = "production"


class SettingsError(RuntimeError):
    """Raised when the configuration is unsafe or inconsistent; the app must not start."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GGZY_", extra="ignore")

    mode: Mode = Mode.embedded
    data_dir: Path = Path("data")
    database_url: str | None = None
    secret_key: str | None = Field(default=None, repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    # GB/T 2260 code of the province this platform serves; its regions are listed first.
    province_code: str = "62"
    timezone: str = "Asia/Shanghai"
    # The public name shown in the UI.
    platform_name: str = "甘肃省公共资源交易平台"
    session_days: int = 7
    api_token_days: int = 90
    login_max_failures: int = 5
    login_window_minutes: int = 15
    login_lock_minutes: int = 15
    cookie_secure: bool = False
    # Worker processes of `ggzy serve` (uvicorn --workers); unset: see resolved_web_workers.
    web_workers: int | None = Field(default=None, ge=1, le=64)
    # How often the server signs a new ledger tree head when the log grew; 0 turns the task off (tests).
    tree_head_interval_seconds: float = 10.0
    # How often the server fires due time-driven transitions (bid deadline → opening); 0 turns it off (tests).
    scheduler_interval_seconds: float = 1.0
    # Ticks of the sealed bid boxes (bids.box): every this many minutes, aligned to the clock, one public
    # ledger event commits to every box accepting bids, whether or not anyone bid.
    bid_box_seal_minutes: int = Field(default=5, ge=1, le=60)
    # OCDS ocid prefix. "ocds-xxxxxx" is a placeholder: a real deployment registers its own prefix with the
    # Open Contracting Partnership and sets GGZY_OCDS_OCID_PREFIX (see docs/open-data.md).
    ocds_ocid_prefix: str = "ocds-xxxxxx-ggzy"
    # Public address of the platform, used in open-data links when there is no request (CLI export).
    public_base_url: str = "http://127.0.0.1:8000"
    # Largest tender document file (招标文件) an owner or agency may upload, in bytes.
    tender_document_max_bytes: int = 200 * 1024 * 1024

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ggzy.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_web_workers(self) -> int:
        """``web_workers``, or by default one worker process per core, at most 8. One process runs Python on
        one core at a time: on the 2-core reference VM, 200 concurrent bid uploads took 10.9–11.4 s with one
        worker and 8.2–8.8 s with two on SQLite, 11.7–13.0 s and 9.4–11.1 s on PostgreSQL (issue 4 bench),
        one core standing partly idle with one worker. SQLite serves several processes too: its write lock
        then also queues across them. The background loops run in one worker whatever the number."""
        if self.web_workers is not None:
            return self.web_workers
        return max(1, min(os.cpu_count() or 1, 8))

    @cached_property
    def resolved_secret_key(self) -> str:
        """The key that signs cookies and CSRF tokens.

        Embedded mode generates one in the data folder on first start, so no secret lives in the repo.
        """
        if self.secret_key:
            return self.secret_key
        if self.mode is Mode.production:
            raise SettingsError("生产模式必须设置 GGZY_SECRET_KEY")
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key, encoding="utf-8")
        path.chmod(0o600)
        return key

    @property
    def signing_key_path(self) -> Path:
        return self.data_dir / "keys" / "ledger-ed25519.pem"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    def check_production(self) -> None:
        """Refuse to run production with defaults: missing or weak secrets, or the embedded database."""
        if self.mode is not Mode.production:
            return
        problems: list[str] = []
        key = self.secret_key or ""
        if key.lower() in _KNOWN_WEAK_SECRETS or len(key) < 32:
            problems.append("GGZY_SECRET_KEY 未设置或过弱（至少32个字符的随机值）")
        if not self.database_url or not self.database_url.startswith("postgresql"):
            problems.append("GGZY_DATABASE_URL 必须指向 PostgreSQL")
        if not self.cookie_secure:
            problems.append("GGZY_COOKIE_SECURE 必须为 true（仅通过 HTTPS 发送 Cookie）")
        if problems:
            raise SettingsError("生产模式拒绝启动：" + "；".join(problems))


def load_settings(**overrides: object) -> Settings:
    settings = Settings(**overrides)  # type: ignore[arg-type]
    settings.check_production()
    return settings
