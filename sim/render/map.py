"""The theater map at the model's current day, drawn for a classroom projector.

Everything is read off the model (control layer, agents, scenario pockets) and the packaged
geography; nothing here changes the model, so the browser app can redraw any day it keeps.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from scipy.ndimage import distance_transform_edt

from sim.geography import COUNTRY_IRAQ, COUNTRY_OTHER, COUNTRY_SYRIA, load_gazetteer, load_geodata
from sim.render.furniture import GROUND_ORDER, _legend, _scale_bar, _ticks, marker_area
from sim.render.labels import FAR, LabelPlacer
from sim.render.style import (
    BORDER_COLOR,
    CONTROL_ALPHA,
    CONTROL_COLORS,
    FACTION_COLORS,
    FACTION_MARKERS,
    FONT,
    FONT_SMALL,
    FONT_TITLE,
    LAND_COLOR,
    OUTSIDE_COLOR,
    RIVER_COLOR,
    ROAD_COLOR,
    new_figure,
    save_atomic,
)

#: Axes rectangle (figure fraction) leaving a column on the right for the legend.
MAP_RECT = (0.085, 0.07, 0.64, 0.83)
FULL_RECT = (0.085, 0.07, 0.88, 0.83)
MAX_PLACE_LABELS = 28
RIVERS = {"euphrates": "Euphrates", "tigris": "Tigris", "khabur": "Khabur"}
#: Where along a river's visible course to try its label, middle first.
RIVER_LABEL_SPOTS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9, 0.45, 0.55, 0.35, 0.65, 0.25, 0.75, 0.15)
#: Labels lean away from the Iraq-Syria border, into their own country, so none seems to cross it.
BORDER_SIDE = {"Iraq": 1, "Syria": -1}


def _rgba_layer(codes: np.ndarray, colors: dict[int, str], alphas: dict[int, float]) -> np.ndarray:
    """(ny, nx, 4) image of a [x, y] code layer, transposed for imshow(origin="lower")."""
    from matplotlib.colors import to_rgba

    lut = np.zeros((256, 4))
    for code, color in colors.items():
        lut[code % 256] = to_rgba(color, alphas.get(code, 1.0))
    return lut[np.asarray(codes).T.astype(np.int64) % 256]


def _inside(extent, lons, lats) -> np.ndarray:
    lon0, lon1, lat0, lat1 = extent
    return (lons >= lon0) & (lons <= lon1) & (lats >= lat0) & (lats <= lat1)


def _draw_background(ax: Axes, theater, extent) -> None:
    ax.set_facecolor(LAND_COLOR)
    outside = _rgba_layer(theater.country == COUNTRY_OTHER, {1: OUTSIDE_COLOR}, {1: 0.85})
    ax.imshow(outside, origin="lower", extent=extent, interpolation="nearest", zorder=0.4)
    geo = load_geodata()
    for coords in geo.roads.values():
        ax.plot(coords[:, 0], coords[:, 1], color=ROAD_COLOR, lw=1.0, zorder=2, solid_capstyle="round")
    for rings in geo.countries.values():
        for ring in rings:
            ax.plot(ring[:, 0], ring[:, 1], color=BORDER_COLOR, lw=1.8, zorder=3)
    for key in RIVERS:
        coords = geo.rivers[key]
        ax.plot(coords[:, 0], coords[:, 1], color=RIVER_COLOR, lw=2.4, zorder=3.5, solid_capstyle="round")


def _country_names(ax: Axes, model, placer: LabelPlacer, extent) -> None:
    """Faint country names in the emptiest interior spot of each country's visible part."""
    t = model.theater
    busy = np.zeros(t.country.shape, dtype=bool)
    places = [p for p in load_gazetteer().places if _inside(extent, p.lon, p.lat)]
    agents = [a.cell.coordinate for a in [*model.ground_units(), *model.isis_cells()]]
    if places:
        busy[t.cells_of([p.lon for p in places], [p.lat for p in places])] = True
    if agents:
        busy[tuple(np.array(agents).T)] = True
    # Distances weigh rows 3x: the name is a wide, flat block.
    room = distance_transform_edt(~busy, sampling=(1, 3)) if busy.any() else np.full(busy.shape, 1e9)
    for code, name in ((COUNTRY_SYRIA, "S Y R I A"), (COUNTRY_IRAQ, "I R A Q")):
        mask = t.country == code
        if mask.sum() < 0.08 * mask.size:
            continue
        depth = distance_transform_edt(np.pad(mask, 1), sampling=(1, 3))[1:-1, 1:-1]
        score = np.minimum(depth, room).ravel()
        for flat in np.argsort(score)[::-1][:40:4]:
            x, y = np.unravel_index(flat, mask.shape)
            if placer.place_text(t.lon_centers[x], t.lat_centers[y], name, fontsize=24, color="#7F7F7F",
                                 alpha=0.55, fontweight="bold", zorder=1.5, path_effects=None) is not None:
                break


