"""Every shell command in README.md and docs/*.md runs.

Fenced blocks marked ```sh are commands; every other block uses another info string (```text,
```yaml, ...). The commands of one file run in order, in one temporary copy of the checkout
(so a block may use what an earlier block wrote), through bash with ``-e -o pipefail``, after
these rewrites:

- ``.venv/bin/`` becomes the bin folder of the interpreter running the tests;
- ``make run`` and ``make test`` are skipped: they are what runs these tests;
- ``bordersim demo`` is started on a free port, must answer with the demo page (and warn when
  ``--host`` is not loopback), and is stopped;
- a single ``bordersim run`` runs as written (seconds), and where the page shows a command's output
  (a generated block of the results set, OUTPUT_OF below), the output is checked against the page:
  every line when the command ran as written, the lines without numbers when it was shortened;
- the classroom load benchmark drives browser pages against timeouts: it measures load, so a busy
  machine could fail it; performance.md shows its results and this test only checks that its
  command line parses (``--help``). The other benchmarks run with ``--quick``, which checks that
  they work, not how fast;
- to keep the test short, the SHORTER table below cuts ``--days``, ``--reps``, and the ``days:``
  and ``replications:`` lines of experiment files (in the copy's experiments/ and in heredocs),
  and runs ``python -m benchmarks`` with ``--quick`` (the classroom load benchmark with one page),
  and the docs tools (``tools.calibration``, ``tools.screening``, ``tools.prediction``,
  ``tools.claims``) and ``bordersim calibrate`` with ``--quick``, ``tools.class_chart`` with 3 students,
  ``benchmarks.classroom_ws`` with ``--quick`` (and without ``--doc``), ``benchmarks.session_memory``
  with 2 sessions;
  experiment files keep their first
  MAX_CHANNEL_FACTORS ``- channel:`` factors (a full factorial of six channels is 64 runs).
  Set ``BORDERSIM_DOC_FULL=1`` to run every command exactly as written (many minutes).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FULL = os.environ.get("BORDERSIM_DOC_FULL") == "1"
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP = re.compile(r"^make (run|test)\b")
DEMO = re.compile(r"\bbordersim demo\b")
#: (pattern, replacement) applied to each command unless BORDERSIM_DOC_FULL=1.
SHORTER = [
    (re.compile(r"--days \d+"), "--days 15"),
    (re.compile(r"--reps \d+"), "--reps 2"),
    (re.compile(r"\bbordersim (compare|animate) (?!.*--days)"), r"bordersim \1 --days 15 "),
    (re.compile(r"\bbordersim compare (?!.*--reps)"), "bordersim compare --reps 2 "),
    (re.compile(r"(?m)^days: \d+$"), "days: 15"),
    (re.compile(r"(?m)^replications: \d+$"), "replications: 1"),
    (re.compile(r"-m benchmarks(?! --quick)(?=\s|$)"), "-m benchmarks --quick"),
    (re.compile(r"-m tools\.validation record(?! --seeds)"), "-m tools.validation record --seeds 2"),
    (re.compile(r"--seeds \d+"), "--seeds 2"),
    (re.compile(r"-m benchmarks\.classroom_load\b.*"), "-m benchmarks.classroom_load --help"),
    (re.compile(r"-m tools\.(calibration|screening|prediction|claims)(?! --quick)(?=\s|$)"),
     r"-m tools.\1 --quick"),
    (re.compile(r"\bbordersim calibrate (\S+)(?!.*--quick)"), r"bordersim calibrate \1 --quick --force"),
    (re.compile(r"-m tools\.class_chart(?! --students)(?=\s|$)"), "-m tools.class_chart --students 3"),
    (re.compile(r"(-m benchmarks\.classroom_ws)(?!.*--quick)(.*?)( --doc)?$"), r"\1\2 --quick"),
    (re.compile(r"-m benchmarks\.session_memory(?! --sessions)"),
     "-m benchmarks.session_memory --sessions 2"),
]
MAX_CHANNEL_FACTORS = 3
#: commands whose input (a sweep of a shipped experiment) the test shortened
SHORTENED_INPUT = ("bordersim report sweeps/classroom",)
#: a command -> the results block that shows its output on the page
OUTPUT_OF = {
    "bordersim run scenarios/pockets_2018.yaml --out runs/first": "results.run_seed1",
    "bordersim report sweeps/classroom": "results.classroom",  # its sweep ran shortened
    "bordersim compare scenarios/deir_ezzor_2017.yaml scenarios/deir_ezzor_2017_no_line.yaml":
        "results.compare_line",
}
CHANNEL_FACTOR = re.compile(r"^\s*- channel: \w+\s*$")
COPY_IGNORE = shutil.ignore_patterns(".*", "runs", "sweeps", "calibrations", "out", "__pycache__",
                                     "*.egg-info", "*.gif", "*.mp4")


@dataclass(frozen=True)
class Command:
    file: str
    line: int
    text: str


def fenced_blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """(info string, line of the first body line, body lines) of every fenced block."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = re.match(r"^(`{3,})(.*)$", lines[i])
        if not m:
            i += 1
            continue
        fence, info, start = m.group(1), m.group(2).strip(), i + 1
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            i += 1
        blocks.append((info, start + 1, lines[start:i]))
        i += 1
    return blocks


def split_commands(body: list[str], first_line: int) -> list[tuple[int, str]]:
    """Commands of a shell block: continuation lines joined, heredocs kept whole, comments dropped."""
    commands, i = [], 0
    while i < len(body):
        line, start = body[i], i
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [line]
        while parts[-1].endswith("\\") and i < len(body):
            parts.append(body[i])
            i += 1
        heredoc = re.search(r"<<-?\s*'?\"?(\w+)'?\"?", parts[-1])
        if heredoc:
            while i < len(body) and body[i].strip() != heredoc.group(1):
                parts.append(body[i])
                i += 1
            parts.append(body[i] if i < len(body) else heredoc.group(1))
            i += 1
        commands.append((first_line + start, "\n".join(parts)))
    return commands


def doc_commands(path: Path) -> list[Command]:
    name = str(path.relative_to(ROOT))
    found = []
    for info, line, body in fenced_blocks(path.read_text(encoding="utf-8")):
        if info == "sh":
            found += [Command(name, n, text) for n, text in split_commands(body, line)]
    return found


def shorten(text: str) -> str:
    for pattern, replacement in SHORTER:
        text = pattern.sub(replacement, text)
    kept, lines = 0, []
    for line in text.split("\n"):
        if CHANNEL_FACTOR.match(line):
            kept += 1
            if kept > MAX_CHANNEL_FACTORS:
                continue
        lines.append(line)
    return "\n".join(lines)


def prepare(text: str) -> str:
    text = text.replace(".venv/bin/", f"{BIN}/")
    return text if FULL else shorten(text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_demo(cmd: Command, text: str, cwd: Path, env: dict) -> None:
    """Start the demo, fetch its page, stop it."""
    port = free_port()
    text = DEMO.sub(f"bordersim demo --port {port}", text, count=1)
    proc = subprocess.Popen(["bash", "-c", f"exec {text}"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    page, deadline = None, time.monotonic() + 90
    try:
        while page is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode("utf-8", "replace")
            except OSError:
                time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert page is not None, f"{cmd.file}:{cmd.line}: the demo did not answer on port {port}\n{err[-2000:]}"
    assert "bordersim" in page, f"{cmd.file}:{cmd.line}: port {port} did not serve the demo page"
    host = re.search(r"--host (\S+)", text)
    if host and host.group(1) not in ("127.0.0.1", "localhost", "::1"):
        assert "reachable from other machines" in err, f"{cmd.file}:{cmd.line}: no warning for --host"


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the checkout without outputs, with the shipped experiments shortened."""
    root = tmp_path_factory.mktemp("checkout") / "bordersim"
    shutil.copytree(ROOT, root, ignore=COPY_IGNORE)
    if not FULL:
        for path in (root / "experiments").glob("*.yaml"):
            path.write_text(shorten(path.read_text(encoding="utf-8")), encoding="utf-8")
    return root


# ------------------------------------------------------------------------------ the extractor
def test_split_commands_joins_continuations_and_keeps_heredocs():
    body = ["# a comment", "echo one \\", "  two", "", "cat > x.yaml <<'EOF'", "a: 1", "# kept", "EOF",
            "ls   # trailing comment"]
    assert split_commands(body, 10) == [
        (11, "echo one \\\n  two"),
        (14, "cat > x.yaml <<'EOF'\na: 1\n# kept\nEOF"),
        (18, "ls   # trailing comment"),
    ]


def test_shorten_cuts_days_reps_and_experiment_lines():
    assert shorten("bordersim run s.yaml --seed 3") == "bordersim run s.yaml --seed 3"  # a run is seconds
    assert shorten("bordersim run s.yaml --days 120") == "bordersim run s.yaml --days 15"
    assert shorten("bordersim compare a.yaml b.yaml") == "bordersim compare --reps 2 --days 15 a.yaml b.yaml"
    assert shorten("x\ndays: 180\nreplications: 20\n") == "x\ndays: 15\nreplications: 1\n"
    assert shorten("bordersim sweep e.yaml") == "bordersim sweep e.yaml"
    factors = "factors:\n" + "".join(f"  - channel: c{i}\n" for i in range(6)) + "  - param: p\n"
    assert shorten(factors) == "factors:\n  - channel: c0\n  - channel: c1\n  - channel: c2\n  - param: p\n"


def test_every_fenced_block_says_what_it_is():
    """A bare ``` block would be neither run nor clearly marked as not a command."""
    bare = [f"{path.relative_to(ROOT)}:{line - 1}" for path in DOC_FILES
            for info, line, _ in fenced_blocks(path.read_text(encoding="utf-8")) if not info]
    assert not bare, ("fenced blocks without an info string: " + ", ".join(bare)
                      + ". Mark commands ```sh (this test runs them), anything else ```text, ```yaml, ...")


def test_output_check_catches_a_changed_number():
    shown = ["pocket   50% day", "Euphrates   44", ""]
    assert missing_lines(shown, "head\npocket   50% day\nEuphrates   44\n", exact=True) == []
    assert missing_lines(shown, "pocket   50% day\nEuphrates   45\n", exact=True) == ["Euphrates   44"]
    assert missing_lines(shown, "pocket   50% day\nEuphrates   45\n", exact=False) == []
    page = ROOT / "docs" / "tutorial.md"
    assert shown_output(page, "bordersim run scenarios/pockets_2018.yaml --out runs/first")


def test_docs_have_commands():
    for name in ("README.md", "docs/tutorial.md", "docs/instructor.md", "docs/validation.md"):
        assert doc_commands(ROOT / name), f"{name} has no ```sh block"


# ------------------------------------------------------------------------------ the commands
@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in DOC_FILES if doc_commands(p)], ids=lambda p: p.name)
def test_doc_commands_run(path: Path, checkout: Path, tmp_path: Path):
    work = tmp_path / "bordersim"
    shutil.copytree(checkout, work)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "MPLBACKEND": "Agg"}
    for cmd in doc_commands(path):
        if SKIP.match(cmd.text):
            continue
        text = prepare(cmd.text)
        if DEMO.search(text):
            check_demo(cmd, text, work, env)
            continue
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=work, env=env,
                              capture_output=True, text=True, timeout=600)
        output = f"{done.stdout[-1500:]}\n{done.stderr[-3000:]}"
        assert done.returncode == 0, f"{cmd.file}:{cmd.line}: exit {done.returncode}\n$ {text}\n{output}"
        shown = shown_output(path, cmd.text)
        if shown is not None:
            exact = (prepare(cmd.text) == cmd.text.replace(".venv/bin/", f"{BIN}/")
                     and not cmd.text.endswith(SHORTENED_INPUT))
            missing = missing_lines(shown, done.stdout, exact)
            assert not missing, (f"{cmd.file}:{cmd.line}: the page shows output the command did not print "
                                 f"({'every line' if exact else 'lines without numbers'} checked): {missing}")


def shown_output(path: Path, command: str) -> list[str] | None:
    """The lines of the ```text block the page shows as ``command``'s output, if it shows one."""
    name = next((block for cmd, block in OUTPUT_OF.items() if command.endswith(cmd)), None)
    text = path.read_text(encoding="utf-8")
    start = text.find(f"<!-- generated:{name} -->") if name else -1
    if start < 0:
        return None
    region = text[start:text.index(f"<!-- /generated:{name} -->", start)]
    return next(body for info, _, body in fenced_blocks(region) if info == "text")


def missing_lines(shown: list[str], stdout: str, exact: bool) -> list[str]:
    """Lines of ``shown`` not printed in order in ``stdout`` (only lines without digits unless ``exact``)."""
    printed, i, missing = stdout.splitlines(), 0, []
    for line in (s for s in shown if s.strip() and (exact or not re.search(r"\d", s))):
        while i < len(printed) and printed[i].rstrip() != line.rstrip():
            i += 1
        if i == len(printed):
            missing.append(line)
            i = 0
        else:
            i += 1
    return missing
