"""Scenario documents: ``extends`` merging, dotted-path overrides, and each value's origin.

A ``Doc`` is the plain data validation sees plus, for every key path, the file and line it came
from -- kept through merging and overrides so an error found late (in the schema, in an event)
still points at the line a student has to fix.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario import provenance as prov_mod
from sim.scenario.provenance import Provenance
from sim.scenario.yamlsrc import Node, dotted, parse_text, read_file

MAX_EXTENDS = 16
OVERRIDE_LABEL = "--set"
_PART = re.compile(r"^[A-Za-z0-9_\-]+$")

Loc = tuple[str | None, int | None]


@dataclass
class Doc:
    """Plain scenario data, the origin of each key path, and the provenance table."""

    data: dict[str, Any]
    locs: dict[tuple, Loc] = field(default_factory=dict)
    prov: dict[str, Provenance] = field(default_factory=dict)
    file: str | None = None

    def loc(self, path: tuple) -> Loc:
        """Origin of ``path``, falling back to its nearest recorded parent."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.locs:
                return self.locs[path[:n]]
        return (self.file, 1 if self.file else None)

    def error(self, message: str, path: tuple, hint: str | None = None) -> ScenarioError:
        file, line = self.loc(path)
        return ScenarioError(message, file=file, line=line, path=dotted(path), hint=hint)

    def with_overrides(self, pairs: Iterable[tuple[str, Any]], origin: Loc) -> Doc:
        """A copy with each dotted ``key`` set to ``value``; their origin becomes ``origin``."""
        data = copy.deepcopy(self.data)
        locs, prov = dict(self.locs), dict(self.prov)
        for key, value in pairs:
            created: list[tuple] = []
            path = set_path(data, key, origin, created)
            _assign(data, path, copy.deepcopy(value))
            for p in [p for p in locs if p[: len(path)] == path]:
                del locs[p]
            for p in created:
                locs[p] = origin
            _record(value, path, locs, origin)
            prefix = dotted(path) or ""
            for p in [p for p in prov if p == prefix or p.startswith(prefix + ".")]:
                del prov[p]
        return Doc(data, locs, prov, self.file)


def _record(value: Any, path: tuple, locs: dict[tuple, Loc], origin: Loc) -> None:
    locs[path] = origin
    if isinstance(value, dict):
        for k, v in value.items():
            _record(v, (*path, k), locs, origin)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _record(v, (*path, i), locs, origin)


def split_path(key: Any, origin: Loc = (OVERRIDE_LABEL, None)) -> tuple:
    """``"forces.2.fighters"`` -> ``("forces", 2, "fighters")``; rejects malformed paths."""
    parts = key.split(".") if isinstance(key, str) else []
    if not parts or not all(_PART.match(p) for p in parts):
        raise ScenarioError(f"{key!r} is not a key path like params.raid_rate", file=origin[0],
                            line=origin[1])
    if parts[0] == "extends":
        raise ScenarioError("`extends` cannot be changed by an override", file=origin[0],
                            line=origin[1], path=key)
    return tuple(int(p) if p.isdigit() else p for p in parts)


def set_path(data: dict, key: str, origin: Loc, created: list[tuple] | None = None) -> tuple:
    """The path of dotted ``key`` in ``data``, creating missing mappings on the way (listed in
    ``created``); the caller assigns the value."""
    path = split_path(key, origin)
    cur: Any = data
    for i, part in enumerate(path):
        last = i == len(path) - 1
        where = dotted(path[:i]) or "the top level"
        if isinstance(cur, dict):
            if last:
                return path
            if cur.get(part) is None:
                cur[part] = {}
                if created is not None:
                    created.append(path[: i + 1])
            cur = cur[part]
        elif isinstance(cur, list):
            if not isinstance(part, int) or part >= len(cur):
                raise ScenarioError(f"no item {part} in {where} (it has {len(cur)} items)",
                                    file=origin[0], line=origin[1], path=key)
            if last:
                return path
            cur = cur[part]
        else:
            raise ScenarioError(f"{where} is a single value, not a mapping or list", file=origin[0],
                                line=origin[1], path=key)
    return path  # pragma: no cover


def _assign(data: dict, path: tuple, value: Any) -> None:
    cur: Any = data
    for part in path[:-1]:
        cur = cur[part]
    cur[path[-1]] = value


