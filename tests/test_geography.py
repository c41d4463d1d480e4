"""Tests for sim.geography: data file, gazetteer, rasterised theater and the Mesa seam."""

from __future__ import annotations

import math
import random
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.geography import (
    COUNTRY_IRAQ,
    COUNTRY_OTHER,
    COUNTRY_SYRIA,
    RIVER_EUPHRATES,
    RIVER_KHABUR,
    RIVER_NONE,
    RIVER_TIGRIS,
    TERRAIN_DESERT,
    TERRAIN_URBAN,
    TERRAIN_VALLEY,
    GridSpec,
    add_layer,
    build_theater,
    layer,
    load_gazetteer,
    load_geodata,
    make_mesa_grid,
)
from sim.geography.geodata import load_raw
from sim.geography.raster import haversine_km
from sim.geography.spec import DATA_EXTENT, EARTH_RADIUS_KM
from sim.geography.theater import STATIC_LAYERS, Theater

R = EARTH_RADIUS_KM


@pytest.fixture(scope="module")
def th() -> Theater:
    return build_theater()


def cell(th: Theater, name: str) -> tuple[int, int]:
    p = load_gazetteer().find(name)
    assert p is not None, name
    return th.cell_of(p.lon, p.lat)


# ---------------------------------------------------------------- data file
def test_data_file_is_small_and_complete():
    path = resources.files("sim.data").joinpath("geography.yaml")
    assert len(path.read_bytes()) < 60_000
    raw = load_raw()
    ext = raw["meta"]["extent"]
    assert (ext["lon_min"], ext["lon_max"], ext["lat_min"], ext["lat_max"]) == DATA_EXTENT
    assert {"NE10_ADM0_V5", "NE10_RIVERS_V4", "GSHHG_WDBII", "GEONAMES_500"} <= set(
        raw["meta"]["sources"])
    for p in raw["places"] + raw["extra_places"]:
        assert p["population"] > 0
        assert p["population_basis"] in {"census_2004", "estimate", "by_kind"}
    geo = load_geodata()
    assert set(geo.rivers) == {"euphrates", "tigris", "khabur"}
    assert set(geo.countries) == {"Iraq", "Syria"}
    assert {"euphrates_pocket_2018", "jazira_pocket_2018", "al_tanf_deconfliction_zone"} <= set(
        geo.regions)
    assert len(geo.roads) >= 10
    for arr in [*geo.rivers.values(), *geo.roads.values()]:
        assert arr.ndim == 2 and arr.shape[1] == 2 and not arr.flags.writeable


def test_rivers_run_downstream():
    geo = load_geodata()
    # Euphrates enters from Turkey in the north and leaves at the south edge.
    assert geo.rivers["euphrates"][0][1] > geo.rivers["euphrates"][-1][1]
    # Khabur starts at Ras al-Ayn and ends at the Euphrates confluence near al-Busayrah.
    assert geo.rivers["khabur"][0][1] > 36.8 and geo.rivers["khabur"][-1][1] < 35.2


# ---------------------------------------------------------------- countries
@pytest.mark.parametrize(
    "name, country",
    [("Albu Kamal", COUNTRY_SYRIA), ("Deir ez-Zor", COUNTRY_SYRIA), ("Hasakah", COUNTRY_SYRIA),
     ("Dashisha", COUNTRY_SYRIA), ("Raqqa", COUNTRY_SYRIA), ("Palmyra", COUNTRY_SYRIA),
     ("Al-Qaim", COUNTRY_IRAQ), ("Rutbah", COUNTRY_IRAQ), ("Mosul", COUNTRY_IRAQ),
     ("Haditha", COUNTRY_IRAQ), ("Baghdad", COUNTRY_IRAQ), ("Tal Afar", COUNTRY_IRAQ)],
)
def test_towns_fall_in_their_country(th, name, country):
    assert th.country[cell(th, name)] == country


def test_other_countries_are_other(th):
    # South-east Turkey (north-west corner) and Jordan (south-west corner).
    assert th.country[th.cell_of(38.0, 37.3)] == COUNTRY_OTHER
    assert th.country[th.cell_of(37.8, 31.8)] == COUNTRY_OTHER
    counts = np.bincount(th.country.ravel(), minlength=3)
    assert counts[COUNTRY_IRAQ] > 2 * counts[COUNTRY_SYRIA] > 0


