"""Numbers as people read them: in messages, histories and e-mails (not in files a machine reads back)."""

import math
from decimal import Decimal

SIGNIFICANT_DIGITS = 10
"""Enough for any value entered by hand; drops the binary noise of floats (0.1 + 0.2 reads 0.3)."""


def human_number(value: object) -> str:
    """`value` with thousands grouped by commas, never with an exponent, without trailing zeros, to ten
    significant digits: 6450000.0 → "6,450,000", 1e-07 → "0.0000001", 85.50 → "85.5". "" for None; anything
    that is not a number as its text."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return {math.inf: "∞", -math.inf: "−∞"}.get(value, "—")
    number = Decimal(value) if isinstance(value, int) else Decimal(f"{value:.{SIGNIFICANT_DIGITS}g}")
    text = format(number.normalize() if number else Decimal(0), "f")  # normalize: no trailing zeros; no "-0"
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _point, fraction = text.partition(".")
    return f"{sign}{int(whole):,}" + (f".{fraction}" if fraction else "")
