"""Writing outputs: atomically (temporary name, then rename), in one place.

A killed run never leaves a half-written file under the final name, and an existing output folder
is only replaced with ``force``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sim.errors import ScenarioError


class PlotsFailed(Exception):
    """A plotting process failed; it has said why on stderr. ``status`` is the exit status to give."""

    def __init__(self, status: int):
        super().__init__(f"plotting failed with status {status}")
        self.status = status


def atomic_write(
    path: str | os.PathLike, write: Callable[[Path], None], *, keep_mode: bool = False
) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    mkstemp makes the file private (0600); outputs are meant to be shared, so it gets 0644, or with
    ``keep_mode`` the mode of the file it replaces (reading the umask is not thread-safe).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if keep_mode and path.exists() else 0o644
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def os_error_line(exc: OSError) -> str:
    """One line for a file the system refused (no permission, no such folder, disk full, ...)."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return reason
    shown = Path(os.fsdecode(exc.filename))
    if shown.name.startswith(".") and ".tmp" in shown.name:  # the temporary file beside an output
        return f"cannot write in {shown.parent}: {reason}"
    return f"{shown}: {reason}"


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, data) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def prepare_out_dir(out: Path, force: bool) -> Path:
    """Create ``out``; refuse to reuse a non-empty folder unless ``force``."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"{out} exists and is not a folder", path="--out")
    if out.exists() and any(out.iterdir()) and not force:
        raise ScenarioError(
            f"output folder {out} already exists and is not empty",
            path="--out",
            hint="--force to overwrite, or another --out",
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"cannot create {out}: {exc.strerror or exc}", path="--out") from None
    for stale in [*out.glob(".*.tmp"), *out.glob(".*.tmp.*")]:  # left by a run killed mid-write
        stale.unlink(missing_ok=True)
    return out
