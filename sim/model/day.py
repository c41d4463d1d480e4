"""The day's pictures: what a phase computes once for all agents and hands to them to decide on.

The phases (sim.model.phases) build these; the agents (sim.model.agents) read them. Neither the
pictures nor the agents import a phase, so the model's core has no import circle: phases import
agents and this module, agents import this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CAMPS, CONTROL_ISIS
from sim.model.laws import pockets
from sim.model.space.distances import km_from, nearest_within, pairwise_km

if TYPE_CHECKING:
    from sim.geography import Theater
    from sim.model import BorderModel
    from sim.model.agents import AirWing, GroundUnit, IsisCell


@dataclass(frozen=True)
class Areas:
    operating: Mapping[str, np.ndarray]  # faction -> cells its units may enter
    strike: Mapping[str, np.ndarray]  # wing -> cells it may strike (within its range)
    barriers: tuple[np.ndarray, ...]  # cells ISIS cells outside them may not enter
    land: np.ndarray
    _isis: dict = field(default_factory=dict, compare=False, repr=False)  # by side of each barrier

    def isis_allowed(self, coordinate: tuple[int, int]) -> np.ndarray:
        """Iraq and Syria, minus the barriers that a cell at ``coordinate`` is outside of."""
        inside = tuple(bool(barrier[coordinate]) for barrier in self.barriers)
        if inside not in self._isis:  # the same for every cell on the same sides today
            area = self.land
            for barrier, within in zip(self.barriers, inside, strict=True):
                if not within:
                    area = area & ~barrier
            self._isis[inside] = area
        return self._isis[inside]


class ControlPicture:
    """What the control of ground gives the phases: ISIS's ground as a field and as cells, its
    components matched to the named pockets, their areas, and each faction's ground on request.

    A pure function of ``model.control``, which only the control phase writes, at the end of a day;
    on about half the days nothing changes hands (all of them in a siege that holds), so the control
    phase makes a new picture only when the field differs from the one this was made from.
    """

    def __init__(self, control: np.ndarray, cell_area_km2: np.ndarray, pocket_masks) -> None:
        self.control = control.copy()
        self.held = self.control == CONTROL_ISIS
        flat = np.flatnonzero(self.held)  # np.nonzero's cells, in its order, without its 2-D cost
        self.held_cells = held = (flat // self.control.shape[1], flat % self.control.shape[1])
        self.labels, count = pockets.label_components(self.held, held)
        self.owner = pockets.match_components(self.labels, count, pocket_masks)
        self.pocket_km2 = pockets.pocket_areas(  # ISIS ground only: every other cell is label 0
            self.labels[held], self.owner, cell_area_km2[held], len(pocket_masks)
        )
        self.isis_km2 = float((cell_area_km2 * self.held).sum())
        #: What ``GroundPicture`` measured on this ground, kept while control stays as it is: by
        #: (faction, pocket), the operating area it was measured in, the ground's cells and the
        #: nearest cell found from each point asked about.
        self.ground_memo: dict = {}
        #: Fields derived from this control alone, kept with it (``kept``): each control code's cells,
        #: each camp's side of Syria (sim.model.space.zones).
        self.derived: dict = {("held", CONTROL_ISIS): self.held}
        for array in (self.held, self.labels, self.owner, self.pocket_km2):
            array.flags.writeable = False

    def is_of(self, control: np.ndarray) -> bool:
        return np.array_equal(control, self.control)

    def held_by(self, code: int) -> np.ndarray:
        """Bool field of the cells held by control ``code`` (read-only)."""
        return self.kept(("held", code), lambda: self.control == code)

    def kept(self, key, make: Callable[[], np.ndarray]) -> np.ndarray:
        """The field ``make()`` gives, a pure function of this control: made the first time ``key`` is
        asked for, then kept (read-only) for as long as control stays as it is."""
        found = self.derived.get(key)
        if found is None:
            found = self.derived[key] = make()
            found.flags.writeable = False
        return found


@dataclass(frozen=True)
class Sightings:
    """Which camps saw which ISIS cell today: ``seen[cell]`` is a bool per camp, in ``CAMPS`` order."""

    seen: Mapping[IsisCell, np.ndarray]

    def by(self, cell: IsisCell, camp: str) -> bool:
        row = self.seen.get(cell)
        return row is not None and bool(row[CAMPS.index(camp)])


NOTHING_SEEN = Sightings({})


@dataclass(frozen=True)
class AirPicture:
    sightings: Sightings
    zones: Mapping[str, np.ndarray]
    #: The friction rule a strike near the rival camp's forces runs (sim.model.phases.friction).
    incident: Callable[[BorderModel, AirWing, IsisCell, np.random.Generator], bool]

    def targets(self, wing: str, camp: str) -> list[IsisCell]:
        """Cells ``camp`` has seen, inside ``wing``'s strike zone, with at least one fighter."""
        j = CAMPS.index(camp)
        zone = self.zones[wing]
        return [c for c, seen in self.sightings.seen.items()
                if seen[j] and zone[c.pos] and c.strength >= 1.0]


