r"""Detection of ISIS cells: pure functions.

For an ISIS cell i and a camp c, the daily detection hazard is

    h_ic = detect_air_isr * [i inside a strike zone of one of c's flying wings]
         + detect_ground * sum_u exp(-d_iu / sensor_range_km)        (u: c's ground units)

and the probability that c detects i today is

    p_ic = 1 - exp(-h_ic * (1 - concealment_i) * visibility(terrain_i)).

Camps joined by an open channel then pool what they detected (logical OR, closed transitively).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import numpy as np


def ground_hazard(
    distance_km: np.ndarray, detect_ground: float, sensor_range_km: float
) -> np.ndarray:
    """Sum over units of detect_ground * exp(-d / r); ``distance_km`` is (cells, units)."""
    if distance_km.size == 0:
        return np.zeros(distance_km.shape[0])
    return detect_ground * np.exp(-distance_km / sensor_range_km).sum(axis=1)


def ground_hazards(
    distance_km: np.ndarray, columns: Sequence[Sequence[int]], detect_ground: float, sensor_range_km: float
) -> np.ndarray:
    """``ground_hazard`` for several groups of units at once: (cells, groups), group g summing the
    columns ``columns[g]`` of ``distance_km``; each exponential is taken once, the same floats."""
    near = np.exp(-distance_km / sensor_range_km)
    out = np.zeros((distance_km.shape[0], len(columns)))
    for g, cols in enumerate(columns):
        if len(cols):
            out[:, g] = detect_ground * near[:, cols].sum(axis=1)
    return out


def detection_probability(
    hazard: np.ndarray, concealment: np.ndarray, visibility: np.ndarray
) -> np.ndarray:
    """p = 1 - exp(-h (1 - concealment) visibility)."""
    return -np.expm1(-hazard * (1.0 - concealment) * visibility)


def pool_detections(
    detected: np.ndarray, camps: Sequence[str], pairs: Iterable[tuple[str, str]]
) -> np.ndarray:
    """OR the columns of camps joined by shared-intelligence pairs (transitively)."""
    pooled = detected.copy()
    for group in pooled_groups(tuple(camps), tuple(pairs)):  # one OR per group, to each member
        members = list(group)
        pooled[:, members] = detected[:, members].any(axis=1)[:, None]
    return pooled


@functools.lru_cache(maxsize=64)
def pooled_groups(camps: tuple[str, ...], pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[int, ...], ...]:
    """The column indices of each group of two or more camps that the pairs join (transitively), in
    the order of each group's first camp; a camp on its own keeps its own column. The same few pairs
    come back every day, so the groups are kept by (camps, pairs)."""
    groups = {camp: {camp} for camp in camps}
    for a, b in pairs:
        merged = groups[a] | groups[b]
        for camp in merged:
            groups[camp] = merged
    found, done = [], set()
    for camp in camps:
        group = groups[camp]
        if len(group) > 1 and id(group) not in done:
            done.add(id(group))
            found.append(tuple(camps.index(other) for other in group))
    return tuple(found)
