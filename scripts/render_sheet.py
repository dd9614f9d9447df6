"""Render a homework assignment as printable A4 sheets with its answer boxes.

One SVG per page (``<id>-p<n>.svg``) and, with ``--pdf``, one PDF printed by
headless Chromium. The dot pattern itself is printed by the paper supplier;
these sheets carry the questions and the boxes at the positions the gateway
uses to assign ink to questions (Ncode units, 56/600 inch each).

Usage: python scripts/render_sheet.py ASSIGNMENT.yaml [--out DIR] [--pdf]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from edge.errors import EdgeError
from edge.homework import load_assignment
from edge.models import Assignment, PageAddress, Question

MM_PER_UNIT = 56 / 600 * 25.4
"""One Ncode unit in millimetres (about 2.37 mm)."""
PAGE_MM = (210.0, 297.0)
MARGIN_MM = 12.0
FONT_MM = 3.6
FONTS = "'Noto Sans CJK SC','Source Han Sans SC','SimSun','Microsoft YaHei',sans-serif"


def mm(units: float) -> float:
    """Ncode units to millimetres, rounded for compact SVG."""
    return round(units * MM_PER_UNIT, 2)


def text_width(text: str, size: float = FONT_MM) -> float:
    """Rough printed width: full width for CJK, about half for Latin."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.55 for ch in text)


def wrap(text: str, width_mm: float, size: float = FONT_MM) -> list[str]:
    """Lines of ``text`` that fit ``width_mm``."""
    lines, line = [], ""
    for ch in text:
        if line and text_width(line + ch, size) > width_mm:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def _text(x: float, y: float, content: str, size: float = FONT_MM, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size}" '
        f'font-family="{FONTS}"{extra}>{escape(content)}</text>'
    )


def _header(assignment: Assignment, document: dict[str, Any], number: int) -> list[str]:
    title = f"{assignment.title}（第 {number} 页）"
    subtitle = document.get("title_en", "")
    minutes = f"预计用时 {assignment.estimated_minutes:g} 分钟"
    meta = f"{minutes} · {document.get('chapter', '')}"
    return [
        _text(MARGIN_MM, 18, title, 5.5, font_weight="bold"),
        _text(MARGIN_MM, 24, subtitle, 3.2, fill="#444"),
        _text(MARGIN_MM, 30, meta, 3.2, fill="#444"),
        _text(130, 18, "班级 ________  姓名 ________", 3.6),
        f'<line x1="{MARGIN_MM}" y1="33" x2="{PAGE_MM[0] - MARGIN_MM}" y2="33" '
        'stroke="#000" stroke-width="0.3"/>',
    ]


def _question(question: Question, index: int) -> list[str]:
    region = question.region
    if region is None:
        return []
    rect = region.rect
    x, y, w, h = mm(rect.x), mm(rect.y), mm(rect.width), mm(rect.height)
    parts = [
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#000" '
        f'stroke-width="0.4" data-question="{escape(question.id)}"/>',
        _text(x + 0.8, y + 2.6, question.id, 2.2, fill="#888"),
    ]
    available = x - MARGIN_MM - 6
    lines = wrap(f"{index}. {question.prompt or question.id}", available)
    for i, line in enumerate(lines[:3]):
        parts.append(_text(MARGIN_MM, y + h * 0.7 + i * (FONT_MM + 1.4), line))
    if question.options:
        letters = "ABCDEF"
        options = "   ".join(
            f"{letters[i]}. {o}" for i, o in enumerate(question.options)
        )
        row = y + h * 0.7 + min(len(lines), 3) * (FONT_MM + 1.4)
        for i, line in enumerate(wrap(options, available)[:2]):
            parts.append(_text(MARGIN_MM + 4, row + i * (FONT_MM + 1.4), line))
    if question.points != 1:
        parts.append(_text(x + w + 1, y + h * 0.7, f"({question.points:g}分)", 2.6))
    return parts


def render_page(
    assignment: Assignment, document: dict[str, Any], page: PageAddress
) -> str:
    """The SVG of one printed page of an assignment."""
    number = assignment.pages.index(page) + 1
    width, height = PAGE_MM
    body = _header(assignment, document, number)
    for index, question in enumerate(assignment.questions, start=1):
        if question.region is not None and question.region.page == page:
            body.extend(_question(question, index))
    body.append(
        _text(MARGIN_MM, height - 8, f"{assignment.id} · page {page}", 2.6, fill="#666")
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}mm" height="{height}mm" viewBox="0 0 {width} {height}" '
        f'data-page="{page}">\n'
        f'<rect width="{width}" height="{height}" fill="#fff"/>\n'
        + "\n".join(body)
        + "\n</svg>\n"
    )


def render(path: Path, out: Path) -> list[Path]:
    """Write one SVG per page of the assignment at ``path``; returns their paths."""
    assignment, document = load_assignment(path)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number, page in enumerate(assignment.pages, start=1):
        target = out / f"{assignment.id}-p{number}.svg"
        target.write_text(render_page(assignment, document, page), encoding="utf-8")
        written.append(target)
    return written


def print_pdf(svgs: list[Path], target: Path, chromium: str) -> Path:
    """Print the SVG pages into one A4 PDF with headless Chromium."""
    pages = "".join(
        f'<div class="page">{svg.read_text(encoding="utf-8")}</div>' for svg in svgs
    )
    html = (
        "<!doctype html><meta charset='utf-8'><style>@page{size:A4;margin:0}"
        "body{margin:0}.page{width:210mm;height:297mm;overflow:hidden}"
        ".page:not(:last-child){page-break-after:always}"
        "</style>" + pages
    )
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sheet.html"
        source.write_text(html, encoding="utf-8")
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--print-to-pdf={target}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    return target


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", type=Path, help="assignment YAML file")
    parser.add_argument(
        "--out", type=Path, default=Path("sheets"), help="output folder"
    )
    parser.add_argument(
        "--pdf", action="store_true", help="also print a PDF (Chromium)"
    )
    args = parser.parse_args(argv)
    try:
        svgs = render(args.assignment, args.out)
    except EdgeError as exc:
        print(f"render_sheet: error: {exc}", file=sys.stderr)
        return 2
    for svg in svgs:
        print(svg)
    if args.pdf:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            print("render_sheet: error: --pdf needs chromium on PATH", file=sys.stderr)
            return 2
        print(print_pdf(svgs, args.out / f"{svgs[0].stem[:-3]}.pdf", chromium))
    return 0


if __name__ == "__main__":
    sys.exit(main())
