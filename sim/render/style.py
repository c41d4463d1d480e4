"""Colours, fonts and figure plumbing shared by the map and the plots.

Sizes are passed explicitly to every artist instead of through ``rcParams``: changing
matplotlib's global settings is not thread-safe, and the browser app renders from threads.
Figures are plain ``matplotlib.figure.Figure`` objects on an Agg canvas, never pyplot.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.factions import CONTROL_IRAQ, CONTROL_ISIS, CONTROL_NONE, CONTROL_SAA, CONTROL_SDF
from sim.outputs import atomic_write

# Okabe & Ito (2008), the colour-blind-safe palette; one colour per actor.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
_O = OKABE_ITO

#: One colour per faction and air wing (ISIS black, as in the usual conflict maps).
FACTION_COLORS: dict[str, str] = {
    "ISF": _O["bluish_green"],
    "PMF": _O["reddish_purple"],
    "SDF": _O["yellow"],
    "SAA": _O["vermillion"],
    "ISIS": _O["black"],
    "coalition": _O["blue"],
    "iraqi": _O["sky_blue"],
    "russian": _O["orange"],
}

#: Colour of each value of the control layer; "none" is drawn transparent on the map.
CONTROL_COLORS: dict[int, str] = {
    CONTROL_NONE: "#FFFFFF",
    CONTROL_ISIS: FACTION_COLORS["ISIS"],
    CONTROL_IRAQ: FACTION_COLORS["ISF"],
    CONTROL_SDF: FACTION_COLORS["SDF"],
    CONTROL_SAA: FACTION_COLORS["SAA"],
}

#: Opacity of the control layer: ISIS ground darker so the pockets stand out.
CONTROL_ALPHA: dict[int, float] = {
    CONTROL_NONE: 0.0,
    CONTROL_ISIS: 0.45,
    CONTROL_IRAQ: 0.22,
    CONTROL_SDF: 0.30,
    CONTROL_SAA: 0.22,
}

#: Marker shape per faction, so the map reads in greyscale and for colour-blind viewers too.
FACTION_MARKERS: dict[str, str] = {"ISF": "s", "PMF": "D", "SDF": "^", "SAA": "p", "ISIS": "X"}

#: Line colours for named pockets in the plots (not used by any faction).
POCKET_COLORS = ("#E69F00", "#56B4E9", "#CC79A7", "#009E73", "#0072B2", "#D55E00")

RIVER_COLOR = "#2C7BB6"
ROAD_COLOR = "#8C8C8C"
BORDER_COLOR = "#404040"
LAND_COLOR = "#F7F4EC"
OUTSIDE_COLOR = "#D9D9D9"

# Projector sizes (points).
FONT = 13
FONT_SMALL = 12
FONT_TITLE = 17
FIGSIZE = (12.0, 9.0)
#: zlib level of the PNG files: level 1 encodes in a third of the default's time (a tenth of a second
#: on a plot at 150 dpi), for files 5-20 % larger.
PNG_LEVEL = 1

#: A white outline behind text so labels stay readable over any colour.
HALO = [patheffects.withStroke(linewidth=3.5, foreground="white")]


def new_figure(figsize: tuple[float, float] = FIGSIZE, dpi: float = 100) -> Figure:
    """A pyplot-free figure on an Agg canvas (safe to build in a web server thread)."""
    fig = Figure(figsize=figsize, dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def save_atomic(fig: Figure, path: str | os.PathLike, dpi: float) -> Path:
    """Write ``fig`` as PNG via a temp file in the same folder, so readers never see half a file."""
    def write(tmp: Path) -> None:
        fig.savefig(tmp, format="png", dpi=dpi, facecolor=fig.get_facecolor(),
                    pil_kwargs={"compress_level": PNG_LEVEL})

    return atomic_write(path, write, keep_mode=True)


def save_pixels(pixels: np.ndarray, path: str | os.PathLike, dpi: float) -> Path:
    """Write an (height, width, 3) uint8 picture as PNG, atomically like ``save_atomic``."""
    from PIL import Image

    image = Image.fromarray(pixels)
    return atomic_write(path, lambda tmp: image.save(tmp, format="PNG", dpi=(dpi, dpi),
                                                     compress_level=PNG_LEVEL), keep_mode=True)
