"""Ticket references customers read out over the phone: ``K7QM-4DXP``.

Eight characters from a 31-symbol alphabet, the digits 2-9 and the letters
without I, L and O, so nothing can be mistaken for 0/O or 1/I/L when read
aloud or handwritten. Seven are random (31⁷ ≈ 27.5 billion references, so they
are neither sequential nor guessable); the eighth is a check character.

The check is a weighted sum modulo 31 (a prime, which is why the alphabet has
31 symbols): character *i* of the seven counts *i + 2* times, the check
character once, and the total must be 0. Every weight is between 1 and 8, so
none is 0 modulo 31, so changing any one character changes the total; any two
weights differ, so swapping two different characters changes it too. Both
typing mistakes people make most are therefore always detected, and a
mistyped reference is told apart from one that simply does not exist.

Input is forgiving: any case, with or without the hyphen, spaces or dots.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)  # 31, prime
BODY = 7
LENGTH = BODY + 1
GROUP = 4  # shown as two groups of four
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_SEPARATORS = re.compile(r"[\s\-.·_/]+")


def check_character(body: str) -> str:
    """The character that makes the weighted sum of ``body`` plus itself 0 mod 31."""
    total = sum((i + 2) * _VALUE[ch] for i, ch in enumerate(body))
    return ALPHABET[-total % BASE]


def is_valid(compact: str) -> bool:
    """Whether ``compact`` (eight alphabet characters, no hyphen) passes the check."""
    if len(compact) != LENGTH or any(ch not in _VALUE for ch in compact):
        return False
    return check_character(compact[:BODY]) == compact[BODY]


def formatted(compact: str) -> str:
    return f"{compact[:GROUP]}-{compact[GROUP:]}"


def generate() -> str:
    """A new random reference, formatted. Uniqueness is the database's job (a
    unique constraint, and a retry on the rare collision)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    return formatted(body + check_character(body))


@dataclass(frozen=True)
class Parsed:
    """What a typed reference turned out to be.

    ``reference`` is the canonical form when ``ok``; ``problem`` is ``""``,
    ``"format"`` (wrong length or a character that is never used) or
    ``"check"`` (the right shape but a character wrong or two swapped)."""

    reference: str
    problem: str

    @property
    def ok(self) -> bool:
        return not self.problem


def parse(text: str) -> Parsed:
    """Read a reference as typed: case-insensitive, separators ignored."""
    compact = _SEPARATORS.sub("", text[:64]).upper()
    if len(compact) != LENGTH or any(ch not in _VALUE for ch in compact):
        return Parsed("", "format")
    if not is_valid(compact):
        return Parsed("", "check")
    return Parsed(formatted(compact), "")
