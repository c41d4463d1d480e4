"""The one exception type for user mistakes.

Scenario files are written by students, so every problem the program can blame on its input is
reported the same way -- ``FILE:LINE: key.path: message (did you mean HINT?)`` -- and front ends
(CLI, sweeps, browser app) catch a single type and print it without a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


class ScenarioError(Exception):
    """A mistake in a scenario file or an override; ``errors`` lists every problem found."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.path = path
        self.hint = hint
        self.errors: list[ScenarioError] = [self]
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """This problem alone, without the others collected with it."""
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        path = f"{self.path}: " if self.path else ""
        hint = f" (did you mean {self.hint}?)" if self.hint else ""
        return f"{where}{path}{self.message}{hint}"

    def __str__(self) -> str:
        return "\n".join(e.one_line() for e in self.errors)

    @classmethod
    def collect(cls, errors: Sequence[ScenarioError]) -> ScenarioError:
        """One error carrying all of ``errors`` (flattened, de-duplicated, in file/line order)."""
        flat: list[ScenarioError] = []
        seen: set[str] = set()
        for err in errors:
            for e in err.errors:
                if e.one_line() not in seen:
                    seen.add(e.one_line())
                    flat.append(e)
        if not flat:
            raise ValueError("collect() needs at least one error")
        flat.sort(key=lambda e: (e.file or "", e.line or 0))
        first = flat[0]
        first.errors = flat
        first.args = (str(first),)
        for e in flat[1:]:
            e.errors = [e]
        return first


def did_you_mean(word: object, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` was most likely meant to be, or None (case and letter order forgiven)."""
    if not isinstance(word, str) or not word:
        return None
    options = [c for c in candidates if isinstance(c, str)]
    folded = {c.casefold(): c for c in options}
    w = word.casefold()
    if w in folded:
        return folded[w]
    anagrams = [c for c in options if sorted(c.casefold()) == sorted(w)]
    if anagrams:
        return anagrams[0]
    close = difflib.get_close_matches(w, list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None
