"""What assessments announce to the apps downstream of it, which subscribe without being imported here
(data flows one way: the API reacts to published results, the facts never call the API).

Each event is sent once the transaction that caused it has committed, so that a subscriber never sees work
that was rolled back, and a subscriber's failure is logged without undoing that work. A recompute of the scores
announces nothing: its results are provisional until they are published."""

from django.db import transaction
from django.dispatch import Signal

results_published = Signal()
"""A cycle's results were published (publication version 1). Arguments: `cycle_id`, `publication_id`."""

results_revised = Signal()
"""A cycle's published results were revised (publication version 2 or later, with its reason). Arguments:
`cycle_id`, `publication_id`."""


def announce_results_published(*, cycle_id: int, publication_id: int) -> None:
    transaction.on_commit(
        lambda: results_published.send_robust(sender=None, cycle_id=cycle_id, publication_id=publication_id))


def announce_results_revised(*, cycle_id: int, publication_id: int) -> None:
    transaction.on_commit(
        lambda: results_revised.send_robust(sender=None, cycle_id=cycle_id, publication_id=publication_id))
