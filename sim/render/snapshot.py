"""What the map reads off a model on one day, as a small picklable object.

The plotting process of ``bordersim run`` gets the last day through a pipe instead of the model
(which holds Mesa's grid and agents). A snapshot answers the same attributes and methods as the
model for everything ``sim.render.map.draw_day`` reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np


class Cell(NamedTuple):
    coordinate: tuple[int, int]


class Marker(NamedTuple):
    """One agent as the map draws it."""

    faction: str | None
    strength: float
    cell: Cell
    dispersed: bool = False


@dataclass
class MapSnapshot:
    steps: int  # the day, named as the model names it (Mesa's step counter)
    date: dt.date | None
    control: np.ndarray
    pocket_names: tuple[str, ...]
    pocket_km2: np.ndarray
    units: list[Marker]
    cells: list[Marker]
    #: The scenario as the day ended, or None when no event changed it (the receiver has it).
    scenario: Any = None
    theater: Any = field(default=None, repr=False)  # not sent: the receiver has built it

    @classmethod
    def of(cls, model, scenario=None) -> MapSnapshot:
        def marker(agent) -> Marker:
            return Marker(getattr(agent, "faction", None), float(agent.strength),
                          Cell(tuple(agent.cell.coordinate)), bool(getattr(agent, "dispersed", False)))

        live = [a for a in model.ground_units() if getattr(a, "cell", None) is not None]
        cells = [a for a in model.isis_cells() if getattr(a, "cell", None) is not None]
        return cls(model.steps, getattr(model, "date", None), np.array(model.control),
                   tuple(getattr(model, "pocket_names", ())), np.array(getattr(model, "pocket_km2", ())),
                   [marker(a) for a in live], [marker(c) for c in cells],
                   None if model.scenario is scenario else model.scenario)

    def ground_units(self) -> list[Marker]:
        return self.units

    def isis_cells(self) -> list[Marker]:
        return self.cells

    def __getstate__(self) -> dict:
        return {**self.__dict__, "theater": None}
