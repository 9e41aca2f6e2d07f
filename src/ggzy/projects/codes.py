"""The unified transaction code (统一交易标识码) of a project.

33 characters: the owner's USCC (18) + date yyyymmdd (8) + serial (6) + one check character computed
MOD 37 over 0-9, A-Z and '*' with weights 2^i mod 37 (domain-rules §7, marked [verify]: the national
specification is not in our law texts, so the scheme is kept in this one module).
"""

from __future__ import annotations

import re
from datetime import date

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
_BODY = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}\d{8}\d{6}$")


def check_character(body: str) -> str:
    total = 0
    for i, char in enumerate(body):
        value = ALPHABET.index(char)
        total += value * pow(2, i + 1, 37)
    return ALPHABET[(37 - total % 37) % 37]


def make(owner_uscc: str, day: date, serial: int) -> str:
    if not 0 < serial < 1_000_000:
        raise ValueError("serial must be 1..999999")
    body = f"{owner_uscc}{day:%Y%m%d}{serial:06d}"
    return body + check_character(body)


def is_valid(code: str) -> bool:
    return len(code) == 33 and bool(_BODY.match(code[:32])) and check_character(code[:32]) == code[32]
