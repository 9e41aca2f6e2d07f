"""统一社会信用代码 (GB 32100-2015): validation with a precise Chinese reason for each kind of error."""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.cn import uscc as stdnum_uscc

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
AUTHORITY_CODES = set("123456789ANY")


class UsccError(ValueError):
    def __init__(self, message_zh: str) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh


@dataclass(frozen=True)
class Uscc:
    code: str
    authority: str
    entity_type: str
    region_code: str
    organisation_code: str


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def organisation_check(first8: str) -> str:
    total = sum(ORG_CHARSET.index(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def parse(raw: str) -> Uscc:
    """Normalise (trim, upper-case) and validate; raise UsccError naming what is wrong."""
    code = raw.strip().upper()
    if len(code) != 18:
        raise UsccError(f"统一社会信用代码应为18位，实际为{len(code)}位")
    for pos, char in enumerate(code, start=1):
        if char not in CHARSET:
            raise UsccError(f"统一社会信用代码第{pos}位字符“{char}”不合法（不使用 I、O、S、V、Z）")
    if code[0] not in AUTHORITY_CODES:
        raise UsccError(f"统一社会信用代码第1位登记管理部门代码“{code[0]}”不存在")
    if not code[2:8].isdigit():
        raise UsccError("统一社会信用代码第3-8位应为登记管理机关行政区划码（6位数字）")
    if organisation_check(code[8:16]) != code[16]:
        raise UsccError("统一社会信用代码第9-17位组织机构代码的校验位不正确")
    if check_character(code[:17]) != code[17]:
        raise UsccError("统一社会信用代码校验位（第18位）不正确，请核对是否输错")
    # An independent implementation must agree; a disagreement is a bug, not a user error.
    stdnum_uscc.validate(code)
    return Uscc(code, code[0], code[1], code[2:8], code[8:17])


def make(authority_type: str, region_code: str, organisation8: str) -> str:
    """Build a valid code (demo data and tests): 2 chars + 6-digit region + 8-char organisation base."""
    first16 = authority_type + region_code + organisation8
    first17 = first16 + organisation_check(organisation8)
    return first17 + check_character(first17)
