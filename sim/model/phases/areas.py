"""Today's areas: where each faction may operate, where each wing may strike, where ISIS may go.

Built once a day after the channel events (``build_areas``): base areas (sim.model.space.zones)
widened, then narrowed, by the channels' hooks. The result is a frozen picture that the later phases
read; nothing in it changes during the day.
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
    area = base.copy()
    for extra in widen:
        if extra is not None:
            area |= extra
    for cut in narrow:
        if cut is not None:
            area &= ~cut
    return area


def build_areas(model: BorderModel) -> Areas:
    channels = model.channels
    operating = {
        f: _combine(zones.base_operating_area(model, f),
                    [c.widen_operating_area(model, f) for c in channels],
                    [c.narrow_operating_area(model, f) for c in channels])
        for f in GROUND_FACTIONS
    }
    strike = {}
    for wing in model.air_wings():
        zone = _combine(zones.base_strike_zone(model, wing.wing),
                        [c.widen_strike_zone(model, wing.wing) for c in channels],
                        [c.narrow_strike_zone(model, wing.wing) for c in channels])
        strike[wing.wing] = zone & (wing.base_km <= model.params.air_range_km)
    barriers = tuple(b for b in (c.isis_barrier(model) for c in channels) if b is not None)
    return Areas(operating, strike, barriers, model.theater.land)
