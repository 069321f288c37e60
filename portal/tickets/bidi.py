"""Keeping left-to-right pieces readable inside right-to-left plain text.

HTML has ``<bdi>`` and ``dir``; a plain-text email has only Unicode's own
controls. Inside Hebrew or Persian text the bidi algorithm would move the
hyphen of ``K7QM-4DXP`` or the dot of ``name@example.com`` to the wrong side,
and a line that starts with a Latin name would be laid out left to right.
So, in a right-to-left message only (an English one stays exactly as it was):

- references are isolated left to right (U+2066 LRI … U+2069 PDI);
- customers' own words (names, subjects) are isolated with their own
  direction (U+2068 FSI … U+2069 PDI);
- each paragraph of the portal's own words starts with U+200F RLM, so a mail
  client lays it out right to left even when it starts with a Latin word.

Pure functions: the email templates receive them bound to the message's direction.
"""

from __future__ import annotations

from dataclasses import dataclass

LRI = "\u2066"  # left-to-right isolate
FSI = "\u2068"  # first-strong isolate: the text's own direction
PDI = "\u2069"  # pop directional isolate
RLM = "\u200f"  # right-to-left mark


def isolate_ltr(text: str) -> str:
    """``text`` kept left to right and in one piece wherever it stands."""
    return f"{LRI}{text}{PDI}"


def isolate(text: str) -> str:
    """``text`` in its own direction, without reordering what surrounds it."""
    return f"{FSI}{text}{PDI}"


@dataclass(frozen=True)
class PlainText:
    """The marks a plain-text message needs for its direction (``ltr`` or ``rtl``);
    none at all for left to right."""

    direction: str

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    @property
    def rlm(self) -> str:
        """Put at the start of each paragraph of the portal's own words."""
        return RLM if self.rtl else ""

    def ltr(self, text: object) -> str:
        """A reference or an address: left to right. Not for URLs: mail clients
        would take the closing mark for part of the link. The URLs in mid-sentence
        start and end with Latin letters, which keep them in order anyway; the
        others stand on lines of their own."""
        return isolate_ltr(str(text)) if self.rtl else str(text)

    def own(self, text: object) -> str:
        """A customer's or agent's words: their own direction."""
        return isolate(str(text)) if self.rtl else str(text)
