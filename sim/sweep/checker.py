"""Checks for hand-written experiment files that collect every problem instead of stopping at the first,
so a student fixes the whole file in one pass; each problem carries its file and line.
"""

from __future__ import annotations

import math

from sim.errors import ScenarioError, did_you_mean
from sim.scenario.yamlsrc import Node


class Checker:
    """Collects errors so a student sees every problem in one go."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[ScenarioError] = []

    def err(self, message: str, node: Node | None, path: str | None, hint: str | None = None) -> None:
        line = node.line if node is not None else None
        self.errors.append(ScenarioError(message, file=self.file, line=line, path=path, hint=hint))

    def keys(self, node: Node, allowed: tuple[str, ...], path: str | None) -> None:
        for key, child in node.value.items():
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                hint = did_you_mean(key, allowed)
                self.err(f"unknown key; allowed: {', '.join(allowed)}", child, where, hint)

    def text(self, node: Node, path: str, default: str | None = None) -> str | None:
        if node is None:
            return default
        if not isinstance(node.value, str) or not node.value.strip():
            self.err("must be non-empty text", node, path)
            return default
        return node.value.strip()

    def integer(self, node: Node | None, path: str, lo: int, hi: int, default: int | None) -> int | None:
        if node is None:
            return default
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int):
            self.err(f"must be a whole number, got {v!r}", node, path)
            return default
        if not lo <= v <= hi:
            self.err(f"must be between {lo} and {hi}, got {v}", node, path)
            return default
        return v

    def number(self, node: Node, path: str) -> float | None:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            self.err(f"must be a number, got {v!r}", node, path)
            return None
        return v
