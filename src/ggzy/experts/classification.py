"""The national evaluation-expert classification (发改法规〔2018〕316号): codes, levels, seed tree.

A code is a letter (A 工程, B 货物, C 服务) followed by up to three levels of two digits; experts declare
full 7-character codes. The tree lives in a table so the center can extend it; this is its seed.
"""

from __future__ import annotations

import re

CODE_RE = re.compile(r"^[ABC](\d{2}){1,3}$")
LEAF_RE = re.compile(r"^[ABC]\d{6}$")

ROOTS = {"A": "工程", "B": "货物", "C": "服务"}

TOP_LEVEL: dict[str, str] = {
    "A01": "规划",
    "A02": "投资策划与决策",
    "A03": "勘察",
    "A04": "设计",
    "A05": "监理",
    "A06": "工程造价",
    "A07": "项目管理",
    "A08": "工程施工",
    "A09": "其他工程",
    "B01": "机电产品",
    "B02": "医疗器材",
    "B03": "金属材料",
    "B04": "石油及其制品",
    "B05": "煤炭煤层气及其制品",
    "B06": "化工材料及其制品",
    "B07": "建筑材料",
    "B08": "医药",
    "B09": "其他货物",
    "C01": "勘查与调查",
    "C02": "公共咨询",
    "C03": "经济管理",
    "C04": "工商管理",
    "C05": "金融",
    "C06": "法律",
    "C07": "运维评估与修理",
    "C08": "租赁",
    "C09": "交通运输与物流",
    "C10": "节能服务",
    "C11": "高新技术服务",
    "C12": "其他服务",
    "C13": "应对气候变化服务",
}

# Second and third levels used by the Gansu pool; the center adds more through the classification page.
LOWER_LEVELS: dict[str, str] = {
    "A0601": "工程造价咨询",
    "A060101": "建筑工程造价",
    "A060102": "市政工程造价",
    "A060103": "公路工程造价",
    "A0801": "房屋建筑工程施工",
    "A080101": "房屋建筑土建施工",
    "A080102": "建筑装饰装修施工",
    "A080103": "建筑机电安装施工",
    "A0802": "市政工程施工",
    "A080201": "城市道路桥梁施工",
    "A080202": "给水排水工程施工",
    "A0803": "公路工程施工",
    "A080301": "公路路基路面施工",
    "A080302": "公路桥梁隧道施工",
    "A0804": "水利水电工程施工",
    "A080401": "水利工程施工",
    "A080402": "农田水利与灌区施工",
    "A0501": "工程监理",
    "A050101": "房屋建筑工程监理",
    "A050102": "市政公用工程监理",
    "A0401": "建筑设计",
    "A040101": "建筑方案设计",
    "B0101": "通用机械设备",
    "B010101": "工程机械",
    "B0102": "电子信息设备",
    "B010201": "计算机及网络设备",
    "B0201": "医疗设备",
    "B020101": "医学影像设备",
    "B020102": "临床检验设备",
    "B0801": "化学药品",
    "B080101": "化学药品制剂",
    "C0301": "经济评价",
    "C030101": "财务审计",
    "C0601": "法律服务",
    "C060101": "合同与招标投标法律",
    "C1101": "信息技术服务",
    "C110101": "软件开发与系统集成",
    "C0701": "设施运维",
    "C070101": "物业管理服务",
}


def parent_of(code: str) -> str | None:
    """A0801 → A08; A08 → None (the letter is a root, not a node)."""
    return code[:-2] if len(code) > 3 else None


def level_of(code: str) -> int:
    return (len(code) - 1) // 2


def is_valid_code(code: str) -> bool:
    return bool(CODE_RE.match(code))


def is_leaf_code(code: str) -> bool:
    return bool(LEAF_RE.match(code))


def seed_nodes() -> list[tuple[str, str, str | None]]:
    """(code, name, parent) in parent-first order."""
    nodes: list[tuple[str, str, str | None]] = [(c, n, None) for c, n in TOP_LEVEL.items()]
    nodes += [(c, n, parent_of(c)) for c, n in sorted(LOWER_LEVELS.items(), key=lambda kv: (len(kv[0]), kv[0]))]
    return nodes


def matches(requirement: str, specialty: str) -> bool:
    """A requirement at any level covers every specialty below it (A08 covers A080101)."""
    return specialty.startswith(requirement)
