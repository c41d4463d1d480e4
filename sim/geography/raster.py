"""Numpy rasterisation of vector geometry onto a regular lon/lat lattice.

Everything here is vectorised over cells: loops run over polygon rings, polyline
segments or places only, so a 800 x 600 lattice costs about as much as a 160 x 120 one.
A lattice is described by ``Lattice`` (origin, cell size, shape) rather than a
``GridSpec`` so that a theater can rasterise on a padded copy of itself.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from sim.geography.spec import DATA_EXTENT, EARTH_RADIUS_KM

#: Latitude for the local equirectangular metric used in nearest-segment searches.
#: Fixed (not per theater) so the bank of a point does not depend on the grid.
SIDE_REF_LAT = 0.5 * (DATA_EXTENT[2] + DATA_EXTENT[3])


@dataclass(frozen=True)
class Lattice:
    """Cells [lon0 + i*cell, lon0 + (i+1)*cell) x [lat0 + j*cell, ...), i < nx, j < ny."""

    lon0: float
    lat0: float
    cell: float
    nx: int
    ny: int

    @property
    def lon_centers(self) -> np.ndarray:
        return self.lon0 + (np.arange(self.nx) + 0.5) * self.cell

    @property
    def lat_centers(self) -> np.ndarray:
        return self.lat0 + (np.arange(self.ny) + 0.5) * self.cell

    def center_points(self) -> np.ndarray:
        """(nx*ny, 2) [lon, lat] of all cell centres, in [x, y] (C) order."""
        lon, lat = np.meshgrid(self.lon_centers, self.lat_centers, indexing="ij")
        return np.column_stack([lon.ravel(), lat.ravel()])


def polygon_mask(lat: Lattice, ring: np.ndarray, points: np.ndarray | None = None) -> np.ndarray:
    """Bool (nx, ny): cell centres inside the closed ring ``ring`` ([lon, lat] rows).

    The even-odd rule by the crossings-multiply test (Haines, Graphics Gems IV): a horizontal ray
    from the point crosses an edge when the edge's ends lie on either side of the point's row
    (``>=`` on the upper side), and the crossing is to the right by the sign of a product, without a
    division. Points on an edge fall to the side this arithmetic gives, which is matplotlib's
    ``Path.contains_points`` convention as well (``tests/test_geography.py`` checks every shipped
    polygon against it); only the points inside the ring's bounding box are tested.
    """
    pts = lat.center_points() if points is None else points
    ring = np.asarray(ring, dtype=float)
    if len(ring) and (ring[0] != ring[-1]).any():
        ring = np.vstack([ring, ring[:1]])  # closed
    px, py = pts[:, 0], pts[:, 1]
    lo, hi = ring.min(axis=0), ring.max(axis=0)
    box = np.nonzero((px >= lo[0]) & (px <= hi[0]) & (py >= lo[1]) & (py <= hi[1]))[0]
    x, y = px[box], py[box]
    inside = np.zeros(box.size, dtype=bool)
    for (x0, y0), (x1, y1) in zip(ring[:-1].tolist(), ring[1:].tolist(), strict=True):
        upper = y1 >= y
        inside ^= ((y0 >= y) != upper) & (((y1 - y) * (x0 - x1) >= (x1 - x) * (y0 - y1)) == upper)
    mask = np.zeros(px.size, dtype=bool)
    mask[box[inside]] = True
    return mask.reshape(lat.nx, lat.ny)


def sample_polyline(coords: np.ndarray, step: float) -> np.ndarray:
    """Points every <= ``step`` degrees along a polyline, vertices included."""
    coords = np.asarray(coords, dtype=float)
    parts = [coords[:1]]
    for a, b in zip(coords[:-1], coords[1:], strict=True):
        n = max(1, math.ceil(float(np.hypot(*(b - a))) / step))
        t = np.arange(1, n + 1)[:, None] / n
        parts.append(a + t * (b - a))
    return np.concatenate(parts)


def polyline_cells(lat: Lattice, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique (ix, iy) of the cells a polyline passes through (sampled at < cell/3)."""
    pts = sample_polyline(coords, lat.cell / 4.0)
    fx = (pts[:, 0] - lat.lon0) / lat.cell
    fy = (pts[:, 1] - lat.lat0) / lat.cell
    ok = (fx >= 0) & (fx <= lat.nx) & (fy >= 0) & (fy <= lat.ny)
    ix = np.minimum(np.floor(fx[ok]).astype(np.intp), lat.nx - 1)
    iy = np.minimum(np.floor(fy[ok]).astype(np.intp), lat.ny - 1)
    flat = np.unique(ix * lat.ny + iy)
    return flat // lat.ny, flat % lat.ny


