"""The map as data for the browser: a scenario's static layers once, then each day's changes.

The page's map is drawn by the browser (``mapview.vue``, a canvas). The server sends, once per page
and scenario, a *base*: the theater's outline mask, roads, borders, rivers, towns, the labels
matplotlib's label placer put on day 0, pocket outlines, scale bar and the colour tables of
``sim.render.style``. A *day* is then only what changes: the control layer (as the cells that
changed hands since the last day sent, or the whole layer for a fresh page), the forces (position,
kind, size) and the pocket areas. Building a day costs tens of microseconds, not a matplotlib render.
"""

from __future__ import annotations

import base64
import math
from functools import lru_cache

import numpy as np

from sim.render.furniture import GROUND_ORDER, KM_PER_DEG, marker_area
from sim.render.map import FULL_RECT, RIVERS
from sim.render.style import (
    BORDER_COLOR,
    CONTROL_ALPHA,
    CONTROL_COLORS,
    FACTION_COLORS,
    FACTION_MARKERS,
    LAND_COLOR,
    OUTSIDE_COLOR,
    RIVER_COLOR,
    ROAD_COLOR,
)

#: The matplotlib figure the labels are laid out on (the size the page used to show).
LAYOUT_FIGSIZE = (7.4, 7.1)
LAYOUT_DPI = 100
#: Kinds of marker, in drawing order: ground units by faction, then ISIS cells, then dispersed cells.
KINDS = (*GROUND_ORDER, "ISIS", "ISIS dispersed")
_DEC = 4  # decimals of a coordinate sent (about 10 m)


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.uint8).tobytes()).decode("ascii")


def image_order(layer: np.ndarray) -> np.ndarray:
    """A [x, y] grid layer (y north) as picture rows from the north, flattened row by row."""
    return np.asarray(layer)[:, ::-1].T.ravel()


def _line(coords) -> list[list[float]]:
    return np.round(np.asarray(coords, dtype=float), _DEC).tolist()


def marker_path(shape: str) -> list[list[float]]:
    """The outline of a matplotlib marker, for a marker 1 point wide (y up), as matplotlib draws it."""
    from matplotlib.markers import MarkerStyle

    style = MarkerStyle(shape)
    return np.round(style.get_path().transformed(style.get_transform()).vertices, 4).tolist()


def marker_styles() -> list[dict]:
    """Shape, fill, edge and edge width of each kind of marker (as the matplotlib map draws them)."""
    styles = [{"kind": f, "shape": FACTION_MARKERS[f], "face": FACTION_COLORS[f], "edge": "#000000",
               "lw": 1.1} for f in GROUND_ORDER]
    styles.append({"kind": "ISIS", "shape": "X", "face": FACTION_COLORS["ISIS"], "edge": "#FFFFFF",
                   "lw": 0.9})
    styles.append({"kind": "ISIS dispersed", "shape": "X", "face": "#FFFFFF", "edge": "#000000", "lw": 0.9})
    for style in styles:
        style["path"] = marker_path(style["shape"])
    return styles


def _texts(ax, pockets: dict, skip: str) -> list[dict]:
    """Every label matplotlib placed on the axes, as anchor (lon, lat), offset (pt) and style."""
    from matplotlib.text import Annotation

    labels = {p.label: key for key, p in pockets.items()}
    out = []
    for t in ax.texts:
        text = t.get_text()
        if not text or not t.get_visible() or text == skip:  # skip: the scale bar's (the page draws its own)
            continue
        item = {"text": text, "size": float(t.get_fontsize()), "weight": str(t.get_fontweight()),
                "style": t.get_fontstyle(), "color": _hex(t.get_color()), "alpha": t.get_alpha() or 1.0,
                "ha": t.get_horizontalalignment(), "va": t.get_verticalalignment(),
                "rotation": float(t.get_rotation()), "halo": bool(t.get_path_effects()), "dx": 0.0, "dy": 0.0,
                "leader": False, "z": float(t.get_zorder())}
        if isinstance(t, Annotation):
            x, y = t.xy
            if t.anncoords == "offset points":
                item["dx"], item["dy"] = (float(v) for v in t.xyann)
            item["leader"] = t.arrow_patch is not None
        else:
            x, y = t.get_position()
            if t.get_transform() is not ax.transData:
                continue  # a caption placed in axes fractions
        head = text.split("\n", 1)[0]
        if head in labels and "km²" in text:
            item["pocket"] = labels[head]
            item["text"] = head
        item["lon"], item["lat"] = round(float(x), _DEC), round(float(y), _DEC)
        out.append(item)
    return out


