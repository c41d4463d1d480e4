"""bordersim: an agent-based model of the multi-actor fight against ISIS on the Iraq-Syria border.

Every front end (CLI, sweep worker, classroom page, notebooks, tests, benchmarks) builds and runs the
model the same way::

    import sim
    scenario = sim.load("pockets_2018", set={"channels.deconfliction": False})
    result = sim.run(scenario, seed=1, days=120)       # or sim.run("pockets_2018", ...)
    model = sim.BorderModel(scenario=scenario, rng=1)   # a Mesa model, one step a day

Names are imported on first use, so ``bordersim --help`` does not load Mesa or pandas.
"""

from __future__ import annotations

from sim.lazy import lazy_getattr

__version__ = "0.1.0"

__getattr__ = lazy_getattr(__name__, {"load": "api", "run": "api", "Result": "api", "BorderModel": "model"})

# The folders whose code or data computes a run; everything else in sim/ is a front end (CLI, page,
# sweeps, report, render) and may change without invalidating stored runs.
MODEL_FOLDERS = ("model", "channels", "scenario", "geography", "data")
MODEL_FILES = ("factions.py",)


def model_fingerprint() -> str:
    """A hash of the code and data that compute a run (``MODEL_FILES`` and ``MODEL_FOLDERS``), so stored
    sweep runs made by another version of the model are recomputed instead of reused."""
    import hashlib
    from pathlib import Path

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    files = [root / name for name in MODEL_FILES]
    for folder in MODEL_FOLDERS:
        files += sorted(p for p in (root / folder).rglob("*") if p.suffix in {".py", ".yaml"})
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


__all__ = ["BorderModel", "Result", "__version__", "load", "model_fingerprint", "run"]
