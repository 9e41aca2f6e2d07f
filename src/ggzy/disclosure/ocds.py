"""OCDS 1.1 releases built from published notices, and records compiled from them.

One contracting process (one ``ocid``) per project; its lots are described with the lots extension, so every
lot-level fact carries ``relatedLots``/``relatedLot``. Each published notice is one release whose id is
``{ocid}-{notice.id}``: stable, because notices are write-once. Bid statistics (after the opening) and bid
details (with the result) use the bid extension. See docs/open-data.md for the field mapping.

Everything here reads the signed notice document (``Notice.fields()``), plus the public registration of the
entities it names (USCC, name, region) and, for awards and contracts, earlier notices of the same lot.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.entities.models import Entity
from ggzy.notices.models import Notice
from ggzy.regions.models import Region

CURRENCY = "CNY"
USCC_SCHEME = "CN-USCC"
# Extension manifests for the package's ``extensions`` (the versions vendored in ocds_schema/extensions).
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
]
LICENSE = "https://creativecommons.org/licenses/by/4.0/"

# Notice kind → release tag (releaseTag codelist).
TAGS: dict[str, str] = {
    "tender": "tender",
    "change": "tenderAmendment",
    "clarification": "tenderUpdate",
    "opening": "tenderUpdate",
    "candidates": "award",
    "result": "award",
    "contract": "contract",
    "performance": "implementation",
    "failure": "tenderCancellation",
    "termination": "tenderCancellation",
}
# Notice kind → documentType of the notice itself (documentType codelist).
DOCUMENT_TYPES: dict[str, str] = {
    "tender": "tenderNotice",
    "change": "tenderNotice",
    "clarification": "clarifications",
    "opening": "bidders",
    "candidates": "evaluationReports",
    "result": "awardNotice",
    "contract": "contractNotice",
    "performance": "completionCertificate",
    "failure": "cancellationDetails",
    "termination": "cancellationDetails",
}
# Procedure → procurementMethod (closed method codelist); the procedure itself goes in procurementMethodDetails.
METHODS: dict[str, str] = {
    "open_tender": "open",
    "invited_tender": "selective",
    "competitive_negotiation": "limited",
    "competitive_consultation": "limited",
    "inquiry": "limited",
    "single_source": "direct",
    "auction": "open",
    "listing": "open",
    "online_bidding": "open",
}
PROCUREMENT_CATEGORIES = {"goods", "works", "services"}
# tenderStatus of the lot (and of the tender, see ``_tender``) after a notice of this kind.
LOT_STATUS: dict[str, str] = {
    "tender": "active",
    "result": "complete",
    "failure": "unsuccessful",
    "termination": "cancelled",
}


def ocid_for(prefix: str, project_code: str) -> str:
    return f"{prefix}-{project_code}"


def release_id_for(ocid: str, notice_id: int) -> str:
    return f"{ocid}-{notice_id}"


def value(amount: Any) -> dict[str, Any]:
    """An OCDS Value: a JSON number (integral yuan stay integers) in CNY."""
    d = Decimal(str(amount))
    number: int | float = int(d) if d == d.to_integral_value() else float(d)
    return {"amount": number, "currency": CURRENCY}


def _date_time(day: str) -> str:
    """A calendar date of Asia/Shanghai as an OCDS date-time (midnight there)."""
    return f"{day}T00:00:00+08:00" if len(day) == 10 else day


@dataclass
class Context:
    """What building releases needs besides the notice: links and cached look-ups of public facts.

    The caches are bounded by the number of entities and regions, not of notices, so an export of any size
    keeps a constant footprint.
    """

    session: Session
    base_url: str
    ocid_prefix: str
    publisher_name: str = "甘肃省公共资源交易平台"
    _entities: dict[int, tuple[str, str, str, str] | None] = field(default_factory=dict)
    _regions: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}"

    def entity(self, entity_id: int | None) -> tuple[str, str, str, str] | None:
        """(uscc, name, region code, address) of a registered entity."""
        if entity_id is None:
            return None
        if entity_id not in self._entities:
            row = self.session.get(Entity, entity_id)
            self._entities[entity_id] = (row.uscc, row.name, row.region_code, row.address) if row else None
        return self._entities[entity_id]

    def region_name(self, code: str) -> str:
        if code not in self._regions:
            region = self.session.get(Region, code)
            self._regions[code] = region.name if region is not None else code
        return self._regions[code]

    def earlier(self, notice: Notice, kind: str) -> Notice | None:
        """The latest notice of ``kind`` of the same lot published before ``notice``."""
        if notice.lot_id is None:
            return None
        return self.session.scalar(
            select(Notice)
            .where(Notice.lot_id == notice.lot_id, Notice.kind == kind, Notice.ledger_index < notice.ledger_index)
            .order_by(Notice.ledger_index.desc())
            .limit(1)
        )


def party_id(uscc: str) -> str:
    return f"{USCC_SCHEME}-{uscc}"


def _party(ctx: Context, entity_id: int | None, roles: list[str]) -> dict[str, Any] | None:
    known = ctx.entity(entity_id)
    if known is None:
        return None
    uscc, name, region_code, address = known
    addr: dict[str, Any] = {"region": ctx.region_name(region_code), "countryName": "中国"}
    if address:
        addr["streetAddress"] = address
    return {
        "id": party_id(uscc),
        "name": name,
        "identifier": {"scheme": USCC_SCHEME, "id": uscc, "legalName": name},
        "address": addr,
        "roles": roles,
    }


def _ref(party: dict[str, Any]) -> dict[str, Any]:
    return {"id": party["id"], "name": party["name"]}


def _bidder_party(ctx: Context, entity_id: int | None, name: str, roles: list[str]) -> dict[str, Any]:
    party = _party(ctx, entity_id, roles)
    if party is not None:
        return party
    # Not registered (cannot happen for opened bids; kept so a release never fails to build).
    return {"id": f"ggzy-entity-{entity_id}", "name": name, "roles": roles}


def _documents(ctx: Context, notice: Notice, doc: dict[str, Any], lot_ref: list[str] | None) -> list[dict[str, Any]]:
    """The notice page and its signed canonical JSON, both public."""
    base = {
        "documentType": DOCUMENT_TYPES[notice.kind],
        "title": doc["title"],
        "datePublished": doc["published_at"],
        "language": "zh",
    }
    page = {**base, "id": f"notice-{notice.id}", "url": ctx.url(f"/notices/{notice.id}"), "format": "text/html"}
    signed = {
        **base,
        "id": f"notice-{notice.id}-signed",
        "url": ctx.url(f"/api/notices/{notice.id}/document"),
        "format": "application/json",
        "description": f"平台签名的公告原文（Ed25519，密钥 {notice.key_id}，SHA-256 {notice.digest}）",
    }
    if lot_ref:
        page["relatedLots"] = lot_ref
        signed["relatedLots"] = lot_ref
    return [page, signed]


def _lot_code(doc: dict[str, Any]) -> str | None:
    lot = doc.get("lot")
    return str(lot["code"]) if lot else None


def build_release(ctx: Context, notice: Notice) -> dict[str, Any]:
    """The OCDS release of one published notice."""
    doc = notice.fields()
    project = doc["project"]
    fields: dict[str, Any] = doc.get("fields") or {}
    lot_doc: dict[str, Any] | None = doc.get("lot")
    lot_code = _lot_code(doc)
    lot_ref = [lot_code] if lot_code else None
    ocid = ocid_for(ctx.ocid_prefix, project["code"])
    kind = notice.kind

    parties: dict[str, dict[str, Any]] = {}
    buyer = _party(ctx, project.get("owner_entity_id"), ["buyer"])
    agency = _party(ctx, project.get("agency_entity_id"), ["procuringEntity"])
    if buyer is not None:
        if agency is None:
            buyer["roles"] = ["buyer", "procuringEntity"]
        parties[buyer["id"]] = buyer
    if agency is not None:
        parties[agency["id"]] = agency
    procuring = agency or buyer

    tender: dict[str, Any] = {"id": project["code"], "title": project["name"]}
    if procuring is not None:
        tender["procuringEntity"] = _ref(procuring)
    lot: dict[str, Any] | None = None
    if lot_doc is not None and lot_code is not None:
        lot = {"id": lot_code, "title": lot_doc["name"]}
        tender["lots"] = [lot]
        method = METHODS.get(str(lot_doc.get("procedure")))
        if method is not None:
            tender["procurementMethod"] = method
        tender["procurementMethodDetails"] = str(lot_doc.get("procedure"))
        if lot_doc.get("category") in PROCUREMENT_CATEGORIES:
            tender["mainProcurementCategory"] = lot_doc["category"]
            lot["mainProcurementCategory"] = lot_doc["category"]
    status = LOT_STATUS.get(kind)
    if status is not None:
        # With several lots the process-level status describes the lot of this release; lots[].status is exact.
        tender["status"] = status
        if lot is not None:
            lot["status"] = status
    documents = _documents(ctx, notice, doc, lot_ref)

    release: dict[str, Any] = {
        "ocid": ocid,
        "id": release_id_for(ocid, notice.id),
        "date": doc["published_at"],
        "tag": [TAGS[kind]],
        "initiationType": "tender",
        "language": "zh",
    }
    if buyer is not None:
        release["buyer"] = _ref(buyer)

    if kind == "tender":
        if lot is not None and lot_doc is not None:
            lot["value"] = value(fields.get("estimate") or lot_doc["estimate"])
            period: dict[str, Any] = {}
            if fields.get("documents_from"):
                period["startDate"] = fields["documents_from"]
            if fields.get("bid_deadline"):
                period["endDate"] = fields["bid_deadline"]
            if period:
                lot["tenderPeriod"] = period
            if fields.get("documents_from") and fields.get("documents_until"):
                lot["enquiryPeriod"] = {"startDate": fields["documents_from"], "endDate": fields["documents_until"]}
        tender["description"] = doc.get("text", "")
        tender["documents"] = documents
    elif kind == "change":
        amendment: dict[str, Any] = {
            "id": f"notice-{notice.id}",
            "date": doc["published_at"],
            "description": doc.get("text") or doc["title"],
            "releaseID": release["id"],
        }
        if fields.get("reason"):
            amendment["rationale"] = str(fields["reason"])
        if doc.get("related_notice_id"):
            amendment["amendsReleaseID"] = release_id_for(ocid, int(doc["related_notice_id"]))
        if lot_ref:
            amendment["relatedLots"] = lot_ref
        tender["amendments"] = [amendment]
        if lot is not None and fields.get("bid_deadline"):
            lot["tenderPeriod"] = {"endDate": fields["bid_deadline"]}
        tender["documents"] = documents
    elif kind in ("clarification", "failure", "termination"):
        tender["documents"] = documents
    elif kind == "opening":
        tender["documents"] = documents
        release["bids"] = {"statistics": _statistics(fields, lot_code, doc["published_at"])}
    elif kind == "candidates":
        release["awards"] = _candidate_awards(ctx, fields, lot_ref, documents, parties)
    elif kind == "result":
        awards, bids = _result(ctx, notice, fields, lot_code, documents, parties)
        release["awards"] = awards
        if bids:
            release["bids"] = {"details": bids}
    elif kind == "contract":
        release["contracts"] = [_contract(ctx, notice, fields, lot_code, documents, parties)]
    elif kind == "performance":
        release["contracts"] = [_performance(ctx, notice, fields, lot_code, documents)]

    release["tender"] = tender
    if parties:
        release["parties"] = list(parties.values())
    return release


def _statistics(fields: dict[str, Any], lot_code: str | None, at: str) -> list[dict[str, Any]]:
    bids: list[dict[str, Any]] = list(fields.get("bids") or [])
    valid = [b for b in bids if b.get("status", "valid") == "valid"]
    prefix = f"{lot_code}-" if lot_code else ""
    rows: list[tuple[str, Any, bool]] = [
        ("bids", len(bids) + len(fields.get("not_decrypted") or []), False),
        ("validBids", len(valid), False),
        ("disqualifiedBids", len(bids) - len(valid), False),
        ("bidders", len({b.get("entity_id") for b in bids}), False),
        ("electronicBids", len(bids), False),
    ]
    if valid:
        prices = [Decimal(str(b["price"])) for b in valid]
        rows += [("lowestValidBidValue", min(prices), True), ("highestValidBidValue", max(prices), True)]
    out = []
    for measure, number, money in rows:
        stat: dict[str, Any] = {"id": f"{prefix}{measure}", "measure": measure, "date": at}
        if money:
            v = value(number)
            stat["value"] = v["amount"]
            stat["currency"] = CURRENCY
        else:
            stat["value"] = number
        if lot_code:
            stat["relatedLot"] = lot_code
        out.append(stat)
    return out


def award_id(lot_code: str | None, entity_id: Any) -> str:
    return f"{lot_code or 'project'}-award-{entity_id}"


def bid_id(lot_code: str | None, entity_id: Any) -> str:
    return f"{lot_code or 'project'}-bid-{entity_id}"


def _candidate_awards(
    ctx: Context,
    fields: dict[str, Any],
    lot_ref: list[str] | None,
    documents: list[dict[str, Any]],
    parties: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """One pending award per ranked candidate: the result later makes one active and the others unsuccessful."""
    lot_code = lot_ref[0] if lot_ref else None
    awards = []
    for i, c in enumerate(fields.get("candidates") or []):
        party = _bidder_party(ctx, c.get("entity_id"), str(c.get("name", "")), ["tenderer"])
        parties.setdefault(party["id"], party)
        award: dict[str, Any] = {
            "id": award_id(lot_code, c.get("entity_id")),
            "title": f"第{c.get('rank')}名中标候选人",
            "status": "pending",
            "value": value(c["price"]),
            "suppliers": [_ref(party)],
        }
        if fields.get("publicity_from") or fields.get("publicity_until"):
            award["description"] = f"中标候选人公示期至 {fields.get('publicity_until')}"
        if lot_ref:
            award["relatedLots"] = lot_ref
        if i == 0:
            award["documents"] = documents
        awards.append(award)
    return awards


def _result(
    ctx: Context,
    notice: Notice,
    fields: dict[str, Any],
    lot_code: str | None,
    documents: list[dict[str, Any]],
    parties: dict[str, dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The winner's award becomes active, the other candidates' unsuccessful; the opened bids are disclosed."""
    lot_ref = [lot_code] if lot_code else None
    winner_id = fields.get("winner_entity_id")
    winner = _bidder_party(ctx, winner_id, str(fields.get("winner_name", "")), ["tenderer", "supplier"])
    parties[winner["id"]] = winner
    award: dict[str, Any] = {
        "id": award_id(lot_code, winner_id),
        "title": "中标结果",
        "status": "active",
        "date": notice.fields()["published_at"],
        "value": value(fields["price"]),
        "suppliers": [_ref(winner)],
        "documents": documents,
    }
    if lot_ref:
        award["relatedLots"] = lot_ref
    awards = [award]
    candidates = ctx.earlier(notice, "candidates")
    for c in (candidates.fields().get("fields") or {}).get("candidates", []) if candidates else []:
        if c.get("entity_id") == winner_id:
            continue
        loser = _bidder_party(ctx, c.get("entity_id"), str(c.get("name", "")), ["tenderer"])
        parties.setdefault(loser["id"], loser)
        other: dict[str, Any] = {"id": award_id(lot_code, c.get("entity_id")), "status": "unsuccessful"}
        if lot_ref:
            other["relatedLots"] = lot_ref
        awards.append(other)
    details: list[dict[str, Any]] = []
    opening = ctx.earlier(notice, "opening")
    if opening is not None:
        opened = opening.fields()
        for b in (opened.get("fields") or {}).get("bids", []):
            roles = ["tenderer", "supplier"] if b.get("entity_id") == winner_id else ["tenderer"]
            bidder = _bidder_party(ctx, b.get("entity_id"), str(b.get("bidder_name", "")), roles)
            parties.setdefault(bidder["id"], bidder)
            bid: dict[str, Any] = {
                "id": bid_id(lot_code, b.get("entity_id")),
                "date": opened["published_at"],
                "status": "valid" if b.get("status", "valid") == "valid" else "disqualified",
                "tenderers": [_ref(bidder)],
                "value": value(b["price"]),
            }
            if lot_ref:
                bid["relatedLots"] = lot_ref
            details.append(bid)
        if any(d["id"] == bid_id(lot_code, winner_id) for d in details):
            award["relatedBids"] = [bid_id(lot_code, winner_id)]
    return awards, details


