"""The shape of a scenario file, as written (before places and regions are resolved).

These models mirror the YAML one to one, so a pydantic error's ``loc`` is also the key path of the
offending value and maps straight back to its line. Numbers and booleans are strict: ``"yes"`` is
not a channel setting and ``true`` is not a fighter count.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from sim import factions
from sim.channels import REGISTRY
from sim.errors import ScenarioError, did_you_mean
from sim.scenario.limits import MAX_DAYS
from sim.scenario.params import Params
from sim.scenario.tree import Doc

# Names a scenario may use, from the one place each is declared.
CHANNELS = tuple(REGISTRY)
FACTIONS = (*factions.GROUND_FACTIONS, factions.ISIS)
AIR_WINGS = tuple(factions.AIR_WINGS)
# Sections that may be left out or left empty.
OPTIONAL_SECTIONS = ("description", "sources", "grid", "air", "pockets", "params", "events", "record",
                     "hideouts", "infiltration")

Num = float  # strict via the model config: ints are fine, text and booleans are not
Point = Annotated[list[Num], Field(min_length=2, max_length=2)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class GridIn(_In):
    lon_min: Num = Field(37.5, ge=35, le=48)
    lon_max: Num = Field(45.5, ge=35, le=48)
    lat_min: Num = Field(31.5, ge=29, le=39)
    lat_max: Num = Field(37.5, ge=29, le=39)
    cell_deg: Num = Field(0.05, ge=0.01, le=0.5)


#: One required true/false per channel: a new channel is a module in sim/channels and a name in CHANNELS.
ChannelsIn = create_model("ChannelsIn", __base__=_In, **{name: (bool, ...) for name in CHANNELS})


class StageIn(_In):
    """A later stage of a force's operation: the next objective, and the date its attack starts."""

    objective: Any
    advance_from: Any = None


class GarrisonIn(_In):
    """What a scenario states about an ISIS garrison (sim.model.phases.garrison): whether it was ordered
    to stand (or forbidden to leave) and whether its fighters' families were with it. Whether a way
    out is left is not stated: the model reads it from the map every day."""

    order_to_stand: bool
    families: bool = False


class ForceIn(_In):
    faction: Literal[FACTIONS]
    at: Any
    fighters: Num = Field(gt=0, le=1_000_000)
    units: int = Field(ge=1, le=1000)
    spread_km: Num = Field(10.0, ge=0, le=1000)
    objective: Any = None
    advance_from: Any = None
    then: list[StageIn] = Field([], max_length=20)
    label: str | None = None
    garrison: GarrisonIn | None = None  # ISIS only: a town's garrison (last stand or collapse)
    insurgent: bool = False  # ISIS only: cells that hide and hold no ground (sim.model.phases.insurgency)


class WingIn(_In):
    sorties_per_day: Num = Field(ge=0, le=1000)
    iraq_share: Num | None = Field(None, ge=0, le=1)
    bases: list[str] = Field(min_length=1)


class AirIn(_In):
    coalition: WingIn | None = None
    iraqi: WingIn | None = None
    russian: WingIn | None = None


class PocketIn(_In):
    label: str | None = None
    region: str | None = None
    polygon: list[Point] | None = Field(None, min_length=3, max_length=10_000)


class HideoutIn(_In):
    """Ground an insurgency hides in (hills, wadis) that the theater's layers do not show."""

    label: str | None = None
    polygon: list[Point] = Field(min_length=3, max_length=10_000)


class InfiltrationIn(_In):
    """Fighters crossing into the theater (from Syria) to join the insurgent cell nearest ``at``."""

    fighters_per_week: Num = Field(ge=0, le=10_000)
    at: Any


class EventIn(_In):
    day: int = Field(ge=0, le=100_000)
    set: dict[str, Any] = Field(min_length=1)


class PlaceEventIn(_In):
    place: str
    by: Literal[FACTIONS]
    nth: int = Field(1, ge=1, le=100)


class PocketEventIn(_In):
    pocket: str
    share: Num = Field(1.0, gt=0, le=1)


class FightersEventIn(_In):
    below: Num = Field(gt=0, le=1_000_000)


_URL = r"^https?://\S+$"


class RecordIn(_In):
    """One ``record:`` entry (sim.scenario.record): a dated public fact and what the model should show."""

    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=100)
    date: Any
    what: str = Field(min_length=1)
    source: str = Field(pattern=_URL)
    quote: str = Field(min_length=1)
    partisan: bool
    quote_source: str | None = Field(None, pattern=_URL)
    note: str | None = None
    place_taken: PlaceEventIn | None = None
    place_lost: PlaceEventIn | None = None
    pocket_reduced: PocketEventIn | None = None
    isis_fighters: FightersEventIn | None = None


class ScenarioIn(_In):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=100)
    title: str = Field(min_length=1)
    description: str = ""
    sources: list[str] = []
    start_date: Any
    days: int = Field(ge=1, le=MAX_DAYS)
    grid: GridIn = GridIn()
    channels: ChannelsIn
    forces: list[ForceIn] = Field(min_length=1)
    air: AirIn = AirIn()
    pockets: dict[str, PocketIn] = {}
    params: dict[str, Any] = {}
    events: list[EventIn] = []
    record: list[RecordIn] = []
    hideouts: dict[str, HideoutIn] = {}
    infiltration: InfiltrationIn | None = None


