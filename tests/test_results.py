"""The one results set behind the docs (tools.results) is fresh, and a stale number would be caught.

Three checks, all fast: the small set (every entry's code, 2 seeds, 15 days) regenerated here equals the
committed docs/results/small/; the manifest's identity (model, params, scenarios, experiments,
generators) equals the checkout's; every page holds the current block of each result it includes
(tests/test_docs.py). The last tests show that an edited number fails each check.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tools import docs_gen, results

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "docs" / "results" / "small"


@pytest.fixture(scope="module")
def fresh_small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small")
    results.generate(list(results.ENTRIES), results.Mode(small=True, workers=1), out)
    return out


def test_the_small_set_regenerates_byte_for_byte(fresh_small):
    stale = results.stale_small(SMALL, fresh_small)
    assert not stale, (f"docs/results/small/ differs from a fresh generation for {stale}: the model or a "
                       "generator changed; run .venv/bin/python -m tools.results")


def test_the_results_set_was_made_by_this_model_and_these_scenarios():
    why = results.stale_identity()
    assert why is None, f"docs/results/ is stale ({why}): run .venv/bin/python -m tools.results"


def test_every_result_is_included_by_a_page_and_names_its_seeds():
    text = "".join(p.read_text(encoding="utf-8") for p in docs_gen.pages())
    for name in results.ENTRIES:
        assert f"<!-- generated:results.{name} -->" in text, f"no page includes results.{name}"
        assert re.search(r"\bseeds?\b", (results.OUT / f"{name}.md").read_text(encoding="utf-8")), name


def _edit_a_number(text: str) -> str:
    """``text`` with its last digit changed."""
    i = max(i for i, c in enumerate(text) if c.isdigit())
    return text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]


def test_an_edited_number_in_the_small_set_is_caught(fresh_small, tmp_path):
    edited = tmp_path / "small"
    shutil.copytree(fresh_small, edited)
    path = edited / "lethality.md"
    path.write_text(_edit_a_number(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert results.stale_small(edited, fresh_small) == ["lethality"]


def test_an_edited_number_in_a_page_is_caught():
    page = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    start = page.index("<!-- generated:results.run_seed1 -->")
    end = page.index("<!-- /generated:results.run_seed1 -->")
    edited = page[:start] + _edit_a_number(page[start:end]) + page[end:]
    assert edited != page
    assert docs_gen.refresh_text(edited) == page  # the freshness test would see the difference


def test_an_edited_manifest_is_caught(tmp_path):
    shutil.copy(results.OUT / "manifest.json", tmp_path / "manifest.json")
    text = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    model = re.search(r'"model": "(\w+)"', text).group(1)
    (tmp_path / "manifest.json").write_text(text.replace(model, "0" * len(model)), encoding="utf-8")
    assert "model" in results.stale_identity(tmp_path)
