"""Map furniture: the scale bar, the graticule's ticks and the legend column."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox

from sim.factions import CONTROL_NAMES, CONTROL_NONE
from sim.geography.spec import EARTH_RADIUS_KM
from sim.render.style import (
    BORDER_COLOR,
    CONTROL_ALPHA,
    CONTROL_COLORS,
    FACTION_COLORS,
    FACTION_MARKERS,
    FONT,
    FONT_SMALL,
    HALO,
    OUTSIDE_COLOR,
    RIVER_COLOR,
    ROAD_COLOR,
)

KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180.0
GROUND_ORDER = ("ISF", "PMF", "SDF", "SAA")
LEGEND_NAMES = {"ISF": "ISF (Iraqi army)", "PMF": "PMF (Hashd)", "SDF": "SDF", "SAA": "SAA (Syrian army)"}


def marker_area(fighters) -> np.ndarray:
    """Scatter size (pt^2): grows with sqrt(fighters) so small ISIS cells stay visible; one scale."""
    return 24.0 + 7.0 * np.sqrt(np.clip(np.asarray(fighters, dtype=float), 0.0, 3000.0))


def nice_length(span_km: float) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^k km) of at most a fifth of the map width."""
    target = max(span_km / 5.0, 1e-6)
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def _scale_bar(ax: Axes, extent, mid_lat: float) -> list[Bbox]:
    """Black-and-white bar in the lower left; length correct at the map's mid-latitude."""
    lon0, lon1, lat0, lat1 = extent
    km_per_deg_lon = KM_PER_DEG * math.cos(math.radians(mid_lat))
    km = nice_length((lon1 - lon0) * km_per_deg_lon)
    width = km / km_per_deg_lon
    x0, y0 = lon0 + 0.04 * (lon1 - lon0), lat0 + 0.04 * (lat1 - lat0)
    h = 0.012 * (lat1 - lat0)
    for i in range(2):
        fill = "black" if i == 0 else "white"
        ax.add_patch(Rectangle((x0 + i * width / 2, y0), width / 2, h, facecolor=fill, edgecolor="black",
                               lw=1.2, zorder=8))
    txt = ax.text(x0 + width / 2, y0 + 1.8 * h, f"{km:g} km", ha="center", va="bottom", fontsize=FONT,
                  fontweight="bold", path_effects=HALO, zorder=9)
    return [txt.get_window_extent(), ax.transData.transform_bbox(Bbox([[x0, y0], [x0 + width, y0 + h]]))]


def _ticks(ax: Axes) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}°E"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}°N"))
    ax.tick_params(labelsize=FONT_SMALL, length=5)
    ax.set_axisbelow(True)  # the grid under the control layer, as the painter draws it
    ax.grid(color="#9E9E9E", lw=0.5, alpha=0.5, ls=":", zorder=0.8)


def _legend(ax: Axes, spec) -> None:
    handles = [
        Patch(facecolor=CONTROL_COLORS[c], alpha=min(1.0, CONTROL_ALPHA[c] + 0.15), edgecolor="#555555",
              label=f"Held by {CONTROL_NAMES[c]}")
        for c in sorted(CONTROL_COLORS) if c != CONTROL_NONE
    ]
    handles.append(Patch(facecolor=OUTSIDE_COLOR, edgecolor="#555555", label="Outside Iraq and Syria"))

    def marker(shape, face, edge, label, ms=12.0):
        return Line2D([], [], ls="", marker=shape, ms=ms, mfc=face, mec=edge, label=label)

    handles += [marker(FACTION_MARKERS[f], FACTION_COLORS[f], "black", LEGEND_NAMES[f]) for f in GROUND_ORDER]
    handles.append(marker("X", "black", "white", "ISIS cell"))
    handles.append(marker("X", "white", "black", "ISIS cell, dispersed"))
    for n in (100, 1000):
        handles.append(marker("o", "#BDBDBD", "black", f"{n:,} fighters", math.sqrt(marker_area(n))))
    handles += [
        Line2D([], [], ls="", marker="o", ms=7, mfc="#333333", mec="white", label="Town (size: population)"),
        Line2D([], [], ls="", marker="P", ms=7, mfc="#333333", mec="white", label="Air base, crossing"),
        Line2D([], [], color=RIVER_COLOR, lw=2.4, label="River"),
        Line2D([], [], color=ROAD_COLOR, lw=1.2, label="Main road"),
        Line2D([], [], color=BORDER_COLOR, lw=1.8, label="International border"),
    ]
    if getattr(spec, "pockets", None):
        handles.append(Line2D([], [], color="black", lw=1.8, ls=(0, (5, 3)), label="Named ISIS pocket"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
              fontsize=FONT_SMALL, frameon=False, labelspacing=0.75, handletextpad=0.6, handlelength=1.6)
