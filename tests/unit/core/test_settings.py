from __future__ import annotations

from pathlib import Path

import pytest

from ggzy.core.settings import Mode, Settings, SettingsError


def test_embedded_mode_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    key = s.resolved_secret_key
    assert len(key) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert Settings(data_dir=tmp_path).resolved_secret_key == key
    assert s.resolved_database_url == f"sqlite:///{(tmp_path / 'ggzy.db').resolve()}"


@pytest.mark.parametrize(
    ("secret", "url", "secure", "fragment"),
    [
        (None, "postgresql+psycopg://u@h/db", True, "GGZY_SECRET_KEY"),
        ("changeme", "postgresql+psycopg://u@h/db", True, "GGZY_SECRET_KEY"),
        ("short-but-random", "postgresql+psycopg://u@h/db", True, "GGZY_SECRET_KEY"),
        ("k" * 40, None, True, "PostgreSQL"),
        ("k" * 40, "sqlite:///x.db", True, "PostgreSQL"),
        ("k" * 40, "postgresql+psycopg://u@h/db", False, "HTTPS"),
    ],
)
def test_production_refuses_defaults(
    tmp_path: Path, secret: str | None, url: str | None, secure: bool, fragment: str
) -> None:
    s = Settings(mode=Mode.production, data_dir=tmp_path, secret_key=secret, database_url=url, cookie_secure=secure)
    with pytest.raises(SettingsError) as err:
        s.check_production()
    assert fragment in str(err.value)
    assert not (tmp_path / "secret_key").exists()


def test_production_accepts_explicit_strong_settings(tmp_path: Path) -> None:
    s = Settings(
        mode=Mode.production,
        data_dir=tmp_path,
        secret_key="q7" * 24,
        database_url="postgresql+psycopg://u@h/db",
        cookie_secure=True,
    )
    s.check_production()
    assert s.resolved_secret_key == "q7" * 24


def test_cli_refuses_to_start_production_without_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ggzy.cli import main

    monkeypatch.setenv("GGZY_MODE", "production")
    monkeypatch.setenv("GGZY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GGZY_SECRET_KEY", raising=False)
    assert main(["migrate"]) == 2
    assert "生产模式拒绝启动" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "cores", "expected"),
    [
        (None, 2, 2),  # one per core, on the embedded SQLite
        ("postgresql+psycopg://u@h/db", 2, 2),  # and on PostgreSQL
        ("postgresql+psycopg://u@h/db", 16, 8),  # at most 8
        (None, 1, 1),
        (None, None, 1),  # cores unknown
    ],
)
def test_worker_processes_default_to_one_per_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str | None, cores: int | None, expected: int
) -> None:
    monkeypatch.delenv("GGZY_WEB_WORKERS", raising=False)
    monkeypatch.setattr("ggzy.core.settings.os.cpu_count", lambda: cores)
    assert Settings(data_dir=tmp_path, database_url=url).resolved_web_workers == expected


def test_worker_processes_set_explicitly_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGZY_WEB_WORKERS", "3")
    assert Settings(data_dir=tmp_path, database_url="postgresql+psycopg://u@h/db").resolved_web_workers == 3
    assert Settings(data_dir=tmp_path).resolved_web_workers == 3
    with pytest.raises(ValueError, match="web_workers"):
        Settings(data_dir=tmp_path, web_workers=0)
