"""Bad inputs: the corpus of malformed files in tests/data/bad/, the limits that keep a huge or
hostile file from costing more than a second, any YAML an experiment loader can be fed, and the
command line under the mistakes of a student in a hurry.

Each corpus file carries its expected message on its first line::

    # expect: LINE: key.path: message          (the problem is in this file)
    # expect: OTHER.yaml:LINE: key.path: message   (it is in a file this one refers to)

and the test checks the output holds ``FILE:LINE: key.path: message`` on one line, exit status 2 and
no traceback. tests/data/bad/seeds/ is the seed-article folder the provenance cases cite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.yamlsrc import MAX_BYTES, MAX_NODES
from sim.sweep.experiment import load_experiment

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"
SEEDS = BAD / "seeds"
MINIMAL = ROOT / "tests" / "data" / "scenarios" / "minimal.yaml"
BIN = Path(sys.executable).parent / "bordersim"
EXPECT = re.compile(r"^# expect: (?:(?P<file>[\w.-]+\.yaml):)?(?P<line>\d+): (?P<text>.+)$")
#: Files that cannot hold a comment, and what they must produce.
NO_COMMENT = {"empty.yaml": "1: file is empty"}
#: Every line a loader prints for a problem starts with FILE:LINE.
LOCATED = re.compile(r"^\S+\.yaml:\d+: ")


def corpus(kind: str) -> list[Path]:
    return sorted((BAD / kind).glob("*.yaml"))


SCENARIOS, EXPERIMENTS = corpus("scenarios"), corpus("experiments")


def expectation(path: Path) -> str:
    """``FILE:LINE: message`` that loading ``path`` must print."""
    first = NO_COMMENT.get(path.name) or path.read_bytes().decode("utf-8-sig", "replace").split("\n", 1)[0]
    first = first if first.startswith("# expect: ") else "# expect: " + first
    match = EXPECT.match(first.rstrip("\r"))
    assert match, f"{path.name}: the first line must be '# expect: [FILE:]LINE: message'"
    return f"{match['file'] or path.name}:{match['line']}: {match['text']}"


def printed(expected: str, output: str) -> bool:
    """Whether one line of ``output`` is ``expected`` (the file shown with or without its folder)."""
    pattern = re.compile(r"(^|/)" + re.escape(expected))
    return any(pattern.search(line) for line in output.splitlines())


@pytest.fixture
def in_bad(monkeypatch):
    """Run from tests/data/bad (messages show scenarios/NAME.yaml) with its own seed articles."""
    monkeypatch.chdir(BAD)
    monkeypatch.setenv("BORDERSIM_SEEDS", str(SEEDS))


def test_the_corpus_is_large_and_every_file_says_what_it_expects():
    assert len(SCENARIOS) >= 40 and len(EXPERIMENTS) >= 20
    for path in SCENARIOS + EXPERIMENTS:
        expectation(path)  # asserts the first line's form


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_validate_reports_each_bad_scenario_at_its_line(path, in_bad, capsys):
    assert main(["validate", f"scenarios/{path.name}"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and printed(expectation(path), err), err
    assert all(LOCATED.match(line) for line in err.splitlines()), err


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_sweep_reports_each_bad_experiment_at_its_line_and_writes_nothing(path, in_bad, capsys, tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_experiment(f"experiments/{path.name}")
    assert all(e.file and e.line for e in info.value.errors), str(info.value)
    assert main(["sweep", f"experiments/{path.name}", "--out", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert printed(expectation(path), err), err
    assert all(LOCATED.match(line) for line in err.splitlines()), err
    assert not (tmp_path / "out").exists()


def test_the_real_command_on_the_whole_corpus_prints_no_traceback():
    """One `bordersim validate` process over every bad scenario: each problem, and nothing else."""
    env = {**os.environ, "BORDERSIM_SEEDS": str(SEEDS)}
    res = subprocess.run([str(BIN), "validate", *(f"scenarios/{p.name}" for p in SCENARIOS)], cwd=BAD,
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 2 and res.stdout == ""
    assert "Traceback" not in res.stderr
    missing = [p.name for p in SCENARIOS if not printed(expectation(p), res.stderr)]
    assert not missing, res.stderr
    assert all(LOCATED.match(line) for line in res.stderr.splitlines())


# ---------------------------------------------------------------- limits: refused, and quickly
def refusal(path: Path) -> tuple[ScenarioError, float]:
    """The error and the CPU seconds this process spent reaching it (CPU, not wall time: the bound is
    on the work done before refusing, which other processes on a loaded machine do not change)."""
    start = time.process_time()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value, time.process_time() - start


def test_a_50_mb_file_is_refused_without_being_read(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.write(b"name: big\n")
        fh.truncate(50 * 1024 * 1024)  # 50 MB (sparse: no disk used)
    err, seconds = refusal(big)
    assert str(err) == f"{big}:1: file is larger than 1 MB" and seconds < 1.0


def test_an_endless_device_is_refused():
    err, seconds = refusal(Path("/dev/zero"))
    assert str(err) == "/dev/zero:1: file is larger than 1 MB" and seconds < 1.0


def test_the_billion_laughs_is_refused_before_it_is_built():
    err, seconds = refusal(BAD / "scenarios" / "billion_laughs.yaml")
    assert "more than 200000 values after expanding aliases" in str(err) and seconds < 1.0


def test_a_file_of_a_million_values_under_the_size_limit_stops_at_the_limit(tmp_path):
    text = "name: many\nx: [" + ",".join(["1"] * (MAX_BYTES // 2 - 20)) + "]\n"
    path = tmp_path / "many.yaml"
    path.write_text(text)
    assert len(text) <= MAX_BYTES
    err, seconds = refusal(path)
    assert str(err) == f"{path}:2: more than {MAX_NODES} values in one file"
    assert seconds < 5.0  # about 1 s: libyaml events, composing stopped at the limit


def test_deep_nesting_is_refused_at_its_line(tmp_path):
    path = tmp_path / "deep.yaml"
    nested = "".join("  " * i + f"k{i}:\n" for i in range(1, 500))
    path.write_text(f"name: deep\nx:\n{nested}" + "  " * 500 + "v: 1\n")
    err, seconds = refusal(path)
    assert str(err) == f"{path}:66: nested more than 64 levels deep" and seconds < 1.0


# ---------------------------------------------------------------- any YAML: loads or says where
GOOD = {"name": "t", "scenario": str(MINIMAL), "days": 5,
        "factors": [{"channel": "deconfliction"}, {"param": "raid_rate", "levels": [0.02, 0.1]}],
        "replications": 2, "outcomes": ["hajin_final_km2", "raids"]}
GOOD_TEXT = yaml.safe_dump(GOOD, sort_keys=False)

_words = st.sampled_from(["deconfliction", "raid_rate", "lhs", "sobol", "morris", "full_factorial", "raids",
                          "hajin_final_km2", "params.raid_rate", "channels.turkish_sting", "2**70", "1e400",
                          "-.inf", ".nan", str(MINIMAL)])
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(),
                     st.text(max_size=12),
                     _words)
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["channel", "param", "levels", "range", "type", "samples", "trajectories", "levels", "second_order",
         "params.raid_rate", "days", "x"]), inner, max_size=4)), max_leaves=10)
_factor = st.builds(lambda kind, name, extra: {kind: name, **extra}, st.sampled_from(["channel", "param"]),
                    st.sampled_from(["deconfliction", "turkish_sting", "raid_rate", "halt_days", "raid_rat",
                                     "contact_km"]),
                    st.fixed_dictionaries({}, optional={"levels": _values,
                                                        "range": st.lists(_scalars, max_size=3)}))
_design = st.one_of(_values, st.fixed_dictionaries(
    {"type": st.sampled_from(["full_factorial", "lhs", "sobol", "morris", "latin"])},
    optional={"samples": st.integers(-3, 10**7), "trajectories": st.integers(-3, 10**7),
              "levels": st.integers(-3, 200), "second_order": _scalars}))
_keys = st.sampled_from(["name", "title", "description", "scenario", "set", "factors", "design",
                         "replications", "seed", "days", "outcomes", "factor", "desing"])


def _edited(changes) -> str:
    data = dict(GOOD)
    for key, value in changes:
        if value is _DELETE:
            data.pop(key, None)
        else:
            data[key] = value
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _line_edits(edits) -> str:
    lines = GOOD_TEXT.splitlines()
    for index, text in edits:
        lines[index % len(lines)] = text
    return "\n".join(lines)


_DELETE = object()
_texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.tuples(_keys, st.one_of(_values, st.just(_DELETE))), max_size=3).map(_edited),
    st.tuples(st.lists(_factor, max_size=22), _design).map(
        lambda fd: _edited([("factors", fd[0]), ("design", fd[1])])),
    st.lists(st.tuples(st.integers(0, 40), st.text(max_size=30)), max_size=3).map(_line_edits),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts)
def test_any_experiment_text_loads_or_fails_with_file_and_line(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_experiment(path)
        except ScenarioError as err:
            assert all(e.file and e.line for e in err.errors), str(err)
            assert all(LOCATED.match(line) for line in str(err).splitlines()), str(err)


def test_a_full_factorial_too_big_is_refused_at_its_factors(tmp_path):
    """No `design:` key to point at: the message points at the factors instead of nowhere."""
    names = ("raid_rate", "halt_days", "incident_rate", "reinforce_rate", "cohesion_recovery",
             "readiness_recovery",
             "strike_kill_fraction", "disperse_probability", "incident_factor_with_line",
             "concealment_gain_dispersed", "border_seal_raid_factor", "cohesion_loss_per_leader",
             "iraqi_sorties_without_coalition", "raid_civilian_harm", "civilian_harm_per_strike",
             "visibility_desert", "visibility_valley", "visibility_urban")
    factors = "".join(f"  - param: {name}\n    levels: [0, 0.5]\n" for name in names)
    path = tmp_path / "huge.yaml"
    path.write_text(f"name: huge\nscenario: {MINIMAL}\nfactors:\n{factors}")
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    assert str(info.value) == f"{path}:3: factors: {2**18} design points is more than 200000"


# ---------------------------------------------------------------- the command line in a hurry
POCKETS = "scenarios/pockets_2018.yaml"
CLASSROOM = "experiments/classroom.yaml"
HURRIED = [
    (["validate", "nothere.yaml"], "nothere.yaml: file not found"),
    (["validate", "scenarios"], "scenarios: is a folder, not a scenario file"),
    (["validate", "README.md"], "README.md:"),
    (["run", "pocket_2018"], "no scenario named 'pocket_2018' (`bordersim list` shows them) "
                             "(did you mean pockets_2018?)"),
    (["run", "scenarios/pocket_2018.yaml"], "(did you mean scenarios/pockets_2018.yaml?)"),
    (["run", CLASSROOM], "classroom.yaml:1: this is an experiment file, not a scenario"),
    (["sweep", POCKETS], "pockets_2018.yaml:1: this is a scenario file, not an experiment"),
    (["sweep", "clasroom"], "no experiment named 'clasroom' (`bordersim list` shows them) "
                               "(did you mean classroom?)"),
    (["validate", POCKETS, "--set", "days"], "--set: expected KEY=VALUE, got 'days'"),
    (["run", POCKETS, "--set", "=3"], "--set: expected KEY=VALUE, got '=3'"),
    (["run", POCKETS, "--set", "days=ten"], "--set: days: must be a whole number, got 'ten'"),
    (["run", POCKETS, "--set", "days=.nan"], "--set: days: must be a whole number, got nan"),
    (["run", POCKETS, "--set", "forces.99.fighters=1"], "--set: forces.99.fighters: no item 99 in forces"),
    (["run", POCKETS, "--seed", "1.5"], "seed must be a whole number, got '1.5'"),
    (["run", POCKETS, "--seed", "-1"], "seed must be between 0 and 2**63-1, got -1"),
    (["run", POCKETS, "--days", "many"], "days must be a whole number, got 'many'"),
    (["run", POCKETS, "--days", "100000"], "days must be between 1 and 3650, got 100000"),
    (["run", POCKETS, "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["run"], "the following arguments are required: SCENARIO"),
    (["sweep", CLASSROOM, "--workers", "-2"], "--workers: must be at least 1, got -2"),
    (["sweep", CLASSROOM, "--workers", "two"], "--workers: must be a whole number, got 'two'"),
    (["sweep", CLASSROOM, "--dask-local", "0"], "--dask-local: must be at least 1, got 0"),
    (["sweep", CLASSROOM, "--scheduler", "localhost"], "expected an address like tcp://HOST:8786"),
    (["sweep", CLASSROOM, "--scheduler", "tcp://127.0.0.1:99999"], "expected an address like tcp://HOST:8786"),
    (["sweep", CLASSROOM, "--scheduler", "tcp://h:1", "--dask-local", "2"], "not allowed with argument"),
    (["compare", POCKETS], "the following arguments are required: B.yaml"),
    (["compare", POCKETS, POCKETS, "--reps", "0"], "--reps: must be at least 1, got 0"),
    (["compare", POCKETS, POCKETS, "--out", "scenarios"], "--out: scenarios is a folder; give a file name"),
    (["compare", POCKETS, POCKETS, "--out", "t.txt"], "--out: the file must end in .csv, not 't.txt'"),
    (["map", POCKETS, "-o", "scenarios"], "--output: scenarios is a folder; give a file name"),
    (["map", POCKETS, "-o", "map.jpg"], "--output: the file must end in .png, not 'map.jpg'"),
    (["animate", POCKETS, "-o", "run.avi"], "the animation file must end in .gif or .mp4, not 'run.avi'"),
    (["animate", POCKETS, "-o", "run.gif", "--fps", "nan"], "--fps must be between 0.5 and 60, got nan"),
    (["animate", POCKETS, "-o", "run.gif", "--dpi", "1e9"], "--dpi must be between 20 and 300"),
    (["report", "nowhere"], "SWEEP_DIR: nowhere is not a sweep folder"),
    (["report", POCKETS], "is not a sweep folder"),
    (["demo", "--port", "0"], "--port must be between 1 and 65535, got 0"),
    (["demo", "--port", "http"], "argument --port: invalid int value: 'http'"),
    (["sources", "nothere.yaml"], "nothere.yaml: file not found"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
]


@pytest.mark.parametrize(("args", "expected"), HURRIED, ids=[" ".join(a) or "nothing" for a, _ in HURRIED])
def test_hurried_mistakes_get_one_clear_message_and_exit_2(args, expected, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    try:
        code = main(args)
    except SystemExit as stop:  # argparse: usage and the message, exit 2
        code = stop.code
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert expected in err, err
    assert not [name for name in ("run.avi", "run.gif", "map.jpg", "t.txt") if (ROOT / name).exists()]


def test_run_refuses_an_output_that_is_a_file_or_a_folder_in_use(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    (tmp_path / "file").write_text("mine")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    assert main(["run", POCKETS, "--days", "2", "--out", str(tmp_path / "file")]) == 2
    assert main(["run", POCKETS, "--days", "2", "--out", str(tmp_path / "used")]) == 2
    assert main(["run", POCKETS, "--days", "2", "--out", str(tmp_path / "file" / "sub")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"bordersim: --out: {tmp_path / 'file'} exists and is not a folder"
    assert err[1].startswith(f"bordersim: --out: output folder {tmp_path / 'used'} already exists")
    assert err[1].endswith("(did you mean --force to overwrite, or another --out?)")
    assert err[2] == f"bordersim: --out: cannot create {tmp_path / 'file' / 'sub'}: Not a directory"
    assert (tmp_path / "file").read_text() == "mine" and os.listdir(tmp_path / "used") == ["notes.txt"]


def refused_folder(tmp_path: Path) -> Path:
    """A folder this process may not write in: read-only for a user; for root (who may write anywhere
    else), a folder of sysfs, where the kernel refuses to create files."""
    if os.geteuid() != 0:
        folder = tmp_path / "readonly"
        folder.mkdir(mode=0o555)
        return folder / "out"
    probe = Path("/sys/bordersim-probe")
    try:
        probe.mkdir()
    except OSError:
        return Path("/sys/bordersim-out")
    probe.rmdir()
    pytest.skip("this system lets root write in /sys")


@pytest.mark.parametrize("command", [["run", POCKETS, "--days", "2", "--no-plots", "--out"],
                                     ["sweep", CLASSROOM, "--out"],
                                     ["compare", POCKETS, POCKETS, "--reps", "1", "--days", "1", "--out"],
                                     ["map", POCKETS, "-o"]], ids=lambda c: c[0])
def test_an_output_the_system_refuses_is_one_line_not_a_traceback(command, tmp_path):
    target = refused_folder(tmp_path)
    name = {"compare": "t.csv", "map": "m.png"}.get(command[0], "")
    out = target / name if name else target
    res = subprocess.run([str(BIN), *command, str(out)], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "MPLBACKEND": "Agg"}, timeout=120)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("bordersim: ") and ("denied" in last or "not permitted" in last), res.stderr
    assert not out.exists()


def test_an_unreadable_scenario_is_one_line():
    """/proc/self/mem cannot be read from its start, even by root: the system refuses the read."""
    res = subprocess.run([str(BIN), "validate", "/proc/self/mem"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip() == "/proc/self/mem: cannot read file: Input/output error"


def test_a_single_picture_is_replaced_but_a_folder_named_like_one_is_not(tmp_path, monkeypatch, capsys):
    """map -o and animate -o write one file: an old one is replaced whole; a folder is never touched."""
    monkeypatch.chdir(ROOT)
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(f"extends: {ROOT / POCKETS}\nname: tiny\ndays: 2\ngrid: {{cell_deg: 0.25}}\n")
    old = tmp_path / "map.png"
    old.write_bytes(b"not a picture")
    assert main(["map", str(tiny), "-o", str(old)]) == 0
    with Image.open(old) as img:
        img.verify()
    (tmp_path / "movie.gif").mkdir()
    (tmp_path / "movie.gif" / "keep.txt").write_text("mine")
    assert main(["animate", str(tiny), "-o", str(tmp_path / "movie.gif")]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert os.listdir(tmp_path / "movie.gif") == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