# ---------------------------------------------------------------- Euphrates banks
# Expected banks follow the notes in the reference gazetteer (right = south/west).
RIGHT_BANK = ["Albu Kamal", "Deir ez-Zor", "Mayadin", "Mohassan", "al-Ashara", "Ramadi"]
LEFT_BANK = ["Hajin", "Baghuz", "al-Susah", "Raqqa", "Khasham", "al-Busayrah", "Dhiban"]


@pytest.mark.parametrize("name", RIGHT_BANK)
def test_right_bank_towns(th, name):
    p = load_gazetteer().find(name)
    assert th.side_of_euphrates(p.lon, p.lat) == -1


@pytest.mark.parametrize("name", LEFT_BANK)
def test_left_bank_towns(th, name):
    p = load_gazetteer().find(name)
    assert th.side_of_euphrates(p.lon, p.lat) == +1


@pytest.mark.parametrize(
    "name, side",
    [("Palmyra", -1), ("Rutbah", -1), ("al-Sukhnah", -1), ("Al Asad Airbase", -1),
     ("Hasakah", 1), ("Dashisha", 1), ("Mosul", 1), ("Tal Afar", 1), ("Baghdad", 1)],
)
def test_side_layer_away_from_the_river(th, name, side):
    # Towns within a cell of the river may sit in a cell whose centre is across it.
    assert th.euphrates_side[cell(th, name)] == side


def test_side_layer_matches_point_function_and_polygon_construction(th):
    rng = np.random.default_rng(0)
    xs, ys = rng.integers(0, th.width, 200), rng.integers(0, th.height, 200)
    for x, y in zip(xs, ys, strict=True):
        assert th.euphrates_side[x, y] == th.side_of_euphrates(*th.lonlat_of(x, y))
    # Independent check: the left bank is the region enclosed by the river and the
    # east part of the box boundary (the river enters in the north, leaves in the south).
    e = load_geodata().rivers["euphrates"]
    ring = np.vstack([e, [[45.5, 31.5], [45.5, 37.5]], e[:1]])
    expected = np.where(th.polygon_mask(ring), 1, -1)
    differ = expected != th.euphrates_side
    assert np.all(th.river[differ] == RIVER_EUPHRATES)
    assert set(np.unique(th.euphrates_side)) == {-1, 1}


# ---------------------------------------------------------------- rivers
@pytest.mark.parametrize(
    "name, code, towns",
    [("euphrates", RIVER_EUPHRATES, ["Deir ez-Zor", "Albu Kamal", "Haditha", "Ramadi"]),
     ("tigris", RIVER_TIGRIS, ["Mosul", "Bayji", "Tikrit", "Samarra"]),
     ("khabur", RIVER_KHABUR, ["Hasakah", "Shaddadi", "Markadah"])],
)
def test_river_cells_along_each_river(th, name, code, towns):
    assert (th.river == code).sum() > 30
    coords = load_geodata().rivers[name]
    inside = th.contains(coords[:, 0], coords[:, 1])
    xs, ys = th.cells_of(coords[inside, 0], coords[inside, 1])
    assert np.mean(th.river[xs, ys] == code) > 0.95  # the rest: confluences
    for town in towns:
        x, y = cell(th, town)
        assert code in th.river[max(x - 1, 0): x + 2, max(y - 1, 0): y + 2], town


def test_river_km_zero_on_rivers_and_grows_away(th):
    on = th.river != RIVER_NONE
    assert np.all(th.river_km[on] == 0)
    assert np.all(th.river_km[~on] > 0)
    # A distance field: neighbouring cells differ by at most one cell step.
    step = max(th.km_per_cell_x.max(), th.km_per_cell_y) + 1e-3
    assert np.abs(np.diff(th.river_km, axis=0)).max() <= step
    assert np.abs(np.diff(th.river_km, axis=1)).max() <= step
    assert th.river_km[cell(th, "Rutbah")] > 100
    # Walking south from Deir ez-Zor into the desert, distance never decreases.
    x, y = cell(th, "Deir ez-Zor")
    walk = th.river_km[x, y - 12: y + 1][::-1]
    assert np.all(np.diff(walk) >= -1e-3) and walk[-1] > 30


def test_terrain(th):
    for town in ["Baghdad", "Mosul", "Deir ez-Zor", "Raqqa", "Albu Kamal", "Ramadi"]:
        assert th.terrain[cell(th, town)] == TERRAIN_URBAN, town
    assert th.terrain[th.cell_of(39.5, 33.0)] == TERRAIN_DESERT  # western Anbar desert
    valley = th.terrain == TERRAIN_VALLEY
    assert valley.sum() > 500 and np.all(th.river_km[valley] < 8)
    assert np.all(th.terrain[(th.river_km >= 8) & (th.terrain != TERRAIN_URBAN)]
                  == TERRAIN_DESERT)


