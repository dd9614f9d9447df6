"""Pulling a pen's stored strokes: list, request, acknowledge, commit, delete."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from edge.drivers.pen.commands import (
    DeleteNotesRequest,
    NoteListRequest,
    OfflineChunkAck,
    OfflineDataRequest,
    PageListRequest,
)
from edge.drivers.pen.errors import OfflineTransferError
from edge.drivers.pen.messages import OfflineChunk
from edge.drivers.pen.offline import chunk_payload, parse_payload, to_stroke
from edge.drivers.pen.responses import (
    MAX_NOTES,
    MAX_PAGES,
    NoteList,
    NotesDeleted,
    OfflineInfo,
    PageList,
)
from edge.drivers.pen.wire import NoteRef
from edge.models import PageAddress, Stroke

if TYPE_CHECKING:
    from edge.drivers.pen.session import PenSession

log = logging.getLogger(__name__)


@dataclass(slots=True)
class OfflineReport:
    """What one pull achieved."""

    notes: int = 0
    strokes: int = 0
    bad_strokes: int = 0
    repeated: int = 0
    deleted: list[NoteRef] = field(default_factory=list)
    more: bool = False


class OfflinePull:
    """One pass over the notes a pen holds, note by note."""

    def __init__(
        self,
        session: PenSession,
        chunks: asyncio.Queue[OfflineChunk],
        commit: Callable[[Sequence[Stroke]], Awaitable[None]],
        already: Callable[[Stroke], bool] | None = None,
    ) -> None:
        self.session = session
        self.report = OfflineReport()
        self._chunks = chunks
        self._commit = commit
        self._already = already

    async def run(self) -> OfflineReport:
        """Pull, commit and delete every listed note; raises on a failed note."""
        listing = await self.session.request(NoteListRequest(), NoteList)
        for ref in listing.notes:
            await self._note(ref)
        # The pen lists at most 64 notes; the next pass picks up the rest.
        self.report.more = len(listing.notes) >= MAX_NOTES
        return self.report

    async def _note(self, ref: NoteRef) -> None:
        s = self.session
        listing = await s.request(PageListRequest(*_so(ref), ref.note), PageList)
        # A full page list may be cut short by the pen: then ask for all pages.
        pages = listing.pages if len(listing.pages) < MAX_PAGES else ()
        strokes = await self._pull(ref, pages)
        fresh = [st for st in strokes if not (self._already and self._already(st))]
        self.report.repeated += len(strokes) - len(fresh)
        if fresh:
            await self._commit(fresh)
        self.report.notes += 1
        self.report.strokes += len(fresh)
        # Only now, with the strokes committed, may the pen forget them.
        await s.request(DeleteNotesRequest(*_so(ref), (ref.note,)), NotesDeleted)
        self.report.deleted.append(ref)
        log.info("%s: note %s pulled, %d strokes", s.pen, ref, len(fresh))

    async def _pull(self, ref: NoteRef, pages: tuple[int, ...]) -> list[Stroke]:
        ask = OfflineDataRequest(*_so(ref), ref.note, pages, delete=False)
        info = await self.session.request(ask, OfflineInfo)
        if info.strokes == 0:
            return []
        out: list[Stroke] = []
        bad_before = self.report.bad_strokes
        while True:
            chunk = await self._next_chunk(ref)
            out.extend(await self._accept(chunk))
            if chunk.position == OfflineChunk.LAST:
                break
        if len(out) + self.report.bad_strokes - bad_before < info.strokes:
            log.warning("%s: pen announced %d strokes, got %d", self.session.pen,
                        info.strokes, len(out))  # fmt: skip
        return out

    async def _next_chunk(self, ref: NoteRef) -> OfflineChunk:
        timeout = self.session.config.chunk_timeout_s
        try:
            return await asyncio.wait_for(self._chunks.get(), timeout)
        except TimeoutError as exc:
            what = f"no offline chunk for note {ref} within {timeout} s"
            raise OfflineTransferError(what, self.session.pen) from exc

    async def _accept(self, chunk: OfflineChunk) -> list[Stroke]:
        s = self.session
        try:
            parsed = parse_payload(chunk_payload(chunk))
        except ValueError as exc:
            await s.send(OfflineChunkAck(chunk.packet_id, ok=False, more=False))
            what = f"offline chunk {chunk.packet_id} unusable: {exc}"
            raise OfflineTransferError(what, s.pen) from exc
        last = chunk.position == OfflineChunk.LAST
        await s.send(OfflineChunkAck(chunk.packet_id, ok=True, more=not last))
        if parsed.bad_checksum or parsed.truncated:
            log.warning("%s: chunk %d: %d strokes failed their checksum%s", s.pen,
                        chunk.packet_id, parsed.bad_checksum,
                        ", payload truncated" if parsed.truncated else "")  # fmt: skip
        self.report.bad_strokes += parsed.bad_checksum
        return [
            to_stroke(s.pen, PageAddress(*_so(chunk), chunk.note, st.page), st)
            for st in parsed.strokes
        ]


def _so(item: NoteRef | OfflineChunk) -> tuple[int, int]:
    return item.section, item.owner