def _hex(color) -> str:
    from matplotlib.colors import to_hex

    return to_hex(color)


@lru_cache(maxsize=16)
def _base_for(path: str) -> dict:
    from sim import BorderModel
    from sim.app.state import load_cached
    from sim.geography import COUNTRY_OTHER, load_gazetteer, load_geodata
    from sim.render.furniture import nice_length
    from sim.render.map import _inside, draw_map
    from sim.render.style import new_figure

    scenario = load_cached(path)
    model = BorderModel(scenario=scenario, rng=0)
    t = model.theater
    s = t.spec
    extent = (s.lon_min, s.lon_max, s.lat_min, s.lat_max)
    fig = new_figure(LAYOUT_FIGSIZE, LAYOUT_DPI)
    ax = fig.add_axes(FULL_RECT)
    draw_map(model, ax, title="", legend=False)
    fig.canvas.draw()
    frame = ax.get_window_extent()
    geo = load_geodata()
    places = [p for p in load_gazetteer().places if _inside(extent, p.lon, p.lat)]
    mid_lat = 0.5 * (s.lat_min + s.lat_max)
    km_per_deg_lon = KM_PER_DEG * math.cos(math.radians(mid_lat))
    km = nice_length((s.lon_max - s.lon_min) * km_per_deg_lon)
    lut = {int(code): {"color": color, "alpha": float(CONTROL_ALPHA.get(code, 1.0))}
           for code, color in CONTROL_COLORS.items()}
    base = {
        "id": f"{scenario.name}:{scenario.config_hash()[:12]}",
        "extent": [float(v) for v in extent],
        "aspect": 1.0 / math.cos(math.radians(mid_lat)),
        "nx": t.width, "ny": t.height,
        "outside": _b64(image_order(t.country == COUNTRY_OTHER)),
        "colors": {"land": LAND_COLOR, "outside": OUTSIDE_COLOR, "road": ROAD_COLOR, "border": BORDER_COLOR,
                   "river": RIVER_COLOR, "control": lut},
        "roads": [_line(c) for c in geo.roads.values()],
        "borders": [_line(r) for rings in geo.countries.values() for r in rings],
        "rivers": [_line(geo.rivers[k]) for k in RIVERS],
        "pockets": [_line(np.vstack([r := np.asarray(p.polygon, dtype=float).reshape(-1, 2), r[:1]]))
                    for p in scenario.pockets.values() if len(p.polygon)],
        "towns": [[round(p.lon, _DEC), round(p.lat, _DEC),
                   round(math.sqrt(10.0 + 12.0 * math.log1p(p.population / 10.0)), 2)]
                  for p in places if p.kind in ("city", "town")],
        "sites": [[round(p.lon, _DEC), round(p.lat, _DEC)] for p in places if p.kind not in ("city", "town")],
        "labels": _texts(ax, scenario.pockets, skip=f"{km:g} km"),
        "pocket_keys": list(scenario.pockets),
        "markers": marker_styles(),
        "shapes": {"P": marker_path("P")},  # air bases and crossings; towns are circles
        "km_per_deg_lon": km_per_deg_lon,
        "focus": focus_extent(model, extent),  # the page opens here; "whole map" shows ``extent``
        # the picture the labels were laid out on: the browser scales its type to keep their spacing
        "layout_width_px": float(frame.width), "layout_dpi": LAYOUT_DPI,
    }
    return base


#: The view a page opens on: the pockets and the forces on day 0 within ``FOCUS_REACH_KM`` of a pocket
#: (a detachment far from the fighting does not widen it), with a margin (a share of the box, at least
#: ``FOCUS_MIN_MARGIN_DEG``) so the towns and front lines around them stay in sight.
FOCUS_REACH_KM = 60.0
FOCUS_MARGIN = 0.15
FOCUS_MIN_MARGIN_DEG = 0.2


