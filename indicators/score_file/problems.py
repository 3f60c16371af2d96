"""Refusals of the files `indicators.score_file` reads: each names its file and line and column (or the framework
field's path); messages are English templates marked with `gettext_noop`, translated by whoever shows them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from smartgov.errors import DomainError, ErrorCode


def gettext_noop(message: str) -> str:
    """Marks a message for `manage.py makemessages` without importing Django; the caller translates it."""
    return message

MAX_PROBLEMS = 50
FILES = ("framework", "values", "groups", "levels")
FILE_LABELS = {"framework": gettext_noop("Framework file"), "values": gettext_noop("Values file"),
               "groups": gettext_noop("Groups file"), "levels": gettext_noop("Levels file")}

@dataclass(frozen=True)
class Problem:
    """One refusal (or, among `ScoredFile.notes`, one remark) about one of the files."""

    file: str
    """framework, values, groups or levels"""
    message: str
    """An English template with %(name)s placeholders filled from `params`."""
    params: Mapping[str, object] = field(default_factory=dict)
    line: int | None = None
    column: str | None = None
    path: str | None = None
    """The framework field's path (`dimensions[0].weight`)."""

    def text(self, translate: Callable[[str], str] = gettext_noop) -> str:
        return translate(self.message) % dict(self.params)

    def where(self, translate: Callable[[str], str] = gettext_noop, separator: str = ", ") -> str:
        """"Values file, line 5, column value"; "Framework file, dimensions[0].weight"."""
        parts = [translate(FILE_LABELS[self.file])]
        if self.line:
            parts.append(translate(gettext_noop("line %(line)s")) % {"line": self.line})
        if self.column:
            parts.append(translate(gettext_noop("column %(column)s")) % {"column": self.column})
        if self.path:
            parts.append(self.path)
        return separator.join(parts)

    def __str__(self) -> str:
        return f"{self.where()}: {self.text()}"


class ScoreFileError(DomainError):
    """The files are refused; `problems` lists every reason found (at most MAX_PROBLEMS, then a count)."""

    code = ErrorCode.FILE_REFUSED

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class _Problems(list[Problem]):
    unlisted = 0
    """Problems found but not listed (a kind of problem lists at most MAX_PROBLEMS rows)."""

    def add(self, file: str, message: str, *, line: int | None = None, column: str | None = None,
            path: str | None = None, **params: object) -> None:
        self.append(Problem(file, message, params, line=line, column=column, path=path))

    def shown(self) -> list[Problem]:
        """The problems in the order of the files, then of the lines; past MAX_PROBLEMS, a count of the rest."""
        ordered = sorted(self, key=lambda p: (FILES.index(p.file), p.line or 0))
        rest = len(ordered) - MAX_PROBLEMS + self.unlisted
        if rest <= 0:
            return ordered
        more = Problem(ordered[min(MAX_PROBLEMS, len(ordered) - 1)].file,
                       gettext_noop("… and %(count)s more problems."), {"count": rest})
        return [*ordered[:MAX_PROBLEMS], more]

    def rows(self, flagged: np.ndarray) -> np.ndarray:
        """The first MAX_PROBLEMS positions where `flagged` holds; the others are counted as unlisted."""
        found = np.nonzero(flagged)[0]
        self.unlisted += max(0, len(found) - MAX_PROBLEMS)
        return found[:MAX_PROBLEMS]


