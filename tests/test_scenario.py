"""Scenario files: loading, extends, provenance, overrides and, above all, the error messages."""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.geography import GridSpec
from sim.scenario import (
    AIR_WINGS,
    CHANNELS,
    FACTIONS,
    Provenance,
    Scenario,
    apply_overrides,
    load_scenario,
)

DATA = Path(__file__).resolve().parent / "data" / "scenarios"
MINIMAL = DATA / "minimal.yaml"
MINIMAL_TEXT = MINIMAL.read_text(encoding="utf-8")
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed articles not present")


def error_of(path, overrides=()) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


@pytest.fixture
def scen(tmp_path, monkeypatch):
    """Write a variant of minimal.yaml as s.yaml in a temp dir (so messages say ``s.yaml``)."""
    monkeypatch.chdir(tmp_path)

    def write(old: str | None = None, new: str = "", *, text: str | bytes | None = None) -> str:
        if text is None:
            assert old is not None and old in MINIMAL_TEXT, old
            text = MINIMAL_TEXT.replace(old, new, 1)
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (tmp_path / "s.yaml").write_bytes(data)
        return "s.yaml"

    return write


# ------------------------------------------------------------------ loading
def test_minimal_scenario_loads_and_resolves():
    s = load_scenario(MINIMAL)
    assert isinstance(s, Scenario)
    assert (s.name, s.title, s.description, s.sources) == ("minimal", "Minimal test scenario", "", ())
    assert s.start_date == dt.date(2018, 4, 1) and s.days == 30
    assert s.grid == GridSpec()
    assert s.channels.as_dict() == {
        "deconfliction": True, "iranian_intermediary": False, "turkish_sting": False,
        "isf_sdf_coordination": True, "damascus_baghdad": False, "coalition_support": True,
    }
    isis, sdf = s.forces
    assert (isis.faction, isis.place, isis.units) == ("ISIS", "Hajin", 3)
    assert (isis.fighters, isis.spread_km) == (300, 10)
    assert isis.label == "ISIS at Hajin" and isis.objective_pocket is None
    assert (sdf.place, sdf.lon, sdf.lat) == (None, 40.43, 35.16)
    assert sdf.objective_pocket == "hajin" and sdf.objective_label == "Hajin pocket"
    assert sdf.objective_lon is not None and 40 < sdf.objective_lon < 42
    base = s.air["coalition"].bases[0]
    assert base.name == "Al Asad Airbase" and base.lon == pytest.approx(42.44, abs=0.01)
    assert list(s.air) == ["coalition"] and s.air["coalition"].sorties_per_day == 1.5
    assert s.pockets["hajin"].label == "Hajin pocket" and len(s.pockets["hajin"].polygon) >= 3
    assert s.params.raid_rate == 0.1 and s.events == () and s.provenance == {}
    assert s.source_path == str(MINIMAL)


def test_constants():
    assert CHANNELS == ("deconfliction", "iranian_intermediary", "turkish_sting",
                        "isf_sdf_coordination", "damascus_baghdad", "coalition_support")
    assert FACTIONS == ("ISF", "PMF", "SDF", "SAA", "ISIS")
    assert AIR_WINGS == ("coalition", "iraqi", "russian")


def test_project_scenarios_load():
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "scenarios").glob("*.yaml")):
        assert load_scenario(path).name


# ------------------------------------------------------------------ extends
def test_extends_merges_maps_replaces_lists_and_child_wins():
    s = load_scenario(DATA / "child.yaml")
    assert (s.name, s.title, s.days) == ("child", "Minimal test scenario", 60)
    assert s.channels.turkish_sting is True and s.channels.deconfliction is True  # merged key by key
    assert [f.faction for f in s.forces] == ["SAA"]  # list replaced
    assert s.pockets == {}  # an empty mapping clears the parent's
    assert s.params.raid_rate == 0.1 and s.params.halt_days == 2  # params merged
    assert s.air["coalition"].sorties_per_day == 1.5  # inherited


