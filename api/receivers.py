"""The API's subscriptions to what assessments announce (`assessments.events`)."""

from .services import webhooks_results_published


def webhooks_on_publication(sender: object, *, cycle_id: int, publication_id: int, **kwargs: object) -> None:
    """A cycle's results were published or revised: tell the webhook endpoints that cover them."""
    webhooks_results_published(publication_id=publication_id)