def test_population_sums_to_places_on_grid(th):
    places = [p for p in load_gazetteer().places if th.contains(p.lon, p.lat)]
    assert "Damascus" not in {p.name for p in places}
    assert th.population.sum() == pytest.approx(sum(p.population for p in places), rel=1e-4)
    assert th.population[cell(th, "Baghdad")] > th.population[cell(th, "Hajin")] > 0


def test_roads(th):
    assert th.road.dtype == bool and th.road.sum() > 200
    for town in ["Rutbah", "Deir ez-Zor", "Tal Afar", "Hajin"]:
        assert th.road[cell(th, town)], town


# ---------------------------------------------------------------- cell geometry
def test_layers_shape_dtype_readonly(th):
    assert (th.width, th.height) == (160, 120)
    dtypes = {"country": np.int8, "river": np.int8, "river_km": np.float32,
              "euphrates_side": np.int8, "road": np.bool_, "population": np.float32,
              "terrain": np.int8, "cell_area_km2": np.float64}
    for name in STATIC_LAYERS:
        arr = getattr(th, name)
        assert arr.shape == (th.width, th.height) and arr.dtype == dtypes[name], name
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0, 0] = 1
    assert th.lon_centers.shape == (160,) and th.lat_centers.shape == (120,)
    assert build_theater() is th and build_theater(GridSpec()) is th


def test_cell_area_whole_box_and_single_cell(th):
    s = th.spec
    box = R**2 * math.radians(s.lon_max - s.lon_min) * (
        math.sin(math.radians(s.lat_max)) - math.sin(math.radians(s.lat_min)))
    assert th.cell_area_km2.sum() == pytest.approx(box, rel=0.01)
    # A cell near 34 N against a trapezoid measured with great-circle distances.
    x, y = th.cell_of(40.0, 34.0)
    lon, lat = th.lonlat_of(x, y)
    h = s.cell_deg / 2
    top = haversine_km(lon - h, lat + h, lon + h, lat + h)
    bottom = haversine_km(lon - h, lat - h, lon + h, lat - h)
    height = haversine_km(lon, lat - h, lon, lat + h)
    assert th.cell_area_km2[x, y] == pytest.approx((top + bottom) / 2 * height, rel=0.01)
    assert th.km_per_cell_y == pytest.approx(height, rel=1e-6)
    assert th.km_per_cell_x[y] == pytest.approx((top + bottom) / 2, rel=0.01)


@settings(max_examples=300, deadline=None)
@given(st.floats(37.5, 45.5), st.floats(31.5, 37.5))
def test_lonlat_cell_round_trip(lon, lat):
    th = build_theater()
    assert th.contains(lon, lat)
    x, y = th.cell_of(lon, lat)
    assert 0 <= x < th.width and 0 <= y < th.height
    clon, clat = th.lonlat_of(x, y)
    half = th.spec.cell_deg / 2 + 1e-9
    assert abs(clon - lon) <= half and abs(clat - lat) <= half
    assert th.cell_of(clon, clat) == (x, y)
    vx, vy = th.cells_of(np.array([lon]), np.array([lat]))
    assert (int(vx[0]), int(vy[0])) == (x, y)


def test_every_centre_maps_to_its_cell(th):
    xs, ys = np.meshgrid(np.arange(th.width), np.arange(th.height), indexing="ij")
    cx, cy = th.cells_of(th.lon_centers[xs], th.lat_centers[ys])
    assert np.array_equal(cx, xs) and np.array_equal(cy, ys)


def test_outside_points(th):
    assert not th.contains(36.29, 33.51)  # Damascus
    with pytest.raises(ValueError):
        th.cell_of(36.29, 33.51)
    with pytest.raises(ValueError):
        th.lonlat_of(th.width, 0)
    assert th.cell_of(45.5, 37.5) == (th.width - 1, th.height - 1)
    assert list(th.contains(np.array([40.0, 50.0]), np.array([34.0, 34.0]))) == [True, False]


