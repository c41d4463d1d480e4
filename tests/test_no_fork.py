"""The instructor's own laptop: the CLI, sweeps, class mode and the demo where ``fork``, ``os.nice`` and
``fcntl`` do not exist (Windows; macOS forks but multiprocessing spawns there).

Every process these tests start imports a ``sitecustomize`` that removes ``os.fork`` and ``os.nice``,
makes ``import fcntl`` fail and leaves multiprocessing only the spawn start method, so the code paths
of such a machine run here, child processes included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bordersim"
STUBS = """
import multiprocessing
import os
import sys

for _name in ("fork", "forkpty", "nice"):
    if hasattr(os, _name):
        delattr(os, _name)
sys.modules["fcntl"] = None  # `import fcntl` raises ImportError, as on Windows
multiprocessing.set_start_method("spawn", force=True)
multiprocessing.get_all_start_methods = lambda: ["spawn"]
"""


@pytest.fixture
def env(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(STUBS, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "MPLBACKEND": "Agg"}


def run(args: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kw)


def test_the_stubs_are_in_force(env):
    probe = ("import os, multiprocessing as mp\n"
             "try:\n    import fcntl\n    has_fcntl = True\nexcept ImportError:\n    has_fcntl = False\n"
             "print(hasattr(os, 'fork'), hasattr(os, 'nice'), has_fcntl, mp.get_start_method(),"
             " mp.get_all_start_methods())")
    out = run([sys.executable, "-c", probe], env)
    assert out.stdout.split() == ["False", "False", "False", "spawn", "['spawn']"], out.stderr


def test_a_run_draws_its_plots_in_process(env, tmp_path):
    out = run([str(BIN), "run", "scenarios/pockets_2018.yaml", "--days", "8", "--out", str(tmp_path / "r")],
              env)
    assert out.returncode == 0, out.stderr
    for name in ("timeseries.csv", "summary.json", "timeseries.png", "map_final.png"):
        assert (tmp_path / "r" / name).stat().st_size > 0


def test_a_sweep_runs_on_spawned_workers(env, tmp_path):
    exp = tmp_path / "exp.yaml"
    exp.write_text(f"name: nofork\nscenario: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\ndays: 5\n"
                   "factors:\n  - channel: deconfliction\ndesign: full_factorial\nreplications: 2\nseed: 3\n",
                   encoding="utf-8")
    out = run([str(BIN), "sweep", str(exp), "--out", str(tmp_path / "s"), "--workers", "2"], env)
    assert out.returncode == 0, out.stderr
    assert "4/4 runs stored" in out.stdout + out.stderr
    assert (tmp_path / "s" / "results.csv").is_file()


def test_a_class_question_without_fcntl(env, tmp_path):
    script = f"""
import os
from pathlib import Path
os.environ["BORDERSIM_INSTRUCTOR_TOKEN"] = "t"
from sim.app.class_question import start_question
from sim.app.state import Classroom
q = start_question({str(ROOT / 'scenarios' / 'pockets_2018.yaml')!r}, "deconfliction", "incidents", days=4,
                   root=Path({str(tmp_path)!r}), seed=1, students=2, token="t")
r, setup = q.join()
room = Classroom(setup)
room.step(4)
print("dot", q.finish(r, room) is not None, sorted(q.export("t")))
"""
    out = run([sys.executable, "-c", script], env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("dot True") and "results.csv" in out.stdout


def _get(url: str) -> tuple[int, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as resp:
            return resp.status, resp.headers.get("Location", "")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location", "")


def test_the_demo_with_workers_runs_without_nice(env, tmp_path):
    from browser import free_port

    port = free_port()
    log = open(tmp_path / "demo.log", "wb")  # noqa: SIM115 -- closed below
    proc = subprocess.Popen([str(BIN), "demo", "--port", str(port), "--workers", "2", "--token", "secret",
                             "--class-dir", str(tmp_path / "classes")], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        origin = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()
            try:
                status, where = _get(origin + "/")
                break
            except OSError:
                assert time.monotonic() < deadline, "the demo did not start"
                time.sleep(0.5)
        assert status == 303 and where.startswith("http://127.0.0.1:")
        assert _get(origin + "/instructor")[0] == 403
        status, teacher = _get(origin + "/instructor?token=secret")
        assert status == 303 and teacher.endswith("/instructor?token=secret")
        with urllib.request.urlopen(where, timeout=30) as resp:
            assert resp.status == 200 and "bordersim" in resp.read().decode("utf-8", "replace")
        workers = psutil.Process(proc.pid).children()
        assert len(workers) == 2 and all(w.nice() == 0 for w in workers)  # no nice: same priority
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
