"""Where each side may operate and strike before channels are applied (base areas), as masks.

Sides of the Euphrates follow 003: the SDF and the coalition work north/east of the river, the
Syrian government south/west of it. A channel widens or narrows these areas through its hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CONTROL_SAA, CONTROL_SDF, GROUND_FACTIONS
from sim.geography import COUNTRY_IRAQ, COUNTRY_SYRIA

if TYPE_CHECKING:
    from sim.model import BorderModel


def iraq(model: BorderModel) -> np.ndarray:
    """Iraq's cells (the theater's read-only mask: combine it, never write to it)."""
    return model.theater.in_country[COUNTRY_IRAQ]


def sdf_side(model: BorderModel) -> np.ndarray:
    """Syria north/east of the Euphrates, plus any SDF-held ground (read-only)."""
    return _side(model, model.theater.syria_left_bank, CONTROL_SDF)


def saa_side(model: BorderModel) -> np.ndarray:
    """Syria south/west of the Euphrates, plus any SAA-held ground (read-only)."""
    return _side(model, model.theater.syria_right_bank, CONTROL_SAA)


def _side(model: BorderModel, bank: np.ndarray, code: int) -> np.ndarray:
    """``bank`` plus the Syrian ground held by ``code``: a pure function of control, so kept on the
    control picture for as long as control stays as it is."""
    picture, syria = model.control_picture, model.theater.in_country[COUNTRY_SYRIA]
    return picture.kept(("side", code), lambda: bank | (syria & picture.held_by(code)))


def base_strike_zone(model: BorderModel, wing: str) -> np.ndarray:
    """Coalition: SDF side of Syria; Iraqi Air Force: Iraq; Russian air force: SAA side."""
    if wing == "coalition":
        return sdf_side(model)
    if wing == "iraqi":
        return iraq(model)
    if wing == "russian":
        return saa_side(model)
    raise KeyError(wing)


def base_operating_area(model: BorderModel, faction: str) -> np.ndarray:
    """Ground units stay in their own country unless a channel lets them cross (read-only mask)."""
    return model.theater.in_country[GROUND_FACTIONS[faction].home_country]


def near_units(model: BorderModel, units, radius_km: float) -> np.ndarray:
    """Cells within ``radius_km`` of any of ``units`` (one small numpy window per unit)."""
    mask = np.zeros(model.theater.country.shape, dtype=bool)
    for unit in units:
        x, y = unit.pos
        xs, ys, disk = model.theater.disk(x, y, radius_km)
        mask[xs, ys] |= disk
    return mask