def test_distance_and_disk(th):
    xa, ya = cell(th, "Albu Kamal")
    xd, yd = cell(th, "Deir ez-Zor")
    assert float(th.distance_km(xa, ya, xd, yd)) == pytest.approx(118, abs=8)
    xs, ys = np.meshgrid(np.arange(th.width), np.arange(th.height), indexing="ij")
    for x, y, r in [(xa, ya, 30.0), (0, 0, 25.0), (th.width - 1, th.height - 1, 55.0),
                    (80, 60, 4.0), (10, 100, 120.0)]:
        sx, sy, mask = th.disk(x, y, r)
        full = np.zeros((th.width, th.height), dtype=bool)
        full[sx, sy] = mask
        assert np.array_equal(full, th.distance_km(x, y, xs, ys) <= r)
        assert mask[x - sx.start, y - sy.start] and not mask.flags.writeable


def test_polygon_mask_of_regions(th):
    pocket = th.polygon_mask(load_geodata().regions["euphrates_pocket_2018"].polygon)
    assert pocket.dtype == bool and pocket.shape == (th.width, th.height)
    assert pocket[cell(th, "Hajin")] or pocket[cell(th, "al-Susah")]
    assert np.all(th.country[pocket] == COUNTRY_SYRIA)
    assert np.all(th.euphrates_side[pocket & (th.river == RIVER_NONE)] == 1)
    tanf = th.polygon_mask(load_geodata().regions["al_tanf_deconfliction_zone"].polygon)
    assert tanf[cell(th, "al-Tanf garrison")] and 300 < tanf.sum() < 450  # ~pi*55^2/25


# ---------------------------------------------------------------- other theaters
def test_smaller_box_matches_window_of_full_theater(th):
    spec = GridSpec(lon_min=40.0, lon_max=42.0, lat_min=34.0, lat_max=36.0, cell_deg=0.05)
    small = build_theater(spec)
    assert (small.width, small.height) == (40, 40)
    x0, y0 = th.cell_of(40.025, 34.025)
    win = (slice(x0, x0 + 40), slice(y0, y0 + 40))
    for name in ("country", "river", "road", "euphrates_side", "cell_area_km2"):
        assert np.array_equal(getattr(small, name), getattr(th, name)[win]), name
    np.testing.assert_allclose(small.river_km, th.river_km[win], rtol=0.03, atol=0.01)
    assert small.country[small.cell_of(40.9185, 34.4523)] == COUNTRY_SYRIA
    with pytest.raises(ValueError):
        small.cell_of(43.1189, 36.335)  # Mosul is not on this grid


@pytest.mark.parametrize("cell_deg", [0.01, 0.1, 0.25, 0.5])
def test_other_cell_sizes(th, cell_deg):
    other = build_theater(GridSpec(cell_deg=cell_deg))
    assert other.width == round(8 / cell_deg) and other.height == round(6 / cell_deg)
    assert other.cell_area_km2.sum() == pytest.approx(th.cell_area_km2.sum(), rel=1e-9)
    assert other.population.sum() == pytest.approx(th.population.sum(), rel=1e-4)
    for code in (RIVER_EUPHRATES, RIVER_TIGRIS, RIVER_KHABUR):
        assert (other.river == code).any()
    if cell_deg <= 0.1:
        assert other.country[other.cell_of(40.7477, 36.5024)] == COUNTRY_SYRIA  # Hasakah
        assert other.country[other.cell_of(42.3773, 34.1366)] == COUNTRY_IRAQ  # Haditha


@pytest.mark.parametrize(
    "kwargs",
    [{"cell_deg": 0.07}, {"cell_deg": 0.005}, {"cell_deg": 1.0},
     {"lon_min": 36.0}, {"lat_max": 38.0}, {"lon_min": 41.0, "lon_max": 40.0}],
)
def test_invalid_specs(kwargs):
    with pytest.raises(ValueError):
        GridSpec(**kwargs)


# ---------------------------------------------------------------- gazetteer
@pytest.mark.parametrize(
    "query, name",
    [("Abu Kamal", "Albu Kamal"), ("al-Bukamal", "Albu Kamal"), ("ALBU KAMAL", "Albu Kamal"),
     ("deir ezzor", "Deir ez-Zor"), ("Dayr az-Zawr", "Deir ez-Zor"), ("Qaim", "Al-Qaim"),
     ("al Qa'im", "Al-Qaim"), ("Husaybah", "Al-Qaim"), ("Hasaka", "Hasakah"),
     ("ash-Shaddadi", "Shaddadi"), ("Shaddadi", "Shaddadi"), ("Tabqa", "Tabqa (al-Thawrah)"),
     ("al-Hol", "al-Hawl"), ("Baghdad", "Baghdad"), ("Baghdadi", "al-Baghdadi"),
     ("البوكمال", "Albu Kamal"), ("Şeddadê", "Shaddadi")],
)
def test_find_resolves_spellings(query, name):
    place = load_gazetteer().find(query)
    assert place is not None and place.name == name


