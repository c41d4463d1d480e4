"""Names of a package imported on first use, so that light commands never load heavy libraries."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_getattr(package: str, table: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` (PEP 562): ``name`` comes from ``package.<table[name]>``, imported then."""

    def __getattr__(name: str) -> object:
        if name in table:
            return getattr(importlib.import_module(f"{package}.{table[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
