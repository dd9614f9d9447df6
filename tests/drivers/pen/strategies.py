"""Hypothesis strategies for every pen message and host command."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

from edge.drivers.pen import commands as c
from edge.drivers.pen import messages as m
from edge.drivers.pen import responses as r
from edge.drivers.pen.wire import NoteRef

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u24 = st.integers(0, 0xFFFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
u64 = st.integers(0, 2**64 - 1)
count = st.one_of(st.none(), u8)
coord = st.builds(lambda w, f: round(w + f / 100, 2), u16, st.integers(0, 99))


def text(size: int) -> st.SearchStrategy[str]:
    """ASCII text without NUL that fits a fixed field of ``size`` bytes."""
    alphabet = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
    return st.text(alphabet, max_size=size)


mac = st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02X}" for x in b))
note_ref = st.builds(NoteRef, u8, u24, u32)

pen_down = st.builds(m.PenDown, count, u64, u8, u32)
pen_up = st.one_of(
    st.builds(m.PenUp, u8, u64, u16, u16, u16, u16, u16),
    st.builds(m.PenUp, st.none(), u64),
)
paper = st.builds(m.Paper, count, u8, u24, u32, u32)
dot = st.builds(m.DotEvent, count, u8, u16, coord, coord, u8, u8, u16)
live_events = st.one_of(pen_down, pen_up, paper, dot)

messages = st.one_of(
    live_events,
    st.builds(m.LowBattery, u8),
    st.builds(m.PowerOff, u8),
    st.builds(m.HoverDot, u8, coord, coord),
    st.builds(m.DotError, count, u8, u16, u8, u8, u8, u16, u8, u8, u8),
    st.builds(m.Pds, u32, u32, u32, u32, u32, u32, u16, u16),
    st.builds(
        m.OfflineChunk, u16, st.booleans(), u16, u16, st.integers(0, 2),
        u8, u24, u32, u16, st.binary(max_size=64),
    ),
    st.builds(
        r.VersionInfo, text(16), text(16), text(8), text(16), u16, mac,
        u8, u16, u8, u8, st.one_of(st.none(), st.booleans()),
    ),
    st.builds(
        r.PenSettings, st.booleans(), u8, u8, u64, u16, u16, u8,
        st.booleans(), st.booleans(), st.booleans(), st.booleans(), u8,
        st.booleans(), u8,
    ),
    st.builds(r.PasswordStatus, u8, u8, u8),
    st.builds(r.PasswordChanged, u8, u8, u8),
    st.builds(r.SettingChanged, u8, st.booleans()),
    st.just(r.LiveEnabled()),
    st.just(r.NotesDeleted()),
    st.builds(r.NoteList, st.lists(note_ref, max_size=64).map(tuple)),
    st.builds(r.PageList, u8, u24, u32, st.lists(u32, max_size=128).map(tuple)),
    st.builds(r.OfflineInfo, u32, u32, st.booleans()),
    st.builds(r.CommandFailed, st.sampled_from([0x81, 0x82, 0x91, 0xA3]),
              st.integers(1, 255), st.binary(max_size=8)),
)  # fmt: skip

commands = st.one_of(
    st.builds(c.VersionRequest, text(16), u16, text(16), text(8)),
    st.builds(c.PasswordRequest, text(16)),
    st.builds(c.PasswordChangeRequest, st.booleans(), text(16), text(16)),
    st.just(c.SettingsRequest()),
    st.builds(c.SettingChange, u8, st.binary(max_size=17)),
    st.builds(c.LiveEnableRequest, st.lists(note_ref, max_size=8).map(tuple)),
    st.builds(c.NoteListRequest, u8, u24),
    st.builds(c.PageListRequest, u8, u24, u32),
    st.builds(
        c.OfflineDataRequest, u8, u24, u32, st.lists(u32, max_size=16).map(tuple),
        st.booleans(), st.booleans(),
    ),
    st.builds(c.OfflineChunkAck, u16, st.booleans(), st.booleans()),
    st.builds(c.DeleteNotesRequest, u8, u24, st.lists(u32, max_size=64).map(tuple)),
)  # fmt: skip


@st.composite
def chopped(draw: st.DrawFn, stream: bytes) -> list[bytes]:
    """``stream`` cut at random points into notification-sized pieces."""
    cuts = draw(st.lists(st.integers(0, len(stream)), max_size=12))
    points = sorted({0, len(stream), *cuts})
    return [stream[a:b] for a, b in itertools.pairwise(points)]
