"""From a checked file shape to a ``Scenario``: places, regions, the grid box, dated events.

Each problem is collected rather than raised on the spot, so a student fixing a file sees every
mistake in one pass, each with its line.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from sim.errors import ScenarioError, did_you_mean
from sim.geography import GridSpec, load_gazetteer, load_geodata
from sim.scenario.model import (
    AirWingSpec,
    BaseSpec,
    Channels,
    Event,
    Force,
    Garrison,
    Hideout,
    Infiltration,
    PocketSpec,
    Scenario,
    Stage,
)
from sim.scenario.provenance import check_seed_file, find_seeds_dir
from sim.scenario.record import resolve_record
from sim.scenario.schema import AIR_WINGS, ForceIn, PocketIn, ScenarioIn, validate_shape
from sim.scenario.tree import Doc, split_path

WORLD = (35.0, 48.0, 29.0, 39.0)  # lon_min, lon_max, lat_min, lat_max any coordinate may use
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Resolver:
    """Resolves one validated shape against the gazetteer and geodata, gathering errors."""

    def __init__(self, doc: Doc, shape: ScenarioIn) -> None:
        self.doc, self.shape = doc, shape
        self.errors: list[ScenarioError] = []
        self.gaz = load_gazetteer()
        self.grid: GridSpec | None = None
        self.pockets: dict[str, PocketSpec] = {}
        self.start: dt.date | None = None

    def fail(self, message: str, path: tuple, hint: str | None = None) -> None:
        self.errors.append(self.doc.error(message, path, hint))

    def start_date(self, path: tuple = ("start_date",), value: Any = None) -> dt.date | None:
        value = self.shape.start_date if path == ("start_date",) else value
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str) and _DATE.match(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError as exc:
                self.fail(f"not a real date: {exc}", path)
                return None
        self.fail(f"must be a date written YYYY-MM-DD, got {value!r}", path)
        return None

    def advance_day(self, value: Any, path: tuple) -> int | None:
        """Day of a force's ``advance_from`` date (0 without one); None after an error."""
        if value is None:
            return 0
        date, start = self.start_date(path, value), self.start
        if date is None or start is None:
            return None
        if date < start:
            self.fail(f"{date} is before the scenario starts ({start}); leave it out to advance from day 0",
                      path)
            return None
        return (date - start).days

    def make_grid(self) -> None:
        try:
            self.grid = GridSpec(**self.shape.grid.model_dump())
        except (ValueError, ArithmeticError) as exc:
            self.fail(str(exc), ("grid",))

    def sources(self) -> None:
        seeds = find_seeds_dir(*self._starts())
        for i, name in enumerate(self.shape.sources):
            err = check_seed_file(name, _Loc(self.doc, ("sources", i)), ("sources", i), seeds)
            if err:
                self.errors.append(err)

    def _starts(self):
        from pathlib import Path

        file = self.doc.file
        return (Path(file).resolve().parent,) if file else ()

    # ---------------------------------------------------------------- places
    def place(self, value: Any, path: tuple, *, in_grid: bool) -> tuple[str | None, float, float] | None:
        """(canonical name or None, lon, lat) for a place name or [lon, lat]; None after an error."""
        if isinstance(value, str):
            place = self.gaz.find(value)
            if place is None:
                hints = self.gaz.suggest(value)
                self.fail(f"unknown place {value!r}", path, hints[0] if hints else None)
                return None
            name, lon, lat = place.name, place.lon, place.lat
        elif _is_point(value):
            name, lon, lat = None, float(value[0]), float(value[1])
        else:
            self.fail(f"must be a place name or [lon, lat], got {value!r:.40}", path)
            return None
        if in_grid and self.grid and not _inside(lon, lat, self.grid.bounds):
            what = f"{name} ({lon:g}, {lat:g})" if name else f"[{lon:g}, {lat:g}]"
            g = self.grid
            self.fail(f"{what} lies outside the grid box (lon {g.lon_min:g}..{g.lon_max:g}, "
                      f"lat {g.lat_min:g}..{g.lat_max:g})", path)
            return None
        return name, lon, lat

    # ---------------------------------------------------------------- sections
    def pocket(self, key: str, p: PocketIn) -> None:
        path = ("pockets", key)
        label = p.label or key
        if (p.region is None) == (p.polygon is None):
            self.fail("give either `region:` or `polygon:`" + (", not both" if p.region else ""), path)
            return
        if p.region is not None:
            regions = load_geodata().regions
            region = regions.get(p.region) or _region_by_alt_name(regions, p.region)
            if region is None:
                self.fail(f"unknown region {p.region!r}", (*path, "region"),
                          did_you_mean(p.region, regions))
                return
            ring = tuple((float(x), float(y)) for x, y in region.polygon)
            self.pockets[key] = PocketSpec(label=label, polygon=ring, region=region.name)
            return
        for i, pt in enumerate(p.polygon or ()):
            if not _inside(pt[0], pt[1], WORLD):
                self.fail(f"[{pt[0]:g}, {pt[1]:g}] is outside the region this model covers "
                          f"({WORLD[0]:g}..{WORLD[1]:g} E, {WORLD[2]:g}..{WORLD[3]:g} N)",
                          (*path, "polygon", i))
                return
        ring = tuple((float(x), float(y)) for x, y in p.polygon or ())
        self.pockets[key] = PocketSpec(label=label, polygon=ring)

    def force(self, i: int, f: ForceIn) -> Force | None:
        path = ("forces", i)
        at = self.place(f.at, (*path, "at"), in_grid=True)
        objective = self.objective(f.objective, (*path, "objective"))
        advance_day = self.advance_day(f.advance_from, (*path, "advance_from"))
        if f.faction == "ISIS" and f.advance_from is not None:
            self.fail("ISIS cells do not wait for an operation: `advance_from` is for ISF, PMF, SDF and SAA",
                      (*path, "advance_from"))
            return None
        stages = self.stages(f, path, advance_day)
        if f.faction != "ISIS" and (f.garrison is not None or f.insurgent):
            key = "garrison" if f.garrison is not None else "insurgent"
            self.fail(f"`{key}` describes ISIS cells (a town's garrison, or an insurgency's hidden cells); "
                      f"this force is {f.faction}", (*path, key))
            return None
        if f.garrison is not None and f.insurgent:
            self.fail("a force is either a town's garrison or insurgent cells, not both",
                      (*path, "insurgent"))
            return None
        if at is None or objective is False or advance_day is None or stages is None:
            return None
        place, lon, lat = at
        label = f.label or f"{f.faction} at {place or f'{lon:g}, {lat:g}'}"
        obj: dict[str, Any] = objective or {}
        return Force(faction=f.faction, place=place, lon=lon, lat=lat, fighters=f.fighters,
                     units=f.units, spread_km=f.spread_km, label=label, advance_day=advance_day,
                     stages=stages, insurgent=f.insurgent,
                     garrison=Garrison(**f.garrison.model_dump()) if f.garrison else None, **obj)

    def stages(self, f: ForceIn, path: tuple, first_day: int | None) -> tuple[Stage, ...] | None:
        """A force's ``then:`` stages, in order, each starting no earlier than the one before."""
        if not f.then:
            return ()
        if f.faction == "ISIS":
            self.fail("ISIS cells do not follow an operation's stages: `then` is for ISF, PMF, SDF and SAA",
                      (*path, "then"))
            return None
        if f.objective is None:
            self.fail("a force with `then:` stages needs a first `objective`", (*path, "then"))
            return None
        out, previous = [], first_day
        for j, stage in enumerate(f.then):
            where = (*path, "then", j)
            objective = self.objective(stage.objective, (*where, "objective"))
            if objective is None:
                self.fail("a stage needs an objective (a place, a pocket or [lon, lat])",
                          (*where, "objective"))
                return None
            day = self.advance_day(stage.advance_from, (*where, "advance_from"))
            if objective is False or day is None:
                return None
            if stage.advance_from is None:
                day = previous or 0
            elif previous is not None and day < previous:
                self.fail(f"this stage starts on day {day}, before the stage before it (day {previous}); "
                          "stages run in order", (*where, "advance_from"))
                return None
            previous = day
            out.append(Stage(advance_day=day, **objective))
        return tuple(out)

    def objective(self, value: Any, path: tuple) -> dict[str, Any] | None | bool:
        """Objective fields for a Force, None for no objective, False after an error."""
        if value is None:
            return None
        if isinstance(value, str) and value in self.shape.pockets:
            spec = self.pockets.get(value)
            if spec is None:
                return False  # the pocket itself is wrong and already reported
            xs, ys = zip(*spec.polygon, strict=True)
            return {"objective_pocket": value, "objective_label": spec.label,
                    "objective_lon": sum(xs) / len(xs), "objective_lat": sum(ys) / len(ys)}
        if isinstance(value, str) and self.gaz.find(value) is None:
            hint = did_you_mean(value, self.shape.pockets) or next(iter(self.gaz.suggest(value)), None)
            self.fail(f"unknown place or pocket {value!r}", path, hint)
            return False
        at = self.place(value, path, in_grid=not isinstance(value, str))
        if at is None:
            return False
        name, lon, lat = at
        return {"objective_lon": lon, "objective_lat": lat,
                "objective_label": name or f"{lon:g}, {lat:g}"}

    def hideouts(self) -> dict[str, Hideout]:
        out = {}
        for key, h in self.shape.hideouts.items():
            for i, pt in enumerate(h.polygon):
                if not _inside(pt[0], pt[1], WORLD):
                    self.fail(f"[{pt[0]:g}, {pt[1]:g}] is outside the region this model covers "
                              f"({WORLD[0]:g}..{WORLD[1]:g} E, {WORLD[2]:g}..{WORLD[3]:g} N)",
                              ("hideouts", key, "polygon", i))
                    break
            else:
                ring = tuple((float(x), float(y)) for x, y in h.polygon)
                out[key] = Hideout(label=h.label or key, polygon=ring)
        return out

    def infiltration(self) -> Infiltration | None:
        spec = self.shape.infiltration
        if spec is None:
            return None
        at = self.place(spec.at, ("infiltration", "at"), in_grid=True)
        if at is None:
            return None
        return Infiltration(fighters_per_week=spec.fighters_per_week, lon=at[1], lat=at[2])

    def air(self) -> dict[str, AirWingSpec]:
        out = {}
        for wing in AIR_WINGS:
            spec = getattr(self.shape.air, wing)
            if spec is None:
                continue
            bases = []
            for j, base in enumerate(spec.bases):
                at = self.place(base, ("air", wing, "bases", j), in_grid=False)
                if at:
                    bases.append(BaseSpec(name=at[0] or base, lon=at[1], lat=at[2]))
            out[wing] = AirWingSpec(sorties_per_day=spec.sorties_per_day, bases=tuple(bases),
                                    iraq_share=spec.iraq_share)
        return out


