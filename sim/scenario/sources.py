"""Where every number of a scenario comes from: the table behind `bordersim sources`.

A scenario writes each figure as ``{value: X, source: {file, quote}}`` (a seed article says so) or
``{value: X, assumption: "why"}`` (it does not). This module lists those provenance entries in the
order of the file, finds numbers that have neither (a defect: `missing`), and renders the table
as text for the terminal or as the Markdown of docs/scenarios.md::

    python -m sim.scenario.sources                  # all shipped scenarios, as text
    python -m sim.scenario.sources --write-docs     # regenerate docs/scenarios.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError
from sim.scenario import Params, Scenario, load_scenario
from sim.scenario.provenance import Provenance

ROOT = Path(__file__).resolve().parents[2]
DOCS = Path("docs") / "scenarios.md"
# Sections whose numbers must each carry a source or an assumption.
SECTIONS = ("days", "grid", "forces", "air", "pockets", "params", "events")
PARAMS_FILE = "sim/scenario/params.py"


@dataclass(frozen=True)
class Entry:
    """One traced figure: its dotted path, value and provenance (``label`` names its force)."""

    path: str
    value: Any
    prov: Provenance
    label: str | None = None

    @property
    def quoted(self) -> bool:
        return self.prov.file is not None


# ---------------------------------------------------------------- collecting
def shipped(root: Path = ROOT) -> list[Path]:
    """The scenario files that ship with the project, in name order."""
    return sorted((Path(root) / "scenarios").glob("*.yaml"))


def _walk(data: Any, path: tuple = ()):
    """(path, value) of every node under ``data``, parents before children, in file order."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _walk(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk(value, (*path, i))


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def _document(scenario: Scenario) -> dict[str, Any]:
    doc = scenario._doc
    if doc is None:
        raise ScenarioError("this scenario was not loaded from a file; use load_scenario")
    return doc.data


def _force_label(data: dict, path: tuple) -> str | None:
    if len(path) < 2 or path[0] != "forces" or not isinstance(path[1], int):
        return None
    force = data["forces"][path[1]]
    return force.get("label") or f"{force.get('faction')} at {force.get('at')}"


def entries(scenario: Scenario) -> list[Entry]:
    """The scenario's provenance entries in the order their values appear in the file."""
    data, prov = _document(scenario), scenario.provenance
    out, seen = [], set()
    for path, _ in _walk(data):
        key = _dotted(path)
        if key in prov and not any(key.startswith(s + ".") for s in seen):
            seen.add(key)
            out.append(Entry(key, prov[key].value, prov[key], _force_label(data, path)))
    out += [Entry(k, p.value, p) for k, p in prov.items() if k not in seen]
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def missing(scenario: Scenario) -> list[str]:
    """Dotted paths of numbers in SECTIONS with neither a source nor an assumption."""
    data, prov = _document(scenario), scenario.provenance
    out = []
    for path, value in _walk(data):
        if not path or path[0] not in SECTIONS or not _is_number(value):
            continue
        prefixes = (_dotted(path[:n]) for n in range(len(path), 0, -1))
        if not any(p in prov for p in prefixes):
            out.append(_dotted(path))
    return out


def defaults(scenario: Scenario) -> list[tuple[str, float, str, str]]:
    """(name, value, unit, meaning) of each model coefficient the scenario leaves at its default."""
    given = _document(scenario).get("params") or {}
    out = []
    for name, field in Params.model_fields.items():
        if name not in given:
            unit = (field.json_schema_extra or {}).get("unit", "")
            out.append((name, field.default, unit, field.description or ""))
    return out


def extends_of(path: Path) -> str | None:
    """The parent file named by ``extends:`` (as written), or None."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    parent = data.get("extends") if isinstance(data, dict) else None
    return parent if isinstance(parent, str) else None


# ---------------------------------------------------------------- formatting
def show(value: Any) -> str:
    """A value as the table shows it: numbers plainly, polygons as a point count."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value):
            return f"polygon of {len(value)} points"
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def _reasons(prov: Provenance) -> list[str]:
    out = []
    if prov.file:
        out.append(f'{prov.file}: "{" ".join(str(prov.quote).split())}"')
    if prov.assumption:
        out.append(f"assumption: {' '.join(prov.assumption.split())}")
    return out


def _end(scenario: Scenario) -> dt.date:
    return scenario.start_date + dt.timedelta(days=scenario.days)


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def format_text(scenario: Scenario, path: Path, *, root: Path = ROOT, with_defaults: bool = False,
                width: int = 100) -> str:
    """The provenance table of one scenario for the terminal."""
    rows = entries(scenario)
    lines = [f"== {scenario.name}: {scenario.title}  [{_relative(path, root)}]",
             f"   {scenario.start_date} to {_end(scenario)}"]
    wrap = textwrap.TextWrapper(width=width, initial_indent="    ", subsequent_indent="      ")
    for e in rows:
        label = f"  ({e.label})" if e.label else ""
        lines.append(f"{e.path} = {show(e.value)}{label}")
        for reason in _reasons(e.prov):
            lines += wrap.wrap(reason)
    absent = missing(scenario)
    for key in absent:
        lines.append(f"{key}: NO SOURCE AND NO ASSUMPTION (write it as {{value: X, assumption: \"why\"}})")
    quoted = sum(e.quoted for e in rows)
    left = defaults(scenario)
    lines.append(f"-- {len(rows)} figures: {quoted} quoted from the articles, {len(rows) - quoted} "
                 f"assumptions; {len(absent)} without provenance")
    if with_defaults:
        lines.append(f"-- model coefficients at their defaults ({PARAMS_FILE}):")
        for name, value, unit, meaning in left:
            lines += wrap.wrap(f"params.{name} = {show(value)} {unit}: {meaning}")
    else:
        lines.append(f"-- {len(left)} model coefficients at their defaults "
                     "(list them with --defaults)")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _md_source(prov: Provenance) -> str:
    parts = []
    if prov.file:
        parts.append(f"`{prov.file}`: “{_cell(prov.quote)}”")
    if prov.assumption:
        parts.append(f"*assumption:* {_cell(prov.assumption)}")
    return "<br>".join(parts)


