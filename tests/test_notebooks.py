"""The notebooks in docs/notebooks run from top to bottom (nbclient, a kernel of this interpreter).

They are stored without outputs (a test checks that too), so a student opens a clean notebook and
the repository holds no stale pictures.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def test_there_is_a_first_hour_notebook_and_it_is_stored_without_outputs():
    assert ROOT / "docs" / "notebooks" / "first_hour.ipynb" in NOTEBOOKS
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert code and all(not c["outputs"] and c["execution_count"] is None for c in code), path.name


def test_notebooks_are_valid_and_every_cell_has_its_own_id():
    """nbformat 4.5 requires a cell id: without one nbformat warns that it will become an error, and
    Jupyter adds ids of its own when it saves, so a student's first save would change the file."""
    for path in NOTEBOOKS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
        ids = [cell.get("id") for cell in nb.cells]
        assert all(ids) and len(set(ids)) == len(ids), path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    assert Path(sys.executable).parent.name == "bin"  # the project's interpreter runs the kernel
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "the run's plot and map are shown inline"
    text = "".join(o.get("text", "") for o in outputs) + "".join(
        o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "mean difference (with - without)" in text and "95% interval" in text and "runs stored" in text


PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


@pytest.mark.parametrize("doc", ["README.md", "docs/tutorial.md"])
def test_python_snippets_in_the_docs_run(doc, monkeypatch):
    """Every ```python block of the page runs, in order, in one namespace, from the checkout."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)
    blocks = PYTHON_BLOCK.findall((ROOT / doc).read_text(encoding="utf-8"))
    assert blocks, f"{doc} has no python block"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, doc, "exec"), namespace)
