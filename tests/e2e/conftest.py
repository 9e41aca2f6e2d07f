"""Browser tests: the real app served by uvicorn in a thread, driven by Playwright with Debian's Chromium.

Skipped when Chromium is missing, except where GGZY_E2E_REQUIRED=1 (CI), where a missing browser fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from ggzy.web.app import create_app
from ggzy.web.http_protocol import HTTP_PROTOCOL

CHROMIUM = os.environ.get("GGZY_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(settings, clean_db, clock) -> Iterator[str]:  # type: ignore[no-untyped-def]
    app = create_app(settings, clock=clock, db=clean_db)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", http=HTTP_PROTOCOL))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser_page(tmp_path):  # type: ignore[no-untyped-def]
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("GGZY_E2E_REQUIRED") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}; apt-get install chromium fonts-wqy-zenhei")
        pytest.skip("Chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()
