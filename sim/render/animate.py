"""Fast day-by-day map frames and animations of a run (for slides; the demo page draws in the browser).

``sim.render.draw_map`` draws the whole theater (outlines, rivers, towns, placed labels, legend),
which takes a few hundred milliseconds. :class:`MapFrames` calls it once, splits its artists into
static layers rendered once (below the control layer, between it and the markers, on top) and the
few that change each day (control layer, unit markers, pocket areas, the date), and composites a
day's picture from the cached layers plus two small redraws. Labels keep their day-0 places.
If the map's artists cannot be told apart (sim.render changed), every frame falls back to a full
``draw_map``: slower, never wrong.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.axis import Axis
from matplotlib.collections import PathCollection
from matplotlib.text import Annotation
from PIL import Image

from sim.render import map as render_map
from sim.render.style import CONTROL_ALPHA, CONTROL_COLORS, FONT, HALO, new_figure

#: Artists above this z-order sit over the unit markers (labels, scale bar).
MARKER_Z = 6.0
FORMATS = (".gif", ".mp4")


def date_caption(model) -> str:
    return f"day {model.steps} · {model.date:%d %b %Y}"


def run_title(spec) -> str:
    """The scenario's title and, on a second line, which channels are closed in this run."""
    from sim.app.state import channel_label

    closed = [channel_label(k) for k, v in spec.channels.as_dict().items() if not v]
    second = "closed: " + ", ".join(closed) if closed else "all channels open"
    return "\n".join(textwrap.wrap(spec.title, 60)[:1] + textwrap.wrap(second, 75)[:1])


