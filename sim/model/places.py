"""Named places as outcomes: who holds each town the scenario names, and when it changes hands.

A named place is the land cells whose centres lie within ``place_radius_km`` of its centre (its
centre cell alone if none does); when its centre cell is built up (a town), only the built-up cells
among them: a town is held by whoever holds its streets, not the fields around it. Each day its
*holder* is the control code held by most of those cells (a tie goes to the lower code, so ISIS
keeps a town an attacker holds only half of). A faction *takes* the place when it has been the
holder ``place_hold_days`` days in a row; the change of hands is dated to the first of those days. A
place can change hands any number of times (Albu Kamal changed hands three times in ten days in
November 2017), so the model reports the list.

The tracked places are those a scenario names as a force's objective or in its ``record:``.
Counting is one ``np.add.at`` over all places' cells a day; the per-place bookkeeping is a loop over
a handful of places, not over cells.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from sim.factions import (
    CONTROL_IRAQ,
    CONTROL_ISIS,
    CONTROL_NAMES,
    CONTROL_SAA,
    CONTROL_SDF,
    GROUND_FACTIONS,
)
from sim.geography import TERRAIN_URBAN

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.scenario import Scenario

#: Short names of the control codes, as record entries name factions (ISF and PMF share a code).
HOLDER = {code: name for code, name in CONTROL_NAMES.items()}
HOLDER.update({CONTROL_ISIS: "ISIS", CONTROL_IRAQ: "ISF/PMF", CONTROL_SDF: "SDF", CONTROL_SAA: "SAA"})


def control_code(faction: str) -> int:
    """The control code a faction's ground is marked with (``ISIS`` included)."""
    return CONTROL_ISIS if faction == "ISIS" else GROUND_FACTIONS[faction].control


def named_places(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """Name -> (lon, lat) of every place the scenario names as an objective or a record event."""
    from sim.geography import load_gazetteer

    places: dict[str, tuple[float, float]] = {}
    gaz = load_gazetteer()
    for goal in (g for force in scenario.forces for g in (force, *force.stages)):
        if goal.objective_pocket is None and goal.objective_label is not None:
            place = gaz.find(goal.objective_label)
            if place is not None:
                places[place.name] = (goal.objective_lon, goal.objective_lat)
    for event in scenario.record:
        if event.place is not None:
            places[event.place] = (event.lon, event.lat)
    return dict(sorted(places.items()))


class PlaceTracker:
    """Holders and changes of hands of named places, updated from the control layer each day."""

    def __init__(self, model: BorderModel, places: dict[str, tuple[float, float]]):
        t, p = model.theater, model.params
        self.names = tuple(places)
        xs_all, ys_all, owner = [], [], []
        for k, (lon, lat) in enumerate(places.values()):
            x, y = t.cell_of(lon, lat)
            sx, sy, disk = t.disk(x, y, p.place_radius_km)
            xs, ys = np.nonzero(disk)
            xs, ys = xs + sx.start, ys + sy.start
            keep = t.land[xs, ys]
            if t.terrain[x, y] == TERRAIN_URBAN:  # a town is its built-up cells (docs/odd.md)
                keep &= t.terrain[xs, ys] == TERRAIN_URBAN
            xs, ys = (xs[keep], ys[keep]) if keep.any() else (np.array([x]), np.array([y]))
            xs_all.append(xs)
            ys_all.append(ys)
            owner.append(np.full(len(xs), k))
        shape = model.control.shape
        self._flat = (np.ravel_multi_index((np.concatenate(xs_all), np.concatenate(ys_all)), shape)
                      if places else np.zeros(0, dtype=np.intp))
        self._owner = np.concatenate(owner) if places else np.zeros(0, dtype=np.intp)
        self._codes = max(CONTROL_NAMES) + 1
        self.hold_days = p.place_hold_days
        self.start_date = model.scenario.start_date
        self.holder: list[int] = []
        self.first_holder: list[int] = []
        self._pending: list[tuple[int, int, int] | None] = [None] * len(self.names)  # (code, since, days)
        self.changes: list[list[tuple[int, int, int]]] = [[] for _ in self.names]  # (day, from, to)

    def today(self, control: np.ndarray) -> np.ndarray:
        """Each place's majority control code in ``control``."""
        counts = np.zeros((len(self.names), self._codes), dtype=np.int64)
        np.add.at(counts, (self._owner, control.ravel()[self._flat]), 1)
        return counts.argmax(axis=1)

    def observe(self, day: int, control: np.ndarray) -> None:
        now = self.today(control).tolist()
        if not self.holder:
            self.holder, self.first_holder = list(now), list(now)
            return
        for k, code in enumerate(now):
            if code == self.holder[k]:
                self._pending[k] = None
                continue
            pending = self._pending[k]
            pending = (code, pending[1], pending[2] + 1) if pending and pending[0] == code else (code, day, 1)
            self._pending[k] = pending
            if pending[2] >= self.hold_days:
                self.changes[k].append((pending[1], self.holder[k], code))
                self.holder[k] = code
                self._pending[k] = None

    def summary(self) -> dict[str, dict]:
        """Per place: holder at the start and the end, and every change of hands with its day."""
        out = {}
        for k, name in enumerate(self.names):
            out[name] = {
                "holder_start": HOLDER[self.first_holder[k]] if self.first_holder else None,
                "holder_end": HOLDER[self.holder[k]] if self.holder else None,
                "changes": [
                    {"day": day, "date": (self.start_date + dt.timedelta(days=day)).isoformat(),
                     "from": HOLDER[old], "to": HOLDER[new]}
                    for day, old, new in self.changes[k]
                ],
            }
        return out


__all__ = ["HOLDER", "PlaceTracker", "control_code", "named_places"]
