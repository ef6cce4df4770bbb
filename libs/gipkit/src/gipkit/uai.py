"""The UAI (unité administrative immatriculée): an establishment's national id, 7 digits then
a key letter. tenants registers establishments by it; measure checks hits against it."""

from __future__ import annotations

import re
from functools import lru_cache

from gipkit.french import Reason

UAI_PATTERN = r"^[0-9]{7}[A-HJ-NPR-Z]$"
# The national register's key alphabet: 23 letters, without I, O and Q.
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai_check_letter(digits: str) -> str:
    """The key letter of a UAI's 7 digits: the letter at index (number mod 23)."""
    return UAI_LETTERS[int(digits) % 23]


@lru_cache(maxsize=8192)  # measure asks for each hit: a few thousand establishments
def uai_problem(value: str) -> Reason | None:
    """Why `value` is not a UAI (7 digits then the key letter), or None if it is one."""
    if not re.fullmatch(r"[0-9]{7}[A-Z]", value):
        return Reason(
            "a UAI is 7 digits followed by a capital letter",
            fr="un UAI s'écrit de 7 chiffres suivis d'une lettre majuscule",
        )
    expected = uai_check_letter(value[:7])
    if value[7] != expected:
        return Reason(
            f"not a valid UAI: the key letter of {value[:7]} is {expected}",
            fr=f"UAI non valide : la lettre clé de {value[:7]} est {expected}",
        )
    return None
