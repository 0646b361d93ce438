"""The briefing as PDF, checked from WeasyPrint's own layout rather than by eye.

`pivotwatch report -o x.pdf` lays the HTML briefing out with WeasyPrint. A table wider than
the page's content box is clipped at the right margin ("sour[ce]"), and a column squeezed
to a word a line is unreadable; both show in the layout boxes (`document.pages[i]._page_box`
and its descendants), so the test walks them: every table and every chart lies inside the
content box of its page, and no table cell holds a line per word.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pivotwatch.cli import app

weasyprint = pytest.importorskip("weasyprint")
from weasyprint.formatting_structure import boxes  # noqa: E402

runner = CliRunner()
SLACK = 0.5  # CSS px: rounding in the layout


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def briefing_html(demo_store, tmp_path_factory) -> str:
    """The demo briefing's HTML (bundled sample and reference data), through the CLI."""
    out = tmp_path_factory.mktemp("pdf") / "briefing.html"
    result = run("--db", demo_store, "report", "--dyad", "RUS-PRK", "-o", str(out))
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def document(briefing_html):
    # issue 11 rebuilds the briefing around a scorecard; until the template has it, the
    # print layout it brings has nothing to check
    if 'id="scorecard"' not in briefing_html:
        pytest.skip('the briefing has no id="scorecard" yet (issue 11 layout not landed)')
    return weasyprint.HTML(string=briefing_html).render()  # as cli/report.py writes the PDF


def _walk(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _walk(child)


def _text(box) -> str:
    return " ".join(b.text for b in _walk(box) if isinstance(b, boxes.TextBox)).strip()


def _name(box) -> str:
    tag = str(box.element_tag).rsplit("}", 1)[-1]
    return f"<{tag}> {_text(box)[:50]!r}"


def _overflows(document) -> list[str]:
    found = []
    for n, page in enumerate(document.pages, 1):
        pb = page._page_box
        left, right = pb.content_box_x(), pb.content_box_x() + pb.width
        for box in _walk(pb):
            if not isinstance(box, boxes.TableBox | boxes.ReplacedBox):
                continue
            x0 = box.border_box_x()
            x1 = x0 + box.border_width()
            if x0 < left - SLACK or x1 > right + SLACK:
                found.append(f"page {n}: {_name(box)} spans {x0:.0f}–{x1:.0f} px, content box "
                             f"{left:.0f}–{right:.0f}")
    return found


def test_pdf_has_pages(document):
    assert len(document.pages) >= 2
    assert document.write_pdf()[:5] == b"%PDF-"


def test_no_table_or_chart_wider_than_the_page(document):
    tables = sum(isinstance(b, boxes.TableBox) for p in document.pages
                 for b in _walk(p._page_box))
    assert tables, "the PDF lays out no table"
    found = _overflows(document)
    assert not found, "wider than the page's content box:\n" + "\n".join(found[:15])


def test_no_column_squeezed_to_a_word_a_line(document):
    """A cell with several words laid out as one word (or less) per line: its column is too
    narrow to read (the old PDF's note columns)."""
    squeezed = []
    for n, page in enumerate(document.pages, 1):
        for cell in _walk(page._page_box):
            if not isinstance(cell, boxes.TableCellBox):
                continue
            words = _text(cell).split()
            lines = sum(isinstance(b, boxes.LineBox) for b in _walk(cell))
            if len(words) >= 4 and lines >= len(words):
                squeezed.append(f"page {n}: {_name(cell)}: {len(words)} words on {lines} lines")
    assert not squeezed, "\n".join(squeezed[:15])


def test_the_check_sees_an_overflow():
    """The walk itself: a table wider than an A4 page is reported."""
    html = ("<html><body><table><tr>" + "<td>abcdefghijklmnopqrstuvwxyz</td>" * 12
            + "</tr></table></body></html>")
    found = _overflows(weasyprint.HTML(string=html).render())
    assert found and "<table>" in found[0]

