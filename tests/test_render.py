"""Maps and plots: files written whole and atomically, right size, faction colours present."""

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from PIL import Image

from sim import BorderModel
from sim.factions import CONTROL_IRAQ, CONTROL_ISIS, CONTROL_SAA, CONTROL_SDF
from sim.geography import COUNTRY_IRAQ, COUNTRY_SYRIA, GridSpec, build_theater
from sim.render import (
    CONTROL_COLORS,
    FACTION_COLORS,
    draw_map,
    plot_timeseries,
    save_map,
    save_timeseries,
)
from sim.render.furniture import nice_length
from sim.render.map import MAX_PLACE_LABELS
from sim.render.style import CONTROL_ALPHA, LAND_COLOR
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
POCKETS = ROOT / "scenarios" / "pockets_2018.yaml"
SMALL_BOX = GridSpec(lon_min=40.0, lon_max=42.0, lat_min=34.0, lat_max=35.5, cell_deg=0.05)


def _rgb255(color) -> np.ndarray:
    return np.round(np.array(to_rgb(color)) * 255)


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB")).reshape(-1, 3).astype(int)


def _has_color(pixels: np.ndarray, rgb, tol: int = 3) -> bool:
    return bool((np.abs(pixels - np.asarray(rgb)).max(axis=1) <= tol).any())


