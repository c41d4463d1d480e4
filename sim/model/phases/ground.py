"""Phase 4 of the day: ground units advance (``GroundUnit.advance``), each choosing its own target.

The phase hands every unit the day's ``GroundPicture`` (sim.model.day): where the ISIS cells that
hold ground stood when the phase began, which ground ISIS holds, and where each faction may operate.
A unit is held up (in contact) by a cell that holds ground within ``contact_km``; a dispersed cell,
hiding in small groups, does not stop an advance (it may still be fought, phases/combat.py, and it
may still raid). Whether a place is in contact depends on the place alone while the ISIS cells stand
still, so the cells within ``contact_km`` of a cell holding ground are marked once for the phase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.agents import GroundUnit
from sim.model.day import GroundPicture
from sim.model.space.distances import near_any, xy

if TYPE_CHECKING:
    from sim.model import BorderModel


def holding_ground(model: BorderModel) -> list:
    """The ISIS cells that hold ground (not dispersed): the ones that stop an advance."""
    return [c for c in model.isis_cells() if not c.dispersed]


def ground_picture(model: BorderModel) -> GroundPicture:
    by_faction: dict[str, list[GroundUnit]] = {}
    for unit in model.ground_units():
        by_faction.setdefault(unit.faction, []).append(unit)
    return GroundPicture(
        model.theater, near_any(model.theater, *xy(holding_ground(model)), model.params.contact_km),
        model.control_picture.held_cells, model.areas.operating,
        dict(zip(model.pocket_names, model.pocket_masks, strict=True)),
        {faction: xy(units) for faction, units in by_faction.items()}, model.control_picture.ground_memo,
    )


def move_ground_forces(model: BorderModel) -> None:
    model.agents_by_type[GroundUnit].shuffle_do("advance", ground_picture(model))
