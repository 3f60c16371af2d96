"""The API's subscriptions to what assessments announce (`assessments.events`)."""

from .services import webhooks_cycle_published


def webhooks_on_results(sender: object, *, cycle_id: int, run_id: int, **kwargs: object) -> None:
    """New current results: tell the webhook endpoints that cover them."""
    webhooks_cycle_published(cycle_id=cycle_id, run_id=run_id)