def parse_override(text: str) -> tuple[str, Any]:
    """``"channels.deconfliction=false"`` -> ``("channels.deconfliction", False)`` (YAML value)."""
    key, sep, raw = text.partition("=") if isinstance(text, str) else ("", "", "")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"expected KEY=VALUE, got {text!r}", file=OVERRIDE_LABEL)
    split_path(key)
    try:
        node = parse_text(raw, OVERRIDE_LABEL, allow_empty=True)
    except ScenarioError as err:
        raise ScenarioError(err.message, file=OVERRIDE_LABEL, path=key) from None
    return key, to_plain(node)


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any] | Iterable[str]) -> dict:
    """A deep copy of plain scenario ``data`` with dotted-path overrides applied.

    ``overrides`` is a mapping ``{"params.raid_rate": 0.1}`` or strings ``"params.raid_rate=0.1"``.
    """
    pairs = _pairs(overrides)
    out = copy.deepcopy(dict(data))
    for key, value in pairs:
        path = set_path(out, key, (OVERRIDE_LABEL, None))
        _assign(out, path, copy.deepcopy(value))
    return out


def _pairs(overrides: Mapping[str, Any] | Iterable[str]) -> list[tuple[str, Any]]:
    if isinstance(overrides, Mapping):
        return list(overrides.items())
    if isinstance(overrides, str):
        overrides = [overrides]
    return [parse_override(o) for o in overrides]


def overridden(doc: Doc, overrides: Mapping[str, Any] | Iterable[str], origin: Loc) -> Doc:
    """``doc`` with ``overrides`` applied: values deep-copied, origins set to ``origin``."""
    return doc.with_overrides(_pairs(overrides), origin)


def to_plain(node: Node | None, path: tuple = (), locs: dict[tuple, Loc] | None = None) -> Any:
    """Plain Python value of ``node``; records each path's origin in ``locs`` when given."""
    if node is None:
        return None
    if locs is not None:
        locs[path] = (node.file, node.line)
    if node.is_map:
        return {k: to_plain(v, (*path, k), locs) for k, v in node.value.items()}
    if node.is_list:
        return [to_plain(v, (*path, i), locs) for i, v in enumerate(node.value)]
    return node.value


def _label(path: Path) -> str:
    return os.path.normpath(str(path))


def _merge(parent: Node, child: Node) -> Node:
    """Child wins; mappings merge key by key (an empty child mapping clears); lists replace."""
    if parent.is_map and child.is_map and child.value and child.prov is None:
        merged = dict(parent.value)
        for key, value in child.value.items():
            merged[key] = _merge(merged[key], value) if key in merged else value
        return Node(merged, child.file, child.line, None, child.key_line)
    return child


def _load_tree(path: Path, errors: list[ScenarioError], stack: tuple[Path, ...]) -> Node:
    label = _label(path)
    root = read_file(path, label)
    seeds = prov_mod.find_seeds_dir(path.resolve().parent)
    root = prov_mod.strip(root, seeds, errors)
    ext = root.value.pop("extends", None)
    if ext is None or ext.value is None:
        return root
    if not isinstance(ext.value, str) or not ext.value.strip():
        raise ScenarioError("must be the path of a parent scenario file", file=ext.file,
                            line=ext.line, path="extends")
    parent_path = path.parent / ext.value
    key = parent_path.resolve()
    if key in stack:
        chain = " -> ".join(p.name for p in (*stack[stack.index(key):], key))
        raise ScenarioError(f"extends cycle: {chain}", file=ext.file, line=ext.line, path="extends")
    if len(stack) > MAX_EXTENDS:
        raise ScenarioError(f"more than {MAX_EXTENDS} levels of extends", file=ext.file,
                            line=ext.line, path="extends")
    if not parent_path.is_file():
        what = "is a folder" if parent_path.is_dir() else "not found"
        raise ScenarioError(f"parent scenario {ext.value} {what} (looked for {_label(parent_path)})",
                            file=ext.file, line=ext.line, path="extends")
    parent = _load_tree(parent_path, errors, (*stack, key))
    return _merge(parent, root)


def load_doc(path: str | Path) -> tuple[Doc, list[ScenarioError]]:
    """The merged document of the scenario at ``path``; provenance problems are returned, not raised.

    Problems that stop reading (syntax, missing files, cycles) are raised at once.
    """
    path = Path(path)
    errors: list[ScenarioError] = []
    root = _load_tree(path, errors, (path.resolve(),))
    locs: dict[tuple, Loc] = {}
    data = to_plain(root, (), locs)
    locs[()] = (_label(path), 1)
    return Doc(data, locs, prov_mod.table(root), _label(path)), errors