def test_errors_in_an_inherited_value_name_the_file_it_came_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.yaml").write_text(MINIMAL_TEXT.replace("units: 3", "units: 0"))
    (tmp_path / "kid.yaml").write_text("extends: base.yaml\nname: kid\ndays: 0\n")
    err = error_of("kid.yaml")
    assert str(err) == ("base.yaml:17: forces.0.units: must be at least 1, got 0\n"
                        "kid.yaml:3: days: must be at least 1, got 0")


def test_channels_are_all_required_after_merging(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.yaml").write_text(MINIMAL_TEXT.replace("  coalition_support: true\n", ""))
    (tmp_path / "kid.yaml").write_text("extends: base.yaml\nchannels: {turkish_sting: true}\n")
    assert str(error_of("kid.yaml")) == "kid.yaml:2: channels.coalition_support: required key is missing"


def test_extends_cycle_is_an_error():
    err = error_of(DATA / "cycle_a.yaml")
    assert err.file.endswith("cycle_b.yaml") and err.line == 2 and err.path == "extends"
    assert err.message == "extends cycle: cycle_a.yaml -> cycle_b.yaml -> cycle_a.yaml"


def test_extends_itself_is_a_cycle(scen):
    err = error_of(scen(text="extends: s.yaml\n"))
    assert str(err) == "s.yaml:1: extends: extends cycle: s.yaml -> s.yaml"


def test_missing_parent_is_an_error():
    err = error_of(DATA / "missing_parent.yaml")
    assert (err.line, err.path) == (2, "extends")
    assert err.message.startswith("parent scenario no_such_parent.yaml not found")


# ------------------------------------------------------------------ errors
CASES = [
    # (old, new, expected str(err))
    ("  deconfliction: true", "  deconflicton: true",
     "s.yaml:6: channels.deconfliction: required key is missing\n"
     "s.yaml:7: channels.deconflicton: unknown key (did you mean deconfliction?)"),
    ("channels:", "chanels:",
     "s.yaml:1: channels: required key is missing\n"
     "s.yaml:6: chanels: unknown key (did you mean channels?)"),
    ("faction: SDF", "faction: SFD",
     "s.yaml:18: forces.1.faction: unknown faction 'SFD' (one of ISF, PMF, SDF, SAA, ISIS) "
     "(did you mean SDF?)"),
    ("at: Hajin", "at: Albu Kamel",
     "s.yaml:15: forces.0.at: unknown place 'Albu Kamel' (did you mean Albu Kamal?)"),
    ("raid_rate: 0.1", "raid_rat: 0.1",
     "s.yaml:32: params.raid_rat: unknown key (did you mean raid_rate?)"),
    ("raid_rate: 0.1", "raid_rate: 9",
     "s.yaml:32: params.raid_rate: must be at most 5, got 9"),
    ("raid_rate: 0.1", "raid_rate: '0.1'",
     "s.yaml:32: params.raid_rate: must be a number, got '0.1'"),
    ("region: euphrates_pocket_2018", "region: euphrates_pockt_2018",
     "s.yaml:30: pockets.hajin.region: unknown region 'euphrates_pockt_2018' "
     "(did you mean euphrates_pocket_2018?)"),
    ("objective: hajin", "objective: hajn",
     "s.yaml:22: forces.1.objective: unknown place or pocket 'hajn' (did you mean hajin?)"),
    ("bases: [Al Asad Airbase]", "bases: [Al Asad Airbse]",
     "s.yaml:26: air.coalition.bases.0: unknown place 'Al Asad Airbse' (did you mean Al Asad Airbase?)"),
    ("  coalition:\n", "  coalitoin:\n",
     "s.yaml:24: air.coalitoin: unknown key (did you mean coalition?)"),
    ("days: 30", "days: 0", "s.yaml:5: days: must be at least 1, got 0"),
    ("days: 30", "days: 3651", "s.yaml:5: days: must be at most 3650, got 3651"),
    ("days: 30", "days: 30.5", "s.yaml:5: days: must be a whole number, got 30.5"),
    ("name: minimal", "name: two words", "s.yaml:2: name: must be an identifier (letters, digits, _ and -), "
     "got 'two words'"),
    ("units: 3", "units: 2.5", "s.yaml:17: forces.0.units: must be a whole number, got 2.5"),
    ("fighters: 300", "fighters: -3", "s.yaml:16: forces.0.fighters: must be greater than 0, got -3"),
    ("fighters: 300", "fighters: true", "s.yaml:16: forces.0.fighters: must be a number, got True"),
    ("fighters: 300", "fighters: .nan", "s.yaml:16: forces.0.fighters: must be a finite number, got nan"),
    ("fighters: 300", "fighters: .inf", "s.yaml:16: forces.0.fighters: must be a finite number, got inf"),
    ("fighters: 300", "fighters: 1e3\n    spread_km: -1",
     "s.yaml:17: forces.0.spread_km: must be at least 0, got -1"),
    ("units: 3\n", "units: 3\n    colour: red\n",
     "s.yaml:18: forces.0.colour: unknown key"),
    ("    units: 3\n", "",
     "s.yaml:14: forces.0.units: required key is missing"),
    ("deconfliction: true", "deconfliction: yes please",
     "s.yaml:7: channels.deconfliction: must be true or false, got 'yes please'"),
    ("start_date: 2018-04-01", "start_date: 2018-02-30",
     "s.yaml:4: start_date: not a real date: day is out of range for month"),
    ("start_date: 2018-04-01", "start_date: April 2018",
     "s.yaml:4: start_date: must be a date written YYYY-MM-DD, got 'April 2018'"),
    ("at: [40.43, 35.16]", "at: [47.0, 35.16]",
     "s.yaml:19: forces.1.at: [47, 35.16] lies outside the grid box (lon 37.5..45.5, lat 31.5..37.5)"),
    ("at: [40.43, 35.16]", "at: [40.43]",
     "s.yaml:19: forces.1.at: must be a place name or [lon, lat], got [40.43]"),
    ("days: 30", "days: 30\ngrid: {lon_max: 44.0, cell_deg: 0.6}",
     "s.yaml:6: grid.cell_deg: must be at most 0.5, got 0.6"),
    ("days: 30", "days: 30\ngrid: {lon_max: 44.02}",
     "s.yaml:6: grid: lon span 6.52 deg is not a whole number of 0.05 deg cells; adjust the box or "
     "the cell size"),
    ("region: euphrates_pocket_2018", "polygon: [[40, 34], [41, 34]]",
     "s.yaml:30: pockets.hajin.polygon: needs at least 3 item(s)"),
    ("region: euphrates_pocket_2018", "region: x\n    polygon: [[40, 34], [41, 34], [41, 35]]",
     "s.yaml:28: pockets.hajin: give either `region:` or `polygon:`, not both"),
    ("days: 30", "days: 30\ndays: 40", "s.yaml:6: days: duplicate key (first given on line 5)"),
    ("  deconfliction: true", "\tdeconfliction: true",
     "s.yaml:7: tab character in indentation; indent with spaces"),
    ("title: Minimal test scenario", "title: !!python/object/apply:os.system ['true']",
     "s.yaml:3: title: unsupported YAML tag tag:yaml.org,2002:python/object/apply:os.system"),
    ("title: Minimal test scenario", "title: Minimal\nbase: &b {x: 1}\nother:\n  <<: *b",
     "s.yaml:6: other: YAML merge keys (<<) are not supported; use `extends`"),
    ("fighters: 300", "fighters: {value: 300}",
     "s.yaml:16: forces.0.fighters: give a `source:` {file, quote} or an `assumption:` for this value"),
    ("fighters: 300", "fighters: {value: 300, asumption: guess}",
     "s.yaml:16: forces.0.fighters.asumption: unknown key in a value with provenance "
     "(did you mean assumption?)\n"
     "s.yaml:16: forces.0.fighters: give a `source:` {file, quote} or an `assumption:` for this value"),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES, ids=[c[2].split(": ", 2)[-1][:40] for c in CASES])
def test_each_mistake_has_its_message_and_line(scen, old, new, expected):
    assert str(error_of(scen(old, new))) == expected


def test_all_problems_are_listed_first_is_self(scen):
    err = error_of(scen("days: 30", "days: 0\nchanels: {}"))
    assert len(err.errors) == 2 and err.errors[0] is err
    assert [e.line for e in err.errors] == [5, 6]
    assert str(err).splitlines() == [e.one_line() for e in err.errors]


def test_yaml_syntax_error_has_its_line(scen):
    err = error_of(scen("days: 30", "days: [30"))
    assert err.file == "s.yaml" and err.line == 6 and err.message.startswith("YAML syntax error")


@pytest.mark.parametrize(("text", "expected"), [
    ("", "s.yaml:1: file is empty"),
    ("# only a comment\n", "s.yaml:1: file is empty"),
    ("\n- a\n- b\n", "s.yaml:2: the top level must be a mapping of keys (name:, title:, channels:, ...)"),
    ("just text", "s.yaml:1: the top level must be a mapping of keys (name:, title:, channels:, ...)"),
    (b"name: x\n\x00\x01\x02", "s.yaml:2: binary file (contains NUL bytes), not YAML text"),
    (b"name: x\ntitle: caf\xe9\n", "s.yaml:2: not UTF-8 text; save the file as UTF-8"),
    ("a: &x [1]\nb: &y [*x, *x]\nc: [*y, *y]\n" + "".join(f"d{i}: *y\n" for i in range(100)),
     "s.yaml:100: d96: more than 100 alias uses (*name) in one file"),
    ("a: &x\n  - *x\n", "s.yaml:1: a.0: an alias refers to the value that contains it"),
    ("x: 1\n" + "#" * 1_000_001, "s.yaml:1: file is larger than 1 MB"),
    ("a: 1\n---\nb: 2\n", "s.yaml:2: YAML syntax error: expected a single document in the stream "
                          "but found another document"),
])
def test_malformed_files(scen, text, expected):
    assert str(error_of(scen(text=text))) == expected


def test_billion_laughs_is_refused(scen):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    err = error_of(scen(text="\n".join(lines)))
    assert err.file == "s.yaml" and err.line and "alias" in err.message


def test_missing_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert str(error_of("nope.yaml")) == "nope.yaml: file not found"


def test_events_are_validated_against_the_scenario(scen):
    events = "\nevents:\n  - day: 5\n    set: {params.raid_rate: 0.2}\n  - day: 9\n    set:\n" \
             "      channels.deconflicton: false\n      params.raid_rate: 99\n"
    err = error_of(scen(text=MINIMAL_TEXT + events))
    assert str(err) == (
        "s.yaml:39: events.1.set.channels.deconflicton: unknown key (did you mean deconfliction?)\n"
        "s.yaml:40: events.1.set.params.raid_rate: must be at most 5, got 99")


def test_an_event_cannot_change_the_events(scen):
    err = error_of(scen(text=MINIMAL_TEXT + "events:\n  - {day: 1, set: {events: []}}\n"))
    assert str(err) == "s.yaml:34: events.0.set.events: an event cannot change the events"


def test_events_load_and_apply_in_order():
    s = load_scenario(DATA / "events.yaml")
    assert [(e.day, e.set) for e in s.events] == [
        (10, {"channels.coalition_support": False, "params.raid_rate": 0.2}),
        (20, {"air.coalition.sorties_per_day": 3}),
    ]
    later = s.with_changes(s.events[0].set).with_changes(s.events[1].set)
    assert later.channels.coalition_support is False and later.params.raid_rate == 0.2
    assert later.air["coalition"].sorties_per_day == 3 and later.events == s.events


# ------------------------------------------------------------------ overrides
def test_overrides_are_parsed_as_yaml_scalars():
    s = load_scenario(MINIMAL, ["channels.deconfliction=false", "days=120", "params.raid_rate=0.1e1",
                                "forces.1.at=[41.0, 35.0]", "air.coalition.bases=[Balad Air Base]"])
    assert s.channels.deconfliction is False and s.days == 120 and s.params.raid_rate == 1.0
    assert (s.forces[1].lon, s.forces[1].lat) == (41.0, 35.0)
    assert s.air["coalition"].bases[0].name == "Balad Air Base"


def test_overrides_create_missing_sections(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(MINIMAL_TEXT.split("params:")[0])
    assert load_scenario("s.yaml", ["params.halt_days=3"]).params.halt_days == 3


@pytest.mark.parametrize(("override", "expected"), [
    ("days", "--set: expected KEY=VALUE, got 'days'"),
    ("=3", "--set: expected KEY=VALUE, got '=3'"),
    ("days=0", "--set: days: must be at least 1, got 0"),
    ("days=[1", "--set: days: YAML syntax error: expected ',' or ']', but got '<stream end>' "
     "(while parsing a flow sequence)"),
    ("chanels.deconfliction=false", "--set: chanels: unknown key (did you mean channels?)"),
    ("channels.deconflicton=false",
     "--set: channels.deconflicton: unknown key (did you mean deconfliction?)"),
    ("params.raid_rat=0.1", "--set: params.raid_rat: unknown key (did you mean raid_rate?)"),
    ("forces.7.fighters=5", "--set: forces.7.fighters: no item 7 in forces (it has 2 items)"),
    ("days.x=5", "--set: days.x: days is a single value, not a mapping or list"),
    ("extends=x.yaml", "--set: extends: `extends` cannot be changed by an override"),
    ("a..b=1", "--set: 'a..b' is not a key path like params.raid_rate"),
    ("forces.0.at=Albu Kamel", "--set: forces.0.at: unknown place 'Albu Kamel' (did you mean Albu Kamal?)"),
])
def test_bad_overrides_name_set(override, expected):
    assert str(error_of(MINIMAL, [override])) == expected


def test_apply_overrides_on_plain_data():
    data = {"days": 30, "forces": [{"fighters": 1}], "channels": {"a": True}}
    out = apply_overrides(data, ["days=60", "forces.0.fighters=2", "params.raid_rate=0.5"])
    assert out == {"days": 60, "forces": [{"fighters": 2}], "channels": {"a": True},
                   "params": {"raid_rate": 0.5}}
    assert data["days"] == 30 and data["forces"][0]["fighters"] == 1  # not mutated
    assert apply_overrides(data, {"channels.a": False})["channels"] == {"a": False}


def test_with_changes_validates_and_keeps_the_original():
    s = load_scenario(MINIMAL)
    t = s.with_changes({"channels.coalition_support": False, "forces.0.fighters": 50})
    assert s.channels.coalition_support is True and t.channels.coalition_support is False
    assert t.forces[0].fighters == 50
    with pytest.raises(ScenarioError) as info:
        s.with_changes({"params.raid_rate": -1})
    assert str(info.value) == "params.raid_rate: must be at least 0, got -1"


# ------------------------------------------------------------------ provenance
@needs_seeds
def test_provenance_is_stripped_and_tabled():
    s = load_scenario(DATA / "sourced.yaml")
    assert s.forces[0].fighters == 300 and s.air["coalition"].sorties_per_day == 1.3
    assert s.params.sting_leaders_arrested == 5
    assert s.provenance["forces.0.fighters"] == Provenance(
        value=300, assumption="a few hundred fighters per town")
    src = s.provenance["air.coalition.sorties_per_day"]
    assert (src.value, src.file, src.assumption) == (1.3, "001_7ee1bc880b577988.txt", None)
    assert s.provenance["params.sting_leaders_arrested"].file == "000_8cc010e97ee6cc1c.txt"
    assert s.with_changes({"params.sting_leaders_arrested": 2}).provenance.keys() == {
        "forces.0.fighters", "air.coalition.sorties_per_day"}


def _sourced(file: str, quote: str) -> str:
    return MINIMAL_TEXT.replace("raid_rate: 0.1", f"raid_rate:\n    value: 0.1\n    source:\n"
                                f"      file: {file}\n      quote: \"{quote}\"")


@needs_seeds
def test_quote_must_occur_in_the_seed(scen):
    err = error_of(scen(text=_sourced("000_8cc010e97ee6cc1c.txt", "ISIS surrendered in 2016")))
    assert str(err) == "s.yaml:36: params.raid_rate.source.quote: quote not found in 000_8cc010e97ee6cc1c.txt"


@needs_seeds
def test_unknown_seed_file(scen):
    err = error_of(scen(text=_sourced("000_8cc010e97ee6cc1d.txt", "anything")))
    assert err.line == 35 and err.path == "params.raid_rate.source.file"
    assert err.message.startswith("unknown seed file '000_8cc010e97ee6cc1d.txt'")
    assert err.hint == "000_8cc010e97ee6cc1c.txt"


def test_seeds_dir_from_the_environment(scen, tmp_path, monkeypatch):
    seeds = tmp_path / "my_seeds"
    seeds.mkdir()
    (seeds / "000_0000000000000000.txt").write_text("He said\n  “hello   world” twice.")
    monkeypatch.setenv("BORDERSIM_SEEDS", str(seeds))
    ok = load_scenario(scen(text=_sourced("000_0000000000000000.txt", 'said \\"hello world\\"')))
    assert ok.provenance["params.raid_rate"].file == "000_0000000000000000.txt"
    err = error_of(scen(text=_sourced("000_0000000000000000.txt", "goodbye")))
    assert err.message == "quote not found in 000_0000000000000000.txt"


# ------------------------------------------------------------------ hashing
def test_config_hash_is_stable_and_sensitive():
    a, b = load_scenario(MINIMAL), load_scenario(MINIMAL)
    assert a.config_hash() == b.config_hash() and len(a.config_hash()) == 16
    assert a == b and hash(a) == hash(b)
    assert a.with_changes({"params.raid_rate": 0.11}).config_hash() != a.config_hash()
    assert load_scenario(MINIMAL, ["days=30"]).config_hash() == a.config_hash()
    d = a.resolved_dict()
    assert "provenance" not in d and "source_path" not in d and d["start_date"] == "2018-04-01"


# ------------------------------------------------------------------ property
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)
_keys = st.sampled_from(["name", "title", "days", "start_date", "grid", "channels", "forces", "air",
                         "pockets", "params", "events", "extends", "sources", "chanels",
                         "channels.deconfliction", "forces.0", "forces.0.at", "forces.1.objective",
                         "air.coalition", "air.russian", "pockets.hajin", "pockets.hajin.polygon",
                         "params.raid_rate", "grid.cell_deg", "air.coalition.bases"])


def _mutated(changes) -> str:
    data = yaml.safe_load(MINIMAL_TEXT)
    for key, value in changes:
        with contextlib.suppress(ScenarioError):
            data = apply_overrides(data, {key: value})
    return yaml.safe_dump(data, allow_unicode=True)


def _line_edits(edits) -> str:
    lines = MINIMAL_TEXT.splitlines()
    for index, text in edits:
        lines[index % len(lines)] = text
    return "\n".join(lines)


_texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.tuples(_keys, _values), max_size=3).map(_mutated),
    st.lists(st.tuples(st.integers(0, 100), st.text(max_size=30)), max_size=3).map(_line_edits),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts)
def test_any_text_loads_or_fails_with_file_and_line(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_scenario(path)
        except ScenarioError as err:
            assert all(e.file and e.line for e in err.errors), str(err)