class _Loc:
    """Adapter giving ``check_seed_file`` the file and line of a path in a Doc."""

    def __init__(self, doc: Doc, path: tuple) -> None:
        self.file, self.line = doc.loc(path)


def _is_point(value: Any) -> bool:
    return (isinstance(value, list | tuple) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and all(math.isfinite(v) for v in value))


def _inside(lon: float, lat: float, box: tuple[float, float, float, float]) -> bool:
    eps = 1e-9
    return box[0] - eps <= lon <= box[1] + eps and box[2] - eps <= lat <= box[3] + eps


def _region_by_alt_name(regions: dict, name: str):
    folded = name.casefold()
    return next((r for r in regions.values() if folded in (n.casefold() for n in r.names)), None)


def _check_events(doc: Doc, shape: ScenarioIn) -> list[ScenarioError]:
    """Apply the events in day order to the scenario, re-validating after each one."""
    errors: list[ScenarioError] = []
    state = Doc({k: v for k, v in doc.data.items() if k != "events"}, doc.locs, doc.prov, doc.file)
    order = sorted(range(len(shape.events)), key=lambda i: shape.events[i].day)
    for i in order:
        event = shape.events[i]
        prefix = ("events", i, "set")
        try:
            new = state
            for key, value in event.set.items():
                origin = doc.loc((*prefix, key))
                if key.split(".")[0] == "events":
                    raise ScenarioError("an event cannot change the events", file=origin[0],
                                        line=origin[1], path=key)
                try:
                    split_path(key, origin)
                except ScenarioError as err:  # name the key, which the message alone may not show
                    raise ScenarioError(err.message, file=origin[0], line=origin[1], path=str(key)) from None
                new = new.with_overrides([(key, value)], origin)
            build(new, source_path=None, check_sources=False, check_events=False)
        except ScenarioError as err:
            errors += [_in_event(e, event.day, prefix, list(event.set)) for e in err.errors]
            continue
        state = new
    return errors


