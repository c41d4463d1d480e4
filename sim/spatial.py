"""Distances between agents on the grid, vectorised.

Within the theater an equirectangular approximation is used: the east-west size of a cell is
taken at the mean row of the two points. Over the few hundred km that matter here it differs
from the great-circle distance by well under 1%.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.geography import Theater


def xy(agents: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Cell coordinates of ``agents`` as two int arrays."""
    if not agents:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    coords = np.array([a.cell.coordinate for a in agents], dtype=np.int64)
    return coords[:, 0], coords[:, 1]


def pairwise_km(
    theater: Theater, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray
) -> np.ndarray:
    """Distance in km between every a (rows) and every b (columns)."""
    mean_row = (ay[:, None] + by[None, :]) // 2
    dx = (ax[:, None] - bx[None, :]) * theater.km_per_cell_x[mean_row]
    dy = (ay[:, None] - by[None, :]) * theater.km_per_cell_y
    return np.hypot(dx, dy)


def km_from(theater: Theater, x: int, y: int, bx: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Distance in km from cell (x, y) to every b: ``pairwise_km`` of one point, without its 2-D arrays
    (same arithmetic, so the same floats)."""
    mean_row = (y + by) // 2
    dx = (x - bx) * theater.km_per_cell_x[mean_row]
    dy = (y - by) * theater.km_per_cell_y
    return np.hypot(dx, dy)


def nearest_within(km: np.ndarray, limit_km: float, preferred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``km`` (points x targets): the column of the nearest ``preferred`` target within
    ``limit_km`` if there is one, else of the nearest target within it; and whether any target is."""
    within = km <= limit_km
    pool = np.where((within & preferred).any(axis=1, keepdims=True), within & preferred, within)
    return np.argmin(np.where(pool, km, np.inf), axis=1), within.any(axis=1)


def km_from_lonlat(theater: Theater, lon: float, lat: float) -> np.ndarray:
    """Great-circle distance in km from a point to every cell centre (haversine)."""
    lon_c = np.radians(theater.lon_centers)[:, None]
    lat_c = np.radians(theater.lat_centers)[None, :]
    lon0, lat0 = np.radians(lon), np.radians(lat)
    h = (
        np.sin((lat_c - lat0) / 2) ** 2
        + np.cos(lat0) * np.cos(lat_c) * np.sin((lon_c - lon0) / 2) ** 2
    )
    return 2 * 6371.0088 * np.arcsin(np.sqrt(h))