class LineSide:
    """Which side of a directed polyline points lie on (+1 left, -1 right).

    Uses the sign of the cross product with the nearest segment (downstream-directed), in a local
    equirectangular metric. A KD-tree on samples every ``sample_step`` degrees finds a
    candidate segment, refined exactly among its two neighbours either way (0.01 deg
    samples agree with 0.002 deg ones on all 480k cells of a 0.01 deg grid, 3x faster).
    """

    def __init__(self, coords: np.ndarray, sample_step: float = 0.01) -> None:
        self._k = math.cos(math.radians(SIDE_REF_LAT))
        xy = self._xy(np.asarray(coords, dtype=float))
        self.a, self.d = xy[:-1], xy[1:] - xy[:-1]
        self._len2 = np.maximum((self.d**2).sum(axis=1), 1e-18)
        self._u = self.d / np.sqrt(self._len2)[:, None]
        samples, seg = [], []
        for i, (a, d) in enumerate(zip(self.a, self.d, strict=True)):
            n = max(1, math.ceil(math.sqrt(self._len2[i]) / sample_step))
            t = np.arange(n + 1)[:, None] / n
            samples.append(a + t * d)
            seg.append(np.full(n + 1, i))
        self._seg = np.concatenate(seg)
        self._tree = cKDTree(np.concatenate(samples))

    def _xy(self, lonlat: np.ndarray) -> np.ndarray:
        return np.column_stack([lonlat[:, 0] * self._k, lonlat[:, 1]])

    def _dist2(self, p: np.ndarray, seg: np.ndarray) -> np.ndarray:
        a, d = self.a[seg], self.d[seg]
        t = np.clip(((p - a) * d).sum(axis=1) / self._len2[seg], 0.0, 1.0)
        return ((p - a - t[:, None] * d) ** 2).sum(axis=1)

    def side(self, lons, lats) -> np.ndarray:
        """int8 array: +1 left of the downstream direction, -1 right (on the line: +1)."""
        lon = np.atleast_1d(np.asarray(lons, dtype=float))
        p = self._xy(np.column_stack([lon.ravel(), np.asarray(lats, dtype=float).ravel()]))
        _, idx = self._tree.query(p)
        k = self._seg[idx]
        last = len(self.a) - 1
        cand = np.stack([np.clip(k + o, 0, last) for o in (-2, -1, 0, 1, 2)])
        dist = np.stack([self._dist2(p, c) for c in cand])
        best = cand[np.argmin(dist, axis=0), np.arange(len(p))]
        a, d = self.a[best].copy(), self.d[best].copy()
        t = ((p - a) * d).sum(axis=1) / self._len2[best]
        # Nearest point is an inner vertex: the two segments can disagree beyond a sharp
        # bend, so use the vertex pseudo-normal (sum of the unit directions) instead.
        end = (t >= 1) & (best < last)
        a[end] = self.a[best[end] + 1]
        d[end] = self._u[best[end]] + self._u[best[end] + 1]
        start = (t <= 0) & (best > 0)
        d[start] = self._u[best[start] - 1] + self._u[best[start]]
        cross = d[:, 0] * (p[:, 1] - a[:, 1]) - d[:, 1] * (p[:, 0] - a[:, 0])
        return np.where(cross >= 0, 1, -1).astype(np.int8).reshape(lon.shape)


@functools.cache
def line_side(coords_key: tuple[tuple[float, float], ...]) -> LineSide:
    """Cached ``LineSide`` keyed by the polyline's vertices."""
    return LineSide(np.array(coords_key))


def haversine_km(lon0, lat0, lon1, lat1) -> np.ndarray:
    """Great-circle distance in km (mean Earth radius), broadcasting over inputs."""
    p0, p1 = np.radians(lat0), np.radians(lat1)
    dlat = p1 - p0
    dlon = np.radians(np.asarray(lon1) - np.asarray(lon0))
    h = np.sin(dlat / 2) ** 2 + np.cos(p0) * np.cos(p1) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def spread_population(
    lat: Lattice, places: list[tuple[float, float, float]], cell_area: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Spread each (lon, lat, thousands) over nearby cells with a Gaussian footprint.

    sigma_km = 1 + sqrt(people) / 10 (about 1.3 km for a 10k town, 9 km for Baghdad), so
    footprints are physical and do not change with cell size. Weights are normalised over
    the in-lattice part of the window, so the layer sums to the population on the grid.
    Also returns, per cell, the largest single-place population whose point lies in it.
    """
    pop = np.zeros((lat.nx, lat.ny), dtype=np.float64)
    home = np.zeros((lat.nx, lat.ny), dtype=np.float64)
    lon_c, lat_c = lat.lon_centers, lat.lat_centers
    km_y = EARTH_RADIUS_KM * math.radians(lat.cell)
    for plon, plat, thousands in places:
        fx, fy = (plon - lat.lon0) / lat.cell, (plat - lat.lat0) / lat.cell
        if thousands <= 0 or not (0 <= fx <= lat.nx and 0 <= fy <= lat.ny):
            continue
        ix, iy = min(int(fx), lat.nx - 1), min(int(fy), lat.ny - 1)
        home[ix, iy] = max(home[ix, iy], thousands)
        sigma = 1.0 + math.sqrt(thousands) / 10.0
        km_x = km_y * math.cos(math.radians(plat))
        rx = max(1, math.ceil(3 * sigma / km_x))
        ry = max(1, math.ceil(3 * sigma / km_y))
        sx = slice(max(ix - rx, 0), min(ix + rx + 1, lat.nx))
        sy = slice(max(iy - ry, 0), min(iy + ry + 1, lat.ny))
        dx = (lon_c[sx] - plon)[:, None] * math.cos(math.radians(plat)) * km_y / lat.cell
        dy = (lat_c[sy] - plat)[None, :] * km_y / lat.cell
        logw = -(dx**2 + dy**2) / (2 * sigma**2) + np.log(cell_area[sx, sy])
        w = np.exp(logw - logw.max())  # shifted: coarse cells would underflow otherwise
        pop[sx, sy] += thousands * w / w.sum()
    return pop, home
