"""A run's two pictures, drawn while the model runs and on both cores.

A plotting ``bordersim run`` spends most of its time importing libraries and running the model on
one core, and matplotlib alone takes 0.3 s to import. So, once the scenario and theater are ready,
``PlotProcess`` forks: the child imports matplotlib and draws the map's static layers while the
parent imports Mesa and runs the model. The parent then sends the last day through a pipe
(``send``); the child forks once more, so that the time series and the map are drawn at the same
time, and the parent collects their exit status (``wait``). Without fork (or in a caller's
process: tests, notebooks) ``draw_plots`` draws the same pictures in the calling process.

This module loads without matplotlib: the parent never imports it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from sim.outputs import PlotsFailed
from sim.render.snapshot import MapSnapshot

#: Resolution of both pictures: 1440 x 1080 pixels, a 1080p projector's height at 1:1 (at 150 dpi,
#: 1800 x 1350 pixels took a third longer to draw and were scaled down on the screen anyway).
DPI = 120
TIMESERIES, MAP = "timeseries.png", "map_final.png"


def can_fork() -> bool:
    """Forking without exec is safe with these libraries on Linux (multiprocessing's default there);
    not on macOS (system frameworks) nor Windows (no fork): there the pictures are drawn in-process."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def _inputs(result, scenario) -> dict:
    """What the pictures need from a finished run: small and picklable."""
    spec = result.model.scenario
    return {"table": {name: result.timeseries[name].to_numpy() for name in result.timeseries.columns},
            "labels": {key: pocket.label for key, pocket in spec.pockets.items()},
            "title": spec.title, "day": MapSnapshot.of(result.model, scenario),
            "record": result.summary.get("record", [])}


def _timeseries(inputs: dict, out: Path) -> Path:
    from sim.render.timeseries import save_timeseries

    return save_timeseries(inputs["table"], inputs["labels"], out / TIMESERIES, title=inputs["title"],
                           dpi=DPI, record=inputs.get("record", ()))


def draw_plots(result, out: Path) -> list[Path]:
    """Both pictures, drawn one after the other in this process."""
    from sim.render.painter import MapPainter

    model = result.model
    ts = _timeseries(_inputs(result, None), out)
    return [ts, MapPainter(model.theater, model.scenario, DPI).save(model, out / MAP)]


class PlotProcess:
    """A forked process that draws a run's pictures into ``out`` once it is sent the last day."""

    def __init__(self, scenario, out: Path):
        from sim.geography import build_theater

        self.scenario, self.out = scenario, out
        theater = build_theater(scenario.grid)  # before the fork: the parent's model reuses it
        read, self._write = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # a roomy pipe: send() never waits
            import fcntl

            fcntl.fcntl(self._write, fcntl.F_SETPIPE_SZ, 1 << 20)
        self.pid = _fork(lambda: _draw_when_sent(read, self._write, scenario, theater, out))
        os.close(read)

    def send(self, result) -> None:
        """Hand over the finished run; drawing starts at once."""
        data = pickle.dumps(_inputs(result, self.scenario), protocol=pickle.HIGHEST_PROTOCOL)
        with open(self._write, "wb") as pipe:
            self._write = None
            pipe.write(data)

    def close(self) -> None:
        """Without ``send`` first, the child ends without drawing (the run failed or was stopped)."""
        if self._write is not None:
            os.close(self._write)
            self._write = None

    def wait(self) -> list[Path]:
        """The pictures' paths once both are written; ``PlotsFailed`` if either was not."""
        self.close()
        _, status = os.waitpid(self.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code < 0:
            print(f"bordersim: the plotting process was killed by signal {-code}", file=sys.stderr)
            raise PlotsFailed(1)
        if code:
            raise PlotsFailed(code)
        return [self.out / TIMESERIES, self.out / MAP]


def _draw_when_sent(read: int, write: int, scenario, theater, out: Path) -> int:
    os.close(write)  # the parent's end: while open here, the pipe would never reach its end
    from sim.render.painter import MapPainter

    painter = MapPainter(theater, scenario, DPI)  # while the parent runs the model
    _warm_up(painter, scenario, theater)
    with open(read, "rb") as pipe:
        data = pipe.read()
    if not data:
        return 0
    inputs = pickle.loads(data)
    day = inputs["day"]
    day.theater = theater
    if day.scenario is None:
        day.scenario = scenario
    else:  # an event changed the scenario: the static layers may differ
        painter = MapPainter(theater, day.scenario, DPI)
    def timeseries() -> int:
        _timeseries(inputs, out)
        return 0

    other = _fork(timeseries)
    painter.save(day, out / MAP)
    _, status = os.waitpid(other, 0)
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 1


def _warm_up(painter, scenario, theater) -> None:
    """Draw both pictures once, unsaved, while the parent still runs the model: fonts, glyphs, the
    place names' sizes and the PNG encoder are then ready when the last day comes."""
    import io

    import numpy as np

    from sim.render.timeseries import plot_timeseries

    names = tuple(scenario.pockets)
    painter.pixels(MapSnapshot(0, scenario.start_date, np.zeros((theater.width, theater.height), np.int8),
                               names, np.zeros(len(names) + 1), [], [], scenario, theater))
    columns = ["day", "isis_fighters", "strikes", "raids", "incidents", "civilian_harm_total"]
    columns += [f"{key}_{what}" for key in names for what in ("km2", "fighters")]
    table = {name: np.arange(2.0) for name in columns}
    plot_timeseries(table, {k: p.label for k, p in scenario.pockets.items()}, title=scenario.title).savefig(
        io.BytesIO(), format="png", dpi=DPI)


def _fork(work: Callable[[], int]) -> int:
    """Run ``work`` in a forked child, which exits with the status it returns; the child's pid here.

    The child never returns into the caller's code: an error is one line (a file the system refused,
    as the CLI says it) or a traceback (a bug), and the status says which.
    """
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        status = work()
    except KeyboardInterrupt:
        status = 130
    except OSError as exc:
        from sim.outputs import os_error_line

        print(f"bordersim: {os_error_line(exc)}", file=sys.stderr)
        status = 2
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)
