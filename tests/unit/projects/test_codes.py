from datetime import date

import pytest

from ggzy.entities import uscc
from ggzy.projects import codes

OWNER = uscc.make("91", "620100", "MA71CJT0")


def test_code_is_33_characters_and_validates() -> None:
    code = codes.make(OWNER, date(2026, 9, 25), 1)
    assert len(code) == 33
    assert code.startswith(OWNER + "20260925000001")
    assert codes.is_valid(code)


@pytest.mark.parametrize("position", [0, 17, 20, 31])
def test_a_changed_character_fails_the_check(position: int) -> None:
    code = codes.make(OWNER, date(2026, 9, 25), 42)
    replacement = "1" if code[position] != "1" else "2"
    assert not codes.is_valid(code[:position] + replacement + code[position + 1 :])


def test_serial_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        codes.make(OWNER, date(2026, 9, 25), 0)
