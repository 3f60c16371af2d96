"""The admin of the facts, by job. What a service writes is written here through the service (and audited), or
only shown."""

from . import cycles, people, regions, results, roles, submissions

__all__ = ["cycles", "people", "regions", "results", "roles", "submissions"]