def _pocket_areas(model) -> dict[str, float]:
    names, km2 = getattr(model, "pocket_names", None), getattr(model, "pocket_km2", None)
    if names is None or km2 is None:
        return {}
    return {name: float(km2[i]) for i, name in enumerate(names)}


def _pocket_rings(spec) -> dict[str, np.ndarray]:
    rings = {}
    for key, pocket in getattr(spec, "pockets", {}).items():
        ring = np.asarray(pocket.polygon, dtype=float).reshape(-1, 2)
        if len(ring):
            rings[key] = np.vstack([ring, ring[:1]])
    return rings


def _draw_pocket_outlines(ax: Axes, spec) -> None:
    for ring in _pocket_rings(spec).values():
        ax.plot(ring[:, 0], ring[:, 1], color="black", lw=1.8, ls=(0, (5, 3)), zorder=4)


def _label_pockets(model, placer: LabelPlacer, soft: int) -> None:
    """Every pocket gets its label (with today's area), even in a crowd."""
    areas = _pocket_areas(model)
    for key, ring in _pocket_rings(model.scenario).items():
        pocket = model.scenario.pockets[key]
        text = pocket.label if key not in areas else f"{pocket.label}\n{areas[key]:,.0f} km²"
        top, bottom = ring[np.argmax(ring[:, 1])], ring[np.argmin(ring[:, 1])]
        east, west = ring[np.argmax(ring[:, 0])], ring[np.argmin(ring[:, 0])]
        candidates = [(*top, 0, 6), (*east, 8, 0), (*bottom, 0, -6), (*west, -8, 0)]
        candidates += [(*p, dx, dy) for p in (east, top, west, bottom) for dx, dy in FAR]
        placer.place_any(candidates, text, soft_blocks=soft, force=True, fontsize=FONT, fontweight="bold",
                         multialignment="center")


def _unit_points(agents) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    live = [a for a in agents if a.strength > 0 and getattr(a, "cell", None) is not None]
    xy = np.array([a.cell.coordinate for a in live], dtype=np.int64).reshape(-1, 2)
    return xy[:, 0], xy[:, 1], np.array([a.strength for a in live], dtype=float)


