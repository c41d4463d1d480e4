"""One step of a walk on the grid: the neighbouring cell that gets closest to a target, and its cost.

Ground units and dispersing ISIS cells walk their day's move step by step with it
(``GroundUnit.advance``, ``IsisCell.disperse``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CONTROL_ISIS
from sim.geography import RIVER_NONE

if TYPE_CHECKING:
    from sim.model import BorderModel

_NEIGHBOUR_STEPS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1))


def _sign(v: int) -> int:
    return (v > 0) - (v < 0)


#: By the signs (sx, sy) of the way to the target, the neighbours not moving away from it on either
#: axis (dx in {0, sx}, dy in {0, sy}), in ``_NEIGHBOUR_STEPS`` order: ``_TOWARD[sx + 1][sy + 1]``.
_TOWARD = tuple(tuple(tuple(step for step in _NEIGHBOUR_STEPS
                            if step[0] in (0, sx) and step[1] in (0, sy))
                      for sy in (-1, 0, 1)) for sx in (-1, 0, 1))


def best_step(
    model: BorderModel,
    here: tuple[int, int],
    target: tuple[int, int],
    allowed: np.ndarray,
    p,
    avoid=(),
    contested: bool = True,
) -> tuple[tuple[int, int], float] | None:
    """The neighbouring cell that gets closest to ``target`` and its cost in km, or None.

    When no neighbour is closer (a river bend or the edge of the allowed area is in the way), the
    closest neighbour not in ``avoid`` (the unit's recent trail) is taken: the unit follows the
    obstacle around instead of stopping. Cost is the step length, divided by the road factor on
    roads, by the river-crossing factor when entering a river cell and by the contested-speed
    factor when entering ISIS-held ground (``contested``: the anti-ISIS units fight forward there;
    ISIS's own cells move through their ground freely). Cells outside ``allowed``
    are refused unless the unit is already outside it (so it can walk back in).
    """
    t = model.theater
    x0, y0 = here
    tx, ty = target
    width, height = t.width, t.height
    here_allowed = allowed[x0, y0]
    kx, ky = t.km_per_row[y0], t.km_per_cell_y
    hypot = math.hypot
    here_d = hypot((tx - x0) * kx, (ty - y0) * ky)
    best, best_d = None, here_d
    # A neighbour that moves away from the target on an axis is strictly farther than the one that
    # keeps that axis's coordinate (a cell's step in km is far above a distance's rounding), so when
    # the neighbours toward the target may all be entered, the closest is among them, the first of
    # equals still first; otherwise every neighbour is measured.
    steps = _TOWARD[_sign(tx - x0) + 1][_sign(ty - y0) + 1]
    for dx, dy in steps:
        x, y = x0 + dx, y0 + dy
        if x < 0 or y < 0 or x >= width or y >= height or (here_allowed and not allowed[x, y]):
            steps = _NEIGHBOUR_STEPS
            break
    for dx, dy in steps:
        x, y = x0 + dx, y0 + dy
        if x < 0 or y < 0 or x >= width or y >= height or (here_allowed and not allowed[x, y]):
            continue
        d = hypot((tx - x) * kx, (ty - y) * ky)
        if d < best_d:
            best, best_d = (x, y), d
    if best is None:  # no neighbour is closer: the closest one off the trail (the first of equals)
        if not avoid or here_d == 0:
            return None
        detour_d = math.inf
        for dx, dy in _NEIGHBOUR_STEPS:  # the same neighbours in the same order, measured again
            x, y = x0 + dx, y0 + dy
            if x < 0 or y < 0 or x >= width or y >= height or (here_allowed and not allowed[x, y]):
                continue
            d = hypot((tx - x) * kx, (ty - y) * ky)
            if d < detour_d and (x, y) not in avoid:
                best, detour_d = (x, y), d
        if best is None:
            return None
    cost = hypot((best[0] - x0) * kx, (best[1] - y0) * ky)
    if t.road[best] and t.road[x0, y0]:
        cost /= p.road_speed_factor
    if t.river[best] != RIVER_NONE and t.river[x0, y0] == RIVER_NONE:
        cost /= p.river_crossing_factor
    if contested and model.control[best] == CONTROL_ISIS:
        cost /= p.contested_speed_factor
    return best, cost
