"""Writes on assessment cycles: create one, change its dates or status, each audited with old and new."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import Actor, audit_record
from indicators.models import Framework
from smartgov.errors import Invalid

from ..models import Cycle

EDITABLE = ("opens", "closes", "status", "is_demo")


def _facts(cycle: Cycle, names: Iterable[str]) -> dict[str, Any]:
    return {name: str(getattr(cycle, name)) if name in ("opens", "closes") else getattr(cycle, name)
            for name in names}


def cycle_check(cycle: Cycle) -> None:
    """Refuse dates that do not make a cycle."""
    if cycle.opens and cycle.closes and cycle.opens > cycle.closes:
        raise Invalid(_("The cycle must open before it closes."),
                      fields={"closes": [_("The closing date must not be before the opening date.")]})


@transaction.atomic
def cycle_create(*, actor: Actor, framework: Framework, period: int, opens: date, closes: date,
                 status: str = Cycle.Status.PLANNED,
                 is_demo: bool = False) -> Cycle:
    cycle = Cycle(framework=framework, period=period, opens=opens, closes=closes, status=status, is_demo=is_demo)
    cycle_check(cycle)
    if Cycle.objects.filter(framework=framework, period=period).exists():
        raise Invalid(_("This framework already has a cycle for %(period)s.") % {"period": period},
                      fields={"period": [_("Already taken for this framework.")]})
    try:
        with transaction.atomic():
            cycle.save()
    except IntegrityError:
        raise Invalid(_("This framework already has a cycle for %(period)s.") % {"period": period},
                      fields={"period": [_("Already taken for this framework.")]}) from None
    audit_record(actor=actor, action=Action.CYCLE_CREATED, target=cycle,
                 new={"framework": f"{framework.code} v{framework.version}", "period": period,
                      **_facts(cycle, EDITABLE)})
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, actor: Actor, **changes: Any) -> Cycle:
    """Change a cycle's opening and closing dates, status or demo flag (its framework and period stay)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Invalid(_("These cannot be changed: %(fields)s") % {"fields": ", ".join(unknown)},
                      fields={name: [_("Cannot be changed.")] for name in unknown})
    current = Cycle.objects.select_for_update().select_related("framework").get(pk=cycle.pk)
    before = _facts(current, EDITABLE)
    for name, value in changes.items():
        setattr(current, name, value)
    cycle_check(current)
    after = _facts(current, EDITABLE)
    changed = [name for name in EDITABLE if before[name] != after[name]]
    if changed:
        current.save(update_fields=changed)
        audit_record(actor=actor, action=Action.CYCLE_CHANGED, target=current,
                     old={name: before[name] for name in changed}, new={name: after[name] for name in changed})
    return current
