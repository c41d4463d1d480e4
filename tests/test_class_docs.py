"""The instructor's generated material: the class chart (tools.class_chart) and the student handout
(tools.handout). The tools run here in a tiny mode; the committed outputs are checked for staleness."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import class_chart, handout


def test_the_class_chart_runs_the_class_question_as_the_server_does(tmp_path):
    question, dots, rows = class_chart.run_class("deconfliction", "incidents", 8, 3)
    assert [r for r, _ in sorted(dots)] == [0, 1, 2] and len(rows) == 3
    assert [d for _, d in sorted(dots)] == pytest.approx([a["incidents"] - b["incidents"] for a, b in rows])
    seeds = {setup_seed for setup_seed in (t.seed for t in question.plan.tasks if t.replication < 3)}
    assert len(seeds) == 3  # a seed per student, shared by A and B
    out = class_chart.draw(question, dots, tmp_path / "chart.png")
    assert out.stat().st_size > 10_000 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_class_chart_in_the_guide_is_the_current_models():
    assert class_chart.committed_fingerprint() == class_chart.fingerprint(), (
        "docs/instructor.md's class chart is stale: run `python -m tools.class_chart`")
    assert (class_chart.ROOT / "docs" / "img" / "class_chart.png").is_file()


def test_the_committed_handout_html_is_generated_from_the_markdown():
    assert handout.main(["--check"]) == 0, "run `python -m tools.handout`"


@pytest.mark.skipif(not handout.CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_the_handout_prints_to_one_page_of_pdf(tmp_path: Path):
    assert handout.main(["--out", str(tmp_path)]) == 0
    page = (tmp_path / "handout.html").read_text(encoding="utf-8")
    for heading in ("1. Connect", "3. The class question", "5. Homework"):
        assert f"<h2>{heading}" in page
    assert "http" not in page.split("<body>")[0]  # nothing fetched: the style is inline
    pdf = tmp_path / "handout.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and handout.pdf_pages(pdf) == 1
