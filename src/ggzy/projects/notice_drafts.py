"""The public notice each published step of a lot brings: title, structured fields and a Chinese text.

Fields are facts only (dates, amounts, names of winners); they are what the portal shows and what OCDS
releases are built from, so keep their names stable.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ggzy.core.clock import SHANGHAI
from ggzy.notices.service import NoticeDraft
from ggzy.projects.models import Lot


def _when(instant: datetime | None) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M") if instant is not None else "—"


def _yuan(amount: Decimal | None) -> str:
    return f"{amount:,.2f} 元" if amount is not None else "—"


def _heading(lot: Lot) -> str:
    return f"{lot.project.name}（{lot.name}）"


def tender(lot: Lot) -> NoticeDraft:
    procurement = lot.project.trade == "procurement"
    label = "公开招标公告" if procurement else "招标公告"
    text = (
        f"{_heading(lot)}已具备招标条件，现进行公开招标。项目编号 {lot.project.code}，标段编号 {lot.code}。"
        f"{'采购预算' if procurement else '估算价'} {_yuan(lot.estimate)}"
        + (f"，最高投标限价 {_yuan(lot.max_price)}" if lot.max_price is not None else "")
        + f"。招标文件获取时间：{_when(lot.documents_from)} 至 {_when(lot.documents_until)}，"
        "在本平台免费下载，无需注册。"
        f"投标截止时间（即开标时间）：{_when(lot.bid_deadline)}，开标在本平台网上开标大厅进行。"
        + (f"投标保证金 {_yuan(lot.bid_bond)}。" if lot.bid_bond is not None else "")
        + "投标文件须在投标人本机加密后递交，未加密的投标文件不予接收。"
    )
    return NoticeDraft(
        title=f"{_heading(lot)}{label}",
        amount=lot.estimate,
        text=text,
        fields={
            "estimate": lot.estimate,
            "max_price": lot.max_price,
            "category": lot.category,
            "documents_from": lot.documents_from,
            "documents_until": lot.documents_until,
            "bid_deadline": lot.bid_deadline,
            "bid_bond": lot.bid_bond,
        },
    )


def opening(lot: Lot, *, bids: list[dict[str, Any]], not_decrypted: list[dict[str, Any]] | None = None) -> NoticeDraft:
    listed = "；".join(f"{b['bidder_name']} 投标报价 {_yuan(Decimal(str(b['price'])))}" for b in bids)
    text = (
        f"{_heading(lot)}于 {_when(lot.bid_deadline)} 在网上开标大厅开标，"
        f"共 {len(bids)} 家投标人的投标文件解密成功：{listed}。"
    )
    if not_decrypted:
        text += f"另有 {len(not_decrypted)} 份投标文件未能解密，按《电子招标投标办法》第三十一条处理。"
    return NoticeDraft(
        title=f"{_heading(lot)}开标记录",
        text=text,
        fields={"bid_deadline": lot.bid_deadline, "bids": bids, "not_decrypted": not_decrypted or []},
    )


def _committee(lot: Lot) -> tuple[str, dict[str, Any]]:
    """A procurement result names the evaluation experts (采购条例43); the owner's representatives are listed
    apart, since they sit on the committee but are not pool experts. Construction notices name nobody."""
    if lot.project.trade != "procurement" or not lot.committee:
        return "", {}
    experts = [m["name"] for m in lot.committee if m["kind"] == "expert"]
    representatives = [m["name"] for m in lot.committee if m["kind"] == "owner_representative"]
    text = f"评审专家名单：{'、'.join(experts)}"
    if representatives:
        text += f"；采购人代表：{'、'.join(representatives)}"
    return f"{text}。", {"experts": experts, "owner_representatives": representatives}


def candidates(lot: Lot, *, ranked: list[dict[str, Any]], publicity_until: datetime) -> NoticeDraft:
    names = "；".join(f"第{c['rank']}名 {c['name']}，投标报价 {_yuan(Decimal(str(c['price'])))}" for c in ranked)
    committee_text, committee_fields = _committee(lot)
    text = (
        f"{_heading(lot)}评标工作已经结束，现将中标候选人公示如下：{names}。{committee_text}"
        f"公示期至 {_when(publicity_until)}。投标人或者其他利害关系人对评标结果有异议的，应当在公示期间提出。"
    )
    return NoticeDraft(
        title=f"{_heading(lot)}中标候选人公示",
        text=text,
        fields={
            "candidates": ranked,
            "publicity_from": lot.publicity_from,
            "publicity_until": publicity_until,
            **committee_fields,
        },
    )


def result(lot: Lot, *, winner_entity_id: int, winner_name: str, price: Decimal, rank: int) -> NoticeDraft:
    committee_text, committee_fields = _committee(lot)
    text = (
        f"{_heading(lot)}经评标委员会评审、公示期满，确定中标人为 {winner_name}，中标价 {_yuan(price)}。"
        f"{committee_text}"
    )
    return NoticeDraft(
        title=f"{_heading(lot)}中标结果公告",
        amount=price,
        text=text,
        fields={
            "winner_entity_id": winner_entity_id,
            "winner_name": winner_name,
            "price": price,
            "rank": rank,
            **committee_fields,
        },
    )


def contract(lot: Lot, *, supplier_name: str, amount: Decimal, signed_on: date, late: str | None) -> NoticeDraft:
    text = (
        f"{_heading(lot)}合同已于 {signed_on.isoformat()} 签订，"
        f"供应商/承包人 {supplier_name}，合同金额 {_yuan(amount)}。"
    )
    return NoticeDraft(
        title=f"{_heading(lot)}合同公告",
        amount=amount,
        text=text,
        fields={"supplier_name": supplier_name, "amount": amount, "signed_on": signed_on, "late": late},
    )


def performance(lot: Lot, *, supplier_name: str, details: dict[str, Any]) -> NoticeDraft:
    text = (
        f"{_heading(lot)}已于 {details['completed_on']} 完成，质量情况：{details['quality']}，"
        f"结算金额 {_yuan(Decimal(details['final_amount']))}（较合同金额变化 {details['change_percent']}%）。"
    )
    return NoticeDraft(
        title=f"{_heading(lot)}履约信息公告",
        amount=Decimal(details["final_amount"]),
        text=text,
        fields={"supplier_name": supplier_name, **details},
    )


def ended(lot: Lot, *, action: str, reason: str) -> NoticeDraft:
    label = "流标公告" if action == "fail" else "终止公告"
    return NoticeDraft(
        title=f"{_heading(lot)}{label}",
        text=f"{_heading(lot)}{'流标' if action == 'fail' else '终止招标'}。原因：{reason}",
        fields={"reason": reason, "stage_before": lot.stage},
    )