def _in_event(err: ScenarioError, day: int, prefix: tuple, keys: list[str]) -> ScenarioError:
    """Re-label an error found while applying an event so it names the event's key."""
    path = err.path or ""
    for key in keys:
        if path == key or path.startswith(key + "."):
            return ScenarioError(err.message, file=err.file, line=err.line,
                                 path=".".join(map(str, prefix)) + "." + path, hint=err.hint)
    return ScenarioError(f"after the event of day {day}: {err.message}", file=err.file,
                         line=err.line, path=err.path, hint=err.hint)


def build(doc: Doc, *, source_path: str | None, check_sources: bool = True,
          check_events: bool = True, errors: list[ScenarioError] | None = None) -> Scenario:
    """The validated Scenario for ``doc``; raises one ScenarioError listing every problem."""
    errors = list(errors or ())
    shape, params, found = validate_shape(doc)
    errors += found
    if shape is None or params is None:
        raise ScenarioError.collect(errors)
    r = _Resolver(doc, shape)
    start = r.start = r.start_date()
    r.make_grid()
    if check_sources:
        r.sources()
    for key, pocket in shape.pockets.items():
        r.pocket(key, pocket)
    forces = [r.force(i, f) for i, f in enumerate(shape.forces)]
    air = r.air()
    hideouts, infiltration = r.hideouts(), r.infiltration()
    record = resolve_record(r, start)
    errors += r.errors
    if check_events and not errors:
        errors += _check_events(doc, shape)
    if errors:
        raise ScenarioError.collect(errors)
    scenario = Scenario(
        name=shape.name, title=shape.title, description=shape.description,
        sources=tuple(shape.sources), start_date=start, days=shape.days, grid=r.grid,
        channels=Channels(**shape.channels.model_dump()), forces=tuple(forces), air=air,
        pockets=r.pockets, params=params,
        events=tuple(Event(day=e.day, set=dict(e.set)) for e in shape.events), record=record,
        hideouts=hideouts, infiltration=infiltration,
        source_path=source_path, provenance=dict(doc.prov),
    )
    scenario._doc = doc
    return scenario