class MapFrames:
    """Pictures of one model's map, day after day, for a fixed figure size and resolution."""

    def __init__(self, model, *, title: str = "", legend: bool = True,
                 figsize: tuple[float, float] = (12.0, 9.0), dpi: float = 80):
        self.title, self.legend, self.figsize, self.dpi = title, legend, figsize, dpi
        self.fig = new_figure(figsize, dpi)
        self.ax = self.fig.add_axes(render_map.MAP_RECT if legend else render_map.FULL_RECT)
        render_map.draw_map(model, self.ax, title=title, legend=legend)
        self.caption = self.ax.text(0.99, 0.985, "", transform=self.ax.transAxes, ha="right", va="top",
                                    fontsize=FONT + 3, fontweight="bold", path_effects=HALO, zorder=10)
        self.fast = self._classify(model)
        if self.fast:
            self._layers = self._static_layers()
            self._blit = self._blit_index(model.control.T.shape)

    # ------------------------------------------------------------------ set-up
    def _classify(self, model) -> bool:
        """Find the control image, marker collections and pocket labels among draw_map's artists."""
        want = render_map._rgba_layer(model.control, CONTROL_COLORS, CONTROL_ALPHA)
        images = [im for im in self.ax.images if np.array_equal(np.asarray(im.get_array()), want)]
        self.control = images[0] if len(images) == 1 else None
        self.markers = [c for c in self.ax.collections
                        if isinstance(c, PathCollection) and c.get_zorder() >= MARKER_Z]
        labels = {p.label: key for key, p in getattr(model.scenario, "pockets", {}).items()}
        self.pocket_texts = {}
        for text in self.ax.texts:
            head = text.get_text().split("\n", 1)[0]
            if isinstance(text, Annotation) and head in labels and "km²" in text.get_text():
                self.pocket_texts[labels[head]] = text
        return self.control is not None and bool(self.markers or not model.ground_units())

    def _dynamic(self) -> list:
        return [self.control, self.caption, *self.markers, *self.pocket_texts.values()]

    def _static_layers(self) -> list[np.ndarray]:
        """Three pictures: ground (opaque), over the control layer, over the markers."""
        dynamic = {id(a) for a in self._dynamic()}
        artists = [a for a in self.ax.get_children() if id(a) not in dynamic and a is not self.ax.patch]
        self._shown = {id(a): a.get_visible() for a in artists}
        under = [a for a in artists if isinstance(a, Axis) or a.get_zorder() < self.control.get_zorder()]
        mid = [a for a in artists if a not in under and a.get_zorder() < MARKER_Z]
        top = [a for a in artists if a not in under and a not in mid]
        everything = artists + self._dynamic()
        layers = [self._render(everything, under, ground=True), self._render(everything, mid),
                  self._render(everything, top)]
        for a in everything:
            a.set_visible(self._shown.get(id(a), True))
        self.fig.patch.set_visible(True)
        self.ax.patch.set_visible(True)
        return layers

    def _render(self, everything, artists, ground: bool = False) -> np.ndarray:
        """Draw only ``artists`` (plus the white figure and land colour when ``ground``)."""
        keep = {id(a) for a in artists}
        for a in everything:
            a.set_visible(id(a) in keep and self._shown.get(id(a), True))
        self.fig.patch.set_visible(ground)
        self.ax.patch.set_visible(ground)
        self.fig.canvas.draw()
        return np.asarray(self.fig.canvas.buffer_rgba()).copy()

    # ------------------------------------------------------------------ frames
    def _update(self, model) -> None:
        self.control.set_data(render_map._rgba_layer(model.control, CONTROL_COLORS, CONTROL_ALPHA))
        for c in self.markers:
            c.remove()
        before = set(map(id, self.ax.collections))
        render_map._draw_agents(self.ax, model)
        self.markers = [c for c in self.ax.collections if id(c) not in before]
        areas = render_map._pocket_areas(model)
        for key, text in self.pocket_texts.items():
            label = model.scenario.pockets[key].label
            text.set_text(f"{label}\n{areas.get(key, 0.0):,.0f} km²")
        self.caption.set_text(date_caption(model))

    def rgba(self, model) -> np.ndarray:
        """The map on the model's current day as an (height, width, 4) uint8 array."""
        if not self.fast:
            return self._full_redraw(model)
        self._update(model)
        under, mid, top = self._layers
        out = Image.fromarray(under)
        for layer in (self._control_pixels(model.control), mid, self._draw_only(self._on_top()), top):
            out = Image.alpha_composite(out, Image.fromarray(layer))
        return np.asarray(out)

    def _on_top(self) -> list:
        artists = [self.caption, *self.markers, *self.pocket_texts.values()]
        return sorted(artists, key=lambda a: a.get_zorder())

    def _draw_only(self, artists) -> np.ndarray:
        """Draw ``artists`` alone on a transparent canvas (the blitting path: no layout pass)."""
        renderer = self.fig.canvas.get_renderer()
        renderer.clear()
        for a in artists:
            a.draw(renderer)
        return np.asarray(renderer.buffer_rgba()).copy()

    def _control_pixels(self, control: np.ndarray) -> np.ndarray:
        """The control layer as pixels: each grid cell filled with its colour, like imshow(nearest)."""
        cells = (render_map._rgba_layer(control, CONTROL_COLORS, CONTROL_ALPHA) * 255 + 0.5).astype(np.uint8)
        layer = np.zeros_like(self._layers[0])
        rows, cols, iy, ix = self._blit
        layer[rows, cols] = cells[np.ix_(iy, ix)]
        return layer

    def _blit_index(self, shape: tuple[int, int]) -> tuple:
        """Pixel rows/columns inside the map frame and the grid row/column each one shows."""
        box = self.ax.get_window_extent()
        height, width = self._layers[0].shape[:2]
        ny, nx = shape
        x = (np.arange(width) + 0.5 - box.x0) / box.width * nx
        y = (height - np.arange(height) - 0.5 - box.y0) / box.height * ny
        cx, cy = (x >= 0) & (x < nx), (y >= 0) & (y < ny)
        cols, rows = np.flatnonzero(cx), np.flatnonzero(cy)
        return (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1),
                np.floor(y[cy]).astype(int), np.floor(x[cx]).astype(int))

    def _full_redraw(self, model) -> np.ndarray:
        fig = new_figure(self.figsize, self.dpi)
        ax = fig.add_axes(render_map.MAP_RECT if self.legend else render_map.FULL_RECT)
        render_map.draw_map(model, ax, title=self.title, legend=self.legend)
        ax.text(0.99, 0.985, date_caption(model), transform=ax.transAxes, ha="right", va="top",
                fontsize=FONT + 3, fontweight="bold", path_effects=HALO, zorder=10)
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()

    def png(self, model) -> bytes:
        """The current day's map as PNG bytes (fast compression: it is sent, not stored)."""
        buf = io.BytesIO()
        Image.fromarray(self.rgba(model)).convert("RGB").save(buf, "PNG", compress_level=1)
        return buf.getvalue()


# ---------------------------------------------------------------------- animations
def ffmpeg_path() -> str | None:
    return shutil.which("ffmpeg")