def _draw_agents(ax: Axes, model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ground units then ISIS cells; returns (lons, lats, radius_pt) of every marker drawn."""
    t = model.theater
    units, cells = model.ground_units(), model.isis_cells()
    groups = [(FACTION_MARKERS[f], FACTION_COLORS[f], "black", 1.1, 6, [u for u in units if u.faction == f])
              for f in GROUND_ORDER]
    for dispersed in (False, True):  # a dispersed cell holds no ground: drawn hollow
        face, edge = ("white", "black") if dispersed else (FACTION_COLORS["ISIS"], "white")
        group = [c for c in cells if bool(getattr(c, "dispersed", False)) == dispersed]
        groups.append((FACTION_MARKERS["ISIS"], face, edge, 0.9, 7, group))
    drawn = []
    for marker, face, edge, width, z, agents in groups:
        x, y, strength = _unit_points(agents)
        if len(x):
            area = marker_area(strength)
            lon, lat = t.lon_centers[x], t.lat_centers[y]
            ax.scatter(lon, lat, s=area, marker=marker, c=face, edgecolors=edge, linewidths=width, zorder=z)
            drawn.append((lon, lat, np.sqrt(area) / 2))
    if not drawn:
        return np.empty(0), np.empty(0), np.empty(0)
    lons, lats, radii = zip(*drawn, strict=True)
    return np.concatenate(lons), np.concatenate(lats), np.concatenate(radii)


def _relevant_places(spec) -> set[str]:
    """Canonical names of the places where the scenario puts forces and air bases."""
    gaz, names = load_gazetteer(), set()
    wanted = [getattr(f, "place", None) or getattr(f, "at", None) for f in getattr(spec, "forces", ())]
    for wing in getattr(spec, "air", {}).values():
        wanted += [getattr(b, "name", b) for b in getattr(wing, "bases", ())]
    for name in wanted:
        place = gaz.find(name) if isinstance(name, str) else None
        if place is not None:
            names.add(place.name)
    return names


def _draw_places(ax: Axes, spec, extent):
    """Dots for every place in the box; returns (places worth a label, by priority; force-site names)."""
    places = [p for p in load_gazetteer().places if _inside(extent, p.lon, p.lat)]
    towns = [p for p in places if p.kind in ("city", "town")]
    if towns:
        sizes = 10.0 + 12.0 * np.log1p(np.array([p.population for p in towns]) / 10.0)
        ax.scatter([p.lon for p in towns], [p.lat for p in towns], s=sizes, c="#333333",
                   edgecolors="white", linewidths=0.8, zorder=5)
    others = [p for p in places if p.kind not in ("city", "town")]
    if others:
        ax.scatter([p.lon for p in others], [p.lat for p in others], s=40, marker="P", c="#333333",
                   edgecolors="white", linewidths=0.6, zorder=5)
    relevant = _relevant_places(spec)
    # Force sites first, then cities, then (zoomed-in maps have room) towns, biggest first.
    tier = {"city": 1, "town": 2}
    ranked = sorted(places, key=lambda p: (0 if p.name in relevant else tier.get(p.kind, 3), -p.population))
    chosen = [p for p in ranked if p.name in relevant or p.kind in tier]
    return chosen, relevant


def _label_places(placer: LabelPlacer, chosen, relevant, soft: int, budget: int) -> int:
    """Label places in priority order until ``budget`` labels are drawn; returns how many were.

    Force sites may go further out (leader line) or over a marker; other places only beside their dot.
    """
    placed = 0
    for p in chosen:
        if placed >= budget:
            break
        bold = p.name in relevant
        style = {"fontsize": FONT_SMALL + (1 if bold else 0), "fontweight": "bold" if bold else "normal",
                 "color": "#1A1A1A"}
        east = BORDER_SIDE.get(p.country, 0)
        if placer.place(p.lon, p.lat, p.name, far=bold, soft_blocks=soft if bold else 0, east=east,
                        **style) is not None:
            placed += 1
    return placed


def _label_rivers(ax: Axes, placer: LabelPlacer, extent) -> None:
    """River names beside the river, along its mean direction under the label, where there is room."""
    geo = load_geodata()
    px = ax.figure.dpi / 72.0
    for key, name in RIVERS.items():
        coords = geo.rivers[key]
        seen = coords[_inside(extent, coords[:, 0], coords[:, 1])]
        if len(seen) < 2:
            continue
        disp = ax.transData.transform(seen)
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(disp, axis=0).T))])
        half = 0.35 * FONT * len(name) * px

        def at(d, disp=disp, along=along):
            return np.array([np.interp(d, along, disp[:, 0]), np.interp(d, along, disp[:, 1])])

        for frac in RIVER_LABEL_SPOTS:
            mid = frac * along[-1]
            if mid - half < 0 or mid + half > along[-1]:
                continue
            d = at(mid + half) - at(mid - half)
            if not np.hypot(*d):
                continue
            normal = np.array([-d[1], d[0]]) / np.hypot(*d)
            angle = math.degrees(math.atan2(d[1], d[0]))
            angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
            spots = (at(mid) + side * 0.9 * FONT * px * normal for side in (1, -1))
            if any(placer.place_text(*ax.transData.inverted().transform(spot), name, rotation=angle,
                                     fontsize=FONT, style="italic",
                                     fontweight="bold", color=RIVER_COLOR) is not None for spot in spots):
                break


def default_title(model) -> str:
    title = getattr(model.scenario, "title", None) or getattr(model.scenario, "name", "")
    date = getattr(model, "date", None)
    when = f"Day {model.steps}" + (f" \u00b7 {date.day} {date:%B %Y}" if date is not None else "")
    return f"{title}\n{when}" if title else when


@dataclass
class MapBase:
    """The parts of a map that do not change from day to day, drawn once (see ``draw_base``)."""

    ax: Axes
    extent: tuple[float, float, float, float]
    chosen: list  # places worth a label, by priority
    relevant: set[str]  # force sites and air bases
    keep_free: list[Bbox]  # the scale bar, in display space


def draw_base(ax: Axes, theater, spec, *, legend: bool = True) -> MapBase:
    """What the map shows whatever the day: land, roads, rivers, borders, towns, pocket outlines,
    ticks, scale bar and legend. ``draw_day`` adds the rest."""
    s = theater.spec
    extent = (s.lon_min, s.lon_max, s.lat_min, s.lat_max)
    mid_lat = 0.5 * (s.lat_min + s.lat_max)
    _draw_background(ax, theater, extent)
    chosen, relevant = _draw_places(ax, spec, extent)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1.0 / math.cos(math.radians(mid_lat)), adjustable="box", anchor="W" if legend else "C")
    _ticks(ax)
    ax.apply_aspect()
    keep_free = _scale_bar(ax, extent, mid_lat)
    _draw_pocket_outlines(ax, spec)
    if legend:
        _legend(ax, spec)
    return MapBase(ax, extent, chosen, relevant, keep_free)


def draw_day(base: MapBase, model, *, title: str | None = None, control: bool = True) -> None:
    """The model's day over ``base``: control of ground (unless the caller paints it), forces, labels
    placed around them, title."""
    ax, extent = base.ax, base.extent
    if control:
        layer = _rgba_layer(model.control, CONTROL_COLORS, CONTROL_ALPHA)
        ax.imshow(layer, origin="lower", extent=extent, interpolation="nearest", zorder=1,
                  aspect=ax.get_aspect())  # imshow would make it 'equal'; keep draw_base's
    lons, lats, radii = _draw_agents(ax, model)
    placer = LabelPlacer(ax)
    placer.block_points(lons, lats, radii)
    soft = len(placer)
    # Dots of force sites and cities stay uncovered; a small town's dot may sit under a label.
    major = [p for p in base.chosen if p.name in base.relevant or p.kind == "city"]
    placer.block_points([p.lon for p in major], [p.lat for p in major], [4.0] * len(major))
    for box in base.keep_free:
        placer.block_box(box)
    _label_pockets(model, placer, soft)
    _country_names(ax, model, placer, extent)
    forces = [p for p in base.chosen if p.name in base.relevant]
    placed = _label_places(placer, forces, base.relevant, soft, MAX_PLACE_LABELS)
    _label_rivers(ax, placer, extent)
    others = [p for p in base.chosen if p.name not in base.relevant]
    _label_places(placer, others, base.relevant, soft, MAX_PLACE_LABELS - placed)
    ax.set_title(default_title(model) if title is None else title, fontsize=FONT_TITLE, fontweight="bold",
                 loc="left", pad=10)


def draw_map(model, ax: Axes | None = None, *, title: str | None = None, legend: bool = True) -> Figure:
    """Draw the theater at the model's current day on ``ax`` (or a new 12x9 in figure)."""
    if ax is None:
        fig = new_figure()
        ax = fig.add_axes(MAP_RECT if legend else FULL_RECT)
    draw_day(draw_base(ax, model.theater, model.scenario, legend=legend), model, title=title)
    return ax.figure


def save_map(model, path: str | os.PathLike, *, title: str | None = None, dpi: float = 150) -> Path:
    """Draw the map and write it as PNG atomically; returns the path."""
    return save_atomic(draw_map(model, title=title), path, dpi)
