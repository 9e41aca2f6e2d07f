# ruff: noqa: E501  (law texts are quoted whole)
"""The expert rules as data (value, unit, source), in the shape of ``ggzy.rules.catalog_data``.

Kept in this package so the draw records exactly which rule values it applied (``RULES_VERSION``);
items recalled from secondary sources carry ``verify`` and stay configurable.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ggzy.rules.catalog import Comparison, Rule, Unit, citation_zh

RULES_VERSION = "experts-2026.1"

EXPERT_RULE_ROWS: list[dict[str, Any]] = [
    {
        "key": "experts.years_of_practice",
        "trade": "all",
        "title": "评标专家从事相关领域工作年限",
        "value": "8",
        "unit": "years",
        "cmp": "at_least",
        "law": "法",
        "article": "第三十七条",
        "from": "2000-01-01",
        "text": "前款专家应当从事相关领域工作满八年并具有高级职称或者具有同等专业水平（《评标委员会和评标方法暂行规定》第十一条）。",
    },
    {
        "key": "experts.senior_title",
        "trade": "all",
        "title": "评标专家须具有高级职称",
        "value": "1",
        "unit": "count",
        "cmp": "at_least",
        "law": "评标规定",
        "article": "第十一条",
        "from": "2001-07-05",
        "text": "评标专家应从事相关专业领域工作满八年并具有高级职称或者同等专业水平。",
    },
    {
        "key": "experts.procurement_max_age",
        "trade": "procurement",
        "title": "政府采购评审专家年龄上限（周岁以下）",
        "value": "70",
        "unit": "years",
        "cmp": "at_most",
        "law": "198号文",
        "article": "第六条",
        "from": "2017-01-01",
        "verify": True,
        "text": "评审专家应当年龄在70周岁以下，具有良好的职业道德，近三年内无不良行为记录。",
    },
    {
        "key": "experts.max_specialties",
        "trade": "all",
        "title": "每名专家申报的评标专业数",
        "value": "3",
        "unit": "count",
        "cmp": "at_most",
        "law": "评标规定",
        "article": "第十一条",
        "from": "2001-07-05",
        "verify": True,
        "text": "专家按其熟悉的专业申报评标专业，以不超过3个为宜（甘肃省地方规则，可配置）。",
    },
    {
        "key": "experts.committee_size",
        "trade": "construction",
        "title": "评标委员会人数（五人以上单数）",
        "value": "5",
        "unit": "count",
        "cmp": "at_least",
        "law": "法",
        "article": "第三十七条",
        "from": "2000-01-01",
        "text": "依法必须进行招标的项目，其评标委员会由招标人的代表和有关技术、经济等方面的专家组成，成员人数为五人以上单数，其中技术、经济等方面的专家不得少于成员总数的三分之二。",
    },
    {
        "key": "experts.procurement_committee_size",
        "trade": "procurement",
        "title": "政府采购评标委员会人数（五人以上单数）",
        "value": "5",
        "unit": "count",
        "cmp": "at_least",
        "law": "87号令",
        "article": "第四十七条",
        "from": "2017-10-01",
        "text": "评标委员会由采购人代表和评审专家组成，成员人数应当为5人以上单数，其中评审专家不得少于成员总数的三分之二。",
    },
    {
        "key": "experts.procurement_committee_size_large",
        "trade": "procurement",
        "title": "采购预算1000万元以上的评标委员会人数（七人以上单数）",
        "value": "7",
        "unit": "count",
        "cmp": "at_least",
        "law": "87号令",
        "article": "第四十七条",
        "from": "2017-10-01",
        "text": "采购预算金额在1000万元以上、技术复杂或者社会影响较大的项目，评标委员会成员人数应当为7人以上单数。",
    },
    {
        "key": "experts.procurement_large_budget",
        "trade": "procurement",
        "title": "评标委员会须七人以上的采购预算金额",
        "value": "10000000",
        "unit": "yuan",
        "cmp": "at_least",
        "law": "87号令",
        "article": "第四十七条",
        "from": "2017-10-01",
        "text": "采购预算金额在1000万元以上、技术复杂或者社会影响较大的项目，评标委员会成员人数应当为7人以上单数。",
    },
    {
        "key": "experts.panel_size",
        "trade": "procurement",
        "title": "竞争性谈判小组或询价小组人数（三人以上单数）",
        "value": "3",
        "unit": "count",
        "cmp": "at_least",
        "law": "采购法",
        "article": "第三十八条、第四十条",
        "from": "2003-01-01",
        "text": "谈判小组（询价小组）由采购人的代表和有关专家共三人以上的单数组成，其中专家的人数不得少于成员总数的三分之二。",
    },
    {
        "key": "experts.employment_avoidance_years",
        "trade": "all",
        "title": "曾受聘于招标人或投标人的回避年限",
        "value": "3",
        "unit": "years",
        "cmp": "within",
        "law": "评标规定",
        "article": "第十二条",
        "from": "2001-07-05",
        "text": "与投标人有利害关系、可能影响对投标公正评审的，不得担任评标委员会成员；项目主管部门或者行政监督部门的人员，以及三年内曾在投标人任职的，应当回避（《政府采购法实施条例》第九条）。",
    },
    {
        "key": "experts.same_employer_max",
        "trade": "all",
        "title": "同一工作单位的专家在同一评标委员会中的人数上限",
        "value": "1",
        "unit": "count",
        "cmp": "at_most",
        "law": "条例",
        "article": "第四十六条",
        "from": "2012-02-01",
        "verify": True,
        "text": "评标专家应从专家库内相关专业的专家名单中以随机抽取方式确定，任何单位和个人不得以明示、暗示等任何方式指定或者变相指定（同单位专家人数上限为地方规则，可配置）。",
    },
    {
        "key": "experts.yearly_max_assignments",
        "trade": "all",
        "title": "专家每年参加评标次数上限",
        "value": "30",
        "unit": "count",
        "cmp": "at_most",
        "law": "条例",
        "article": "第四十六条",
        "from": "2012-02-01",
        "verify": True,
        "text": "为防止专家被频繁抽取、形成固定评标关系，每名专家每年参加评标的次数设上限（地方规则，可配置）。",
    },
]


def _build() -> dict[str, Rule]:
    out = {}
    for row in EXPERT_RULE_ROWS:
        out[row["key"]] = Rule(
            key=row["key"],
            trade=row["trade"],
            title_zh=row["title"],
            value=Decimal(row["value"]),
            unit=Unit(row["unit"]),
            comparison=Comparison(row["cmp"]),
            law=row["law"],
            article=row["article"],
            text_zh=row["text"],
            effective_from=date.fromisoformat(row["from"]),
            verify=bool(row.get("verify", False)),
        )
    return out


EXPERT_RULES: dict[str, Rule] = _build()


def rule(key: str) -> Rule:
    return EXPERT_RULES[key]


def value(key: str) -> int:
    return int(EXPERT_RULES[key].value)


def citation(key: str) -> str:
    return citation_zh(EXPERT_RULES[key])
