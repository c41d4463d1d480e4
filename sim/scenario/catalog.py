"""What scenarios and experiments ship with the project, found by name or path.

``bordersim list`` prints the names; every command and :func:`sim.load` accept a name
(``pockets_2018``) or a path (``scenarios/pockets_2018.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sim.errors import ScenarioError, did_you_mean

if TYPE_CHECKING:
    from sim.scenario.model import Scenario

KINDS = ("scenarios", "experiments")


def project_root() -> Path:
    """The folder holding scenarios/ and experiments/: the working directory, else the checkout."""
    here = Path.cwd()
    if (here / "scenarios").is_dir():
        return here
    return Path(__file__).resolve().parents[2]


def _title(path: Path) -> tuple[str, str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return path.stem, "(unreadable: run `bordersim validate` on it)"
    if not isinstance(data, dict):
        return path.stem, "(not a mapping: run `bordersim validate` on it)"
    return str(data.get("name", path.stem)), str(data.get("title", "")).strip()


def list_entries(root: Path) -> dict[str, list[tuple[str, str, str]]]:
    """{"scenarios": [(name, title, relative path)], "experiments": [...]}, sorted by file name."""
    found = {}
    for kind in KINDS:
        folder = root / kind
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        found[kind] = [(*_title(f), str(f.relative_to(root))) for f in files]
    return found


def find(name_or_path: str | Path, kind: str = "scenarios") -> Path:
    """The file a user means: an existing path as it is, else ``<root>/<kind>/<name>.yaml``.

    A name that matches nothing is a :class:`ScenarioError` that suggests the closest shipped name.
    """
    text = str(name_or_path)
    path = Path(text)
    if path.exists() or path.suffix in {".yaml", ".yml"} or "/" in text or "\\" in text:
        return path  # a path: missing files are reported by the reader, with their own message
    folder = project_root() / kind
    candidate = folder / f"{text}.yaml"
    if candidate.is_file():
        return candidate
    names = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
    raise ScenarioError(f"no {kind[:-1]} named {text!r} (`bordersim list` shows them)",
                        hint=did_you_mean(text, names))


def overrides_of(set: Mapping[str, Any] | Sequence[str] | None, days: int | None = None) -> list | dict:
    """``--set`` strings or a ``{key: value}`` mapping, with ``days`` added when given."""
    if isinstance(set, Mapping) or set is None:
        out: dict | list = dict(set or {})
        if days is not None:
            out["days"] = days
        return out
    out = [set] if isinstance(set, str) else list(set)
    if days is not None:
        out.append(f"days={days}")
    return out


def load(scenario: str | Path, set: Mapping[str, Any] | Sequence[str] | None = None,
         days: int | None = None) -> Scenario:
    """A scenario by name (as ``bordersim list`` prints it) or path, with overrides.

    ``set`` is a mapping (``{"channels.deconfliction": False}``) or ``KEY=VALUE`` strings as the
    CLI's ``--set`` takes; ``days`` overrides the scenario's length.
    """
    from sim.scenario import load_scenario

    return load_scenario(find(scenario), overrides_of(set, days))
