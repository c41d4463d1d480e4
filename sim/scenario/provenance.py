"""Where each number comes from: ``{value: X, source: {file, quote}}`` or ``{value: X, assumption}``.

Students must be able to trace every figure to an article or to a stated assumption, so wrappers are
stripped to their value before validation and kept in a table keyed by dotted path; quotes are
checked against the seed articles so a citation cannot silently drift from its source.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from sim.errors import ScenarioError, did_you_mean
from sim.scenario.yamlsrc import Node, dotted

SEEDS_ENV = "BORDERSIM_SEEDS"
SEED_NAME = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
WRAPPER_KEYS = ("value", "source", "assumption")
SOURCE_KEYS = ("file", "quote")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"',
                         "„": '"', "‟": '"', "″": '"'})


class Provenance(BaseModel):
    """A value's origin: a seed file and the quote supporting it, or a stated assumption."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: Any
    file: str | None = None
    quote: str | None = None
    assumption: str | None = None


def normalise(text: str) -> str:
    """Text for quote matching: one space for any whitespace run, straight quote characters."""
    return " ".join(text.translate(_QUOTES).split())


def find_seeds_dir(*starts: Path | None) -> Path | None:
    """``$BORDERSIM_SEEDS``, else the first ``shared/seeds`` found walking up from ``starts``."""
    env = os.environ.get(SEEDS_ENV)
    if env:
        return Path(env) if Path(env).is_dir() else None
    for start in (*starts, Path(__file__).resolve().parents[2]):
        if start is None:
            continue
        for folder in (start, *start.parents):
            candidate = folder / "shared" / "seeds"
            if candidate.is_dir():
                return candidate
    return None


@functools.lru_cache(maxsize=64)
def _seed_text(path: str, mtime: float) -> str:
    return normalise(Path(path).read_text(encoding="utf-8", errors="replace"))


def seed_names(seeds: Path) -> list[str]:
    return sorted(p.name for p in seeds.iterdir() if p.is_file())


def check_seed_file(name: Any, node: Node, path: tuple, seeds: Path | None) -> ScenarioError | None:
    """An error if ``name`` is not one of the seed articles (checked by name only without seeds)."""
    if not isinstance(name, str) or not name:
        return ScenarioError("must be the name of a seed file", file=node.file, line=node.line,
                             path=dotted(path))
    if seeds is None:
        if SEED_NAME.match(name):
            return None
        return ScenarioError(f"{name!r} is not a seed file name (like 000_8cc010e97ee6cc1c.txt)",
                             file=node.file, line=node.line, path=dotted(path))
    names = seed_names(seeds)
    if name in names:
        return None
    return ScenarioError(f"unknown seed file {name!r} (not in {seeds})", file=node.file,
                         line=node.line, path=dotted(path), hint=did_you_mean(name, names))


def _is_wrapper(node: Node) -> bool:
    keys = set(node.value)
    if "value" in keys:
        return True
    return bool(keys) and keys <= set(WRAPPER_KEYS) and bool(keys & {"source", "assumption"})


def strip(node: Node, seeds: Path | None, errors: list[ScenarioError], path: tuple = ()) -> Node:
    """``node`` with every provenance wrapper replaced by its value (``prov`` set); errors appended."""
    if node.is_list:
        node.value = [strip(item, seeds, errors, (*path, i)) for i, item in enumerate(node.value)]
        return node
    if not node.is_map:
        return node
    if not _is_wrapper(node):
        node.value = {k: strip(v, seeds, errors, (*path, k)) for k, v in node.value.items()}
        return node
    return _unwrap(node, seeds, errors, path)


def _err(message: str, node: Node, path: tuple, hint: str | None = None) -> ScenarioError:
    return ScenarioError(message, file=node.file, line=node.line, path=dotted(path), hint=hint)


def _unwrap(node: Node, seeds: Path | None, errors: list[ScenarioError], path: tuple) -> Node:
    entries: dict[str, Node] = node.value
    before = len(errors)
    for key, child in entries.items():
        if key not in WRAPPER_KEYS:
            errors.append(_err("unknown key in a value with provenance", child, (*path, key),
                               did_you_mean(key, WRAPPER_KEYS)))
    if "value" not in entries:
        errors.append(_err("a value with a source or assumption needs `value:`", node, path))
        return node
    inner = strip(entries["value"], seeds, errors, path)
    if inner.is_map:
        errors.append(_err("`value:` must be a single value, not a mapping", inner, (*path, "value")))
    source, assumption = entries.get("source"), entries.get("assumption")
    if source is None and assumption is None:
        errors.append(_err("give a `source:` {file, quote} or an `assumption:` for this value", node, path))
    prov = {"file": None, "quote": None, "assumption": None}
    if assumption is not None:
        if not isinstance(assumption.value, str) or not assumption.value.strip():
            errors.append(_err("must be text saying why", assumption, (*path, "assumption")))
        else:
            prov["assumption"] = assumption.value
    if source is not None:
        _check_source(source, seeds, errors, (*path, "source"), prov)
    if len(errors) > before:
        return Node(inner.value, node.file, node.line)
    value = _plain(inner.value)
    return Node(inner.value, node.file, node.line, prov=Provenance(value=value, **prov))


def _check_source(source: Node, seeds: Path | None, errors: list[ScenarioError], path: tuple,
                  prov: dict[str, Any]) -> None:
    if not source.is_map:
        errors.append(_err("must be a mapping {file: SEED_FILE, quote: \"...\"}", source, path))
        return
    for key, child in source.value.items():
        if key not in SOURCE_KEYS:
            errors.append(_err("unknown key", child, (*path, key), did_you_mean(key, SOURCE_KEYS)))
    file_node, quote_node = source.value.get("file"), source.value.get("quote")
    if file_node is None or quote_node is None:
        missing = "file" if file_node is None else "quote"
        errors.append(_err(f"a source needs `{missing}:`", source, path))
        return
    bad = check_seed_file(file_node.value, file_node, (*path, "file"), seeds)
    if bad:
        errors.append(bad)
        return
    quote = quote_node.value
    needle = normalise(quote).strip("'\" ") if isinstance(quote, str) else ""
    if not needle:
        errors.append(_err("must be the quoted text", quote_node, (*path, "quote")))
        return
    if seeds is not None:
        seed = seeds / file_node.value
        if needle not in _seed_text(str(seed), seed.stat().st_mtime):
            errors.append(_err(f"quote not found in {file_node.value}", quote_node, (*path, "quote")))
            return
    prov["file"], prov["quote"] = file_node.value, quote


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v.value if isinstance(v, Node) else v) for v in value]
    return value


def table(node: Node, path: tuple = (), out: dict[str, Provenance] | None = None) -> dict[str, Provenance]:
    """Dotted path -> Provenance for every wrapped value under ``node`` (after merging)."""
    out = {} if out is None else out
    if node.prov is not None:
        out[dotted(path) or ""] = node.prov
    if node.is_map:
        for k, v in node.value.items():
            table(v, (*path, k), out)
    elif node.is_list:
        for i, v in enumerate(node.value):
            table(v, (*path, i), out)
    return out
