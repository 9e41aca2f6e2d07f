"""OCDS 1.1 output from published notices: a whole lifecycle and a failed one validate against the vendored
schemas (with the bid and lots extensions) and codelists; records compile by the merge rules; drafts never show."""

from __future__ import annotations

import copy
import csv
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy import select
from tests.factories import TenderWorld, tender_world

import ggzy.disclosure
from ggzy.core.clock import SHANGHAI, FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import InvalidInput
from ggzy.disclosure import ocds_packages as packages
from ggzy.disclosure.ocds import Context, build_release, compile_releases
from ggzy.entities.trades import Trade
from ggzy.notices.models import Notice
from ggzy.notices.service import NoticeDraft, publish
from ggzy.procedures.scheduler import run_due
from ggzy.projects import award, service
from ggzy.projects.models import Lot, LotBidder, Project

SCHEMA_DIR = Path(ggzy.disclosure.__file__).parent / "ocds_schema"
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
PREFIX = "ocds-xxxxxx-ggzy"
BASE = "http://testserver"
PRICES = [Decimal("9100000"), Decimal("9300000"), Decimal("9500000")]


# --- schemas ----------------------------------------------------------------------------------------------


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: how OCDS extensions patch the release schema."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, val in patch.items():
        if val is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), val)
    return out


def release_schema() -> dict[str, Any]:
    schema = _load(SCHEMA_DIR / "release-schema.json")
    for ext in ("bid", "lots"):
        schema = merge_patch(schema, _load(SCHEMA_DIR / "extensions" / ext / "release-schema.json"))
    return schema  # type: ignore[no-any-return]


def _codelists() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in [*(SCHEMA_DIR / "codelists").glob("*.csv"), *(SCHEMA_DIR / "extensions/bid/codelists").glob("*.csv")]:
        with path.open(encoding="utf-8") as fp:
            found[path.name] = {row["Code"] for row in csv.DictReader(fp)}
    return found


RELEASE_SCHEMA = release_schema()
CODELISTS = _codelists()


def package_validator(name: str) -> Draft4Validator:
    registry: Registry[Any] = Registry().with_resource(
        RELEASE_URL, Resource.from_contents(RELEASE_SCHEMA, default_specification=DRAFT4)
    )
    return Draft4Validator(
        _load(SCHEMA_DIR / name), registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER
    )


