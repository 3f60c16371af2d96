"""Checks on entered values: one value against its indicator, and a whole submission against the framework's
cross-indicator rules and the previous period (anomalies). Shared by the form, the Excel import and the API.
"""

import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from indicators.models import CrossRule, Indicator
from indicators.vocabulary import OPERATORS
from smartgov.errors import Invalid
from smartgov.numbers import human_number

if TYPE_CHECKING:
    from .models import Region

# How typed text becomes a value: the one rule, applied by `parse_value` here and, to the same data sent with the
# page (`value_rules()`), by the entry form's script (static/js/entry.js). Full-width forms, as a Chinese IME
# types them (`９０`, `８５．５`, `１，２３４`, `８５％`), become their ASCII characters first, and the text is
# trimmed of spaces. (Not NFKC: it would also read `10²` as 102 and `①` as 1.) A yes/no field then takes the
# words below, in any case. A number may end in `%` and carry `,` as thousands separators; what is left must be
# a plain decimal.
FULL_WIDTH = {"first": 0xFF01, "last": 0xFF5E, "offset": 0xFEE0}
"""Full-width ASCII variants: `！` (U+FF01) … `～` (U+FF5E), each `offset` above its ASCII character."""
_HALF_WIDTH = {code: code - FULL_WIDTH["offset"] for code in range(FULL_WIDTH["first"], FULL_WIDTH["last"] + 1)}
SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
          + "\u2028\u2029\u202f\u205f\u3000\ufeff")
"""What Python's `str.strip()` and JavaScript's `String.prototype.trim()` take off, together."""
TRUE_WORDS = {"1", "1.0", "是", "yes", "y", "true", "有"}
FALSE_WORDS = {"0", "0.0", "否", "no", "n", "false", "无"}
STRIPPED_AT_END = "%"
STRIPPED_ANYWHERE = ","
NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
"""ASCII digits only, written so that Python's `re` and JavaScript's `RegExp` read it alike."""


def value_rules() -> dict:
    """The rule as JSON-able data, for the entry form's script (the page's `json_script` "value-rules")."""
    return {"full_width": FULL_WIDTH, "spaces": SPACES,
            "true_words": sorted(TRUE_WORDS), "false_words": sorted(FALSE_WORDS),
            "stripped_at_end": STRIPPED_AT_END, "stripped_anywhere": STRIPPED_ANYWHERE, "number": NUMBER}


VALUE_MAGNITUDE_MAX = 1e15
"""The largest absolute value taken on a side where the indicator sets no bound (`valid_range` null there): beyond
it no value is plausible, and doubles no longer hold every whole number (2**53 ≈ 9e15). Form, Excel and API alike."""


class InvalidValue(Invalid):
    """A value its indicator refuses; the message says why."""


def not_applicable(region: "Region") -> str:
    """Why a value of an indicator its framework does not assess at the region's level is refused."""
    return _("does not apply to a %(level)s: this indicator is not assessed at that level") % {
        "level": region.get_level_display()}


def parse_value(indicator: Indicator, raw) -> float | None:
    """The number `raw` stands for, checked against the indicator's type and range; None when blank.

    Text is read by the rule of `value_rules()`; numbers and booleans are taken as they are.
    """
    text = "" if raw is None else _normalized(raw)
    if not text and (raw is None or isinstance(raw, str)):
        return None
    if indicator.data_type == Indicator.DataType.BOOLEAN:
        word = text.lower()
        if raw is True or word in TRUE_WORDS:
            return 1.0
        if raw is False or word in FALSE_WORDS:
            return 0.0
        raise InvalidValue(_("Enter 1 (yes) or 0 (no)."))
    value = _number(text) if isinstance(raw, str) else _float(raw)
    if value is None:
        raise InvalidValue(_("“%(raw)s” is not a number.") % {"raw": str(raw)[:40]})
    if not math.isfinite(value):
        raise InvalidValue(_("Enter a finite number."))
    if indicator.data_type == Indicator.DataType.ORDINAL and value != int(value):
        raise InvalidValue(_("Enter a whole number (a level)."))
    low, high = indicator.min_value, indicator.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidValue(_("Must lie between %(low)s and %(high)s %(unit)s.") % {
            "low": "−∞" if low is None else human_number(low), "high": "∞" if high is None else human_number(high),
            "unit": indicator.unit})
    if (high is None and value > VALUE_MAGNITUDE_MAX) or (low is None and value < -VALUE_MAGNITUDE_MAX):
        raise InvalidValue(_("Beyond any plausible value: at most %(limit)s in absolute value where the indicator "
                             "sets no bound.") % {"limit": human_number(VALUE_MAGNITUDE_MAX)})
    return value


def _normalized(raw) -> str:
    """`raw` as text, full-width forms as ASCII, without surrounding spaces."""
    return str(raw).translate(_HALF_WIDTH).strip(SPACES)


