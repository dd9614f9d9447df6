"""The pen session against an emulated pen over a radio-free pipe."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest

from edge.drivers.pen.capture import CaptureRecorder, read_capture
from edge.drivers.pen.codec import CommandDecoder, PenDecoder
from edge.drivers.pen.commands import (
    DeleteNotesRequest,
    OfflineChunkAck,
    PasswordRequest,
)
from edge.drivers.pen.errors import OfflineTransferError, PenAuthError, PenCommandError
from edge.drivers.pen.offline import OfflineDot, OfflineStroke
from edge.drivers.pen.pen_model import PenFaults, PenModel, PenProfile
from edge.drivers.pen.session import PenSession, SessionConfig
from edge.drivers.pen.wire import NoteRef
from edge.models import Dot, PageAddress, Stroke

from .pipe import MemorySink, PipeTransport, run

NOW = 1_780_000_000_000
PEN = "9C:7B:D2:00:00:01"


def stroke(book: int, page: int, start: int, n: int = 5) -> Stroke:
    dots = tuple(
        Dot(10 + i * 0.25, 20 + i * 0.5, 300 + i, start + 7 * i) for i in range(n)
    )
    return Stroke(PEN, PageAddress(3, 27, book, page), dots)


def make(
    profile: PenProfile | None = None,
    config: SessionConfig | None = None,
    sink: MemorySink | None = None,
    silent: bool = False,
) -> tuple[PenSession, PipeTransport, MemorySink]:
    model = PenModel(profile or PenProfile(mac=PEN))
    pipe = PipeTransport(model, silent=silent)
    sink = sink or MemorySink()
    session = PenSession(PEN, pipe, sink, clock=lambda: NOW, config=config)
    pipe.deliver = session.on_notification
    return session, pipe, sink


def sent_commands(pipe: PipeTransport) -> list[object]:
    decoder = CommandDecoder()
    return [c for w in pipe.writes for c in decoder.feed(w)]


def test_handshake_reads_version_sets_clock_and_enables_storage() -> None:
    async def scenario() -> None:
        session, pipe, _ = make()
        pipe.model.offline_storage = False
        info = await session.handshake()
        assert info.version.device_name == "NWP-F121"
        assert info.version.mac == PEN
        assert not info.settings.locked
        assert pipe.model.clock_ms == NOW
        assert pipe.model.offline_storage
        assert not any(isinstance(c, PasswordRequest) for c in sent_commands(pipe))

    run(scenario())


def test_locked_pen_is_opened_with_the_configured_password() -> None:
    async def scenario() -> None:
        profile = PenProfile(mac=PEN, password="4321")
        session, pipe, _ = make(profile, SessionConfig(password="4321"))
        await session.handshake()
        assert pipe.model.authorised
        assert PasswordRequest("4321") in sent_commands(pipe)

    run(scenario())


@pytest.mark.parametrize("password", [None, "0000"])
def test_locked_pen_without_the_right_password_fails_clearly(
    password: str | None,
) -> None:
    async def scenario() -> None:
        profile = PenProfile(mac=PEN, password="4321")
        session, pipe, _ = make(profile, SessionConfig(password=password))
        with pytest.raises(PenAuthError, match=PEN):
            await session.handshake()
        tries = sum(isinstance(c, PasswordRequest) for c in sent_commands(pipe))
        assert tries == (0 if password is None else 1)

    run(scenario())


def test_a_pen_that_never_answers_times_out_with_the_opcode() -> None:
    async def scenario() -> None:
        config = SessionConfig(request_timeout_s=0.05)
        session, _, _ = make(config=config, silent=True)
        with pytest.raises(PenCommandError, match="0x01"):
            await session.handshake()

    run(scenario())


def test_live_strokes_reach_the_sink_with_absolute_times() -> None:
    async def scenario() -> None:
        session, pipe, sink = make()
        await session.handshake()
        await session.start_live()
        written = [stroke(603, 1, NOW + 100), stroke(603, 2, NOW + 900, n=40)]
        for s in written:
            pipe.pen_writes(s)
        await asyncio.sleep(0.05)
        assert sink.strokes == written
        await session.close()
        assert session.stats.live_strokes == 2

    run(scenario())


def test_link_loss_mid_stroke_commits_the_dots_received() -> None:
    async def scenario() -> None:
        session, pipe, sink = make()
        await session.handshake()
        await session.start_live()
        frames = pipe.model.live_frames(stroke(603, 1, NOW, n=10))
        assert frames is not None
        for frame in frames[:6]:  # down, paper and four dots
            session.on_notification(frame)
        await session.close()
        (kept,) = sink.strokes
        assert kept.dots == stroke(603, 1, NOW, n=10).dots[:4]
        assert session.assembler.issues["closed_by_disconnect"] == 1

    run(scenario())


def test_a_failing_sink_is_retried_and_nothing_is_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        sink = MemorySink(fail_times=2)
        session, pipe, _ = make(config=SessionConfig(commit_retry_s=0.01), sink=sink)
        await session.handshake()
        await session.start_live()
        pipe.pen_writes(stroke(603, 1, NOW))
        await asyncio.sleep(0.1)
        await session.close()
        assert sink.strokes == [stroke(603, 1, NOW)]
        assert session.stats.commit_failures == 2

    with caplog.at_level(logging.ERROR):
        run(scenario())
    assert "could not commit" in caplog.text


@pytest.mark.parametrize("compress", [True, False])
def test_offline_pull_commits_then_deletes(compress: bool) -> None:
    async def scenario() -> None:
        profile = PenProfile(mac=PEN, compress=compress, chunk_payload=600)
        session, pipe, sink = make(profile)
        stored = [stroke(603, p % 3, NOW - 100_000 + p * 1000, n=12) for p in range(20)]
        stored += [stroke(604, 1, NOW - 10_000)]
        for s in stored:
            pipe.pen_writes(s)  # not streaming: the pen stores them
        await session.handshake()
        report = await session.sync_offline()
        assert sorted(sink.strokes, key=lambda s: s.start_ms) == stored
        assert pipe.model.stored_strokes == 0
        assert report.notes == 2
        assert report.strokes == len(stored)
        assert set(report.deleted) == {NoteRef(3, 27, 603), NoteRef(3, 27, 604)}
        acks = [c for c in sent_commands(pipe) if isinstance(c, OfflineChunkAck)]
        assert len(acks) > 2
        assert acks[-1].more is False

    run(scenario())


def test_offline_data_is_kept_on_the_pen_when_the_commit_fails() -> None:
    async def scenario() -> None:
        session, pipe, _ = make(sink=MemorySink(fail_times=1))
        pipe.pen_writes(stroke(603, 1, NOW - 5000))
        await session.handshake()
        with pytest.raises(OSError, match="disk full"):
            await session.sync_offline()
        assert pipe.model.stored_strokes == 1
        assert not any(isinstance(c, DeleteNotesRequest) for c in sent_commands(pipe))
        await session.sync_offline()
        assert pipe.model.stored_strokes == 0

    run(scenario())


def test_a_corrupt_chunk_fails_the_note_and_deletes_nothing() -> None:
    async def scenario() -> None:
        session, pipe, sink = make()
        pipe.model.faults = PenFaults(corrupt_next_chunk=True)
        pipe.pen_writes(stroke(603, 1, NOW - 5000))
        await session.handshake()
        with pytest.raises(OfflineTransferError, match="unusable"):
            await session.sync_offline()
        assert pipe.model.stored_strokes == 1
        nack = [c for c in sent_commands(pipe) if isinstance(c, OfflineChunkAck)]
        assert nack == [OfflineChunkAck(0, ok=False, more=False)]
        await session.sync_offline()
        assert len(sink.strokes) == 1

    run(scenario())


def test_strokes_with_bad_dot_checksums_are_dropped_and_counted() -> None:
    async def scenario() -> None:
        session, pipe, sink = make(PenProfile(mac=PEN, compress=False))
        good = OfflineStroke(1, NOW - 50, NOW - 40, (OfflineDot(0, 5, 1.0, 1.0),))
        pipe.model.stored[NoteRef(3, 27, 603)] = [good, good]
        await session.handshake()
        original = pipe.model.receive

        def corrupting(data: bytes) -> list[bytes]:
            frames = original(data)
            # Flip the force byte of the first dot record of the first stroke.
            return [f[:50] + bytes([f[50] ^ 1]) + f[51:] if f[1] == 0x24 else f
                    for f in frames]  # fmt: skip

        pipe.model.receive = corrupting  # type: ignore[method-assign]
        report = await session.sync_offline()
        assert report.bad_strokes == 1
        assert len(sink.strokes) == 1

    run(scenario())


def test_an_absent_chunk_times_out() -> None:
    async def scenario() -> None:
        config = SessionConfig(chunk_timeout_s=0.05)
        session, pipe, _ = make(config=config)
        pipe.pen_writes(stroke(603, 1, NOW - 5000))
        await session.handshake()
        original = pipe.model.receive
        pipe.model.receive = lambda d: [  # type: ignore[method-assign]
            f for f in original(d) if f[1] != 0x24
        ]
        with pytest.raises(OfflineTransferError, match="no offline chunk"):
            await session.sync_offline()
        assert pipe.model.stored_strokes == 1

    run(scenario())


def test_repeated_strokes_are_not_committed_twice() -> None:
    async def scenario() -> None:
        session, pipe, sink = make()
        first, second = stroke(603, 1, NOW - 9000), stroke(603, 1, NOW - 5000)
        pipe.pen_writes(first)
        pipe.pen_writes(second)
        await session.handshake()
        report = await session.sync_offline(already=lambda s: s == first)
        assert sink.strokes == [second]
        assert report.repeated == 1

    run(scenario())


def test_recorder_capture_replays_to_the_same_events() -> None:
    async def scenario() -> str:
        stream = io.StringIO()
        model = PenModel(PenProfile(mac=PEN))
        pipe = PipeTransport(model)
        recorder = CaptureRecorder(stream, clock=lambda: NOW, pen=PEN)
        session = PenSession(PEN, pipe, MemorySink(), clock=lambda: NOW,
                             recorder=recorder)  # fmt: skip
        pipe.deliver = session.on_notification
        await session.handshake()
        await session.start_live()
        pipe.pen_writes(stroke(603, 1, NOW))
        await asyncio.sleep(0.02)
        await session.close()
        return stream.getvalue()

    text = run(scenario())
    decoder = PenDecoder()
    events = [
        e for line in read_capture(text.splitlines()) for e in decoder.feed(line.data)
    ]
    types = [e.TYPE for e in events]
    assert types[:3] == ["version", "settings", "setting_changed"]
    assert types[-2:] == ["dot", "pen_up"]
    assert "# > " in text
