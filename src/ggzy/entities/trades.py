"""The six trades (交易类型), named per the glossary."""

from __future__ import annotations

from enum import StrEnum


class Trade(StrEnum):
    construction = "construction"
    procurement = "procurement"
    land = "land"
    mining = "mining"
    property = "property"
    medical = "medical"


TRADE_LABELS_ZH: dict[str, str] = {
    Trade.construction: "工程建设项目招标投标",
    Trade.procurement: "政府采购",
    Trade.land: "土地使用权出让",
    Trade.mining: "矿业权出让",
    Trade.property: "国有产权交易",
    Trade.medical: "药品和医用耗材集中采购",
}


class EntityKind(StrEnum):
    tenderee = "tenderee"  # 招标人/采购人/出让人/转让方: the owner
    agency = "agency"
    bidder = "bidder"


KIND_LABELS_ZH: dict[str, str] = {
    EntityKind.tenderee: "招标人/采购人",
    EntityKind.agency: "招标代理机构",
    EntityKind.bidder: "投标人/供应商",
}
