"""Today's areas: where each faction may operate, where each wing may strike, where ISIS may go.

Built once a day after the channel events (``build_areas``): base areas (sim.model.space.zones)
widened, then narrowed, by the channels' hooks. The result is a frozen picture that the later phases
read; nothing in it changes during the day, and no phase writes into it (an area no channel changes is
the theater's own read-only mask).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.factions import GROUND_FACTIONS
from sim.model.day import Areas
from sim.model.space import zones

if TYPE_CHECKING:
    from sim.model import BorderModel


def _combine(base: np.ndarray, widen, narrow) -> np.ndarray:
    """``base`` | every widening & ~every narrowing; ``base`` itself (read-only, shared) when no
    channel changes it."""
    widen = [extra for extra in widen if extra is not None]
    narrow = [cut for cut in narrow if cut is not None]
    if not widen and not narrow:
        return base
    area = base.copy()
    for extra in widen:
        area |= extra
    for cut in narrow:
        area &= ~cut
    return area


def build_areas(model: BorderModel) -> Areas:
    hooked = model.channels_with
    operating = {
        f: _combine(zones.base_operating_area(model, f),
                    [c.widen_operating_area(model, f) for c in hooked("widen_operating_area")],
                    [c.narrow_operating_area(model, f) for c in hooked("narrow_operating_area")])
        for f in GROUND_FACTIONS
    }
    strike = {}
    for wing in model.air_wings():
        zone = _combine(zones.base_strike_zone(model, wing.wing),
                        [c.widen_strike_zone(model, wing.wing) for c in hooked("widen_strike_zone")],
                        [c.narrow_strike_zone(model, wing.wing) for c in hooked("narrow_strike_zone")])
        strike[wing.wing] = zone & wing.in_range(model.params.air_range_km)
    barriers = tuple(b for b in (c.isis_barrier(model) for c in hooked("isis_barrier")) if b is not None)
    return Areas(operating, strike, barriers, model.theater.land)
