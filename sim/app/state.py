"""What one browser session of the classroom demo runs: one or two models stepping together.

Pure Python (no Solara), so the rules of the page - bounds, seed parsing, side labels, paired
stepping - are tested without a browser. Every session builds its own :class:`Classroom`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sim.app.charts import add_totals
from sim.errors import ScenarioError
from sim.scenario import limits

#: A page runs at most this many models (the side-by-side pair).
MAX_MODELS = 2
#: A page never runs past this day, whatever the scenario says.
MAX_DAYS = limits.MAX_DAYS
#: A page never builds a grid finer than this many cells (the shipped scenarios have 19,200).
MAX_CELLS = 100_000
#: Play never goes faster than this many days per second, whatever the page sends.
MAX_SPEED = 30
SEED_MAX = limits.MAX_SEED
SEED_MAX_CHARS = 19
SIDES = ("A", "B")



def days_per_second(value: object, default: float = 8) -> float:
    """The play speed a page asked for, kept between 1 and MAX_SPEED (``default`` if not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return default
    return float(min(max(value, 1), MAX_SPEED))


def channel_label(name: str) -> str:
    """The short name of a channel for checkboxes and titles (its scenario key when unknown)."""
    from sim.channels import REGISTRY

    return REGISTRY[name].label if name in REGISTRY else name.replace("_", " ")


def parse_seed(text: str | int) -> int:
    """A seed typed by a user; raises ValueError with a message fit for the page."""
    raw = str(text).strip()
    if not raw:
        raise ValueError("Seed: type a whole number, e.g. 1")
    if len(raw) > SEED_MAX_CHARS + 1 or not (raw.isascii() and raw.lstrip("+").isdigit()):
        raise ValueError(f"Seed must be a whole number from 0 to {SEED_MAX}, not {raw[:24]!r}")
    value = int(raw)
    if value > SEED_MAX:
        raise ValueError(f"Seed must be at most {SEED_MAX}")
    return value


@dataclass(frozen=True)
class Entry:
    name: str
    title: str
    path: str


def scenario_entries(root: Path) -> list[Entry]:
    """The scenarios shipped in ``root/scenarios``, in file-name order."""
    from sim.scenario.catalog import list_entries

    return [Entry(n, t, str(root / p)) for n, t, p in list_entries(root)["scenarios"]]


@lru_cache(maxsize=32)
def load_cached(path: str):
    """Scenarios are immutable: load each file once per process."""
    from sim.scenario import load_scenario

    return load_scenario(path)


@dataclass(frozen=True)
class Setup:
    """Everything that defines a run on the page; changing it means building new models."""

    path: str
    seed: int
    compare: bool
    channels: tuple[tuple[tuple[str, bool], ...], ...]  # per side: (name, open) pairs
    days: int | None = None  # run length when not the scenario's (a class question's)
    boxes: bool = True  # channels as the page's boxes mean them (``side_changes``); False: day-0 values

    def side_channels(self, side: int) -> dict[str, bool]:
        return dict(self.channels[side])


def scheduled_openings(scenario) -> dict[str, int]:
    """Channels closed on day 0 that the scenario's events open later: name -> the first such day."""
    start = scenario.channels.as_dict()
    found: dict[str, int] = {}
    for event in sorted(scenario.events, key=lambda e: e.day):
        for key, value in event.set.items():
            name = key.removeprefix("channels.")
            if key.startswith("channels.") and value and not start.get(name, True):
                found.setdefault(name, event.day)
    return found


def default_channels(scenario) -> dict[str, bool]:
    """The page's boxes for a scenario: ticked = the channel as the scenario has it (open on day 0, or
    opened on the day its events say), unticked = closed the whole run."""
    scheduled = scheduled_openings(scenario)
    return {k: bool(v) or k in scheduled for k, v in scenario.channels.as_dict().items()}


def side_changes(scenario, channels: dict[str, bool]) -> dict:
    """The scenario changes that give one side the channels its boxes say (``default_channels``).

    A ticked channel that the scenario opens on a later day keeps that day; an unticked one is closed on
    day 0 and the scenario's events that would open it are dropped (resurgence_2020's coalition return
    on day 25, say: unticked in B, B is Iraq without the coalition the whole run)."""
    scheduled = scheduled_openings(scenario)
    changes: dict = {}
    dropped = set()
    for name, value in channels.items():
        if name in scheduled:
            if not value:
                changes[f"channels.{name}"] = False
                dropped.add(f"channels.{name}")
            continue
        changes[f"channels.{name}"] = bool(value)
    if dropped:
        kept = [{"day": e.day, "set": {k: v for k, v in e.set.items() if k not in dropped}}
                for e in scenario.events]
        changes["events"] = [e for e in kept if e["set"]]
    return changes


def default_setup(scenario, path: str, seed: int = 1, compare: bool = True) -> Setup:
    """Both sides start with the scenario's own channels."""
    base = tuple(default_channels(scenario).items())
    return Setup(path, seed, compare, (base, base))


def side_label(scenario, channels: dict[str, bool], boxes: bool = True) -> str:
    """How a side differs from the scenario, e.g. 'deconfliction line off' (``boxes``: as the page's boxes
    mean the channels, else against the scenario's day-0 values)."""
    base = default_channels(scenario) if boxes else scenario.channels.as_dict()
    diffs = [
        f"{channel_label(name)} {'on' if value else 'off'}"
        for name, value in channels.items()
        if base.get(name) != value
    ]
    return "; ".join(diffs) if diffs else "as in the scenario"


@dataclass
class Side:
    """One model on the page with its label and recorded rows."""

    key: str
    label: str
    model: object
    rows: list[dict] = field(default_factory=list)


class Classroom:
    """One or two models of the same scenario and seed, stepping day by day together."""

    def __init__(self, setup: Setup):
        from sim import BorderModel

        self.setup = setup
        self.scenario = load_cached(setup.path)
        cells = self.scenario.grid.nx * self.scenario.grid.ny
        if cells > MAX_CELLS:
            raise ScenarioError(f"the grid of {self.scenario.name} has {cells:,} cells; the demo runs at most"
                                f" {MAX_CELLS:,} (use a larger grid.cell_deg)", path="grid.cell_deg")
        self.days = min(setup.days or self.scenario.days, MAX_DAYS)
        n = MAX_MODELS if setup.compare else 1
        self.sides: list[Side] = []
        for i in range(n):
            channels = setup.side_channels(i)
            if setup.boxes:
                changes = side_changes(self.scenario, channels)
            else:  # a class question's sides: the sweep's day-0 values, its events as they are
                changes = {f"channels.{k}": v for k, v in channels.items()}
            if setup.days is not None:
                changes["days"] = setup.days
            spec = self.scenario.with_changes(changes)
            model = BorderModel(scenario=spec, rng=setup.seed)
            label = side_label(self.scenario, channels, setup.boxes)
            self.sides.append(Side(SIDES[i], label, model, [add_totals(model.row, None)]))

    @property
    def day(self) -> int:
        return self.sides[0].model.steps

    @property
    def date(self) -> dt.date:
        return self.sides[0].model.date

    @property
    def finished(self) -> bool:
        return self.day >= self.days

    def step(self, days: int = 1) -> int:
        """Advance every model by up to ``days`` days (never past the end); return days done."""
        done = 0
        while done < days and not self.finished:
            for side in self.sides:
                side.model.step()
                side.rows.append(add_totals(side.model.row, side.rows[-1]))
            done += 1
        return done


def build_classroom(setup: Setup) -> tuple[Classroom | None, str | None]:
    """A classroom, or None and a one-line message when the setup cannot be built."""
    try:
        return Classroom(setup), None
    except ScenarioError as err:
        return None, str(err)
    except (OSError, ValueError) as err:
        return None, f"Could not build the model: {err}"
