"""Checks on entered values: one value against its indicator, and a whole submission against the framework's
cross-indicator rules and the previous period (anomalies). Shared by the form, the Excel import and the API.
"""

import math
import operator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from indicators.models import CrossRule, Indicator

OPERATORS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt,
             "==": lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)}
TRUE_WORDS = {"1", "1.0", "是", "yes", "y", "true", "有"}
FALSE_WORDS = {"0", "0.0", "否", "no", "n", "false", "无"}


class InvalidValue(ValueError):
    pass


def parse_value(indicator: Indicator, raw) -> float | None:
    """The number `raw` stands for, checked against the indicator's type and range; None when blank."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if indicator.data_type == Indicator.DataType.BOOLEAN:
        word = str(raw).strip().lower()
        if word in TRUE_WORDS or raw is True:
            return 1.0
        if word in FALSE_WORDS or raw is False:
            return 0.0
        raise InvalidValue(_("Enter 1 (yes) or 0 (no)."))
    try:
        value = float(str(raw).strip().rstrip("%").replace(",", "")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise InvalidValue(_("“%(raw)s” is not a number.") % {"raw": str(raw)[:40]}) from None
    if not math.isfinite(value):
        raise InvalidValue(_("Enter a finite number."))
    if indicator.data_type == Indicator.DataType.ORDINAL and value != int(value):
        raise InvalidValue(_("Enter a whole number (a level)."))
    low, high = indicator.min_value, indicator.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidValue(_("Must lie between %(low)s and %(high)s %(unit)s.") % {
            "low": "−∞" if low is None else f"{low:g}", "high": "∞" if high is None else f"{high:g}",
            "unit": indicator.unit})
    return value


@dataclass(frozen=True)
class Finding:
    kind: str
    """"missing", "rule_error", "rule_warning" or "anomaly"."""
    indicators: tuple[str, ...]
    message: str
    explained: bool = False

    @property
    def blocking(self) -> bool:
        """Whether it stops the sign-off: errors always, warnings and anomalies until explained."""
        return self.kind in ("missing", "rule_error") or not self.explained


def submission_findings(*, indicators, values: dict, notes: dict, previous: dict, rules, threshold: float):
    """Everything about a submission's values that needs correcting or explaining, in framework order.

    `values` and `previous` map indicator code → number (this and the last period), `notes` code → text.
    """
    findings = []
    missing = [i.code for i in indicators if values.get(i.code) is None]
    if missing:
        findings.append(Finding("missing", tuple(missing),
                                _("%(count)d indicators have no value yet.") % {"count": len(missing)}))
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
            _("%(code)s changed from %(before)g to %(now)g since the last period (more than %(limit)d %%): "
              "explain it in the note.") % {"code": indicator.code, "before": before, "now": now,
                                             "limit": round(threshold * 100)},
            bool(notes.get(indicator.code, "").strip()),
        ))
    return findings


def _anomalous(now: float, before: float, threshold: float) -> bool:
    if before == 0:
        return now != 0
    return abs(now - before) / abs(before) > threshold