def _even(frame: np.ndarray) -> np.ndarray:
    """Crop to even width and height (H.264 with yuv420p needs both)."""
    h, w = frame.shape[:2]
    return frame[: h - h % 2, : w - w % 2]


class _GifSink:
    """Frames quantized to the first frame's palette (one byte a pixel), written on close."""

    def __init__(self, path: Path, fps: float):
        self.path, self.duration, self.frames, self.palette = path, round(1000 / fps), [], None

    def add(self, frame: np.ndarray) -> None:
        img = Image.fromarray(frame).convert("RGB")
        if self.palette is None:
            self.palette = img.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
        self.frames.append(img.quantize(palette=self.palette, dither=Image.Dither.NONE))

    def close(self) -> None:
        first, *rest = self.frames
        first.save(self.path, format="GIF", save_all=True, append_images=rest,
                   duration=self.duration, loop=0, optimize=False)


class _Mp4Sink:
    """Raw RGB frames piped to ffmpeg (H.264, yuv420p, plays in slide software)."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]):
        w, h = size
        cmd = [ffmpeg_path() or "ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{w}x{h}", "-r", f"{fps:g}", "-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p",
               "-movflags", "+faststart", "-f", "mp4", str(path)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def add(self, frame: np.ndarray) -> None:
        self.proc.stdin.write(np.ascontiguousarray(_even(frame)[..., :3]).tobytes())

    def close(self) -> None:
        _, err = self.proc.communicate()
        if self.proc.returncode != 0:
            raise RuntimeError(f"ffmpeg failed: {err.decode(errors='replace').strip()[:300]}")


def check_output(out: Path, fps: float, dpi: float) -> str | None:
    """Why an animation cannot be written to ``out`` with these settings, or None."""
    if out.suffix.lower() not in FORMATS:
        return f"the animation file must end in .gif or .mp4, not {out.name!r}"
    if out.suffix.lower() == ".mp4" and ffmpeg_path() is None:
        return "writing .mp4 needs ffmpeg on the PATH; install it or write a .gif"
    if not 0.5 <= fps <= 60:
        return f"--fps must be between 0.5 and 60, got {fps:g}"
    if not 20 <= dpi <= 300:
        return f"--dpi must be between 20 and 300, got {dpi:g}"
    if out.is_dir():
        return f"{out} is a folder; give a file name ending in .gif or .mp4"
    return None


def animate_cli(scenario, seed: int, out: Path, *, fps: float, dpi: float) -> int:
    """`bordersim animate`: the run as an animation, with a progress bar; returns an exit status."""
    import sys

    from tqdm import tqdm

    from sim import BorderModel

    problem = check_output(out, fps, dpi)
    if problem:
        print(f"bordersim: {problem}", file=sys.stderr)
        return 2
    model = BorderModel(scenario=scenario, rng=seed)
    with tqdm(total=scenario.days + 1, unit="day", desc=f"animating {scenario.name}") as bar:
        write_animation(model, scenario.days, out, fps=fps, dpi=dpi, progress=lambda n: bar.update(n - bar.n))
    print(f"{scenario.days + 1} frames of {scenario.name} (seed {seed}) written to {out}")
    return 0


def write_animation(model, days: int, out: str | os.PathLike, *, fps: float = 8, dpi: float = 80,
                    title: str | None = None, progress: Callable[[int], None] | None = None) -> Path:
    """Step ``model`` ``days`` times and write day 0 to the last day as a GIF or MP4 at ``out``.

    The file appears only when complete (written under a temporary name, then renamed).
    ``progress(n)`` is called after each frame with the number of frames done.
    """
    out = Path(out)
    problem = check_output(out, fps, dpi)
    if problem:
        raise ValueError(problem)
    suffix = out.suffix.lower()
    frames = MapFrames(model, title=run_title(model.scenario) if title is None else title, dpi=dpi)
    first = frames.rgba(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    # a fresh hidden name beside the target; the writer creates it with the usual permissions
    tmp = out.parent / f".{out.stem}.{secrets.token_hex(6)}.tmp{suffix}"
    try:
        h, w = _even(first).shape[:2]
        sink = _GifSink(tmp, fps) if suffix == ".gif" else _Mp4Sink(tmp, fps, (w, h))
        sink.add(first)
        if progress:
            progress(1)
        for i in range(days):
            model.step()
            sink.add(frames.rgba(model))
            if progress:
                progress(i + 2)
        sink.close()
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