def test_find_unknown_and_suggest():
    gaz = load_gazetteer()
    assert gaz.find("Atlantis") is None
    assert gaz.suggest("Albu Kamel")[0] == "Albu Kamal"
    assert gaz.suggest("Dier ez Zor")[0] == "Deir ez-Zor"
    assert gaz.suggest("Mosel")[0] == "Mosul"
    assert len(gaz.suggest("Ramady", n=2)) <= 2
    assert gaz.suggest("qqqqqqqq") == []


def test_gazetteer_contents():
    gaz = load_gazetteer()
    names = gaz.names()
    assert len(names) == len(set(names)) == 61  # the reference's 60 and build_data.PROJECT_PLACES
    omar = gaz.find("al-Omar")
    assert omar.name == "al-Omar oil field" and omar.country == "Syria" and omar.kind == "facility"
    p = gaz.find("Albu Kamal")
    assert (p.country, p.kind, p.lon, p.lat) == ("Syria", "city", 40.9185, 34.4523)
    assert "Abu Kamal" in p.alt_names and p.population > 0
    assert hash(p) == hash(gaz.find("Abu Kamal"))


# ---------------------------------------------------------------- Mesa seam
def test_make_mesa_grid_layers_equal_arrays():
    th = build_theater(GridSpec(cell_deg=0.1))
    grid = make_mesa_grid(th, random.Random(42))
    assert (grid.width, grid.height) == (th.width, th.height) and not grid.torus
    for name in STATIC_LAYERS:
        arr = layer(grid, name)
        assert arr.dtype == getattr(th, name).dtype
        assert np.array_equal(arr, getattr(th, name)), name
    x, y = cell(th, "Mosul")
    c = grid._cells[(x, y)]
    assert c.country == COUNTRY_IRAQ and c.terrain == TERRAIN_URBAN
    with pytest.raises(ValueError):
        c.country = COUNTRY_SYRIA  # static layers are read-only


def test_add_layer_shares_the_array():
    th = build_theater(GridSpec(cell_deg=0.1))
    grid = make_mesa_grid(th, random.Random(1))
    control = np.zeros((th.width, th.height), dtype=np.float32)
    add_layer(grid, "control", control)
    assert layer(grid, "control") is control
    grid._cells[(3, 4)].control = 0.5
    assert control[3, 4] == 0.5
    control[5, 6] = 2.0
    assert grid._cells[(5, 6)].control == 2.0
    with pytest.raises(ValueError):
        add_layer(grid, "bad", np.zeros((3, 3)))
    with pytest.raises(KeyError):
        layer(grid, "nope")


def _rings(node) -> list[np.ndarray]:
    """Every list of three or more [lon, lat] pairs in a parsed YAML tree."""
    if isinstance(node, dict):
        return [r for v in node.values() for r in _rings(v)]
    if isinstance(node, list):
        if len(node) >= 3 and all(isinstance(p, list) and len(p) == 2
                                  and all(isinstance(c, int | float) for c in p) for p in node):
            return [np.array(node, dtype=float)]
        return [r for v in node for r in _rings(v)]
    return []


def test_polygon_mask_agrees_with_matplotlib_on_every_shipped_polygon():
    """polygon_mask is numpy's own (the run need not import matplotlib); on every polygon and border
    the project ships, at three cell sizes, it gives matplotlib's ``contains_points`` cell for cell,
    including the cell centres that lie exactly on an edge."""
    import yaml
    from matplotlib.path import Path as MplPath

    from sim.geography.raster import polygon_mask

    scenarios = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))
    trees = [load_raw()] + [yaml.safe_load(p.read_text(encoding="utf-8")) for p in scenarios]
    rings = [r for tree in trees for r in _rings(tree)]
    assert len(rings) > 25  # pockets, hideouts, zones, country and province borders
    for cell_deg in (0.1, 0.05, 0.025):
        lattice = build_theater(GridSpec(cell_deg=cell_deg))._lattice
        points = lattice.center_points()
        for ring in rings:
            expected = MplPath(ring).contains_points(points).reshape(lattice.nx, lattice.ny)
            assert np.array_equal(polygon_mask(lattice, ring), expected)
