"""What assessments announce to the apps downstream of it, which subscribe without being imported here
(data flows one way: the API reacts to published results, the facts never call the API).

An announcement is recorded as background work (outbox) in the transaction that causes it, and the signal is sent
by that job once it has committed: a subscriber never sees work that was rolled back, an announcement is never
lost to a crash between the commit and the sending, and a subscriber that fails is called again later (so
subscribers must be safe to call twice). A recompute of the scores announces nothing: its results are provisional
until they are published."""

from django.dispatch import Signal

from outbox.services import job_enqueue

results_published = Signal()
"""A cycle's results were published (publication version 1). Arguments: `cycle_id`, `publication_id`."""

results_revised = Signal()
"""A cycle's published results were revised (publication version 2 or later, with its reason). Arguments:
`cycle_id`, `publication_id`."""

EVENTS = {"results.published": results_published, "results.revised": results_revised}


def announce_results_published(*, cycle_id: int, publication_id: int) -> None:
    _announce("results.published", cycle_id=cycle_id, publication_id=publication_id)


def announce_results_revised(*, cycle_id: int, publication_id: int) -> None:
    _announce("results.revised", cycle_id=cycle_id, publication_id=publication_id)


def _announce(event: str, **arguments: int) -> None:
    job_enqueue(kind_name="assessments.announce", key=f"{event}:publication-{arguments['publication_id']}",
                args={"event": event, **arguments})


def event_send(*, event: str, **arguments: int) -> None:
    """The job of an announcement: send the signal to every subscriber (an error makes the job try again)."""
    EVENTS[event].send(sender=None, **arguments)
