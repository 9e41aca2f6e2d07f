"""Issue 4's "done when", in real Chromium on the demo data: a construction tender and a procurement tender each
run from the tender notice to the contract with three bidders, every step through the pages its user would use.

The agency creates the project and lot, uploads the tender document and publishes the notice; center staff hold
the opening key ceremony; three bidders seal and submit in the browser; at the deadline the scheduler opens the
lot, each bidder decrypts its own bid in the opening hall (with the data key ``ggzy unwrap`` prints on its own
machine) and center staff publish the record; a committee is drawn, the drawn experts confirm, score, sign and
sign the report; the agency publishes the candidates, the scheduler ends the publicity, the agency awards and
registers the contract and the performance. The public then finds every notice on the portal, the timeline of
the project, and (procurement) the expert list in the result notice.

Only what a browser cannot do is done here in Python: moving the frozen clock, running the scheduler's pass,
and ``ggzy unwrap`` on the bidder's side.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from sqlalchemy import select
from tests.conftest import DEFAULT_PASSWORD

from ggzy.bids.models import Bid
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import SHANGHAI, FrozenClock
from ggzy.core.db import Database
from ggzy.core.settings import Settings
from ggzy.demo import seed_demo
from ggzy.entities.models import Entity, User
from ggzy.experts.models import CommitteeMember, Expert
from ggzy.notices.models import Notice
from ggzy.procedures.scheduler import run_due
from ggzy.projects.models import Lot
from ggzy.vault.envelope import read_header, unwrap_key
from ggzy.vault.keys import PrivateKey

pytestmark = pytest.mark.e2e
BIDDERS = ("bidder1", "bidder2", "bidder3")
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Walk:
    base: str
    page: Page
    db: Database
    clock: FrozenClock
    settings: Settings
    passwords: dict[str, str]
    shared_expert_password: str
    keys: dict[str, PrivateKey] = field(default_factory=dict)

    def login(self, username: str) -> None:
        self.page.context.clear_cookies()
        self.page.goto(f"{self.base}/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", self.passwords.get(username, self.shared_expert_password))
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, (username, self.page.inner_text("main"))

    def submit(self, form: str) -> None:
        """Submit a form and wait for the page it leads to; a refusal shown on that page fails the walk."""
        with self.page.expect_navigation():
            self.page.click(f"{form} button[type=submit]")
        errors = self.page.query_selector_all("p.error, [role=alert]")
        assert not errors, (self.page.url, [e.inner_text() for e in errors])

    def stage(self, lot_id: int) -> str:
        """The lot's stage as stored (the current user may be one who cannot see the lot's page)."""
        with self.db.session(write=False) as s:
            lot = s.get(Lot, lot_id)
            assert lot is not None
            return lot.stage


def _local(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def _walk_one(
    w: Walk, *, trade: str, owner_name: str, representative: str, requirements: str, reserves: int, prices: list[str]
) -> None:
    page, base = w.page, w.base
    project_name = f"浏览器全流程演示{'工程' if trade == 'construction' else '采购'}项目"
    # 1. The agency creates the project and its lot.
    w.login("agency")
    page.goto(f"{base}/projects/new")
    page.fill("input[name=name]", project_name)
    page.select_option("select[name=trade]", trade)
    page.fill("input[name=region_code]", "620102")
    page.select_option("select[name=owner_entity_id]", label=owner_name)
    page.fill("input[name=fund_source]", "财政资金")
    w.submit("form[action='/projects/new']")
    project_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    page.fill("input[name=code]", "01")
    page.fill("input[name=name]", "主标段")
    page.fill("input[name=estimate]", "3000000")
    w.submit(f"form[action='/projects/{project_id}/lots']")
    lot_id = int(page.url.rsplit("/", 1)[1])
    assert page.inner_text("#lot-stage").strip() == "草稿"

    # 2. The tender document, then center staff's opening key ceremony (2 of 3 custodians).
    document = Path(w.settings.data_dir) / f"招标文件-{trade}.pdf"
    document.parent.mkdir(parents=True, exist_ok=True)
    document.write_bytes(MINIMAL_PDF)
    page.goto(f"{base}/lots/{lot_id}/documents")
    page.set_input_files("#upload-form input[name=file]", str(document))
    w.submit("#upload-form")
    w.login("center")
    page.goto(f"{base}/lots/{lot_id}/opening-key")
    page.fill("input[name=k]", "2")
    page.fill("input[name=n]", "3")
    page.fill("textarea[name=custodians]", "交易中心\n行政监督部门\n公证机构")
    page.click("#ceremony-button")
    page.wait_for_selector("a.share-link >> nth=2")
    page.click("#register-button")
    page.wait_for_selector("#key-id")

    # 3. The agency publishes the notice: documents for 7 days, deadline 21 days out (法24: ≥ 20 days).
    now = w.clock.now()
    deadline = (now + timedelta(days=21)).replace(second=0, microsecond=0)
    w.login("agency")
    page.goto(f"{base}/lots/{lot_id}")
    page.fill("input[name=documents_from]", _local(now + timedelta(minutes=1)))
    page.fill("input[name=documents_until]", _local(now + timedelta(days=8)))
    page.fill("input[name=bid_deadline]", _local(deadline))
    page.fill("input[name=bid_bond]", "20000")
    w.submit(f"form[action='/lots/{lot_id}/notice']")
    assert page.inner_text("#lot-stage").strip() == "招标公告已发布"

    with w.db.session(write=False) as s:
        tender_notice = s.scalar(select(Notice.id).where(Notice.lot_id == lot_id, Notice.kind == "tender"))
    # 4. Three bidders, each sealing its bid in its own browser session before it leaves the machine.
    w.clock.set(now + timedelta(days=2))
    receipts: dict[str, str] = {}
    for username, price in zip(BIDDERS, prices, strict=True):
        key = w.keys.setdefault(username, PrivateKey.generate())
        w.login(username)
        # A bidder comes from the public tender notice: the documents, then the bid page.
        page.goto(f"{base}/notices/{tender_notice}")
        page.click("#lot-action-documents")
        page.wait_for_selector(f"#documents a:text('{document.name}')")
        page.go_back()
        page.click("#lot-action-bid")
        page.wait_for_selector("#bid-form")
        page.fill("input[name=price]", price)
        page.fill("input[name=duration_days]", "180")
        page.fill("input[name=quality_commitment]", "合格")
        page.fill("input[name=pm_name]", f"{username}项目经理")
        page.fill("input[name=pm_id]", "620102198001011234")
        page.set_input_files("input[name=files]", str(document))
        page.fill("textarea[name=bidder_key]", key.public.raw.hex())
        page.click("#seal-button")
        page.wait_for_selector("#bid-receipt:not([hidden])", timeout=60_000)
        receipts[username] = page.inner_text("#receipt-id").strip()

    # 5. The deadline passes: the scheduler opens the lot; each bidder decrypts its own bid in the hall.
    w.clock.set(deadline + timedelta(seconds=1))
    assert run_due(w.db, now=w.clock.now()).done >= 1
    assert w.stage(lot_id) == "opening"
    storage = BidStorage.under(w.settings.data_dir)
    for username in BIDDERS:
        with w.db.session(write=False) as s:
            bid = s.get(Bid, receipts[username])
            assert bid is not None and bid.status == "submitted"
            blob = storage.resolve(bid.path).read_bytes()
        data_key = unwrap_key(read_header(io.BytesIO(blob)).header, w.keys[username]).hex()  # `ggzy unwrap`
        w.login(username)
        page.goto(f"{base}/lots/{lot_id}/opening")
        page.select_option("#decrypt-form select[name=bid_id]", receipts[username])
        page.fill("#decrypt-form input[name=data_key]", data_key)
        page.click("#decrypt-form button[type=submit]")
        page.wait_for_selector("#opening-result :text('已解密')")
    w.login("center")
    page.goto(f"{base}/lots/{lot_id}/opening")
    w.submit(f"form[action='/lots/{lot_id}/opening/close']")
    assert w.stage(lot_id) == "opened"
    for price in prices:  # the published opening record lists every price
        assert f"{float(price):,.2f}" in page.inner_text("main") or price in page.inner_text("main")

    # 6. The committee: the agency applies, center staff draw, the drawn experts confirm.
    start = w.clock.now() + timedelta(hours=1)
    w.login("agency")
    page.goto(f"{base}/experts/committees/new?lot_id={lot_id}")
    page.fill("input[name=size]", "5")
    page.fill("input[name=representatives]", representative)
    page.fill("input[name=requirements]", requirements)
    page.fill("input[name=scope]", "62")
    page.fill("input[name=evaluation_start]", _local(start))
    page.fill("input[name=evaluation_end]", _local(start + timedelta(hours=4)))
    page.fill("input[name=venue]", "省公共资源交易中心第2评标室")
    page.fill("input[name=reserve_count]", str(reserves))
    w.submit("form[action='/experts/committees/new']")
    committee_id = int(re.search(r"/committees/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    w.login("center")
    page.goto(f"{base}/committees/{committee_id}")
    w.submit(f"form[action='/committees/{committee_id}/draw']")
    with w.db.session(write=False) as s:
        drawn = s.execute(
            select(CommitteeMember.id, User.username)
            .join(Expert, Expert.id == CommitteeMember.expert_id)
            .join(User, User.id == Expert.user_id)
            .where(CommitteeMember.committee_id == committee_id, CommitteeMember.is_reserve.is_(False))
        ).all()
        rep_username = s.scalar(select(User.username).where(User.id == int(representative)))
    assert len(drawn) == 4
    for member_id, username in drawn:
        w.login(username)
        page.goto(f"{base}/experts/me")
        w.submit(f"form[action='/experts/me/assignments/{member_id}']:has(button:text('确认参加'))")

    # 7. Center staff set the scoring scheme and start; every member scores and signs; the report is signed.
    w.clock.set(start)
    w.login("center")
    page.goto(f"{base}/evaluation/lots/{lot_id}")
    page.select_option("select[name=method]", "comprehensive")
    page.fill("input[name=price_weight]", "60")
    for i, (code, name, kind, top) in enumerate(
        (("T1", "技术方案", "subjective", "30"), ("T2", "类似业绩", "objective", "10"))
    ):
        page.fill(f"input[name=c_code_{i}]", code)
        page.fill(f"input[name=c_name_{i}]", name)
        page.select_option(f"select[name=c_kind_{i}]", kind)
        page.fill(f"input[name=c_max_{i}]", top)
    w.submit(f"form[action='/evaluation/lots/{lot_id}/scheme']")
    w.submit(f"form[action='/evaluation/lots/{lot_id}/start']")
    evaluation_id = int(re.search(r"/evaluation/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    scorers = [u for _, u in drawn] + [rep_username]
    for n, username in enumerate(scorers):
        w.login(username)
        page.goto(f"{base}/evaluation/{evaluation_id}")
        for j, cell in enumerate(page.query_selector_all("#sheet-form input[name^=s_]")):
            cell.fill(str(20 + (n + j) % 8) if j % 2 == 0 else "8")
        w.submit("#sheet-form")
        w.submit(f"form[action='/evaluation/{evaluation_id}/sheet/sign']")
    w.login("center")
    page.goto(f"{base}/evaluation/{evaluation_id}")
    w.submit(f"form[action='/evaluation/{evaluation_id}/report']")
    for username in scorers:
        w.login(username)
        page.goto(f"{base}/evaluation/{evaluation_id}")
        w.submit(f"form[action='/evaluation/{evaluation_id}/report/sign']")
    assert w.stage(lot_id) == "evaluated"

    # 8. The agency publishes the candidates; the scheduler ends the publicity; award, contract, performance.
    w.login("agency")
    page.goto(f"{base}/lots/{lot_id}")
    w.submit(f"form[action='/lots/{lot_id}/candidates']")
    assert page.inner_text("#lot-stage").strip() == "中标候选人公示中"
    with w.db.session(write=False) as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None and lot.publicity_until is not None
        until = lot.publicity_until
    assert run_due(w.db, now=until).done >= 1
    w.clock.set(until + timedelta(hours=9))
    page.goto(f"{base}/lots/{lot_id}")
    winner = page.inner_text("select[name=lot_bidder_id] option >> nth=0")
    w.submit(f"form[action='/lots/{lot_id}/award']")
    assert page.inner_text("#lot-stage").strip() == "已发出中标通知书"
    winning_price = page.inner_text("tr:has(.tag:text('中标人')) td.num >> nth=0").strip()
    page.fill("input[name=amount]", winning_price)
    page.fill("input[name=signed_on]", w.clock.now().astimezone(SHANGHAI).date().isoformat())
    w.submit(f"form[action='/lots/{lot_id}/contract']")
    assert page.inner_text("#lot-stage").strip() == "合同已签订"
    w.clock.set(w.clock.now() + timedelta(days=120))
    w.login("agency")  # four months later: the earlier session has expired
    page.goto(f"{base}/lots/{lot_id}")
    page.fill("input[name=completed_on]", w.clock.now().astimezone(SHANGHAI).date().isoformat())
    page.fill("input[name=quality]", "合格，一次验收通过")
    page.fill("input[name=final_amount]", winning_price)
    w.submit(f"form[action='/lots/{lot_id}/performance']")
    assert page.inner_text("#lot-stage").strip() == "履约完成"

    # 9. The public, logged out: every notice of the lot on the portal, the timeline, the expert list.
    page.context.clear_cookies()
    with w.db.session(write=False) as s:
        notices = {n.kind: n.id for n in s.scalars(select(Notice).where(Notice.lot_id == lot_id))}
    assert set(notices) == {"tender", "opening", "candidates", "result", "contract", "performance"}
    page.goto(f"{base}/notices/{notices['result']}")
    result_text = page.inner_text("main")
    assert winner.split(" ", 1)[1] in result_text
    if trade == "procurement":
        assert "评审专家名单：" in result_text and "采购人代表：" in result_text
        for _, username in drawn:
            with w.db.session(write=False) as s:
                name = s.scalar(
                    select(Expert.name).join(User, User.id == Expert.user_id).where(User.username == username)
                )
            assert name and name in result_text
    else:
        assert "评审专家" not in result_text
    page.goto(f"{base}/projects/{project_id}/timeline")
    timeline = page.inner_text("main")
    for label in ("招标公告", "开标记录", "中标候选人公示", "中标结果公告", "合同公告", "履约信息"):
        assert label in timeline, label


def test_construction_and_procurement_tenders_run_from_notice_to_contract_in_the_browser(  # type: ignore[no-untyped-def]
    live_server, browser_page, clean_db: Database, clock: FrozenClock, settings: Settings, make_user: Any
) -> None:
    seed_demo(clean_db, settings=settings)
    # A fixed start, so that both walks (about ten months of clock) stay inside the years the holiday calendar
    # covers, whatever today's date: procurement periods count working days.
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI))
    passwords = json.loads((settings.data_dir / "demo-accounts.txt").read_text(encoding="utf-8"))
    shared = json.loads((settings.data_dir / "demo-experts.txt").read_text(encoding="utf-8"))["shared"]
    with clean_db.session(write=False) as s:
        hospital = s.scalar(select(Entity.id).where(Entity.name == "甘肃省人民医院（演示）"))
        owner_user = s.scalar(select(User.id).where(User.username == "owner"))
    # The hospital has no demo account: its buyer's representative on the committee gets one here.
    hospital_rep = make_user("hospital_rep", "owner_staff", entity_id=hospital)
    passwords["hospital_rep"] = DEFAULT_PASSWORD
    w = Walk(live_server, browser_page, clean_db, clock, settings, passwords, shared)
    _walk_one(
        w,
        trade="construction",
        owner_name="兰州市城市建设投资有限公司（演示）",
        representative=str(owner_user),
        requirements="A080101:4",
        reserves=1,
        prices=["2860000.00", "2795000.50", "2910000.00"],
    )
    _walk_one(
        w,
        trade="procurement",
        owner_name="甘肃省人民医院（演示）",
        representative=str(hospital_rep),
        # One expert per employer on a committee: specialties whose employers do not overlap, and no reserve.
        requirements="B020101:1,C060101:1,C110101:1,A060101:1",
        reserves=0,
        prices=["2650000.00", "2720000.00", "2590000.00"],
    )
