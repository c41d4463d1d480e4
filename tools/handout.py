"""The student handout as a web page and a PDF: ``python -m tools.handout``.

``docs/handout.md`` is the source. python-markdown turns it into ``docs/handout.html`` (one page of A4
in print, the page's style inline: nothing is fetched), and Debian's chromium prints that page to
``docs/handout.pdf`` (``--headless --print-to-pdf``; no browser is downloaded, nothing goes online).
``--check`` only says whether the committed HTML is what the Markdown gives now (the tests use it).
"""

from __future__ import annotations

import argparse
import html
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "docs" / "handout.md"
CHROMIUM = Path("/usr/bin/chromium")
STYLE = """
@page { size: A4; margin: 12mm 14mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.2pt; line-height: 1.32; max-width: 46em;
       margin: 1.2em auto; color: #111; }
h1 { font-size: 15pt; margin: 0 0 0.3em; }
h2 { font-size: 11.5pt; margin: 0.7em 0 0.2em; border-bottom: 1px solid #999; }
p, ul, ol { margin: 0.25em 0; }
li { margin: 0.1em 0; }
code { font-size: 9.5pt; }
@media print { body { margin: 0; max-width: none; } }
"""


def to_html(text: str) -> str:
    """The handout as a standalone page (its title from the first heading)."""
    import markdown

    body = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    first = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "Handout")
    return (f"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(first)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n"
            f"</body>\n</html>\n")


def print_pdf(page: Path, pdf: Path, chromium: Path = CHROMIUM) -> Path:
    """``page`` printed to ``pdf`` by headless chromium (written beside, then renamed into place)."""
    if not chromium.exists():
        raise SystemExit(f"tools.handout: {chromium} not found (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="bordersim-handout-") as tmp:
        out = Path(tmp) / "handout.pdf"
        subprocess.run([str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update",
                        f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                        f"--print-to-pdf={out}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
        if not out.exists() or out.stat().st_size == 0:
            raise SystemExit("tools.handout: chromium wrote no PDF")
        pdf.write_bytes(out.read_bytes())
    return pdf


def pdf_pages(pdf: Path) -> int:
    """Pages of a PDF chromium wrote (its page objects are not compressed)."""
    data = pdf.read_bytes()
    return sum(data.count(b"/Type" + gap + b"/Page") - data.count(b"/Type" + gap + b"/Pages")
               for gap in (b" ", b""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.handout", description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=None, help="folder for handout.html/.pdf (default docs/)")
    parser.add_argument("--check", action="store_true", help="is the committed HTML up to date? (no PDF)")
    args = parser.parse_args(argv)
    page = to_html(args.source.read_text(encoding="utf-8"))
    out = args.out or args.source.parent
    target = out / args.source.with_suffix(".html").name
    if args.check:
        fresh = target.exists() and target.read_text(encoding="utf-8") == page
        print(f"{target}: {'up to date' if fresh else 'stale: run python -m tools.handout'}")
        return 0 if fresh else 1
    out.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    pdf = print_pdf(target, target.with_suffix(".pdf"))
    pages = pdf_pages(pdf)
    print(f"wrote {target} and {pdf} ({pages} page{'s' if pages != 1 else ''})")
    return 0 if pages == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
