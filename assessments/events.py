"""What assessments announce to the apps downstream of it, which subscribe without being imported here
(data flows one way: the API reacts to new results, the facts never call the API).

Each event is sent once the transaction that caused it has committed, so that a subscriber never sees work
that was rolled back, and a subscriber's failure is logged without undoing that work."""

from django.db import transaction
from django.dispatch import Signal

results_recomputed = Signal()
"""A score run has become the current results of a cycle. Arguments: `cycle_id`, `run_id`."""


def announce_results_recomputed(*, cycle_id: int, run_id: int) -> None:
    transaction.on_commit(lambda: results_recomputed.send_robust(sender=None, cycle_id=cycle_id, run_id=run_id))
