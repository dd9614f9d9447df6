"""The loader on truncated, mangled, random and oversized files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.homework import HomeworkFileError, library_paths, load_question_file
from edge.homework.loader import MAX_FILE_BYTES

SOURCE = next(
    p for p in library_paths() if p.name.startswith("math-g8-01")
).read_bytes()
SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


def _load(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "input.yaml"
    path.write_bytes(data)
    message = ""
    try:
        load_question_file(path)
    except HomeworkFileError as exc:
        message = str(exc)
    assert not message or (str(path) in message and "\n" not in message)


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(st.integers(0, len(SOURCE)))
def test_truncated_files_load_or_fail_cleanly(tmp_path: Path, cut: int) -> None:
    _load(tmp_path, SOURCE[:cut])


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(st.integers(0, len(SOURCE) - 1), st.binary(min_size=1, max_size=8))
def test_mangled_files_load_or_fail_cleanly(
    tmp_path: Path, at: int, junk: bytes
) -> None:
    _load(tmp_path, SOURCE[:at] + junk + SOURCE[at + len(junk) :])


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_random_files_fail_cleanly(tmp_path: Path, data: bytes) -> None:
    _load(tmp_path, data)


def test_merged_files_fail_cleanly(tmp_path: Path) -> None:
    with pytest.raises(HomeworkFileError):
        _load_strict(tmp_path, SOURCE + b"\n" + SOURCE)


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HomeworkFileError, match="larger than"):
        _load_strict(tmp_path, b"#" * (MAX_FILE_BYTES + 1))


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    bomb = b'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: [*c,*c]\n'
    with pytest.raises(HomeworkFileError, match="aliases"):
        _load_strict(tmp_path, bomb)


def _load_strict(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "input.yaml"
    path.write_bytes(data)
    load_question_file(path)
