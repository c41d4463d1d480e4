"""The theater: static raster layers of the world on a lon/lat grid.

Layers are numpy arrays of shape (width, height) indexed [x, y] with x the column from
the west and y the row from the south - Mesa's grid convention - so they can be handed
to Mesa property layers unchanged. They are read-only because one cached theater is
shared by every model built on the same ``GridSpec``.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.ndimage import distance_transform_edt

from sim.geography.gazetteer import load_gazetteer
from sim.geography.geodata import load_geodata
from sim.geography.raster import (
    Lattice,
    haversine_km,
    line_side,
    polygon_mask,
    polyline_cells,
    spread_population,
)
from sim.geography.spec import (
    COUNTRY_CODES,
    COUNTRY_OTHER,
    DATA_EXTENT,
    EARTH_RADIUS_KM,
    RIVER_CODES,
    TERRAIN_DESERT,
    TERRAIN_URBAN,
    TERRAIN_VALLEY,
    GridSpec,
)

DEFAULT_SPEC = GridSpec()
#: Cells closer than this to a river cell are river valley (irrigated floodplain).
VALLEY_KM = 8.0
#: Thousands of people per km2 above which a cell is urban (150/km2, the OECD cut-off).
URBAN_DENSITY = 0.15
#: Rivers beyond a smaller theater still count for river_km: rasterise with this margin.
RIVER_PAD_DEG = 1.0
#: Most disks ``Theater.disk_cells`` keeps (a run uses a few hundred to a few thousand).
DISK_CACHE = 1 << 14
#: Static layers in the order they are attached to a Mesa grid.
STATIC_LAYERS = ("country", "river", "river_km", "euphrates_side", "road", "population",
                 "terrain", "cell_area_km2")


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


class Theater:
    """Static layers plus coordinate helpers for one ``GridSpec``; build via ``build_theater``.

    ``river_km`` is the Euclidean distance transform of the river cells with per-axis km
    spacing fixed at the theater's mid-latitude (error < 5 % across 6 deg of latitude).
    ``euphrates_side`` is +1 on the north/east (left) bank and -1 on the south/west
    (right) bank, for every cell, from the cross product with the nearest segment.
    ``km_per_cell_x`` is the east-west width at each row's central latitude.
    """

    def __init__(self, spec: GridSpec) -> None:
        self.spec = spec
        self.width, self.height = spec.nx, spec.ny
        self._lattice = Lattice(spec.lon_min, spec.lat_min, spec.cell_deg, spec.nx, spec.ny)
        self.lon_centers = _readonly(self._lattice.lon_centers)
        self.lat_centers = _readonly(self._lattice.lat_centers)
        dlon = math.radians(spec.cell_deg)
        self.km_per_cell_y = EARTH_RADIUS_KM * dlon
        self.km_per_cell_x = _readonly(
            EARTH_RADIUS_KM * dlon * np.cos(np.radians(self.lat_centers)))
        #: ``km_per_cell_x`` as Python floats, for per-agent arithmetic on one cell at a time.
        self.km_per_row = tuple(self.km_per_cell_x.tolist())
        #: ``km_per_cell_x`` at the mean row of two rows, by the sum of the rows: ``km_x_by_row_sum[y0 +
        #: y1]`` is ``km_per_cell_x[(y0 + y1) // 2]`` (the distances' gather, without a division).
        self.km_x_by_row_sum = _readonly(self.km_per_cell_x[np.arange(2 * self.height - 1) // 2])
        edges = np.radians(spec.lat_min + np.arange(spec.ny + 1) * spec.cell_deg)
        row_area = EARTH_RADIUS_KM**2 * dlon * np.diff(np.sin(edges))
        self.cell_area_km2 = _readonly(np.broadcast_to(row_area, (self.width, self.height)).copy())
        geo = load_geodata()
        points = self._lattice.center_points()
        self._euphrates = line_side(tuple(map(tuple, geo.rivers["euphrates"].tolist())))

        country = np.full((self.width, self.height), COUNTRY_OTHER, dtype=np.int8)
        for name, code in COUNTRY_CODES.items():
            for ring in geo.countries[name]:
                country[polygon_mask(self._lattice, ring, points)] = code
        self.country = _readonly(country)
        #: Iraq or Syria: the ground the model's forces can hold.
        self.land = _readonly(country != COUNTRY_OTHER)

        self.river, self.river_km = self._rivers(geo.rivers)

        lon_grid = np.broadcast_to(self.lon_centers[:, None], (self.width, self.height))
        lat_grid = np.broadcast_to(self.lat_centers[None, :], (self.width, self.height))
        self.euphrates_side = _readonly(self._euphrates.side(lon_grid, lat_grid))

        road = np.zeros((self.width, self.height), dtype=bool)
        for coords in geo.roads.values():
            road[polyline_cells(self._lattice, coords)] = True
        self.road = _readonly(road)

        places = [(p.lon, p.lat, p.population) for p in load_gazetteer().places]
        pop, home = spread_population(self._lattice, places, self.cell_area_km2)
        self.population = _readonly(pop.astype(np.float32))
        dense = (pop / self.cell_area_km2 >= URBAN_DENSITY) | (
            home / self.cell_area_km2 >= URBAN_DENSITY)
        terrain = np.full((self.width, self.height), TERRAIN_DESERT, dtype=np.int8)
        terrain[self.river_km < VALLEY_KM] = TERRAIN_VALLEY
        terrain[dense] = TERRAIN_URBAN
        self.terrain = _readonly(terrain)
        #: Flat masks of the land, its open ground and its built-up ground, which the control pass
        #: reads at the cells the units reach.
        urban = (terrain == TERRAIN_URBAN).reshape(-1)
        self.land_flat = _readonly(self.land.reshape(-1))
        self.open_land_flat = _readonly(self.land_flat & ~urban)
        self.urban_land_flat = _readonly(self.land_flat & urban)
        self._disk_mask = functools.lru_cache(maxsize=4096)(self._disk_mask_uncached)
        #: Each country's cells, and Syria by bank of the Euphrates (read-only; zones read them daily).
        self.in_country = {code: _readonly(self.country == code) for code in (*COUNTRY_CODES.values(),
                                                                              COUNTRY_OTHER)}
        syria = self.in_country[COUNTRY_CODES["Syria"]]
        self.syria_left_bank = _readonly(syria & (self.euphrates_side > 0))
        self.syria_right_bank = _readonly(syria & (self.euphrates_side < 0))
        self._disk_cells: dict[tuple, np.ndarray] = {}  # disk_cells' cache, by (x, y, radius_km)

    def _rivers(self, rivers: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """River raster, and river_km computed on a padded lattice so that rivers just
        outside a small theater still count."""
        s, cell = self.spec, self.spec.cell_deg
        pad = math.floor(RIVER_PAD_DEG / cell)
        px0 = min(pad, math.floor((s.lon_min - DATA_EXTENT[0]) / cell + 1e-9))
        py0 = min(pad, math.floor((s.lat_min - DATA_EXTENT[2]) / cell + 1e-9))
        px1 = min(pad, math.floor((DATA_EXTENT[1] - s.lon_max) / cell + 1e-9))
        py1 = min(pad, math.floor((DATA_EXTENT[3] - s.lat_max) / cell + 1e-9))
        big = Lattice(s.lon_min - px0 * cell, s.lat_min - py0 * cell, cell,
                      self.width + px0 + px1, self.height + py0 + py1)
        river = np.zeros((big.nx, big.ny), dtype=np.int8)
        # Euphrates painted last so the Khabur confluence cell belongs to the Euphrates.
        for name in ("khabur", "tigris", "euphrates"):
            river[polyline_cells(big, rivers[name])] = RIVER_CODES[name]
        if river.any():
            spacing = (self.km_per_cell_y * math.cos(math.radians(s.mid_lat)), self.km_per_cell_y)
            dist = distance_transform_edt(river == 0, sampling=spacing)
        else:
            dist = np.full(river.shape, np.inf)
        window = (slice(px0, px0 + self.width), slice(py0, py0 + self.height))
        return (_readonly(river[window].copy()),
                _readonly(dist[window].astype(np.float32)))

    # ----------------------------------------------------------------- coordinates
    def __repr__(self) -> str:
        return f"Theater({self.width}x{self.height}, {self.spec})"

    def layers(self) -> dict[str, np.ndarray]:
        """The static (width, height) layers by name."""
        return {name: getattr(self, name) for name in STATIC_LAYERS}

    def contains(self, lon, lat):
        """True when (lon, lat) lies in the box (edges included); works on arrays too."""
        s = self.spec
        inside = ((np.asarray(lon) >= s.lon_min) & (np.asarray(lon) <= s.lon_max)
                  & (np.asarray(lat) >= s.lat_min) & (np.asarray(lat) <= s.lat_max))
        return bool(inside) if np.ndim(inside) == 0 else inside

    def cells_of(self, lons, lats) -> tuple[np.ndarray, np.ndarray]:
        """Cell indices of many points; no bounds check (use ``contains`` first)."""
        s = self.spec
        x = np.floor((np.asarray(lons, dtype=float) - s.lon_min) / s.cell_deg).astype(np.intp)
        y = np.floor((np.asarray(lats, dtype=float) - s.lat_min) / s.cell_deg).astype(np.intp)
        # The east and north edges belong to the last column/row (closed box).
        x = np.where(x == self.width, self.width - 1, x)
        y = np.where(y == self.height, self.height - 1, y)
        return x, y

    def cell_of(self, lon: float, lat: float) -> tuple[int, int]:
        """The cell containing (lon, lat); ValueError when outside the theater."""
        if not self.contains(lon, lat):
            raise ValueError(f"({lon}, {lat}) is outside the theater {self.spec.bounds}")
        x, y = self.cells_of(lon, lat)
        return int(x), int(y)

    def lonlat_of(self, x: int, y: int) -> tuple[float, float]:
        """Centre of cell (x, y)."""
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise ValueError(f"cell ({x}, {y}) outside {self.width}x{self.height}")
        return float(self.lon_centers[x]), float(self.lat_centers[y])

    def polygon_mask(self, polygon_lonlat: np.ndarray) -> np.ndarray:
        """Bool (width, height): cell centres inside the [lon, lat] polygon."""
        return polygon_mask(self._lattice, polygon_lonlat)

    def distance_km(self, x0, y0, xs, ys) -> np.ndarray:
        """Great-circle km between the centre of (x0, y0) and the centres of (xs, ys)."""
        return haversine_km(self.lon_centers[x0], self.lat_centers[y0],
                            self.lon_centers[np.asarray(xs)], self.lat_centers[np.asarray(ys)])

    def km_between(self, x0: int, y0: int, x1: int, y1: int) -> float:
        """The model's distance between two cells (sim.model.space.distances: east-west at the
        mean row), for one pair in plain Python: the same operations, so the same float."""
        dx = (x0 - x1) * self.km_per_row[(y0 + y1) // 2]
        dy = (y0 - y1) * self.km_per_cell_y
        return math.sqrt(dx * dx + dy * dy)

    def side_of_euphrates(self, lon: float, lat: float) -> int:
        """+1 north/east (left) bank, -1 south/west (right) bank, for an exact point."""
        return int(self._euphrates.side(lon, lat)[0])

    # ----------------------------------------------------------------- disks
    def _disk_mask_uncached(self, y: int, radius_km: float) -> tuple[np.ndarray, int, int]:
        s = self.spec
        ry = math.floor(radius_km / self.km_per_cell_y + 1e-9)
        # Great-circle distance is shorter than along the parallel: pad one column.
        lat_far = max(abs(s.lat_min + (y - ry) * s.cell_deg),
                      abs(s.lat_min + (y + ry + 1) * s.cell_deg))
        rx = math.floor(radius_km / (self.km_per_cell_y * math.cos(math.radians(lat_far)))) + 1
        lat0 = s.lat_min + (y + 0.5) * s.cell_deg
        lats = lat0 + np.arange(-ry, ry + 1) * s.cell_deg
        dlon = np.arange(-rx, rx + 1) * s.cell_deg
        mask = haversine_km(0.0, lat0, dlon[:, None], lats[None, :]) <= radius_km
        return _readonly(mask), rx, ry

    def disk(self, x: int, y: int, radius_km: float) -> tuple[slice, slice, np.ndarray]:
        """Window slices around (x, y) and the bool mask of its cells within radius_km.

        Use as ``arr[sx, sy][mask]``; the mask is cached per (row, radius) and read-only.
        """
        mask, rx, ry = self._disk_mask(int(y), float(radius_km))
        x0, y0 = max(x - rx, 0), max(y - ry, 0)
        x1, y1 = min(x + rx + 1, self.width), min(y + ry + 1, self.height)
        sub = mask[x0 - (x - rx): x1 - (x - rx), y0 - (y - ry): y1 - (y - ry)]
        return slice(x0, x1), slice(y0, y1), sub


    def disk_cells(self, x: int, y: int, radius_km: float) -> np.ndarray:
        """The cells of ``disk(x, y, radius_km)`` as flat indices into a (width, height) array.

        Cached (read-only), by the arguments as given (a numpy integer hashes as the equal int): a
        run asks for the same few hundred disks day after day, and a phase that acts on all units at
        once concatenates them instead of slicing one window per unit. The control pass asks about
        fifty a day, so the lookup is a plain dict's; the cache is emptied if it ever holds more than
        ``DISK_CACHE`` disks.
        """
        cells = self._disk_cells.get((x, y, radius_km))
        if cells is None:
            if len(self._disk_cells) >= DISK_CACHE:
                self._disk_cells.clear()
            cells = self._disk_cells[x, y, radius_km] = self._disk_cells_uncached(int(x), int(y),
                                                                                  float(radius_km))
        return cells

    def _disk_cells_uncached(self, x: int, y: int, radius_km: float) -> np.ndarray:
        sx, sy, mask = self.disk(x, y, radius_km)
        xs, ys = np.nonzero(mask)
        return _readonly((xs + sx.start) * self.height + (ys + sy.start))


@functools.lru_cache(maxsize=16)
def _build(spec: GridSpec) -> Theater:
    return Theater(spec)


def build_theater(spec: GridSpec = DEFAULT_SPEC) -> Theater:
    """The (cached, shared, read-only) theater for ``spec``."""
    return _build(spec)