def _number(text: str) -> float | None:
    """The number normalised `text` writes, or None when it writes none."""
    text = text.rstrip(STRIPPED_AT_END)
    for character in STRIPPED_ANYWHERE:
        text = text.replace(character, "")
    text = text.strip(SPACES)
    return float(text) if re.fullmatch(NUMBER, text) else None


def field_text(value: float | None) -> str:
    """A stored value as the entry field shows it: text that `parse_value` reads back as the very same number,
    with no exponent and no separator (6450000.0 → "6450000", 1e-07 → "0.0000001", 85.5 → "85.5"); "" for none.
    (Django's `stringformat:"g"` kept six digits: a form saved as shown turned 1234567 into 1234570.)"""
    if value is None:
        return ""
    if value == 0:
        return "0"  # not "-0"
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _float(raw) -> float | None:
    """A number given as one (from JSON or a spreadsheet cell); an infinite one for a too large integer. A
    yes/no cell is not a number (only yes/no indicators take one)."""
    if isinstance(raw, bool):
        return None
    try:
        return float(raw)
    except OverflowError:
        return math.inf
    except (TypeError, ValueError):
        return None


ALWAYS_BLOCKING = ("missing", "evidence_missing", "rule_error")
"""The kinds of finding that no note explains away: only a value, a file or a correction does."""


@dataclass(frozen=True)
class Finding:
    kind: str
    """"missing", "evidence_missing", "rule_error", "rule_warning" or "anomaly"."""
    indicators: tuple[str, ...]
    message: str
    explained: bool = False

    @property
    def blocking(self) -> bool:
        """Whether it stops the sign-off: missing values and evidence and errors always, warnings and
        anomalies until explained."""
        return self.kind in ALWAYS_BLOCKING or not self.explained


def submission_findings(*, indicators, values: dict, notes: dict, previous: dict, rules, threshold: float,
                        evidenced: Collection[str] = (), computed: Collection[str] = ()) -> list[Finding]:
    """Everything about a submission's values that needs correcting or explaining, in framework order.

    `values` and `previous` map indicator code → number (this and the last period), `notes` code → text;
    `evidenced` holds the codes of the indicators with at least one evidence file, `computed` those whose value
    the platform computed itself (see `evidence_missing`).
    """
    findings = []
    missing = [i.code for i in indicators if values.get(i.code) is None]
    if missing:
        findings.append(Finding("missing", tuple(missing),
                                _("%(count)d indicators have no value yet.") % {"count": len(missing)}))
    if unsupported := evidence_missing(indicators, evidenced=evidenced, computed=computed):
        findings.append(Finding(
            "evidence_missing", tuple(i.code for i in unsupported),
            _("Evidence required but no file attached: %(indicators)s.")
            % {"indicators": "; ".join(f"{i.code} {i.name}" for i in unsupported)}))
    for rule in rules:
        codes = (*rule.left, *rule.right)
        if any(values.get(code) is None for code in codes):
            continue
        left = sum(values[code] for code in rule.left)
        right = sum(values[code] for code in rule.right) + rule.constant
        if not OPERATORS[rule.operator](left, right):
            explained = any(notes.get(code, "").strip() for code in codes)
            kind = "rule_error" if rule.severity == CrossRule.Severity.ERROR else "rule_warning"
            findings.append(Finding(kind, codes, f"{rule.code}: {rule.message}", explained))
    for indicator in indicators:
        now, before = values.get(indicator.code), previous.get(indicator.code)
        if now is None or before is None or not _anomalous(now, before, threshold):
            continue
        findings.append(Finding(
            "anomaly", (indicator.code,),
            _("%(code)s %(name)s changed from %(before)s to %(now)s since the last period (by more than "
              "%(limit)d%%): explain it in the note.") % {
                "code": indicator.code, "name": indicator.name, "before": human_number(before),
                "now": human_number(now), "limit": round(threshold * 100)},
            bool(notes.get(indicator.code, "").strip()),
        ))
    return findings


def evidence_missing(indicators: Iterable[Indicator], *, evidenced: Collection[str], computed: Collection[str]
                     ) -> list[Indicator]:
    """The indicators marked "evidence required" that have no evidence file, in the order given.

    The requirement belongs to the indicator, not to its value: every such indicator needs at least one file
    attached to it (a file on the submission as a whole does not count), whether or not its value is entered
    yet — a submission needs every value anyway, and the city sees all it must gather from the start rather
    than a new refusal after the last value. One exception: a value the platform computed itself
    (`IndicatorValue.COMPUTED_SOURCES`: aggregated from its own citizens' survey, shown with their confidence
    intervals on the satisfaction page, or from a system's records imported by the province, the computation in the
    value's note) is supported by what it was computed from, so it needs no uploaded report.
    """
    return [i for i in indicators
            if i.evidence_required and i.code not in evidenced and i.code not in computed]


def _anomalous(now: float, before: float, threshold: float) -> bool:
    if before == 0:
        return now != 0
    return abs(now - before) / abs(before) > threshold
