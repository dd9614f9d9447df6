"""The C heap settings: applied on glibc, harmless elsewhere."""

from __future__ import annotations

import platform

import pytest

from edge import heap

glibc = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="mallopt and malloc_trim are glibc's"
)


@glibc
def test_arenas_are_capped_on_glibc() -> None:
    assert heap.limit_arenas(heap.ARENAS) is True


@glibc
def test_trim_hands_back_pages_after_a_burst() -> None:
    burst = [bytearray(4096) for _ in range(20_000)]  # 80 MB in small blocks
    del burst[:-1]  # the last block keeps the heap's top from shrinking by itself
    assert heap.trim() is True


class NoMalloc:
    """A C library without glibc's heap calls (musl, macOS)."""


def test_without_the_calls_both_are_no_ops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_libc", NoMalloc)
    assert heap.limit_arenas() is False
    assert heap.trim() is False
