"""Distances between agents on the grid, vectorised.

Within the theater an equirectangular approximation is used: the east-west size of a cell is
taken at the mean row of the two points. Over the few hundred km that matter here it differs
from the great-circle distance by well under 1%.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from itertools import chain

import numpy as np

from sim.geography import Theater

#: Below this many (a, b) pairs ``pairs_within`` measures them all; above, a k-d tree picks candidates.
DENSE_PAIRS_LIMIT = 4096


def xy(agents: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Cell coordinates of ``agents`` as two int arrays."""
    n = len(agents)
    flat = np.fromiter(chain.from_iterable([a.pos for a in agents]), dtype=np.int64, count=2 * n)
    return flat[0::2], flat[1::2]


def _length(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """sqrt(dx^2 + dy^2): several times faster than np.hypot (glibc's is exactly rounded), and
    km-sized values cannot overflow."""
    dx = dx * dx
    dx += dy * dy
    return np.sqrt(dx, out=dx)


def pairwise_km(
    theater: Theater, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray
) -> np.ndarray:
    """Distance in km between every a (rows) and every b (columns)."""
    dx = (ax[:, None] - bx) * theater.km_x_by_row_sum[ay[:, None] + by]  # east-west at the mean row
    dy = (ay[:, None] - by) * theater.km_per_cell_y
    return _length(dx, dy)


def km_from(theater: Theater, x: int, y: int, bx: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Distance in km from cell (x, y) to every b: ``pairwise_km`` of one point, without its 2-D arrays
    (same arithmetic, so the same floats)."""
    dx = (x - bx) * theater.km_x_by_row_sum[y + by]
    dy = (y - by) * theater.km_per_cell_y
    return _length(dx, dy)


def near_any(theater: Theater, xs: np.ndarray, ys: np.ndarray, radius_km: float) -> np.ndarray:
    """Bool (width, height): the cells within ``radius_km`` of any of the points (xs, ys), by ``km_from``
    (the same arithmetic element by element, so the same floats and the same cells).

    Each point's cells are measured once per theater, radius and point (``_near_cells``, cached: the
    points are ISIS cells, which stand on the same few hundred cells day after day).
    """
    near = np.zeros((theater.width, theater.height), dtype=bool)
    if len(xs) == 0:
        return near
    radius_km = float(radius_km)
    cells = [_near_cells(theater, x, y, radius_km) for x, y in zip(np.asarray(xs).tolist(),
                                                                   np.asarray(ys).tolist(), strict=True)]
    near.reshape(-1)[np.concatenate(cells)] = True
    return near


@functools.lru_cache(maxsize=1 << 14)
def _near_cells(theater: Theater, x: int, y: int, radius_km: float) -> np.ndarray:
    """Flat indices of the cells within ``radius_km`` of (x, y) by ``km_from``: the point's window of
    candidate cells (wide enough for the narrowest cell east-west), off-grid cells dropped."""
    ry = math.floor(radius_km / theater.km_per_cell_y) + 1
    rx = math.floor(radius_km / float(theater.km_per_cell_x.min())) + 1
    bx, by = np.meshgrid(np.arange(x - rx, x + rx + 1), np.arange(y - ry, y + ry + 1), indexing="ij")
    on_grid = (bx >= 0) & (bx < theater.width) & (by >= 0) & (by < theater.height)
    bx, by = bx[on_grid], by[on_grid]
    km = km_from(theater, x, y, bx, by)
    within = km <= radius_km
    cells = bx[within] * theater.height + by[within]
    cells.flags.writeable = False
    return cells


def pair_km(theater: Theater, ax, ay, bx, by, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``pairwise_km(...)[i, j]`` for the listed pairs only (same arithmetic, so the same floats)."""
    dx = (ax[i] - bx[j]) * theater.km_x_by_row_sum[ay[i] + by[j]]
    dy = (ay[i] - by[j]) * theater.km_per_cell_y
    return _length(dx, dy)


def pairs_within(
    theater: Theater, ax, ay, bx, by, radius_km: float, km: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair (a_i, b_j) at most ``radius_km`` apart: (i, j, km), sorted by i then j.

    The same pairs and floats as ``np.nonzero(pairwise_km(...) <= radius_km)``, but for many agents
    without the full matrix: a k-d tree over (x * min km per cell east-west, y * km per cell
    north-south) never overestimates a distance, so its pairs within the radius are a superset,
    which the exact distance then filters. Cost grows with the pairs found, not with len(a) * len(b).
    A caller that has the full matrix already passes it as ``km``, and it is read instead.
    """
    if km is not None or len(ax) * len(bx) <= DENSE_PAIRS_LIMIT:
        if km is None:
            km = pairwise_km(theater, ax, ay, bx, by)
        i, j = np.nonzero(km <= radius_km)
        return i, j, km[i, j]
    from scipy.spatial import cKDTree

    kx, ky = float(theater.km_per_cell_x.min()), float(theater.km_per_cell_y)
    tree_a = cKDTree(np.column_stack((ax * kx, ay * ky)))
    tree_b = cKDTree(np.column_stack((bx * kx, by * ky)))
    found = tree_a.sparse_distance_matrix(tree_b, radius_km * (1 + 1e-9) + 1e-9, output_type="ndarray")
    order = np.lexsort((found["j"], found["i"]))
    i, j = found["i"][order].astype(np.intp), found["j"][order].astype(np.intp)
    km = pair_km(theater, ax, ay, bx, by, i, j)
    keep = km <= radius_km
    return i[keep], j[keep], km[keep]


def nearest_within(
    theater: Theater, ax, ay, bx, by, radius_km: float, preferred: np.ndarray | None = None,
    km: np.ndarray | None = None,
) -> np.ndarray:
    """For each a, the index of the nearest b within ``radius_km`` (ties: the lower index), else -1.

    With ``preferred`` (bool per b), an a that has a preferred b within the radius takes the nearest
    of those. Measured over the full matrix (``km``: ``pairwise_km(theater, ax, ay, bx, by)`` when the
    caller has it already): these radii are wide, so most pairs are within them.
    """
    if len(bx) == 0:
        return np.full(len(ax), -1, dtype=np.intp)
    if km is None:
        km = pairwise_km(theater, ax, ay, bx, by)
    within = km <= radius_km
    if preferred is not None:
        within = np.where((within & preferred).any(axis=1, keepdims=True), within & preferred, within)
    nearest = np.argmin(np.where(within, km, np.inf), axis=1)
    return np.where(within.any(axis=1), nearest, -1)


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