def _winner(ctx: Context, notice: Notice) -> tuple[Any, str] | None:
    result = ctx.earlier(notice, "result")
    if result is None:
        return None
    f = result.fields().get("fields") or {}
    return f.get("winner_entity_id"), str(f.get("winner_name", ""))


def contract_id(lot_code: str | None) -> str:
    return f"{lot_code or 'project'}-contract"


def _contract(
    ctx: Context,
    notice: Notice,
    fields: dict[str, Any],
    lot_code: str | None,
    documents: list[dict[str, Any]],
    parties: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    contract: dict[str, Any] = {
        "id": contract_id(lot_code),
        "title": notice.title,
        "status": "active",
        "value": value(fields["amount"]),
        "documents": documents,
    }
    if fields.get("signed_on"):
        contract["dateSigned"] = _date_time(str(fields["signed_on"]))
        contract["period"] = {"startDate": _date_time(str(fields["signed_on"]))}
    winner = _winner(ctx, notice)
    if winner is not None:
        supplier = _bidder_party(ctx, winner[0], winner[1], ["tenderer", "supplier"])
        parties[supplier["id"]] = supplier
        contract["awardID"] = award_id(lot_code, winner[0])
        if lot_code:
            contract["relatedBids"] = [bid_id(lot_code, winner[0])]
    else:
        contract["awardID"] = award_id(lot_code, "unknown")
    if fields.get("late"):
        contract["description"] = f"合同签订逾期：{fields['late']}"
    return contract


def _performance(
    ctx: Context, notice: Notice, fields: dict[str, Any], lot_code: str | None, documents: list[dict[str, Any]]
) -> dict[str, Any]:
    winner = _winner(ctx, notice)
    completed = str(fields.get("completed_on", ""))
    milestone: dict[str, Any] = {
        "id": f"notice-{notice.id}-completion",
        "title": "完成验收",
        "type": "delivery",
        "status": "met",
        "description": f"质量情况：{fields.get('quality', '')}；结算金额 {fields.get('final_amount', '')} 元"
        f"（较合同金额变化 {fields.get('change_percent', '')}%）",
    }
    if completed:
        milestone["dateMet"] = _date_time(completed)
    contract: dict[str, Any] = {
        "id": contract_id(lot_code),
        "awardID": award_id(lot_code, winner[0] if winner else "unknown"),
        # contractStatus "terminated": the contract was in force and has come to a close (completed).
        "status": "terminated",
        "implementation": {"milestones": [milestone], "documents": documents},
    }
    if completed:
        contract["period"] = {"endDate": _date_time(completed)}
    return contract


# --- merging (OCDS 1.1 merge rules, for the fields emitted above) ------------------------------------------


def _merge_into(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, new in update.items():
        if new is None:
            target.pop(key, None)  # an explicit null removes the field
            continue
        old = target.get(key)
        if isinstance(new, dict) and isinstance(old, dict):
            _merge_into(old, new)
        elif isinstance(new, list) and new and all(isinstance(i, dict) and "id" in i for i in new):
            # Identifier merge: objects with the same id merge, new ids are appended in order.
            existing = old if isinstance(old, list) else []
            by_id = {str(i.get("id")): i for i in existing if isinstance(i, dict)}
            merged = list(existing)
            for item in new:
                if str(item["id"]) in by_id:
                    _merge_into(by_id[str(item["id"])], item)
                else:
                    fresh = copy.deepcopy(item)
                    by_id[str(item["id"])] = fresh
                    merged.append(fresh)
            target[key] = merged
        else:
            # Strings, numbers, arrays of strings and arrays of objects without id: the newest value wins.
            target[key] = copy.deepcopy(new)


def compile_releases(releases: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release: releases merged in date order (ties keep publication order)."""
    ordered = sorted(releases, key=lambda r: r["date"])
    if not ordered:
        raise ValueError("no releases to compile")
    compiled: dict[str, Any] = {}
    for release in ordered:
        update = {k: v for k, v in release.items() if k not in ("id", "tag")}
        _merge_into(compiled, update)
    compiled["id"] = f"{ordered[-1]['ocid']}-compiled-{ordered[-1]['id'].rsplit('-', 1)[-1]}"
    compiled["tag"] = ["compiled"]
    compiled["date"] = ordered[-1]["date"]
    return compiled


def build_record(ctx: Context, ocid: str, notices: list[Notice], *, embed: bool = False) -> dict[str, Any]:
    """A record: the process's releases (linked, or embedded) and the compiled release."""
    releases = [build_release(ctx, n) for n in notices]
    linked: list[dict[str, Any]]
    if embed:
        linked = releases
    else:
        # The package URL with the release id as fragment, as the record schema asks.
        linked = [
            {"url": ctx.url(f"/api/ocds/releases/{r['id']}#{r['id']}"), "date": r["date"], "tag": r["tag"]}
            for r in releases
        ]
    return {"ocid": ocid, "releases": linked, "compiledRelease": compile_releases(releases)}
