from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.entities import uscc

VALID = "91350100M000100Y43"  # a published valid example


def test_valid_and_normalised() -> None:
    parsed = uscc.parse(f"  {VALID.lower()} ")
    assert parsed.code == VALID and parsed.region_code == "350100"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y4", "应为18位，实际为17位"),
        ("91350100M000100Y431", "实际为19位"),
        ("", "实际为0位"),
        ("91350100M0001O0Y43", "第14位字符“O”不合法"),
        ("B1350100M000100Y43", "第1位登记管理部门代码"),
        ("913501A0M000100Y43", "第3-8位"),
        ("91350100M000100Y53", "组织机构代码的校验位"),
        ("91350100M000100Y44", "校验位（第18位）不正确"),
    ],
)
def test_each_malformation_is_named(code: str, fragment: str) -> None:
    with pytest.raises(uscc.UsccError) as err:
        uscc.parse(code)
    assert fragment in err.value.message_zh


ORG = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)


@given(ORG, st.sampled_from(["620100", "620102", "620500", "110105"]), st.integers(0, 17), st.data())
def test_generated_codes_validate_and_one_changed_character_is_refused(
    org: str, region: str, pos: int, data: st.DataObject
) -> None:
    code = uscc.make("91", region, org)
    assert uscc.parse(code).code == code
    replacement = data.draw(st.sampled_from([c for c in uscc.CHARSET if c != code[pos]]))
    changed = code[:pos] + replacement + code[pos + 1 :]
    with pytest.raises(uscc.UsccError):
        uscc.parse(changed)
