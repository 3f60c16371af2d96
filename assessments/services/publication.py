"""Publishing a cycle's results: one score run frozen as the official result (version 1), and revisions, each a
newer run published as the next version with its reason. Until published, every result is provisional.

A publication records what the run scored (participants and approvals, method, fingerprint of the inputs,
engine version); the database refuses any change to it, to its run or to the run's results
(`assessments.db_triggers`), so a reopened submission or a recompute never changes published results: the
new computation stays provisional until it is published as a revision.
"""

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import Actor, audit_record
from smartgov.errors import Invalid
from smartgov.limits import COMMENT_MAX_LENGTH

from ..events import announce_results_published, announce_results_revised
from ..lifecycle import TRANSITIONS, CycleTransition, LifecycleRefused, check
from ..models import Cycle, Notification, Publication, ScoreRun, Submission
from .notifications import notify_campaign_staff
from .scores import cycle_scores_are_current

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def publication_refusal(cycle: Cycle) -> "StrOrPromise | None":
    """Why the cycle's latest computation cannot be published (or published as a revision) now, or None."""
    run = cycle.current_run
    if run is None or run.status != ScoreRun.Status.SUCCEEDED:
        return _("Nothing has been computed for this cycle yet: recompute the scores, then publish them.")
    latest = cycle.publications.order_by("-version").first()
    if latest is not None and latest.run_id >= run.pk:
        return _("The latest computation is the one published as version %(version)s: correct the values, "
                 "recompute the scores, then publish the revision.") % {"version": latest.version}
    if not cycle_scores_are_current(cycle):
        return _("The latest scores were computed before the last approval or change of an approved value: "
                 "wait for the recompute (or start one), then publish.")
    return None


def cycle_publish(*, cycle: Cycle, actor: Actor | None) -> Publication:
    """Publish a closed cycle's current score run as its official result (version 1): the national
    coordinator's act. Refused unless the run succeeded and is current with the approved values."""
    return _publish(cycle, TRANSITIONS["publish"], actor, reason="")


def cycle_revise(*, cycle: Cycle, reason: str, actor: Actor | None) -> Publication:
    """Publish a correction of a published cycle: its current run, newer than the published one, as the next
    version, for `reason`. The earlier versions stay retrievable."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("A revision needs a reason."), fields={"reason": [_("A reason is needed.")]})
    if len(reason) > COMMENT_MAX_LENGTH:
        limit = _("At most %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH}
        raise Invalid(limit, fields={"reason": [limit]})
    return _publish(cycle, TRANSITIONS["revise"], actor, reason=reason)


def _publish(cycle: Cycle, step: CycleTransition, actor: Actor | None, *, reason: str) -> Publication:
    with transaction.atomic():
        cycle = (Cycle.objects.select_for_update(of=("self",)).select_related("framework", "current_run")
                 .get(pk=cycle.pk))
        check(step, cycle, actor)
        refusal, run = publication_refusal(cycle), cycle.current_run
        if refusal or run is None:
            raise LifecycleRefused(refusal)
        counts = cycle.submissions.aggregate(participants=Count("pk"),
                                             approved=Count("pk", filter=Q(status=Submission.Status.APPROVED)))
        previous = cycle.publications.order_by("-version").first()
        publication = Publication.objects.create(
            cycle=cycle, version=previous.version + 1 if previous else 1, run=run, reason=reason,
            published_by=actor if actor is not None and actor.is_authenticated else None,
            participants=counts["participants"], approved=counts["approved"], method=run.method or {},
            inputs_fingerprint=run.inputs_fingerprint, engine_version=run.engine_version)
        old_status = cycle.status
        cycle.status = step.target
        cycle.save(update_fields=["status"])
        facts = {"version": publication.version, "run": run.pk, "participants": publication.participants,
                 "approved": publication.approved, "inputs_fingerprint": publication.inputs_fingerprint,
                 "engine_version": publication.engine_version}
        if previous is None:
            audit_record(actor=actor, action=Action.CYCLE_PUBLISHED, target=cycle, old={"status": old_status},
                         new={"status": step.target, **facts})
            announce_results_published(cycle_id=cycle.pk, publication_id=publication.pk)
        else:
            audit_record(actor=actor, action=Action.CYCLE_REVISED, target=cycle, comment=reason,
                         old={"version": previous.version, "run": previous.run_id}, new=facts)
            announce_results_revised(cycle_id=cycle.pk, publication_id=publication.pk)
        provinces = {p for p in cycle.submissions.values_list("region__province_id", flat=True) if p is not None}
        notify_campaign_staff(cycle=cycle, provinces=provinces, kind=Notification.Kind.RESULTS_PUBLISHED,
                              facts={"version": publication.version, "reason": reason}, actor=actor)
    return publication
