"""Control of ground follows presence.

Each anti-ISIS unit takes over the cells within ``control_radius_km`` that are ISIS-held or
unheld (built-up cells only within ``urban_control_radius_km``: a town is taken by going into it),
unless an ISIS cell that holds ground stands within its hold radius of them (presence =
disks around non-dispersed ISIS agents: ``isis_hold_radius_km``, or less for a small cell when
``isis_hold_fighters_per_km2`` is set, ``hold_radius_km``). Each such ISIS cell holds
the cell it stands on unless an enemy unit stands there too, and a remnant with fewer fighters than
that density needs for the cell it stands on goes to ground first (``go_to_ground``). Dispersed
cells hide and hold nothing, so a cell on the run leaves no trail of territory. Cells held by the
other anti-ISIS camps are never taken over.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.factions import (
    CONTROL_IRAQ,
    CONTROL_ISIS,
    CONTROL_NAMES,
    CONTROL_NONE,
    CONTROL_SAA,
    CONTROL_SDF,
    GROUND_FACTIONS,
)
from sim.geography import COUNTRY_IRAQ, COUNTRY_SYRIA
from sim.model.day import ControlPicture

if TYPE_CHECKING:
    from sim.model import BorderModel


#: By control code: may a unit take a cell so held? ISIS-held and unheld ground only.
_TAKEABLE = np.isin(np.arange(max(CONTROL_NAMES) + 1), (CONTROL_ISIS, CONTROL_NONE))
_TAKEABLE.flags.writeable = False


def update_control(model: BorderModel) -> None:
    """One pass over all units at once: every unit's disks are concatenated in unit order, and each
    takeable cell goes to the first unit whose disk covers it (what taking them one unit after the
    other does: a cell taken leaves the takeable set).

    The pass is idempotent: with the same ISIS presence and the same units as at its last pass
    (``model.control_inputs``), and control still as the pass left it (``model.control_picture``,
    which the pass makes again whenever control changed), control already follows them and the pass
    is skipped (most days of a siege)."""
    t, control, p = model.theater, model.control, model.params
    cells = [c for c in model.isis_cells() if not c.dispersed]
    radii = [hold_radius_km(c.strength, p) for c in cells]
    units = [u for u in model.ground_units() if u.strength > 0]
    inputs = (p, [c.pos for c in cells], radii, [(u.pos, u.faction, u.halted) for u in units])
    last = model.control_inputs
    if last is not None and last[0] is p and last[1:] == inputs[1:] and model.control_picture.is_of(control):
        return
    model.control_inputs = inputs
    flat = control.reshape(-1)  # a view: writes reach the layer
    occupied = {u.pos for u in units}
    active = [u for u in units if not u.halted]
    if active:
        presence = np.zeros(flat.size, dtype=bool)
        if cells:
            held_by_isis = [t.disk_cells(*c.pos, r) for c, r in zip(cells, radii, strict=True)]
            presence[np.concatenate(held_by_isis)] = True
        codes = np.array([GROUND_FACTIONS[u.faction].control for u in active], dtype=control.dtype)
        # One sweep when towns are taken as far as open ground; else open ground to control_radius_km
        # and built-up ground to urban_control_radius_km (a cell in neither reach is not taken).
        one = p.urban_control_radius_km >= p.control_radius_km
        reach = ((p.control_radius_km, t.land_flat),) if one else (
            (p.control_radius_km, t.open_land_flat), (p.urban_control_radius_km, t.urban_land_flat))
        wheres, owners = [], []
        for radius, ground in reach:  # the reaches' cells are disjoint: neither can take the other's,
            disks = [t.disk_cells(*u.pos, radius) for u in active]  # so one pass over both gives each
            where = np.concatenate(disks)  # cell to the first unit of its own reach
            owner = np.repeat(np.arange(len(active)), [len(d) for d in disks])
            # takeable: ISIS-held or unheld ground of the reach's kind outside ISIS presence (a cell
            # taken by one unit holds its faction's code from then on, which no unit may take), read
            # at these cells only
            keep = _TAKEABLE[flat[where]] & ground[where] & ~presence[where]
            wheres.append(where[keep])
            owners.append(owner[keep])
        where, owner = (wheres[0], owners[0]) if one else (np.concatenate(wheres), np.concatenate(owners))
        # each cell to its first unit in order: a stable sort keeps a cell's units in order, and the
        # first of each run of equal cells is taken (what np.unique(..., return_index=True) gives)
        order = where.argsort(kind="stable")
        ranked = where[order]
        first = np.empty(ranked.size, dtype=bool)
        first[:1] = True
        np.not_equal(ranked[1:], ranked[:-1], out=first[1:])
        flat[ranked[first]] = codes[owner[order[first]]]
    for cell in cells:
        if cell.pos not in occupied:
            control[cell.pos] = CONTROL_ISIS
    if not model.control_picture.is_of(control):
        model.control_picture = ControlPicture(control, t.cell_area_km2, model.pocket_masks)


def hold_radius_km(strength: float, p) -> float:
    """Radius of the ground an ISIS cell of ``strength`` holds (force to space for the defender).

    With ``isis_hold_fighters_per_km2`` = d > 0, the disk's area is strength / d km2, its radius
    sqrt(strength / (pi d)) capped at ``isis_hold_radius_km`` and rounded down to half a km (so the
    theater's disk masks stay few); with d = 0 every cell holds the full radius.
    """
    if p.isis_hold_fighters_per_km2 <= 0:
        return p.isis_hold_radius_km
    radius = math.sqrt(max(strength, 0.0) / (math.pi * p.isis_hold_fighters_per_km2))
    return min(p.isis_hold_radius_km, math.floor(2 * radius) / 2)


def go_to_ground(model: BorderModel) -> None:
    """Remnants too small to hold the cell they stand on go to ground (force to space, its floor).

    With ``isis_hold_fighters_per_km2`` = d > 0, a cell holding ground with fewer than d x the area
    of its grid cell fighters is dispersed, as a cell on the run: it hides and holds nothing
    (``IsisCell.act`` lets it regroup only when quiet, and it goes to ground again while it stays
    that small). A garrison ordered to stand holds its ground to the last fighter."""
    d = model.params.isis_hold_fighters_per_km2
    if d <= 0:
        return
    area = model.theater.cell_area_km2
    for cell in model.isis_cells():
        if not cell.dispersed and not cell.stands() and cell.strength < d * area[cell.pos]:
            cell.dispersed = True


def update_control_and_pockets(model: BorderModel) -> None:
    """The day's last phase: remnants go to ground, control follows presence, then pockets are
    measured (``ControlPicture``, which the control pass made again if control changed), units
    recover."""
    go_to_ground(model)
    update_control(model)
    picture = model.control_picture
    model.pocket_km2 = picture.pocket_km2
    fighters = np.zeros(len(model.pocket_names) + 1)
    for cell in model.isis_cells():
        slot = picture.owner[picture.labels[cell.pos]]
        fighters[len(model.pocket_names) if slot < 0 else slot] += cell.strength
    model.pocket_fighters = fighters
    model.isis_km2 = picture.isis_km2
    model.places.observe(model.steps, model.control)  # named places (sim/model/places.py)
    for unit in model.ground_units():
        unit.recover()


def initial_control(theater, pocket_masks) -> np.ndarray:
    """Iraq to the ISF, Syria by Euphrates bank (SDF north/east, SAA south/west), pockets to ISIS."""
    t = theater
    control = np.full(t.country.shape, CONTROL_NONE, dtype=np.int8)
    control[t.country == COUNTRY_IRAQ] = CONTROL_IRAQ
    syria = t.country == COUNTRY_SYRIA
    control[syria & (t.euphrates_side > 0)] = CONTROL_SDF
    control[syria & (t.euphrates_side <= 0)] = CONTROL_SAA
    for mask in pocket_masks:
        control[mask] = CONTROL_ISIS
    return control
