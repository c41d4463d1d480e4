"""What scenarios and experiments ship with the project, for `bordersim list`."""

from __future__ import annotations

from pathlib import Path

import yaml


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
    for kind in ("scenarios", "experiments"):
        folder = root / kind
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        found[kind] = [(*_title(f), str(f.relative_to(root))) for f in files]
    return found
