"""Garrisons: a last stand or a collapse, decided by what the scenario states and what the map shows.

In 2017 garrisons of the same size went two ways (shared/reference/record.yaml): west Mosul's and
Raqqa's, ordered to stand (ISIS "banned its members from leaving Mosul"), were fought for street by
street for about 140 and 133 days; Tal Afar's and Hawija's broke within days ("three days of actual
heavy fighting before most of the extremists grabbed their families and ran", about 500 and more
than 1,000 surrendering). The rules read only the facts a scenario states for an ISIS force
(``garrison: {order_to_stand, families}``, each with its source) and the state of the map; forces
without ``garrison:`` are left to the ISIS behaviour of ``IsisCell.act`` alone, so the scenarios
that state no garrison run as before.

- **A way out** (read from the map every day): a garrison cell has one when, from where it stands, a
  path of land cells reaches the edge of the theater without entering the contact range
  (``contact_km``) of a non-halted enemy unit; ground ISIS holds may always be crossed.
- **A garrison with no order to stand breaks** when it is under pressure and has lost at least
  ``garrison_breakpoint`` x its will of its initial strength (the breakpoint of combat models).
  Its will is its cohesion, times ``encircled_will_factor`` with no way out and times
  ``families_will_factor`` when the fighters' families are with it. On breaking,
  ``surrender_share`` of its fighters surrender (all of them when no way out is left) and the rest
  flee: the cell is dispersed (holds no ground) and moves off as dispersed cells do.
- **A garrison ordered to stand** never disperses and never breaks; on built-up ground it fights
  house to house: at most ``close_quarters_fighters`` of its attackers engage it in a day
  (``engaged_cap``, read by the combat phase), so it is reduced street by street until its
  strength is gone.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from sim.geography import TERRAIN_URBAN
from sim.model.phases.isis import pressure
from sim.model.space.distances import xy
from sim.model.space.zones import near_units

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.model.agents import IsisCell

_EIGHT = np.ones((3, 3), dtype=bool)


def engaged_cap(model: BorderModel, cell: IsisCell) -> float:
    """At most this many attacking fighters engage ``cell`` today (infinite unless it stands in a town)."""
    if cell.stands() and model.theater.terrain[cell.pos] == TERRAIN_URBAN:
        return model.params.close_quarters_fighters
    return math.inf


def way_out(model: BorderModel, cells: list[IsisCell]) -> list[bool]:
    """For each cell: does a path out of the enemies' contact range reach the theater's edge?"""
    t = model.theater
    units = [u for u in model.ground_units() if u.strength > 0 and not u.halted]
    reach = near_units(model, units, model.params.contact_km)
    free = (t.land & ~reach) | model.control_picture.held
    cx, cy = xy(cells)
    free[cx, cy] = True  # a garrison starts from where it stands
    labels, _ = ndimage.label(free, structure=_EIGHT)
    edge = np.unique(np.concatenate([labels[0, :], labels[-1, :], labels[:, 0], labels[:, -1]]))
    edge = edge[edge > 0]
    return np.isin(labels[cx, cy], edge).tolist()


def will(cell: IsisCell, out: bool, p) -> float:
    """The garrison's will: cohesion, lowered when encircled and when its families are with it."""
    w = cell.cohesion * (1.0 if out else p.encircled_will_factor)
    return w * (p.families_will_factor if cell.garrison.families else 1.0)


def garrison_act(model: BorderModel) -> None:
    """Today's breaks: every garrison cell with no order to stand, under pressure, past its breakpoint."""
    cells = [c for c in model.isis_cells() if c.garrison is not None and not c.garrison_broken]
    if not cells:
        return
    p = model.params
    felt = pressure(model, cells)  # as the ISIS phase measures it: units with fighters within 2 contact_km
    movable = [c for c in cells if felt[c] > 0 and not c.stands()]
    if not movable:
        return
    for cell, out in zip(movable, way_out(model, movable), strict=True):
        lost = 1.0 - cell.strength / cell.garrison_strength if cell.garrison_strength > 0 else 1.0
        if lost >= p.garrison_breakpoint * will(cell, out, p):
            break_garrison(model, cell, out)


def break_garrison(model: BorderModel, cell: IsisCell, out: bool) -> None:
    """Surrender and flight: ``surrender_share`` give up (all with no way out), the rest flee."""
    p = model.params
    gave_up = cell.strength if not out else math.floor(p.surrender_share * cell.strength)
    cell.strength -= gave_up
    model.today["surrendered"] += gave_up
    cell.garrison_broken = True
    if cell.strength < 1.0:
        model.today["surrendered"] += cell.strength
        cell.strength = 0.0
        cell.remove()
        return
    cell.dispersed = True  # the rest flee: they hold no ground and slip away when pressed


__all__ = ["engaged_cap", "garrison_act", "way_out", "will"]
