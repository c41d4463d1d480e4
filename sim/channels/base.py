"""The hooks a coordination channel may implement; the phases of the day consult them.

Every channel object exists in every run, open (``active``) or closed, because several channels
change the dynamics in both states (e.g. closing the deconfliction line makes air wings hold
back near rival forces). Phases never test channel names: they call these hooks on all channels.
Masks are numpy bool arrays over the grid, shape (width, height).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.model.agents import GroundUnit, IsisCell


class Channel:
    """Default hooks: no effect. Subclasses override only what their mechanism changes."""

    name: str = ""  # the key in scenario files (``channels: {name: true}``)
    label: str = ""  # the short name people read (page checkboxes, tables)
    article: str = ""  # seed file the mechanism is drawn from
    summary: str = ""

    def __init__(self, active: bool):
        self.active = active

    def __repr__(self) -> str:
        return f"{type(self).__name__}(active={self.active})"

    # phase 1: channel events
    def on_day(self, model: BorderModel) -> None:
        """Events of the day (arrests, dated changes)."""

    # phase 2: intelligence
    def shared_intelligence(self) -> tuple[tuple[str, str], ...]:
        """Pairs of camps that pool their detections today."""
        return ()

    # phase 3: air
    def widen_strike_zone(self, model: BorderModel, wing: str) -> np.ndarray | None:
        """Cells added to the zone ``wing`` may strike (None: nothing added)."""
        return None

    def narrow_strike_zone(self, model: BorderModel, wing: str) -> np.ndarray | None:
        """Cells removed from the zone ``wing`` may strike; removals win over additions."""
        return None

    def sortie_factor(self, model: BorderModel, wing: str) -> float:
        return 1.0

    # phase 4: ground movement
    def widen_operating_area(self, model: BorderModel, faction: str) -> np.ndarray | None:
        """Cells added to those units of ``faction`` may enter."""
        return None

    def narrow_operating_area(self, model: BorderModel, faction: str) -> np.ndarray | None:
        """Cells removed from those units of ``faction`` may enter; removals win."""
        return None

    def ground_target(self, model: BorderModel, unit: GroundUnit) -> tuple[int, int] | None:
        """A target cell this channel assigns to ``unit`` (None: no opinion)."""
        return None

    def isis_barrier(self, model: BorderModel) -> np.ndarray | None:
        """Cells ISIS cells outside them may not enter (None: no barrier)."""
        return None

    def raid_factor(self, model: BorderModel, cell: IsisCell, target: GroundUnit) -> float:
        return 1.0

    # phase 5: combat
    def area_fire_factor(self, model: BorderModel, attackers: list[GroundUnit]) -> float:
        return 1.0

    # phase 6: friction
    def incident_factor(self, model: BorderModel) -> float:
        return 1.0
