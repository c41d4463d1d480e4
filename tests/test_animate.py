"""Animations of a run, and the layered map frames the browser demo uses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sim import BorderModel
from sim.cli import main
from sim.render.animate import MapFrames, ffmpeg_path, run_title, write_animation
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
POCKETS = ROOT / "scenarios" / "pockets_2018.yaml"
COARSE = ["grid.cell_deg=0.25"]


def coarse_model(days: int = 4, seed: int = 2, *changes: str):
    return BorderModel(scenario=load_scenario(POCKETS, [*COARSE, f"days={days}", *changes]), rng=seed)


def test_gif_has_one_frame_per_day_and_no_leftovers(tmp_path):
    out = write_animation(coarse_model(), 4, tmp_path / "run.gif", fps=5, dpi=30)
    with Image.open(out) as gif:
        assert gif.format == "GIF" and gif.n_frames == 5
        assert gif.info["duration"] == 200
        first = np.asarray(gif.convert("RGB"))
        gif.seek(4)
        last = np.asarray(gif.convert("RGB"))
    assert first.shape == last.shape and not np.array_equal(first, last)  # the date changes at least
    assert [p.name for p in tmp_path.iterdir()] == ["run.gif"]
    ref = tmp_path / "ref"
    ref.write_bytes(b"")  # an ordinary new file: the animation gets the same permissions
    assert out.stat().st_mode & 0o777 == ref.stat().st_mode & 0o777


def test_cli_animate_writes_a_gif(tmp_path, capsys):
    out = tmp_path / "slides" / "run.gif"
    code = main(["animate", str(POCKETS), "--days", "3", "--dpi", "30", "-o", str(out),
                 *[x for s in COARSE for x in ("--set", s)]])
    assert code == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 4
    assert "4 frames" in capsys.readouterr().out


@pytest.mark.parametrize("name, why", [("run.avi", ".gif or .mp4"), ("run", ".gif or .mp4")])
def test_cli_animate_rejects_other_formats(tmp_path, capsys, name, why):
    code = main(["animate", str(POCKETS), "--days", "2", "-o", str(tmp_path / name)])
    assert code == 2 and why in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_failed_animation_leaves_no_file(tmp_path):
    def boom(done):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_animation(coarse_model(), 4, tmp_path / "run.gif", dpi=30, progress=boom)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(ffmpeg_path() is None, reason="ffmpeg is not installed")
def test_mp4_with_ffmpeg(tmp_path):
    out = write_animation(coarse_model(days=3), 3, tmp_path / "run.mp4", fps=4, dpi=30)
    head = out.read_bytes()[:12]
    assert head[4:8] == b"ftyp" and out.stat().st_size > 1000


def test_layered_frames_match_a_full_redraw():
    """The fast path composites cached layers; it must look like draw_map on the same day."""
    model = coarse_model(days=8)
    frames = MapFrames(model, title="t", legend=False, figsize=(6, 5), dpi=50)
    assert frames.fast
    model.run(6)
    fast = frames.rgba(model).astype(int)
    frames.fast = False
    full = frames.rgba(model).astype(int)
    assert fast.shape == full.shape
    diff = np.abs(fast - full).max(axis=2)
    assert diff.mean() < 2.0 and (diff > 80).mean() < 0.01


def test_frames_follow_the_control_layer():
    # 90 days: on 25 km cells ground changes hands only weeks after Operation Roundup (day 30). At the
    # calibrated contested speed (0.04 of 4.5 km a day) a unit needs months to cross into a 25 km ISIS
    # cell, and the 8 km control radius does not reach the next one, so the coarse grid barely moves:
    # this test of the frames (not of the calibration) lets units fight forward at 0.3, the default
    model = coarse_model(90, 4, "params.contested_speed_factor=0.3")
    frames = MapFrames(model, legend=False, figsize=(6, 5), dpi=50)
    before = frames.rgba(model)
    control_before = model.control.copy()
    model.run(90)
    after = frames.rgba(model)
    assert not np.array_equal(control_before, model.control)
    assert not np.array_equal(before, after)


def test_title_names_the_closed_channels():
    spec = load_scenario(POCKETS, ["channels.deconfliction=false"])
    title = run_title(spec)
    assert title.startswith(spec.title[:20]) and "deconfliction" in title.splitlines()[1]
    assert "Iran as intermediary" in title and "iranian_intermediary" not in title  # labels, not keys
