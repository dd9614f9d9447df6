"""Rendering assignments as printable sheets with their answer boxes."""

from __future__ import annotations

import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from edge.homework import library_paths, load_assignment

SCRIPT = Path(__file__).parents[2] / "scripts" / "render_sheet.py"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def render_sheet() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_sheet", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", library_paths(), ids=lambda p: p.stem)
def test_every_box_is_drawn_where_the_gateway_expects_it(
    render_sheet: ModuleType, path: Path, tmp_path: Path
) -> None:
    assignment, _ = load_assignment(path)
    svgs = render_sheet.render(path, tmp_path)
    assert len(svgs) == len(assignment.pages)
    drawn = {}
    for svg in svgs:
        root = ET.parse(svg).getroot()
        assert root.get("width") == "210.0mm"
        for rect in root.iter(f"{SVG}rect"):
            if rect.get("data-question"):
                drawn[rect.get("data-question")] = (root.get("data-page"), rect)
    assert set(drawn) == {q.id for q in assignment.questions}
    for question in assignment.questions:
        page, rect = drawn[question.id]
        assert question.region is not None
        assert page == str(question.region.page)
        x_mm = question.region.rect.x * render_sheet.MM_PER_UNIT
        assert float(rect.get("x")) == pytest.approx(x_mm, abs=0.01)
        assert float(rect.get("width")) == pytest.approx(14 * 2.3707, abs=0.01)


def test_prompts_and_options_are_printed(
    render_sheet: ModuleType, tmp_path: Path
) -> None:
    path = next(p for p in library_paths() if p.name.startswith("math-g8-01"))
    text = "".join(
        s.read_text(encoding="utf-8") for s in render_sheet.render(path, tmp_path)
    )
    assert "(x-5)/(x+2)" in text
    assert "C. 3/(x+1)" in text


def test_wrap_respects_width(render_sheet: ModuleType) -> None:
    lines = render_sheet.wrap("计算" * 40, 50)
    assert all(render_sheet.text_width(line) <= 50 for line in lines)
    assert "".join(lines) == "计算" * 40


def test_bad_file_is_one_clear_error(
    render_sheet: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    assert render_sheet.main([str(bad), "--out", str(tmp_path)]) == 2
    assert "bad.yaml" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium")
def test_pdf_has_one_page_per_sheet(render_sheet: ModuleType, tmp_path: Path) -> None:
    path = next(p for p in library_paths() if p.name.startswith("phys-g8-01"))
    assert render_sheet.main([str(path), "--out", str(tmp_path), "--pdf"]) == 0
    pdf = tmp_path / "phys-g8-01-motion-sound.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", data)) == 2
