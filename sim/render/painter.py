"""The map of a run's last day, drawn as animations are blitted.

``draw_map`` draws everything each time. A ``MapPainter`` draws the layers that do not change
(land, the country outside, grid, ticks, legend) once and keeps their pixels; a day is then the
control layer and everything above it (roads, rivers, borders, towns, forces, labels, title)
drawn over a copy of those pixels. ``bordersim run`` builds the painter in its plotting process
while the model still runs, so only the day's part is left once the run ends.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.axis import Axis
from matplotlib.colors import to_rgba

from sim.render.map import MAP_RECT, draw_base, draw_day
from sim.render.style import CONTROL_ALPHA, CONTROL_COLORS, new_figure, save_pixels

#: z-order of the control layer: what lies at or above it is drawn again each day.
CONTROL_Z = 1.0


class MapPainter:
    """Maps of one theater and scenario at ``dpi``, one day after another."""

    def __init__(self, theater, spec, dpi: float):
        self.spec, self.dpi = spec, dpi
        self.fig = new_figure(dpi=dpi)  # measured and drawn at the same dpi: text is laid out once
        ax = self.fig.add_axes(MAP_RECT)
        self.base = draw_base(ax, theater, spec)
        self._over = [a for a in ax.get_children() if a.get_zorder() >= CONTROL_Z
                      and a not in (ax.patch, ax.get_legend()) and not isinstance(a, Axis)]
        for artist in self._over:
            artist.set_visible(False)
        self.fig.canvas.draw()
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        for artist in self._over:
            artist.set_visible(True)
        self._cells = _pixel_cells(ax.get_window_extent(), self.fig.canvas.get_width_height(),
                                   (theater.width, theater.height))
        lut = np.zeros((256, 4))
        for code, color in CONTROL_COLORS.items():
            lut[code % 256] = to_rgba(color, CONTROL_ALPHA.get(code, 1.0))
        self._lut = np.round(lut * 255).astype(np.uint16)

    def pixels(self, model) -> np.ndarray:
        """The map of ``model``'s current day as an (height, width, 3) uint8 array."""
        ax, canvas = self.base.ax, self.fig.canvas
        before = {id(a) for a in ax.get_children()}
        draw_day(self.base, model, control=False)
        added = [a for a in ax.get_children() if id(a) not in before]
        try:
            canvas.restore_region(self._background)
            self._paint_control(np.asarray(canvas.buffer_rgba()), model.control)
            for artist in sorted(self._over + added, key=lambda a: a.get_zorder()):  # stable: ties in order
                ax.draw_artist(artist)
            return np.asarray(canvas.buffer_rgba())[..., :3].copy()
        finally:
            for artist in added:
                artist.remove()

    def _paint_control(self, buffer: np.ndarray, control: np.ndarray) -> None:
        """Blend the control layer into the picture, each pixel the colour of its cell (as imshow's
        nearest neighbour; ten times faster than an image artist, which resamples RGBA floats)."""
        rows, cols, ix, iy = self._cells
        rgba = self._lut[np.asarray(control).astype(np.int64) % 256][np.ix_(ix, iy)].transpose(1, 0, 2)
        alpha = rgba[..., 3:]
        under = buffer[rows, cols, :3].astype(np.uint16)
        buffer[rows, cols, :3] = (rgba[..., :3] * alpha + under * (255 - alpha) + 127) // 255

    def save(self, model, path: str | os.PathLike) -> Path:
        """Write the day's map as PNG, atomically."""
        return save_pixels(self.pixels(model), path, self.dpi)


def _pixel_cells(box, size: tuple[int, int], cells: tuple[int, int]) -> tuple:
    """The picture's rows and columns inside the map frame ``box``, and the grid column (x) and row (y)
    under each of their pixel centres (grid rows run north from the bottom, picture rows down)."""
    width, height = size
    nx, ny = cells
    x = (np.arange(width) + 0.5 - box.x0) / box.width * nx
    y = (height - np.arange(height) - 0.5 - box.y0) / box.height * ny
    cols, rows = np.flatnonzero((x >= 0) & (x < nx)), np.flatnonzero((y >= 0) & (y < ny))
    return (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1),
            np.floor(x[cols]).astype(np.intp), np.floor(y[rows]).astype(np.intp))
