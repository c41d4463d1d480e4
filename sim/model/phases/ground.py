"""Phase 4 of the day: ground units advance (``GroundUnit.advance``), each choosing its own target.

The phase hands every unit the day's ``GroundPicture``: where the ISIS cells stood when the phase
began, which ground ISIS holds, and where each faction may operate. Whether a cell is in contact
with ISIS depends on the cell alone while the ISIS cells stand still, so it is known for every
unit's start cell at once and found (then kept) for each cell a unit steps into.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CONTROL_ISIS
from sim.model.agents import GroundUnit
from sim.model.space.distances import km_from, pairs_within, xy

if TYPE_CHECKING:
    from sim.geography import Theater
    from sim.model import BorderModel


@dataclass(frozen=True)
class GroundPicture:
    theater: Theater
    contact_km: float
    isis_x: np.ndarray  # ISIS cells' coordinates as the phase began
    isis_y: np.ndarray
    held: tuple[np.ndarray, np.ndarray]  # ISIS-held cells today, in np.nonzero's order
    operating: Mapping[str, np.ndarray]  # faction -> cells its units may enter
    pocket_masks: Mapping[str, np.ndarray]
    _contact: dict = field(default_factory=dict, compare=False, repr=False)
    _ground: dict = field(default_factory=dict, compare=False, repr=False)

    def in_contact(self, here: tuple[int, int]) -> bool:
        """An ISIS cell within ``contact_km`` of ``here``."""
        if here not in self._contact:
            km = km_from(self.theater, *here, self.isis_x, self.isis_y)
            self._contact[here] = bool((km <= self.contact_km).any())
        return self._contact[here]

    def isis_ground(self, faction: str, pocket: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """ISIS-held cells that ``faction`` may enter (in ``pocket`` when given), in np.nonzero's order."""
        return self._edge_of_ground(faction, pocket)[:2]

    def nearest_isis_ground(self, x: int, y: int, faction: str, pocket: str | None = None):
        """The ISIS-held cell ``faction`` may enter (in ``pocket``) nearest to (x, y), ties to the first
        in np.nonzero's order; None if there is none.

        Only the ground's edge is measured: from a point outside a set of cells, a cell whose four
        neighbours are all in the set is never the nearest (the neighbour toward the point is strictly
        nearer), so the nearest cells, ties included, are on the edge, in the same order. A point
        inside the set is its own nearest cell.
        """
        xs, ys, edge, inside = self._edge_of_ground(faction, pocket)
        if xs.size == 0:
            return None
        if inside[x, y]:
            return x, y
        return self.nearest(x, y, (xs[edge], ys[edge]))

    def _edge_of_ground(self, faction: str, pocket: str | None):
        key = (faction, pocket)
        if key not in self._ground:
            xs, ys = self.held
            keep = self.operating[faction][xs, ys]
            if pocket is not None:
                keep &= self.pocket_masks[pocket][xs, ys]
            xs, ys = xs[keep], ys[keep]
            inside = np.zeros((self.theater.width + 2, self.theater.height + 2), dtype=bool)
            inside[xs + 1, ys + 1] = True  # padded: the grid's border counts as outside
            edge = ~(inside[xs, ys + 1] & inside[xs + 2, ys + 1]
                     & inside[xs + 1, ys] & inside[xs + 1, ys + 2])
            self._ground[key] = xs, ys, edge, inside[1:-1, 1:-1]
        return self._ground[key]

    def nearest(self, x: int, y: int, cells: tuple[np.ndarray, np.ndarray]) -> tuple[int, int] | None:
        xs, ys = cells
        if xs.size == 0:
            return None
        i = int(np.argmin(km_from(self.theater, x, y, xs, ys)))
        return int(xs[i]), int(ys[i])


def ground_picture(model: BorderModel) -> GroundPicture:
    ix, iy = xy(model.isis_cells())
    picture = GroundPicture(
        model.theater, model.params.contact_km, ix, iy, np.nonzero(model.control == CONTROL_ISIS),
        model.areas.operating, dict(zip(model.pocket_names, model.pocket_masks, strict=True)),
    )
    units = model.ground_units()
    ux, uy = xy(units)
    near = np.zeros(len(units), dtype=bool)
    near[pairs_within(model.theater, ux, uy, ix, iy, model.params.contact_km)[0]] = True
    picture._contact.update(zip(zip(ux.tolist(), uy.tolist(), strict=True), near.tolist(), strict=True))
    return picture


def move_ground_forces(model: BorderModel) -> None:
    model.agents_by_type[GroundUnit].shuffle_do("advance", ground_picture(model))
