"""The parts of a score run — load, compute, audit, sensitivity, write (the result rows and the swap to current) —
timed and their SQL queries counted, by wrapping the functions `cycle_scores_compute` calls for as long as the
context lasts: nothing in the platform changes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

PARTS = (("load", "scores", "cycle_values_frame"), ("compute", "scores", "compute"),
         ("audit", "run_analysis", "audit"), ("sensitivity", "run_analysis", "sensitivity"),
         ("write", "scores", "_run_write"))


@contextmanager
def score_parts() -> Iterator[dict[str, list[tuple[float, int]]]]:
    """Yields {part: [(seconds, queries) of each call]}, filled as score runs go."""
    from django.db import connection
    from django.db.backends.postgresql.base import CursorDebugWrapper
    from django.db.backends.utils import CursorWrapper

    import assessments.services.run_analysis as run_analysis
    import assessments.services.scores as scores

    modules = {"scores": scores, "run_analysis": run_analysis}
    parts: dict[str, list[tuple[float, int]]] = {}
    executed = [0]

    def count(execute, sql, params, many, context):
        executed[0] += 1
        return execute(sql, params, many, context)

    def timed(original, part):
        def wrapper(*args, **kwargs):
            start, before = time.perf_counter(), executed[0]
            try:
                return original(*args, **kwargs)
            finally:
                parts.setdefault(part, []).append((time.perf_counter() - start, executed[0] - before))
        return wrapper

    def counted(original):
        def copy_expert(self, *args, **kwargs):
            executed[0] += 1
            return original(self, *args, **kwargs)
        return copy_expert

    # COPY does not pass through execute wrappers: count it where the cursor classes send it.
    cursors = [(cls, cls.__dict__.get("copy_expert")) for cls in (CursorWrapper, CursorDebugWrapper)]
    originals = [(modules[module], name, getattr(modules[module], name)) for _, module, name in PARTS]
    for (part, _, _), (module, name, original) in zip(PARTS, originals, strict=True):
        setattr(module, name, timed(original, part))
    for cls, own in cursors:
        cls.copy_expert = counted(own or (lambda self, *args, **kwargs: self.cursor.copy_expert(*args, **kwargs)))
    try:
        with connection.execute_wrapper(count):
            yield parts
    finally:
        for cls, own in cursors:
            if own is None:
                del cls.copy_expert
            else:
                cls.copy_expert = own
        for module, name, original in originals:
            setattr(module, name, original)
