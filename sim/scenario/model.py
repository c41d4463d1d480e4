"""The resolved scenario the model runs: places turned into coordinates, regions into polygons.

Frozen, so one scenario can be shared by many runs and hashed; changes (events, sweeps, the browser
app) go through ``with_changes``, which re-validates exactly like a file does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, PrivateAttr, create_model

from sim.errors import ScenarioError
from sim.geography import GridSpec
from sim.scenario.params import Params
from sim.scenario.provenance import Provenance
from sim.scenario.schema import CHANNELS
from sim.scenario.tree import Doc


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class _ChannelSwitches(_Out):
    def as_dict(self) -> dict[str, bool]:
        """Channel name -> open, in the canonical order of ``CHANNELS``."""
        return {name: getattr(self, name) for name in CHANNELS}


#: Which coordination channels are open: one field per name in ``CHANNELS``.
Channels = create_model("Channels", __base__=_ChannelSwitches, **{name: (bool, ...) for name in CHANNELS})


class Stage(_Out):
    """An objective (a point, or a pocket and its centre) and the day its attack starts: a force's
    first, or a later one of its ``then:`` list, pursued once the one before is reached."""

    objective_lon: float | None = None
    objective_lat: float | None = None
    objective_pocket: str | None = None
    objective_label: str | None = None
    advance_day: int = 0  # holds its ground until this day (an operation's start)


class Garrison(_Out):
    """What a scenario states about an ISIS garrison (sim.model.phases.garrison)."""

    order_to_stand: bool
    families: bool = False


class Force(Stage):
    """One ``forces:`` entry: ``fighters`` split over ``units`` agents around (lon, lat), with its
    first objective and start day (the ``Stage`` fields) and its later ``stages``."""

    faction: str
    place: str | None
    lon: float
    lat: float
    fighters: float
    units: int
    spread_km: float
    stages: tuple[Stage, ...] = ()  # later objectives, in order (``then:``)
    label: str
    garrison: Garrison | None = None  # ISIS: the garrison's stated facts (last stand or collapse)
    insurgent: bool = False  # ISIS: cells that hide and hold no ground (insurgency)


class BaseSpec(_Out):
    name: str
    lon: float
    lat: float


class AirWingSpec(_Out):
    """``iraq_share``: share of sorties sent to targets in Iraq when there are targets in both
    countries (None: no preference, every detected target in the zone weighs by its strength)."""

    sorties_per_day: float
    bases: tuple[BaseSpec, ...]
    iraq_share: float | None = None


class PocketSpec(_Out):
    """An ISIS pocket whose area the model tracks; ``polygon`` is a ring of (lon, lat)."""

    label: str
    polygon: tuple[tuple[float, float], ...]
    region: str | None = None


class Hideout(_Out):
    """Ground an insurgency hides in (``hideouts:``); ``polygon`` is a ring of (lon, lat)."""

    label: str
    polygon: tuple[tuple[float, float], ...]


class Infiltration(_Out):
    """Fighters a week joining the insurgent cell nearest (lon, lat) (``infiltration:``)."""

    fighters_per_week: float
    lon: float
    lat: float


class Event(_Out):
    """Dated changes, ``set`` maps dotted key paths to values (already validated)."""

    day: int
    set: dict[str, Any]


#: The observables a record entry can be tied to (sim.scenario.record).
KINDS = ("place_taken", "place_lost", "pocket_reduced", "isis_fighters")


class RecordEvent(_Out):
    """One resolved ``record:`` entry; ``day`` counts from the scenario's start (day 0)."""

    id: str
    date: dt.date
    day: int
    what: str
    kind: Literal[KINDS]
    source: str
    quote: str
    partisan: bool
    quote_source: str | None = None
    note: str | None = None
    place: str | None = None
    lon: float | None = None
    lat: float | None = None
    by: str | None = None
    nth: int = 1
    pocket: str | None = None
    share: float | None = None
    below: float | None = None

    def label(self) -> str:
        """A few words for a chart's marker."""
        nth = f", time {self.nth}" if self.nth > 1 else ""
        if self.kind == "place_taken":
            return f"{self.place} ({self.by}{nth})"
        if self.kind == "place_lost":
            return f"{self.place} lost ({self.by}{nth})"
        if self.kind == "pocket_reduced":
            return f"{self.pocket} " + ("cleared" if self.share >= 1 else f"-{self.share:.0%}")
        return f"< {self.below:,.0f} ISIS"

    def observable(self) -> str:
        """What the model is asked, in words (for tables and figures)."""
        if self.kind == "place_taken":
            return f"{self.place} taken by {self.by}" + (f" (time {self.nth})" if self.nth > 1 else "")
        if self.kind == "place_lost":
            nth = f" (time {self.nth})" if self.nth > 1 else ""
            return f"{self.place} lost by {self.by} to ISIS{nth}"
        if self.kind == "pocket_reduced":
            done = "cleared" if self.share >= 1 else f"reduced by {self.share:.0%}"
            return f"pocket {self.pocket} {done}"
        return f"ISIS fighters below {self.below:,.0f}"


class Scenario(_Out):
    """A validated, resolved scenario; build it with ``load_scenario`` or ``with_changes``."""

    name: str
    title: str
    description: str
    sources: tuple[str, ...]
    start_date: dt.date
    days: int
    grid: GridSpec
    channels: Channels
    forces: tuple[Force, ...]
    air: dict[str, AirWingSpec]
    pockets: dict[str, PocketSpec]
    params: Params
    events: tuple[Event, ...]
    record: tuple[RecordEvent, ...] = ()
    hideouts: dict[str, Hideout] = {}
    infiltration: Infiltration | None = None
    source_path: str | None = None
    provenance: dict[str, Provenance] = {}

    _doc: Doc | None = PrivateAttr(default=None)

    def with_changes(self, overrides: Mapping[str, Any] | Iterable[str]) -> Scenario:
        """A new scenario with dotted-path ``overrides`` applied and everything re-validated."""
        from sim.scenario.resolve import build
        from sim.scenario.tree import overridden

        if self._doc is None:
            raise ScenarioError("this scenario was not loaded from a file; build it with load_scenario")
        if not overrides:
            return self
        doc = overridden(self._doc, overrides, (None, None))
        return build(doc, source_path=self.source_path, check_sources=False)

    def __hash__(self) -> int:  # fields include dicts; equal scenarios share a config hash
        return hash(self.config_hash())

    def resolved_dict(self) -> dict[str, Any]:
        """Plain JSON-able form of everything the model uses (no provenance, no file path)."""
        exclude = {"provenance", "source_path"} | (set() if self.record else {"record"})
        exclude |= set() if self.hideouts else {"hideouts"}  # absent, as before they existed: same hash
        exclude |= set() if self.infiltration else {"infiltration"}
        dump = self.model_dump(mode="json", exclude=exclude)
        for force in dump["forces"]:  # unstated garrison and insurgency facts leave the hash as it was
            if force.get("garrison") is None:
                force.pop("garrison", None)
            if not force.get("insurgent"):
                force.pop("insurgent", None)
        return dump

    def config_hash(self) -> str:
        """Short, stable fingerprint of the resolved configuration, for naming and caching runs."""
        text = json.dumps(self.resolved_dict(), sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