def _fake_model(spec: GridSpec = SMALL_BOX):
    """Just the attributes the renderer reads, on a real theater (any box)."""
    t = build_theater(spec)
    control = np.zeros((t.width, t.height), dtype=np.int8)
    control[t.country == COUNTRY_IRAQ] = CONTROL_IRAQ
    control[(t.country == COUNTRY_SYRIA) & (t.euphrates_side > 0)] = CONTROL_SDF
    control[(t.country == COUNTRY_SYRIA) & (t.euphrates_side <= 0)] = CONTROL_SAA
    lon0, lat0 = t.lon_centers[t.width // 3], t.lat_centers[t.height // 2]
    ring = tuple((lon0 + dx, lat0 + dy) for dx, dy in ((-0.3, -0.2), (0.3, -0.2), (0.3, 0.2), (-0.3, 0.2)))
    control[t.polygon_mask(np.array(ring))] = CONTROL_ISIS

    def agent(x, y, strength, faction=None):
        return SimpleNamespace(faction=faction, strength=strength, label=f"{faction} unit",
                               posture="holding", cell=SimpleNamespace(coordinate=(x, y)))

    w, h = t.width, t.height
    factions = ("ISF", "PMF", "SDF", "SAA")
    units = [agent(w // 6 * (i + 1), h // 4 + 3 * i, 800.0, f) for i, f in enumerate(factions)]
    cells = [agent(w // 3, h // 2, 150.0), agent(w // 3 + 2, h // 2 + 1, 60.0)]
    return SimpleNamespace(
        theater=t, control=control, steps=12, date=dt.date(2018, 4, 13),
        scenario=SimpleNamespace(name="fake", title="A small test box",
                             pockets={"test": SimpleNamespace(label="Test pocket", polygon=ring)}),
        pocket_names=("test",), pocket_km2=np.array([1234.0, 0.0]),
        ground_units=lambda: units, isis_cells=lambda: cells,
    )


@pytest.fixture(scope="module")
def model():
    return BorderModel(scenario=load_scenario(POCKETS), rng=1)


def _timeseries(days: int = 30) -> pd.DataFrame:
    d = np.arange(days)
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "day": d, "date": [(dt.date(2018, 4, 1) + dt.timedelta(days=int(i))).isoformat() for i in d],
        "isis_fighters": 2500 - 40 * d, "isis_area_km2": 5600 - 60 * d,
        "euphrates_km2": 480 - 5 * d, "euphrates_fighters": 1600 - 30 * d,
        "jazira_km2": 5100 - 55 * d, "jazira_fighters": 400 - 5 * d, "other_km2": 0.0 * d,
        "raids": rng.integers(0, 3, days), "incidents": rng.integers(0, 2, days),
        "strikes": rng.integers(0, 5, days), "civilian_harm_total": np.cumsum(rng.integers(0, 4, days)),
        **{f"strength_{f}": 1000.0 - d for f in ("ISF", "PMF", "SDF", "SAA")},
    })


def test_map_png_has_size_and_faction_colours(model, tmp_path):
    path = save_map(model, tmp_path / "map.png", dpi=100)
    assert path == tmp_path / "map.png" and path.stat().st_size > 50_000
    with Image.open(path) as img:
        assert img.size == (1200, 900)
    pixels = _pixels(path)
    for faction in ("ISF", "PMF", "SDF", "SAA"):  # opaque unit markers
        assert _has_color(pixels, _rgb255(FACTION_COLORS[faction])), faction
    land = _rgb255(LAND_COLOR)
    for code in (CONTROL_ISIS, CONTROL_IRAQ, CONTROL_SDF, CONTROL_SAA):  # translucent control layer
        a = CONTROL_ALPHA[code]
        assert _has_color(pixels, np.round(a * _rgb255(CONTROL_COLORS[code]) + (1 - a) * land)), code


def test_dpi_sets_pixel_size_and_no_temp_files_left(model, tmp_path):
    save_map(model, tmp_path / "map.png", dpi=150)
    save_map(model, tmp_path / "map.png", dpi=150)  # overwrite in place
    assert os.listdir(tmp_path) == ["map.png"]
    assert (tmp_path / "map.png").stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
    with Image.open(tmp_path / "map.png") as img:
        assert img.size == (1800, 1350)


def test_failed_save_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    fake = _fake_model()
    target = save_map(fake, tmp_path / "map.png", dpi=40)
    before = target.read_bytes()

    def boom(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Figure, "savefig", boom)
    with pytest.raises(RuntimeError):
        save_map(fake, target, dpi=40)
    assert os.listdir(tmp_path) == ["map.png"] and target.read_bytes() == before


def test_map_labels_title_pockets_and_scale(model):
    fig = draw_map(model)
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert any(t.startswith("Euphrates pocket\n") and t.endswith("km²") for t in texts)
    assert any(t.startswith("Jazira pocket\n") for t in texts)
    assert {"Euphrates", "Tigris"} <= texts and any(t.endswith(" km") for t in texts)
    assert "Hajin" in texts or "Albu Kamal" in texts
    places = {t for t in texts if "\n" not in t and not t.endswith(" km")}
    places -= {"Euphrates", "Tigris", "Khabur", "S Y R I A", "I R A Q"}
    assert 8 <= len(places) <= MAX_PLACE_LABELS
    assert "Day 0" in ax.get_title(loc="left") and "1 April 2018" in ax.get_title(loc="left")
    assert ax.get_legend() is not None
    mid = np.radians(34.5)
    assert ax.get_aspect() == pytest.approx(1 / np.cos(mid))


def test_small_box_and_caller_axes(tmp_path):
    fake = _fake_model()
    path = save_map(fake, tmp_path / "small.png", title="Small", dpi=80)
    with Image.open(path) as img:
        assert img.size == (960, 720)
    pixels = _pixels(path)
    for faction in ("ISF", "PMF", "SDF", "SAA"):
        assert _has_color(pixels, _rgb255(FACTION_COLORS[faction])), faction
    fig = Figure(figsize=(6, 5))
    ax = fig.add_subplot()
    assert draw_map(fake, ax, legend=False, title="") is fig and ax.get_legend() is None
    assert ax.get_xlim() == pytest.approx((40.0, 42.0)) and ax.get_ylim() == pytest.approx((34.0, 35.5))


def test_maps_render_in_threads(tmp_path):
    fake = _fake_model()
    with ThreadPoolExecutor(2) as pool:
        paths = list(pool.map(lambda i: save_map(fake, tmp_path / f"m{i}.png", dpi=40), range(4)))
    assert all(p.stat().st_size > 1000 for p in paths)


def test_nice_scale_lengths():
    assert nice_length(730) == 100 and nice_length(180) == 20 and nice_length(60) == 10


def test_timeseries_axes_and_lines(tmp_path):
    labels = {"euphrates": "Euphrates pocket", "jazira": "Jazira pocket"}
    fig = plot_timeseries(_timeseries(), labels, title="Test run")
    area, fighters, events, harm = fig.axes
    assert [ln.get_label() for ln in area.get_lines()] == list(labels.values())
    assert "All ISIS fighters" in [ln.get_label() for ln in fighters.get_lines()]
    event_lines = {ln.get_label() for ln in events.get_lines()}
    assert event_lines == {"Air strikes", "ISIS raids", "Friction incidents"}
    assert len(harm.get_lines()) == 1 and harm.get_shared_x_axes().joined(harm, events)
    strikes = next(ln for ln in events.get_lines() if ln.get_label() == "Air strikes")
    assert np.all(np.diff(strikes.get_ydata()) >= 0)  # cumulative
    path = save_timeseries(_timeseries(), labels, tmp_path / "ts.png", dpi=50)
    assert os.listdir(tmp_path) == ["ts.png"]
    with Image.open(path) as img:
        assert img.size == (600, 450)


def test_timeseries_of_a_real_run(model):
    from sim import run

    result = run(model.scenario, seed=1, days=10)
    labels = {k: p.label for k, p in model.scenario.pockets.items()}
    fig = plot_timeseries(result.timeseries, labels)
    assert len(fig.axes[0].get_lines()) == len(labels)
