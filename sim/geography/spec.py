"""Grid specification and the integer codes used by the geography layers.

Kept free of data loading so that scenario validation can build a ``GridSpec``
without reading any geometry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

COUNTRY_OTHER, COUNTRY_IRAQ, COUNTRY_SYRIA = 0, 1, 2
TERRAIN_DESERT, TERRAIN_VALLEY, TERRAIN_URBAN = 0, 1, 2
RIVER_NONE, RIVER_EUPHRATES, RIVER_TIGRIS, RIVER_KHABUR = 0, 1, 2, 3

COUNTRY_CODES = {"Iraq": COUNTRY_IRAQ, "Syria": COUNTRY_SYRIA}
RIVER_CODES = {"euphrates": RIVER_EUPHRATES, "tigris": RIVER_TIGRIS, "khabur": RIVER_KHABUR}

#: (lon_min, lon_max, lat_min, lat_max) covered by sim/data/geography.yaml.
DATA_EXTENT = (37.5, 45.5, 31.5, 37.5)
MIN_CELL_DEG, MAX_CELL_DEG = 0.01, 0.5
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


@dataclass(frozen=True)
class GridSpec:
    """A lon/lat box cut into square-degree cells; frozen so it can key caches."""

    lon_min: float = 37.5
    lon_max: float = 45.5
    lat_min: float = 31.5
    lat_max: float = 37.5
    cell_deg: float = 0.05

    def __post_init__(self) -> None:
        # Fail early with a readable message rather than produce a skewed grid.
        if not MIN_CELL_DEG - 1e-12 <= self.cell_deg <= MAX_CELL_DEG + 1e-12:
            raise ValueError(
                f"cell_deg={self.cell_deg} outside [{MIN_CELL_DEG}, {MAX_CELL_DEG}]")
        e = DATA_EXTENT
        eps = 1e-9
        if not (e[0] - eps <= self.lon_min < self.lon_max <= e[1] + eps
                and e[2] - eps <= self.lat_min < self.lat_max <= e[3] + eps):
            raise ValueError(f"box {self.bounds} is not inside the data extent {e}")
        for label, span in (("lon", self.lon_max - self.lon_min),
                            ("lat", self.lat_max - self.lat_min)):
            n = span / self.cell_deg
            if abs(n - round(n)) > 1e-6:
                raise ValueError(
                    f"{label} span {span:g} deg is not a whole number of {self.cell_deg:g} deg"
                    " cells; adjust the box or the cell size")

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.lon_min, self.lon_max, self.lat_min, self.lat_max)

    @property
    def nx(self) -> int:
        """Number of cells west -> east."""
        return round((self.lon_max - self.lon_min) / self.cell_deg)

    @property
    def ny(self) -> int:
        """Number of cells south -> north."""
        return round((self.lat_max - self.lat_min) / self.cell_deg)

    @property
    def mid_lat(self) -> float:
        return 0.5 * (self.lat_min + self.lat_max)

    @property
    def km_per_deg_lat(self) -> float:
        return EARTH_RADIUS_KM * math.pi / 180.0