_KNOWN: dict[tuple, tuple[str, ...]] = {
    (): tuple(ScenarioIn.model_fields),
    ("grid",): tuple(GridIn.model_fields),
    ("channels",): CHANNELS,
    ("forces", "*"): tuple(ForceIn.model_fields),
    ("forces", "*", "then", "*"): tuple(StageIn.model_fields),
    ("forces", "*", "garrison"): tuple(GarrisonIn.model_fields),
    ("hideouts", "*"): tuple(HideoutIn.model_fields),
    ("infiltration",): tuple(InfiltrationIn.model_fields),
    ("air",): AIR_WINGS,
    ("air", "*"): tuple(WingIn.model_fields),
    ("pockets", "*"): tuple(PocketIn.model_fields),
    ("params",): tuple(Params.model_fields),
    ("events", "*"): tuple(EventIn.model_fields),
    ("record", "*"): tuple(RecordIn.model_fields),
    ("record", "*", "place_taken"): tuple(PlaceEventIn.model_fields),
    ("record", "*", "place_lost"): tuple(PlaceEventIn.model_fields),
    ("record", "*", "pocket_reduced"): tuple(PocketEventIn.model_fields),
    ("record", "*", "isis_fighters"): tuple(FightersEventIn.model_fields),
}


def known_keys(parent: tuple) -> tuple[str, ...]:
    """Keys allowed in the mapping at ``parent`` (for did-you-mean hints)."""
    named = ("air", "pockets", "hideouts")
    pattern = tuple("*" if isinstance(p, int) or (i == 1 and parent[0] in named) else p
                    for i, p in enumerate(parent))
    return _KNOWN.get(pattern, ())


def _n(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _message(err: dict[str, Any]) -> str:
    kind, ctx, got = err["type"], err.get("ctx") or {}, _got(err.get("input"))
    if kind in ("float_type", "float_parsing"):
        if isinstance(err.get("input"), int) and not isinstance(err.get("input"), bool):
            return f"number too large: {got}"
        return f"must be a number, got {got}"
    simple = {
        "missing": "required key is missing",
        "extra_forbidden": "unknown key",
        "greater_than": f"must be greater than {_n(ctx.get('gt'))}, got {got}",
        "greater_than_equal": f"must be at least {_n(ctx.get('ge'))}, got {got}",
        "less_than": f"must be less than {_n(ctx.get('lt'))}, got {got}",
        "less_than_equal": f"must be at most {_n(ctx.get('le'))}, got {got}",
        "int_type": f"must be a whole number, got {got}",
        "int_from_float": f"must be a whole number, got {got}",
        "int_parsing": f"must be a whole number, got {got}",
        "bool_type": f"must be true or false, got {got}",
        "string_type": f"must be text (put it in quotes), got {got}",
        "finite_number": f"must be a finite number, got {got}",
        "too_short": f"needs at least {ctx.get('min_length')} item(s)",
        "too_long": f"has more than {ctx.get('max_length')} items",
        "list_type": f"must be a list, got {got}",
        "dict_type": f"must be a mapping of keys, got {got}",
        "model_type": f"must be a mapping of keys, got {got}",
        "literal_error": f"must be one of {ctx.get('expected')}, got {got}",
        "string_pattern_mismatch": f"must be an identifier (letters, digits, _ and -), got {got}",
        "string_too_short": "must not be empty",
        "invalid_key": "unknown key",
    }
    return simple.get(kind, err.get("msg", "invalid value"))


def _record_message(key: Any, kind: str, message: str) -> str:
    if kind == "missing" and key in ("source", "quote"):
        return f"a record entry needs `{key}:` (the page's address and what it says, from a public source)"
    if kind == "missing" and key == "partisan":
        return "say whether the source takes a side: `partisan: true` or `partisan: false`"
    if kind == "string_pattern_mismatch" and key in ("source", "quote_source"):
        return "must be the page's address (http://... or https://...)"
    return message


def translate(exc: ValidationError, doc: Doc, prefix: tuple = ()) -> list[ScenarioError]:
    """One ScenarioError per pydantic error, located through ``doc``'s origin table."""
    out = []
    for err in exc.errors(include_url=False):
        loc = prefix + tuple(err["loc"])
        hint = None
        message = _message(err)
        if err["type"] == "extra_forbidden" and loc:
            hint = did_you_mean(loc[-1], known_keys(loc[:-1]))
        elif err["type"] == "literal_error" and loc and loc[-1] == "faction":
            message = f"unknown faction {_got(err.get('input'))} (one of {', '.join(FACTIONS)})"
            hint = did_you_mean(err.get("input"), FACTIONS)
        if loc[:1] == ("record",) and len(loc) == 3:
            message = _record_message(loc[2], err["type"], message)
        if len(loc) >= 2 and loc[-2] == "polygon" and err["type"] in ("too_short", "too_long"):
            message = "must be [lon, lat]"
        out.append(doc.error(message, loc, hint))
    return out


def validate_shape(doc: Doc) -> tuple[ScenarioIn | None, Params | None, list[ScenarioError]]:
    """The file's structure checked against ``ScenarioIn`` and ``Params``; every problem listed."""
    data = {k: v for k, v in doc.data.items() if not (k in OPTIONAL_SECTIONS and v is None)}
    errors: list[ScenarioError] = []
    shape = params = None
    try:
        shape = ScenarioIn.model_validate(data)
    except ValidationError as exc:
        errors += translate(exc, doc)
    raw_params = data.get("params", {})
    if isinstance(raw_params, dict):
        try:
            params = Params.model_validate(raw_params, strict=True)
        except ValidationError as exc:
            errors += translate(exc, doc, ("params",))
    return shape, params, errors
