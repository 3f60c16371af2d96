"""Personal data in citizens' free text, replaced by ***: e-mail addresses, ID card numbers (18 digits, the
last may be X, and the old 15-digit ones), mobile numbers (1[3-9] and 9 digits, also written 138-1234-5678 or
+86 138 1234 5678) and landline numbers (an area code 0xx(x) and 7–8 digits, or 7–8 digits alone, with an
optional extension). Full-width digits (１３８…) are recognised too. Plain Python, no Django.

It errs on the side of masking: a bare 7–8 digit number (a date written 20260301, an order number) is masked
as a possible landline. Short numbers such as 12345 or 110 are kept.
"""

import re

MASK = "***"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＠．－＋（）", "0123456789Xx@.-+()")

_PATTERNS = [
    re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
    re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
               r"(?![0-9A-Za-z])"),
    re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])"),
    re.compile(r"(?<![0-9])(?:(?:\+|00)?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}(?![0-9])"),
    re.compile(r"(?<![0-9])(?:\(?0\d{2,3}\)?[\s\-]?)?[2-9]\d{6,7}(?:[\s\-]?(?:转|ext\.?|x)\s?\d{1,5})?(?![0-9])",
               re.IGNORECASE),
]


def mask_personal_data(text: str) -> str:
    """`text` with every e-mail address, ID card, mobile and landline number replaced by ***."""
    if not text:
        return text or ""
    # Matching runs on a copy with full-width digits made ASCII (same length), replacing in the original.
    probe = text.translate(_FULL_WIDTH)
    spans = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(probe):
            spans.append(match.span())
        probe = _blank_out(probe, spans)
    if not spans:
        return text
    spans.sort()
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    pieces, position = [], 0
    for start, end in merged:
        pieces += [text[position:start], MASK]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _blank_out(probe, spans):
    """Matched spans replaced by a neutral character so that later patterns do not match inside them."""
    chars = list(probe)
    for start, end in spans:
        chars[start:end] = "#" * (end - start)
    return "".join(chars)