#: Above this many ISIS-held cells a unit's nearest is looked for on the ground's edge only (below, the
#: edge's own computation costs more than measuring every cell).
EDGE_ABOVE = 256


@dataclass(frozen=True)
class GroundPicture:
    theater: Theater
    contact: np.ndarray  # bool (width, height): within contact_km of a cell holding ground, phase start
    held: tuple[np.ndarray, np.ndarray]  # ISIS-held cells today, in np.nonzero's order
    operating: Mapping[str, np.ndarray]  # faction -> cells its units may enter
    pocket_masks: Mapping[str, np.ndarray]
    starts: Mapping[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # faction -> its
    # units' cells when the phase began
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # ControlPicture.ground_memo:
    # what was measured on this ground, kept while control stays
    _ground: dict = field(default_factory=dict, compare=False, repr=False)
    _nearest: dict = field(default_factory=dict, compare=False, repr=False)

    def in_contact(self, here: tuple[int, int]) -> bool:
        """An ISIS cell that holds ground (not dispersed) within ``contact_km`` of ``here``."""
        return bool(self.contact[here])

    def isis_ground(self, faction: str, pocket: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """ISIS-held cells that ``faction`` may enter (in ``pocket`` when given), in np.nonzero's order."""
        return self._ground_of(faction, pocket)[:2]

    def nearest_isis_ground(self, x: int, y: int, faction: str, pocket: str | None = None):
        """The ISIS-held cell ``faction`` may enter (in ``pocket``) nearest to (x, y), ties to the first
        in np.nonzero's order; None if there is none.

        A large ground (over ``EDGE_ABOVE`` cells) is measured on its edge only: from a point outside
        a set of cells, a cell whose four neighbours are all in the set is never the nearest (the
        neighbour toward the point is strictly nearer), so the nearest cells, ties included, are on
        the edge, in the same order; a point inside the set is its own nearest cell. Units ask from
        where they stood when the phase began (a unit chooses before it walks), so the answer is
        computed for the cells of all units of ``faction`` at once the first time a (faction, pocket)
        is asked, with the same floats as one point at a time (each row of the matrix is its own).
        The answers are kept with the ground (``memo``) while control and the faction's operating
        area stay the same, so a unit that has not moved is not measured again.
        """
        xs, _, measured, inside = self._ground_of(faction, pocket)
        if xs.size == 0:
            return None
        if inside is not None and inside[x, y]:
            return x, y
        found = self._nearest[faction, pocket]
        if (x, y) not in found:  # not a unit's start (a cell a channel asks about)
            found[x, y] = self.nearest(x, y, measured)
        return found[x, y]

    def _ground_of(self, faction: str, pocket: str | None):
        """(xs, ys, the cells to measure, the ground as a field or None): all of a small ground's cells
        are measured (no field needed: a point inside is its own nearest, at 0 km), a large one's edge.
        The first time today, the nearest cell from every start of ``faction``'s units not yet asked
        about on this ground is measured, all at once."""
        key = (faction, pocket)
        if key not in self._ground:
            area = self.operating[faction]
            kept = self.memo.get(key)
            if kept is None or not (kept[0] is area or np.array_equal(kept[0], area)):
                kept = self.memo[key] = (area, self._measure(area, pocket), {})
            self._ground[key] = ground = kept[1]
            self._nearest[key] = found = kept[2]
            if faction in self.starts and ground[0].size:
                sx, sy = self.starts[faction]
                todo = [k for k, start in enumerate(zip(sx.tolist(), sy.tolist(), strict=True))
                        if start not in found]
                if todo:
                    sx, sy = sx[todo], sy[todo]
                    measured = ground[2]
                    nearest = pairwise_km(self.theater, sx, sy, *measured).argmin(axis=1)
                    ex, ey = measured[0][nearest].tolist(), measured[1][nearest].tolist()
                    found.update(zip(zip(sx.tolist(), sy.tolist(), strict=True), zip(ex, ey, strict=True),
                                     strict=True))
        return self._ground[key]

    def _measure(self, area: np.ndarray, pocket: str | None):
        xs, ys = self.held
        keep = area[xs, ys]
        if pocket is not None:
            keep &= self.pocket_masks[pocket][xs, ys]
        xs, ys = xs[keep], ys[keep]
        if xs.size <= EDGE_ABOVE:
            return xs, ys, (xs, ys), None
        inside = np.zeros((self.theater.width + 2, self.theater.height + 2), dtype=bool)
        inside[xs + 1, ys + 1] = True  # padded: the grid's border counts as outside
        edge = ~(inside[xs, ys + 1] & inside[xs + 2, ys + 1]
                 & inside[xs + 1, ys] & inside[xs + 1, ys + 2])
        return xs, ys, (xs[edge], ys[edge]), inside[1:-1, 1:-1]

    def nearest(self, x: int, y: int, cells: tuple[np.ndarray, np.ndarray]) -> tuple[int, int] | None:
        xs, ys = cells
        if xs.size == 0:
            return None
        i = int(np.argmin(km_from(self.theater, x, y, xs, ys)))
        return int(xs[i]), int(ys[i])


@dataclass(frozen=True)
class IsisPicture:
    theater: Theater
    raid_range_km: float
    pressure: Mapping[IsisCell, float]
    reinforcement: Mapping[IsisCell, IsisCell | None]
    units: list[GroundUnit]  # ground units, standing still during the phase
    ux: np.ndarray
    uy: np.ndarray
    is_iraqi: np.ndarray
    areas: Areas
    _raids: dict = field(default_factory=dict, compare=False, repr=False)

    def raid_target(self, here: tuple[int, int]) -> GroundUnit | None:
        if here not in self._raids:  # the cell moved today
            self._raids.update(self.raid_targets(np.array([here[0]]), np.array([here[1]])))
        return self._raids[here]

    def raid_targets(self, cx: np.ndarray, cy: np.ndarray,
                     km: np.ndarray | None = None) -> dict[tuple[int, int], GroundUnit | None]:
        """The raid target of a cell standing at each (cx, cy), by coordinate (``km``: the points by the
        units, if the caller has it)."""
        cells = list(zip(cx.tolist(), cy.tolist(), strict=True))
        if not self.units:
            return dict.fromkeys(cells)
        nearest = nearest_within(self.theater, cx, cy, self.ux, self.uy, self.raid_range_km, self.is_iraqi,
                                 km=km)
        return dict(zip(cells, (self.units[k] if k >= 0 else None for k in nearest.tolist()), strict=True))


def on_prepared_ground(model: BorderModel, cell: IsisCell) -> bool:
    """A cell that holds ground (not dispersed) inside a pocket, ground ISIS held at the start."""
    x, y = cell.pos
    return not cell.dispersed and bool(model.pocket_union[x, y])
