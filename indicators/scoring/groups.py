"""Ranks within named comparison groups of regions (副省级城市, 计划单列市, the members of an international index).

A group's ranks are the overall ranks restricted to its members: the same competition ranks, on the same
rounded index, counted among the group's complete members only. A region may be in several groups; a region
outside a group is not ranked in it. Every group of every period is ranked in one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from itertools import chain

import numpy as np
import pandas as pd

from .arrays import BoolArray, FloatArray
from .ranking import competition_rank

Groups = Mapping[str, Collection[str]]
"""Group code → the codes of its member regions."""

COLUMNS = ("region", "period", "group", "rank")


def membership(groups: Groups | None, regions: pd.Index) -> tuple[pd.Index, BoolArray]:
    """The group codes (in the order given) and the (G, R) membership of each of `regions` in each group.

    Members that are not among `regions` (not scored) are left out; a member listed twice counts once.
    """
    groups = groups or {}
    labels = pd.Index(list(groups), dtype=object)
    for code, members in groups.items():
        if not isinstance(code, str) or not code:
            raise TypeError(f"group codes must be non-empty strings, got {code!r}")
        if isinstance(members, str | bytes):
            raise TypeError(f"group {code!r}: members must be a collection of region codes, not a string")
    sizes = np.fromiter((len(members) for members in groups.values()), dtype=np.intp, count=len(groups))
    group_of = np.repeat(np.arange(len(groups)), sizes)
    position = regions.get_indexer(pd.Index(list(chain.from_iterable(groups.values())), dtype=object))
    member = np.zeros((len(groups), len(regions)), dtype=bool)
    found = position >= 0
    member[group_of[found], position[found]] = True
    return labels, member


def ranks_within(basis: FloatArray, member: BoolArray) -> FloatArray:
    """(P, G, R) competition ranks of the (P, R) `basis` among each group's members; NaN outside a group and
    where the basis is NaN (incomplete region–periods are not ranked and do not count)."""
    within = np.where(member[None, :, :], basis[:, None, :], np.nan)
    return competition_rank(within)