def codelist_values(instance: Any, schema: dict[str, Any], out: list[tuple[str, str, str]], path: str = "") -> None:
    """Every (codelist, value, path) in ``instance``, found by walking it with the release schema."""
    while "$ref" in schema:
        schema = RELEASE_SCHEMA["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    if "codelist" in schema and instance is not None:
        for v in instance if isinstance(instance, list) else [instance]:
            out.append((schema["codelist"], v, path))
    if isinstance(instance, dict):
        for key, val in instance.items():
            sub = schema.get("properties", {}).get(key)
            if sub is not None:
                codelist_values(val, sub, out, f"{path}.{key}")
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for i, val in enumerate(instance):
            codelist_values(val, schema["items"], out, f"{path}[{i}]")


def assert_valid_release_package(package: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in package_validator("release-package-schema.json")
              .iter_errors(package)]
    assert errors == []
    for release in package["releases"]:
        assert_codelists(release)


def assert_valid_record_package(package: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in package_validator("record-package-schema.json")
              .iter_errors(package)]
    assert errors == []
    for record in package["records"]:
        assert_codelists(record["compiledRelease"])


def assert_codelists(release: dict[str, Any]) -> None:
    found: list[tuple[str, str, str]] = []
    codelist_values(release, RELEASE_SCHEMA, found)
    bad = [(c, v, p) for c, v, p in found if v not in CODELISTS[c.lstrip("+")]]
    assert bad == []
    assert found, "the walk found no codelist field: it is not looking"


# --- a whole lifecycle ------------------------------------------------------------------------------------


def at(day: str, hm: str = "09:30") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


def published_lot(db: Database, clock: FrozenClock, trade: Trade = Trade.construction) -> TenderWorld:
    with db.transaction() as s:
        w = tender_world(s, now=clock.now(), trade=trade)
    with db.transaction() as s:
        service.publish_notice(
            s,
            actor=w.owner,
            lot_id=w.lot_id,
            documents_from=at("2026-09-25"),
            documents_until=at("2026-09-30", "17:00"),
            bid_deadline=at("2026-10-15"),
            bid_bond=Decimal("100000"),
            now=clock.now(),
        )
    return w


def _tender_notice(db: Database, lot_id: int) -> Notice:
    with db.session(write=False) as s:
        notice = s.scalars(select(Notice).where(Notice.lot_id == lot_id, Notice.kind == "tender")).one()
        s.expunge(notice)
        return notice


def _side_notice(db: Database, clock: FrozenClock, w: TenderWorld, kind: str, fields: dict[str, Any]) -> None:
    """A change or clarification of the tender notice (published by their own services in the product)."""
    related = _tender_notice(db, w.lot_id).id
    with db.transaction() as s:
        lot = s.get(Lot, w.lot_id)
        assert lot is not None
        publish(
            s,
            kind=kind,
            draft=NoticeDraft(title=f"{lot.project.name}{kind}", fields=fields, text="说明", related_id=related),
            project=lot.project,
            lot=lot,
            actor="user:1",
            now=clock.now(),
            event_kind=f"test.{kind}",
            event_data={},
        )


def open_bids(db: Database, clock: FrozenClock, w: TenderWorld, prices: list[Decimal]) -> list[int]:
    clock.set(at("2026-10-15").astimezone(UTC))
    run_due(db, now=clock.now())
    with db.transaction() as s:
        service.record_opening(
            s,
            actor=w.center,
            lot_id=w.lot_id,
            bids=[service.OpenedBid(b, p, {}) for b, p in zip(w.bidder_ids, prices, strict=False)],
            now=clock.now(),
        )
    with db.session(write=False) as s:
        return list(s.scalars(select(LotBidder.id).where(LotBidder.lot_id == w.lot_id).order_by(LotBidder.id)))


def full_lifecycle(db: Database, clock: FrozenClock) -> TenderWorld:
    w = published_lot(db, clock)
    clock.advance(timedelta(days=1))
    _side_notice(db, clock, w, "clarification", {"question": "工期？", "answer": "180日历天"})
    clock.advance(timedelta(hours=1))
    _side_notice(db, clock, w, "change", {"reason": "图纸修改", "bid_deadline": at("2026-10-15")})
    bidders = open_bids(db, clock, w, PRICES)
    with db.transaction() as s:
        service.move_lot(s, lot_id=w.lot_id, action="start_evaluation", actor="system", now=clock.now())
        service.move_lot(
            s,
            lot_id=w.lot_id,
            action="finish_evaluation",
            actor="system",
            now=clock.now(),
            candidates=[service.Candidate(b, i + 1, Decimal(90 - i)) for i, b in enumerate(bidders)],
        )
    with db.transaction() as s:
        award.publish_candidates(s, actor=w.owner, lot_id=w.lot_id, now=clock.now())
    with db.session(write=False) as s:
        until = s.get(Lot, w.lot_id).publicity_until  # type: ignore[union-attr]
    assert until is not None
    clock.set(until.astimezone(UTC) + timedelta(hours=1))
    run_due(db, now=clock.now())
    with db.transaction() as s:
        award.award(s, actor=w.owner, lot_id=w.lot_id, lot_bidder_id=bidders[0], now=clock.now())
    clock.advance(timedelta(days=5))
    with db.transaction() as s:
        award.sign_contract(
            s, actor=w.owner, lot_id=w.lot_id, amount=PRICES[0], signed_on=clock.now().date(), now=clock.now()
        )
    clock.advance(timedelta(days=200))
    with db.transaction() as s:
        award.record_performance(
            s,
            actor=w.owner,
            lot_id=w.lot_id,
            completed_on=date(2027, 4, 1),
            quality="合格",
            final_amount=Decimal("9282000"),
            now=clock.now(),
        )
    return w


def failed_lot(db: Database, clock: FrozenClock) -> TenderWorld:
    w = published_lot(db, clock)
    open_bids(db, clock, w, PRICES)
    with db.transaction() as s:
        service.end_lot(s, actor=w.owner, lot_id=w.lot_id, action="fail", reason="所有投标均被否决", now=clock.now())
    return w


def ctx_of(session: Any) -> Context:
    return Context(session=session, base_url=BASE, ocid_prefix=PREFIX)


def _package(db: Database, rng: packages.DateRange | None = None) -> dict[str, Any]:
    with db.session(write=False) as s:
        ctx = ctx_of(s)
        notices = list(s.scalars(packages.releases_stmt(rng or packages.DateRange())))
        body = packages.package_meta(ctx, uri=f"{BASE}/api/ocds/releases", published=datetime.now(UTC))
        body["releases"] = [build_release(ctx, n) for n in notices]
        return body


@pytest.fixture
def lifecycle(clean_db: Database, clock: FrozenClock) -> TenderWorld:
    return full_lifecycle(clean_db, clock)


def test_a_whole_lifecycle_is_a_valid_release_package(clean_db: Database, lifecycle: TenderWorld) -> None:
    package = _package(clean_db)
    assert_valid_release_package(package)
    releases = package["releases"]
    assert [r["tag"] for r in releases] == [
        ["tender"], ["tenderUpdate"], ["tenderAmendment"], ["tenderUpdate"], ["award"], ["award"], ["contract"],
        ["implementation"],
    ]  # fmt: skip
    assert len({r["ocid"] for r in releases}) == 1 and len({r["id"] for r in releases}) == len(releases)
    tender, _, change, opening, candidates, result, contract, performance = releases
    assert tender["tender"]["lots"][0]["value"] == {"amount": 10000000, "currency": "CNY"}
    assert tender["tender"]["procurementMethod"] == "open" and tender["tender"]["status"] == "active"
    assert tender["buyer"]["id"].startswith("CN-USCC-")
    assert {d["url"] for d in tender["tender"]["documents"]} == {
        f"{BASE}/notices/{tender['id'].rsplit('-', 1)[1]}",
        f"{BASE}/api/notices/{tender['id'].rsplit('-', 1)[1]}/document",
    }
    assert change["tender"]["amendments"][0]["amendsReleaseID"] == tender["id"]
    stats = {s["measure"]: s["value"] for s in opening["bids"]["statistics"]}
    assert stats["bids"] == 3 and stats["lowestValidBidValue"] == 9100000 and "details" not in opening["bids"]
    assert [a["status"] for a in candidates["awards"]] == ["pending"] * 3
    assert [a["status"] for a in result["awards"]] == ["active", "unsuccessful", "unsuccessful"]
    assert len(result["bids"]["details"]) == 3  # bid details only once the result is out
    assert result["awards"][0]["relatedBids"] == [result["bids"]["details"][0]["id"]]
    assert contract["contracts"][0]["awardID"] == result["awards"][0]["id"]
    assert performance["contracts"][0]["status"] == "terminated"


def test_the_record_compiles_the_releases_by_the_merge_rules(clean_db: Database, lifecycle: TenderWorld) -> None:
    with clean_db.session(write=False) as s:
        code = s.get(Project, lifecycle.project_id).code  # type: ignore[union-attr]
        record = packages.record_for(ctx_of(s), f"{PREFIX}-{code}")
    assert record is not None
    package = {**packages.package_meta(ctx_of(None), uri=BASE, published=datetime.now(UTC)), "records": [record]}
    assert_valid_record_package(package)
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"] and len(record["releases"]) == 8
    first = record["releases"][0]
    assert first["url"].startswith(f"{BASE}/api/ocds/releases/{compiled['ocid']}-")
    assert first["url"].split("#")[0].rsplit("/", 1)[1] == first["url"].split("#")[1]
    # Awards merged by id: the three candidates, one of them active after the result.
    assert sorted(a["status"] for a in compiled["awards"]) == ["active", "unsuccessful", "unsuccessful"]
    # The contract from the contract and performance releases is one object with both releases' fields.
    (contract,) = compiled["contracts"]
    assert contract["status"] == "terminated" and contract["value"]["amount"] == 9100000
    assert contract["implementation"]["milestones"][0]["status"] == "met"
    assert compiled["tender"]["status"] == "complete" and compiled["tender"]["lots"][0]["value"]["amount"] == 10000000
    # Documents of every notice accumulate (ids differ), parties are unique by id.
    assert len(compiled["tender"]["documents"]) == 8  # tender, clarification, change, opening: page + signed
    ids = [p["id"] for p in compiled["parties"]]
    assert len(ids) == len(set(ids)) and len(ids) == 4  # the owner and three bidders
    assert set(compiled["bids"]) == {"statistics", "details"}


def test_merge_rules_on_their_own() -> None:
    base = {"ocid": "o", "id": "o-1", "date": "2026-01-01T00:00:00Z", "tag": ["tender"]}
    first: dict[str, Any] = {**base, "tender": {"id": "t", "status": "active", "lots": [{"id": "1", "title": "A"}]},
             "parties": [{"id": "p", "roles": ["buyer", "tenderer"]}]}  # fmt: skip
    second = {**base, "id": "o-2", "date": "2026-01-02T00:00:00Z", "tag": ["award"],
              "tender": {"lots": [{"id": "1", "status": "complete"}, {"id": "2"}]},
              "parties": [{"id": "p", "roles": ["buyer"]}]}  # fmt: skip
    compiled = compile_releases([second, first])  # out of order on purpose: merged by date
    assert compiled["tender"] == {
        "id": "t",
        "status": "active",
        "lots": [{"id": "1", "title": "A", "status": "complete"}, {"id": "2"}],
    }
    assert compiled["parties"] == [{"id": "p", "roles": ["buyer"]}]  # arrays of strings are replaced
    assert compiled["tag"] == ["compiled"] and compiled["date"] == "2026-01-02T00:00:00Z"
    assert first["tender"]["lots"] == [{"id": "1", "title": "A"}]  # inputs are not modified


def test_a_failed_procedure_validates_and_is_unsuccessful(clean_db: Database, clock: FrozenClock) -> None:
    failed_lot(clean_db, clock)
    package = _package(clean_db)
    assert_valid_release_package(package)
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderUpdate"], ["tenderCancellation"]]
    last = package["releases"][-1]
    assert last["tender"]["status"] == "unsuccessful" and last["tender"]["lots"][0]["status"] == "unsuccessful"
    assert last["tender"]["documents"][0]["documentType"] == "cancellationDetails"


def test_drafts_never_appear(clean_db: Database, clock: FrozenClock) -> None:
    w = published_lot(clean_db, clock)
    with clean_db.transaction() as s:
        # A second lot of the same project and a whole project, both still drafts.
        service.add_lot(s, actor=w.owner, project_id=w.project_id, code="02", name="监理", procedure="open_tender",
                        estimate=Decimal("500000"), max_price=None, category="services", now=clock.now())  # fmt: skip
        draft = service.create_project(s, actor=w.owner, name="草稿项目", trade=Trade.construction,
                                       region_code="6201", owner_entity_id=None, fund_source="财政资金",
                                       state_funded=True, description="", now=clock.now())  # fmt: skip
        draft_code = draft.code
    with clean_db.session(write=False) as s:
        assert packages.record_for(ctx_of(s), f"{PREFIX}-{draft_code}") is None
    releases = _package(clean_db)["releases"]
    assert len(releases) == 1 and not releases[0]["ocid"].endswith(draft_code)
    text = json.dumps(releases, ensure_ascii=False)
    assert "监理" not in text and "草稿项目" not in text and '"02"' not in text


def test_date_ranges_are_shanghai_days_and_bad_ranges_are_refused(clean_db: Database, clock: FrozenClock) -> None:
    clock.set(datetime(2026, 9, 24, 16, 30, tzinfo=UTC))  # 2026-09-25 00:30 in Shanghai, 09-24 in UTC
    published_lot(clean_db, clock)
    on = packages.parse_range("2026-09-25", "2026-09-25")
    assert len(_package(clean_db, on)["releases"]) == 1
    assert _package(clean_db, packages.parse_range(None, "2026-09-24"))["releases"] == []
    for bad in [("2026-9-1", None), ("2026-02-30", None), ("x" * 5000, None), ("2026-09-26", "2026-09-25")]:
        with pytest.raises(InvalidInput) as err:
            packages.parse_range(*bad)
        assert err.value.status_code == 400 and err.value.code in ("OCDS_DATE_INVALID", "OCDS_RANGE_INVALID")