def focus_extent(model, extent: tuple[float, float, float, float]) -> list[float]:
    """The scenario's area of interest: its pockets and the forces near them on day 0 with a margin,
    widened to the whole map's proportions (the page keeps them when it zooms), inside the map."""
    t = model.theater
    lon0, lon1, lat0, lat1 = extent
    pockets = [np.asarray(p.polygon, dtype=float).reshape(-1, 2) for p in model.scenario.pockets.values()
               if len(p.polygon)]
    cells = [a.cell.coordinate for a in (*model.ground_units(), *model.isis_cells())
             if getattr(a, "cell", None) is not None]
    forces = np.empty((0, 2))
    if cells:
        xy = np.array(cells, dtype=np.intp)
        forces = np.column_stack([t.lon_centers[xy[:, 0]], t.lat_centers[xy[:, 1]]])
    if pockets and len(forces):
        near = np.zeros(len(forces), dtype=bool)
        km_lon = KM_PER_DEG * math.cos(math.radians(0.5 * (lat0 + lat1)))
        for poly in pockets:  # distance to the pocket's bounding box, in km
            dx = np.maximum(0.0, np.maximum(poly[:, 0].min() - forces[:, 0], forces[:, 0] - poly[:, 0].max()))
            dy = np.maximum(0.0, np.maximum(poly[:, 1].min() - forces[:, 1], forces[:, 1] - poly[:, 1].max()))
            near |= np.hypot(dx * km_lon, dy * KM_PER_DEG) <= FOCUS_REACH_KM
        forces = forces[near]
    points = [*pockets, forces] if len(forces) else pockets
    if not points:
        return [float(v) for v in extent]
    allp = np.vstack(points)
    (x0, y0), (x1, y1) = allp.min(axis=0), allp.max(axis=0)
    mx = max(FOCUS_MARGIN * (x1 - x0), FOCUS_MIN_MARGIN_DEG)
    my = max(FOCUS_MARGIN * (y1 - y0), FOCUS_MIN_MARGIN_DEG)
    x0, x1, y0, y1 = x0 - mx, x1 + mx, y0 - my, y1 + my
    ratio = (lat1 - lat0) / (lon1 - lon0)  # the map's height over width, in degrees
    w, h = x1 - x0, y1 - y0
    if h / w > ratio:
        w = h / ratio
    else:
        h = w * ratio
    w, h = min(w, lon1 - lon0), min(h, lat1 - lat0)
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    fx0 = min(max(cx - w / 2, lon0), lon1 - w)
    fy0 = min(max(cy - h / 2, lat0), lat1 - h)
    return [round(float(v), _DEC) for v in (fx0, fx0 + w, fy0, fy0 + h)]


def map_base(path: str) -> dict:
    """The static part of a scenario's map (cached per scenario file and process; never mutate it)."""
    return _base_for(path)


def agents(model) -> list[list[float]]:
    """Every live force as [lon, lat, kind, diameter in points], in drawing order."""
    t = model.theater
    rows: list[tuple[int, int, int, float]] = []
    units = [u for u in model.ground_units() if u.strength > 0 and getattr(u, "cell", None) is not None]
    kind = {f: i for i, f in enumerate(KINDS)}
    for u in units:
        if u.faction in kind:
            rows.append((*u.cell.coordinate, kind[u.faction], u.strength))
    for c in model.isis_cells():
        if c.strength > 0 and getattr(c, "cell", None) is not None:
            k = kind["ISIS dispersed"] if getattr(c, "dispersed", False) else kind["ISIS"]
            rows.append((*c.cell.coordinate, k, c.strength))
    if not rows:
        return []
    rows.sort(key=lambda r: r[2])  # stable: agents keep their order within a kind
    arr = np.array(rows, dtype=float)
    x, y = arr[:, 0].astype(np.intp), arr[:, 1].astype(np.intp)
    out = np.column_stack([np.round(t.lon_centers[x], _DEC), np.round(t.lat_centers[y], _DEC), arr[:, 2],
                           np.round(np.sqrt(marker_area(arr[:, 3])), 1)])
    return out.tolist()


def side_day(model) -> dict:
    """What one map shows of the model's current day: control layer (picture order), forces, pocket areas."""
    return {"control": image_order(model.control).astype(np.uint8), "agents": agents(model),
            "pockets": [round(float(v), 1) for v in np.asarray(getattr(model, "pocket_km2", ()))]}


def encode_side(day: dict, before: dict | None) -> dict:
    """A side's day for the browser: the whole control layer, or the cells changed since ``before``."""
    out = {"agents": day["agents"], "pockets": day["pockets"]}
    control = day["control"]
    if before is None or before["control"].shape != control.shape:
        out["control"] = _b64(control)
    else:
        changed = np.flatnonzero(control != before["control"])
        out["changed"] = [changed.tolist(), control[changed].tolist()]
    return out