def _md_rows(rows: list[Entry]) -> list[str]:
    out = ["| Figure | Value | Source or assumption |", "|---|---|---|"]
    for e in rows:
        label = f" ({_cell(e.label)})" if e.label else ""
        out.append(f"| `{e.path}`{label} | {_cell(show(e.value))} | {_md_source(e.prov)} |")
    return out


def _channels(scenario: Scenario) -> str:
    return ", ".join(f"{k} {'on' if v else 'off'}" for k, v in scenario.channels.as_dict().items())


def _same(a: Entry, b: Entry | None) -> bool:
    return b is not None and a.value == b.value and a.prov == b.prov


def markdown(paths: list[Path], root: Path = ROOT) -> str:
    """docs/scenarios.md: an index, each scenario's provenance table, and the model defaults."""
    loaded = {Path(p).resolve(): (Path(p), load_scenario(p)) for p in paths}
    out = ["# Scenario library", "",
           "Generated from the scenario files by `python -m sim.scenario.sources --write-docs`;",
           "do not edit by hand. Every number a scenario uses is listed with the seed article and the",
           "verbatim quote it comes from, or with the assumption that stands in for a figure the articles",
           "do not give.",
           "The same table is printed by `bordersim sources [SCENARIO ...]`.", "",
           "| Scenario | Period | Title | File |", "|---|---|---|---|"]
    for path, s in loaded.values():
        out.append(f"| [{s.name}](#{s.name}) | {s.start_date} to {_end(s)} | "
                   f"{_cell(s.title)} | `{_relative(path, root)}` |")
    for path, s in loaded.values():
        parent_name = extends_of(path)
        parent = loaded.get((path.parent / parent_name).resolve()) if parent_name else None
        out += ["", f"## {s.name}", "", f"**{_cell(s.title)}** ({s.start_date} to {_end(s)}, "
                f"{s.days} days)", "", _cell(s.description), "",
                f"- File: `{_relative(path, root)}`" + (f" (extends `{parent_name}`)" if parent_name else ""),
                "- Seed articles: " + (", ".join(f"`{f}`" for f in s.sources) or "none"),
                f"- Channels: {_channels(s)}"]
        if s.events:
            out.append("- Dated changes: " + "; ".join(
                f"day {e.day}: " + ", ".join(f"{k} = {show(v)}" for k, v in e.set.items()) for e in s.events))
        rows = entries(s)
        if parent is not None:
            base = {e.path: e for e in entries(parent[1])}
            rows = [e for e in rows if not _same(e, base.get(e.path))]
            out += ["", f"Figures that differ from `{parent[1].name}` (all others are as listed there):"]
        out += [""] + (_md_rows(rows) if rows else ["(none)"])
        absent = missing(s)
        if absent:
            out += ["", "**Without provenance:** " + ", ".join(f"`{a}`" for a in absent)]
    out += ["", "## Model coefficients at their defaults", "",
            f"Coefficients a scenario does not set keep the default declared in `{PARAMS_FILE}`,",
            "where each is described; these are the model's own assumptions.", "",
            "| Coefficient | Default | Unit | Meaning | Set by |", "|---|---|---|---|---|"]
    for name, field in Params.model_fields.items():
        setters = [s.name for _, s in loaded.values()
                   if name in (_document(s).get("params") or {})]
        unit = (field.json_schema_extra or {}).get("unit", "")
        out.append(f"| `{name}` | {show(field.default)} | {_cell(unit)} | {_cell(field.description)} | "
                   f"{', '.join(setters) or '-'} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- command line
def report(paths: list[Path], *, root: Path = ROOT, with_defaults: bool = False,
           out=sys.stdout) -> int:
    """Print the tables of ``paths``; 1 if a number lacks provenance, else 0 (errors raise)."""
    status = 0
    for i, path in enumerate(paths):
        scenario = load_scenario(path)
        status = status or int(bool(missing(scenario)))
        try:
            print(("\n" if i else "") + format_text(scenario, Path(path), root=root,
                                                   with_defaults=with_defaults), file=out, flush=True)
        except BrokenPipeError:  # the reader (head, less) stopped early: not an error
            if out is sys.stdout:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return status
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.scenario.sources",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", metavar="SCENARIO", help="default: all shipped scenarios")
    parser.add_argument("--defaults", action="store_true", help="also list coefficients left at defaults")
    parser.add_argument("--markdown", action="store_true", help="print docs/scenarios.md to stdout")
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS} in the checkout")
    args = parser.parse_args(argv)
    paths = [Path(f) for f in args.files] or shipped()
    try:
        if args.write_docs:
            target = ROOT / DOCS
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(markdown(shipped()), encoding="utf-8")
            print(f"wrote {target}")
            return 0
        if args.markdown:
            sys.stdout.write(markdown(paths))
            return 0
        return report(paths, with_defaults=args.defaults)
    except ScenarioError as err:
        print(str(err), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
