"""How much of the assistant's audio the user has heard: a playback tracker for live calls.

The server cannot know what the user heard; the client must say so when the user barges in
(``conversation.item.truncate`` with ``audio_end_ms``). Players report progress in different
shapes, and :class:`PlaybackTracker` takes each:

* **milliseconds or bytes played** of an item (a browser ``AudioWorklet``, a local player):
  :meth:`PlaybackTracker.played`;
* **marks acknowledged** (telephony, e.g. Twilio media streams: the app sends a chunk, then a
  mark; the provider echoes the mark when the chunk has been played):
  :meth:`PlaybackTracker.chunk` returns a mark name for the chunk just forwarded,
  :meth:`PlaybackTracker.acknowledge` counts it as played;
* **nothing reported**: a clock since the item's first audio delta
  (:meth:`PlaybackTracker.started`, which :class:`~realtime_state.live.LiveSession` calls),
  capped at the audio received, which is what a player that starts playing at once and never
  stalls has played.

What the app reports wins over marks, marks win over the clock. Bytes are converted with the
part's own audio format (:mod:`realtime_state.formats`). The tracker holds a few numbers per
item, never audio. It is not thread-safe on its own; ``LiveSession`` uses it under its lock.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import attrs

from .formats import PCM16_24K
from .state import SessionState

__all__ = ["PlaybackTracker", "ItemPlayback"]


@attrs.define(slots=True)
class ItemPlayback:
    """What the tracker knows of one item's playback."""

    item_id: str
    content_index: int = 0
    started_at: float | None = None
    """When its first audio delta arrived (the clock's start), or ``None``."""
    reported_ms: float | None = None
    """The last progress the app reported in milliseconds, or ``None``."""
    reported_bytes: int | None = None
    """The last progress the app reported in bytes of the item's audio, or ``None``."""
    acknowledged_bytes: int = 0
    """Bytes of the chunks whose marks were acknowledged."""
    marks: int = 0
    """Marks acknowledged."""


class PlaybackTracker:
    """Tracks, per assistant audio item, how much the user has heard (see the module
    docstring). ``clock`` gives the current time in the same unit and origin as the times the
    session keeps (seconds since the epoch; ``time.time`` in :class:`LiveSession`)."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock
        self._items: dict[str, ItemPlayback] = {}
        self._marks: dict[str, tuple[str, int]] = {}
        self._names = itertools.count(1)

    def item(self, item_id: str, content_index: int = 0) -> ItemPlayback:
        """The record of one item (created on first use)."""
        record = self._items.get(item_id)
        if record is None:
            record = self._items[item_id] = ItemPlayback(item_id, content_index)
        return record

    def started(self, item_id: str, at: float, content_index: int = 0) -> None:
        """The item's first audio arrived at ``at`` (later calls keep the first time)."""
        record = self.item(item_id, content_index)
        if record.started_at is None:
            record.started_at = at

    def played(
        self,
        item_id: str,
        *,
        ms: float | None = None,
        bytes: int | None = None,
        content_index: int = 0,
    ) -> None:
        """The player reports how much of the item it has played so far (cumulative), in
        milliseconds or in bytes of the item's audio (converted with the part's own format
        when asked)."""
        if (ms is None) == (bytes is None):
            raise ValueError("played() takes exactly one of ms= and bytes=")
        amount = ms if ms is not None else bytes
        if amount is None or amount < 0:
            raise ValueError(f"played progress must be >= 0, not {amount}")
        record = self.item(item_id, content_index)
        record.reported_ms, record.reported_bytes = ms, bytes

    def chunk(self, item_id: str, n_bytes: int, *, content_index: int = 0) -> str:
        """Register a chunk of ``n_bytes`` forwarded to the player, and return the mark name
        to send after it (acknowledge it with :meth:`acknowledge` when the player echoes it)."""
        self.item(item_id, content_index)
        name = f"{item_id}:{next(self._names)}"
        self._marks[name] = (item_id, n_bytes)
        return name

    def acknowledge(self, mark: str) -> None:
        """The player has played the chunk before ``mark``. An unknown mark (one of another
        tracker, or acknowledged twice) is ignored."""
        entry = self._marks.pop(mark, None)
        if entry is not None:
            record = self.item(entry[0])
            record.acknowledged_bytes += entry[1]
            record.marks += 1

    def forget(self, item_id: str) -> None:
        """Drop what is known of an item (after it was cut, or played to the end)."""
        self._items.pop(item_id, None)
        for name in [n for n, (i, _) in self._marks.items() if i == item_id]:
            del self._marks[name]

    def played_ms(self, state: SessionState, item_id: str, now: float | None = None) -> float:
        """Milliseconds of the item the user has heard: what the app reported, else the
        marks acknowledged, else the clock since its first audio (``now`` or the tracker's
        clock), capped at the audio received; 0 when nothing is known."""
        record = self._items.get(item_id)
        if record is None:
            return 0.0
        item = state.item(item_id)
        index = record.content_index
        part = item.content[index] if item is not None and index < len(item.content) else None
        spec = (part.audio_spec if part is not None else None) or PCM16_24K
        received = part.duration_ms if part is not None else None
        if record.reported_ms is not None:
            return record.reported_ms
        if record.reported_bytes is not None:
            return spec.duration_ms(record.reported_bytes)
        if record.marks:
            return spec.duration_ms(record.acknowledged_bytes)
        if record.started_at is None:
            return 0.0
        if now is None:
            if self._clock is None:
                raise ValueError("played_ms() needs now= (the tracker has no clock)")
            now = self._clock()
        elapsed = max(0.0, (now - record.started_at) * 1000.0)
        return elapsed if received is None else min(elapsed, received)
