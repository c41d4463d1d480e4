"""The command line's argument types and how it finds what a user names.

A value argparse refuses is one line (``bordersim run: error: argument --seed: ...``) and exit 2;
a name that matches no scenario or experiment is a ``ScenarioError`` with a suggestion.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from sim.errors import ScenarioError


def _seed(text: str) -> int:
    from sim.scenario.limits import seed_problem

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number, got {text!r}") from None
    if problem := seed_problem(value):
        raise argparse.ArgumentTypeError(problem)
    return value


def _days(text: str) -> int:
    from sim.scenario.limits import days_problem

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"days must be a whole number, got {text!r}") from None
    if problem := days_problem(value):
        raise argparse.ArgumentTypeError(problem)
    return value


_SCHEDULER = re.compile(r"^(tcp|tls|ws|wss|ucx)://[^\s/]+:(\d{1,5})$")


def _scheduler(text: str) -> str:
    """A Dask scheduler address, checked for shape at once (connecting to a typo takes a minute)."""
    match = _SCHEDULER.match(text.strip())
    if not match or not 0 < int(match.group(2)) < 65536:
        raise argparse.ArgumentTypeError(f"expected an address like tcp://HOST:8786, got {text!r}")
    return text.strip()


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _whole(text: str, least: int, wording: str) -> int:
    """``text`` as a whole number of at least ``least`` (``wording`` says so in the error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be {wording}, got {value}")
    return value


def _count(text: str) -> int:
    return _whole(text, 1, "at least 1")


def _box(text: str) -> int:
    return _whole(text, 0, "0 or more")


def executor_options(p: argparse.ArgumentParser) -> None:
    """Where a command's runs go: ``--workers N`` local processes, or ``--scheduler ADDRESS`` or
    ``--dask-local N`` (one of the two) for Dask; shared by ``bordersim sweep`` and ``calibrate``."""
    p.add_argument("--workers", type=_count, help="local worker processes (default: all cores)")
    dask = p.add_mutually_exclusive_group()
    dask.add_argument("--scheduler", type=_scheduler, metavar="tcp://HOST:PORT",
                      help="run on this Dask scheduler")
    dask.add_argument("--dask-local", type=_count, metavar="N",
                      help="run on a local Dask cluster of N workers")


def output_file(path: str, suffixes: tuple[str, ...], option: str) -> Path:
    """``path`` as a file to write: refused at once (before any work) when it is a folder or has the
    wrong extension. An existing file is replaced, atomically: it is one picture or table."""
    out = Path(path)
    example = f"{out.stem or 'out'}{suffixes[0]}"
    if out.is_dir():
        raise ScenarioError(f"{out} is a folder; give a file name, e.g. {out / example}", path=option)
    if out.suffix.lower() not in suffixes:
        raise ScenarioError(f"the file must end in {' or '.join(suffixes)}, not {out.name!r}", path=option,
                            hint=str(out.with_name(example)))
    return out


def _load(name: str, overrides: list[str] | None, days: int | None = None):
    """A scenario by name (``bordersim list``) or path, with ``--set`` and ``--days``."""
    from sim.scenario.catalog import load

    return load(name, overrides or [], days)


def _find(name: str, kind: str = "scenarios") -> Path:
    from sim.scenario.catalog import find

    return find(name, kind)


def project_root() -> Path:
    from sim.scenario.catalog import project_root

    return project_root()
