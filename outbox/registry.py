"""The kinds of background work, registered by the apps that own them (in their AppConfig.ready): the outbox
runs a job by calling its kind's `run` with the job's arguments, and knows nothing else about it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Again:
    """What `run` returns when the work must be tried again later (e.g. a webhook endpoint that did not answer)."""

    seconds: float


@dataclass(frozen=True)
class Kind:
    run: Callable[..., Again | None]
    """Does the work; safe to call twice with the same arguments (a job can be delivered twice)."""
    failed: Callable[..., None] | None = None
    """Called, with the job's arguments and `error`, when the job is given up (it failed or lost its worker too
    many times): records the failure where users see it (the run, the report, the delivery)."""
    time_limit: int | None = None
    """Seconds after which the worker kills the work (a soft limit is raised in it 30 s earlier)."""


KINDS: dict[str, Kind] = {}


def register(name: str, *, run: Callable[..., Any], failed: Callable[..., None] | None = None,
             time_limit: int | None = None) -> None:
    """Register a kind of work. Its queue is not chosen here: settings.OUTBOX_QUEUES routes every kind
    (outbox.services.job_queue)."""
    KINDS[name] = Kind(run=run, failed=failed, time_limit=time_limit)


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"no background work of kind {name!r} is registered") from None
