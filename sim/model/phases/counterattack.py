"""ISIS counter-attacks: a town ISIS held at the start, taken and left without a garrison, is retaken.

In November 2017 the Syrian army declared Albu Kamal taken on the 9th, ISIS retook it on the 11th
and the army took it for good on the 19th (shared/reference/record.yaml): a town an attacker
enters and moves on from can be lost again. Here, once a day after the ISIS cells have acted:

- the *towns* are the gazetteer's cities and towns inside the grid whose centre cell lies in one
  of the scenario's pockets at the start (fixed then; the record plays no part in it);
- a town is *open* when an anti-ISIS faction holds its centre cell and no anti-ISIS unit with
  fighters stands within ``control_radius_km`` of it;
- for each open town, the nearest ISIS cell that holds ground (not dispersed, at least one
  fighter) within ``counterattack_range_km`` attacks with daily probability
  ``1 - exp(-counterattack_rate * cohesion)``: it moves onto the town's centre cell, which the
  control phase then gives back to ISIS (and ISIS presence keeps the town until a unit returns).

A cell attacks at most one town a day. With ``counterattack_rate`` 0 (the default) nothing is drawn,
so scenarios that do not set it are unchanged.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CONTROL_ISIS, CONTROL_NONE
from sim.model.space.distances import xy

if TYPE_CHECKING:
    from sim.model import BorderModel

TOWN_KINDS = ("city", "town")


def held_towns(model: BorderModel) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Names and centre cells of the towns ISIS holds now (called on day 0)."""
    from sim.geography import load_gazetteer

    t = model.theater
    towns = [p for p in load_gazetteer().places if p.kind in TOWN_KINDS and t.contains(p.lon, p.lat)]
    if not towns:
        return (), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    xs, ys = t.cells_of([p.lon for p in towns], [p.lat for p in towns])
    keep = model.control[xs, ys] == CONTROL_ISIS
    return tuple(p.name for p, k in zip(towns, keep, strict=True) if k), xs[keep], ys[keep]


def counterattack(model: BorderModel) -> list[str]:
    """Launch today's counter-attacks; returns the towns attacked (for the day's counters)."""
    p = model.params
    names, tx, ty = model.isis_towns
    if p.counterattack_rate <= 0 or not names:
        return []
    code = model.control[tx, ty]
    open_ = (code != CONTROL_ISIS) & (code != CONTROL_NONE)
    units = [u for u in model.ground_units() if u.strength > 0]
    if units and open_.any():
        near = model.pairs_within(tx, ty, *xy(units), p.control_radius_km)[0]
        open_[near] = False
    cells = [c for c in model.isis_cells() if not c.dispersed and c.strength >= 1.0]
    if not open_.any() or not cells:
        return []
    cx, cy = xy(cells)
    km = model.pairwise_km(tx[open_], ty[open_], cx, cy)
    rng, used, attacked = model.streams["isis"], set(), []
    for row, k in enumerate(np.flatnonzero(open_).tolist()):
        order = [j for j in np.argsort(km[row], kind="stable").tolist()
                 if km[row, j] <= p.counterattack_range_km and j not in used]
        if not order:
            continue
        cell = cells[order[0]]
        if rng.random() >= -math.expm1(-p.counterattack_rate * cell.cohesion):
            continue
        used.add(order[0])
        cell.cell = model.grid[int(tx[k]), int(ty[k])]
        attacked.append(names[k])
    if attacked:
        model.today["counterattacks"] += len(attacked)
    return attacked


__all__ = ["counterattack", "held_towns"]
