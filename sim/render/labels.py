"""Greedy label placement: try a few offsets per label, keep the first that overlaps nothing.

Crowded fronts (Hajin, Baghuz, Albu Kamal and Al-Qaim sit within 30 km of each other) make
naive labels pile up into an unreadable block on a projector; a label that fits nowhere is
dropped rather than drawn on top of another. Taken areas are kept as display-space
quadrilaterals so that a river name slanted along a diagonal valley blocks only its own strip.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.transforms import Bbox, IdentityTransform

from sim.render.style import HALO

#: Offsets (points) tried in order: beside the point first, then further out with a leader line.
NEAR = ((7, 0), (-7, 0), (0, 7), (0, -7), (6, 6), (-6, 6), (6, -6), (-6, -6))
FAR = ((22, 14), (-22, 14), (22, -14), (-22, -14), (0, 22), (0, -22), (30, 0), (-30, 0))
_LEADER = {"arrowstyle": "-", "color": "#333333", "lw": 0.8, "shrinkA": 0, "shrinkB": 3}


def _align(dx: float, dy: float) -> tuple[str, str]:
    ha = "left" if dx > 0 else "right" if dx < 0 else "center"
    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
    return ha, va


def _corners(box: Bbox, pad: float = 0.0) -> np.ndarray:
    b = box.padded(pad)
    return np.array([[b.x0, b.y0], [b.x1, b.y0], [b.x1, b.y1], [b.x0, b.y1]])


def _overlaps(quad: np.ndarray, taken: np.ndarray) -> bool:
    """Separating-axis test of one convex quad (4, 2) against many (n, 4, 2)."""
    if not len(taken):
        return False
    edges = np.concatenate([np.diff(quad[:3], axis=0)[None].repeat(len(taken), 0),
                            np.diff(taken[:, :3], axis=1)], axis=1)  # (n, 4, 2): the 4 axes
    proj_q = np.einsum("nak,ck->nac", edges, quad)
    proj_t = np.einsum("nak,nck->nac", edges, taken)
    apart = (proj_q.max(-1) < proj_t.min(-1)) | (proj_t.max(-1) < proj_q.min(-1))
    return bool((~apart.any(axis=1)).any())


class LabelPlacer:
    """Remembers the display areas already taken on one axes."""

    def __init__(self, ax: Axes, pad: float = 2.0):
        self.ax = ax
        self.pad = pad
        self.frame = ax.get_window_extent().padded(-2)
        self._taken: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._taken)

    def block_points(self, xs, ys, radius_pt) -> None:
        """Reserve a square around each data point (markers labels should not cover)."""
        if not len(xs):
            return
        scale = self.ax.figure.dpi / 72.0
        pts = self.ax.transData.transform(np.column_stack([xs, ys]))
        for (px, py), r in zip(pts, radius_pt, strict=True):
            self.block_box(Bbox.from_bounds(px - r * scale, py - r * scale, 2 * r * scale, 2 * r * scale))

    def block_box(self, box: Bbox) -> None:
        self._taken.append(_corners(box))

    def block(self, artist) -> None:
        self.block_box(artist.get_window_extent())

    def _free(self, quad: np.ndarray, ignore: int = 0) -> bool:
        f = self.frame
        if not ((quad[:, 0] >= f.x0).all() and (quad[:, 0] <= f.x1).all()
                and (quad[:, 1] >= f.y0).all() and (quad[:, 1] <= f.y1).all()):
            return False
        taken = np.array(self._taken[ignore:]).reshape(-1, 4, 2)
        # Only areas whose bounding boxes meet the quad's can overlap it: test those exactly.
        near = ((taken[:, :, 0].min(1) <= quad[:, 0].max()) & (taken[:, :, 0].max(1) >= quad[:, 0].min())
                & (taken[:, :, 1].min(1) <= quad[:, 1].max()) & (taken[:, :, 1].max(1) >= quad[:, 1].min()))
        return not _overlaps(quad, taken[near])

    def _extent(self, text: str, ha: str, va: str, kwargs: dict, probes: dict) -> Bbox:
        """The label's display box with its anchor at (0, 0): a text's box only moves with its anchor."""
        if "probe" not in probes:
            style = {k: v for k, v in kwargs.items() if k not in ("annotation_clip", "path_effects")}
            probes["probe"] = Text(0.0, 0.0, text, transform=IdentityTransform(), **style)
            probes["probe"].set_figure(self.ax.figure)
        probe = probes["probe"]
        probe.set_horizontalalignment(ha)
        probe.set_verticalalignment(va)
        return probe.get_window_extent()

    def _try(self, x, y, text, dx, dy, ignore: int, kwargs, extents: dict):
        """The label at offset (dx, dy) points if its box is free (``ignore`` < 0: whatever the overlap).

        Candidates are measured, not drawn: only the chosen one becomes an artist (creating and
        removing an annotation per candidate cost most of a map's drawing time).
        """
        ha, va = _align(dx, dy)
        if (ha, va) not in extents:
            extents[ha, va] = self._extent(text, ha, va, kwargs, extents)
        px, py = self.ax.transData.transform((x, y))
        scale = self.ax.figure.dpi / 72.0
        quad = _corners(extents[ha, va].translated(px + dx * scale, py + dy * scale), self.pad)
        if ignore >= 0 and not self._free(quad, ignore):
            return None
        self._taken.append(quad)
        common = {"xytext": (dx, dy), "textcoords": "offset points", "ha": ha, "va": va,
                  "annotation_clip": False, **kwargs}
        if math.hypot(dx, dy) > 12:
            common["arrowprops"] = _LEADER
        return self.ax.annotate(text, (x, y), **common)

    def place(self, x: float, y: float, text: str, *, far: bool = True, soft_blocks: int = 0,
              east: int = 0, **style):
        """Label data point (x, y) beside it (or further out, with a leader); None if nothing fits.

        ``east`` = +1 / -1 tries offsets to the east / west first (away from a border the reader
        should not see the label cross). The first ``soft_blocks`` reserved areas (markers) are
        avoided when possible but may be covered as a last resort, before giving up.
        """
        def side(offset):
            return 1 if offset[0] == 0 else 0 if offset[0] * east > 0 else 2

        offsets = sorted(NEAR, key=side) + (sorted(FAR, key=side) if far else [])
        return self.place_any([(x, y, dx, dy) for dx, dy in offsets], text, soft_blocks=soft_blocks, **style)

    def place_any(self, candidates, text: str, *, soft_blocks: int = 0, force: bool = False, **style):
        """First free candidate (x, y, dx_pt, dy_pt); ``force`` draws the first one when none is free."""
        kwargs, extents = {"path_effects": HALO, "zorder": 9, **style}, {}
        for ignore in (0, soft_blocks) if soft_blocks else (0,):
            for x, y, dx, dy in candidates:
                ann = self._try(x, y, text, dx, dy, ignore, kwargs, extents)
                if ann is not None:
                    return ann
        if force and candidates:
            x, y, dx, dy = candidates[0]
            return self._try(x, y, text, dx, dy, -1, kwargs, extents)
        return None

    def place_text(self, x: float, y: float, text: str, *, rotation: float = 0.0, **style):
        """A free-standing label centred on (x, y), rotated (river names); None when it would overlap."""
        kwargs = {"path_effects": HALO, "zorder": 8, **style, "ha": "center", "va": "center"}
        txt = self.ax.text(x, y, text, **kwargs)
        box = txt.get_window_extent().padded(self.pad)  # unrotated: width along the text
        cx, cy = self.ax.transData.transform((x, y))
        c, s = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
        half = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [box.width / 2, box.height / 2]
        quad = half @ np.array([[c, s], [-s, c]]) + [cx, cy]
        if self._free(quad):
            txt.set_rotation(rotation)
            txt.set_rotation_mode("anchor")
            self._taken.append(quad)
            return txt
        txt.remove()
        return None
