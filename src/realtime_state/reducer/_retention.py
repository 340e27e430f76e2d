"""Audio retention: drop the bytes of old, finished audio parts, keep everything else.

Runs after the handler, only when the state has an ``audio_retention`` window and the event
can add audio: an audio delta (to the part it names) or an event that gives a user item its
committed turn audio (``conversation.item.*`` of that item, ``input_audio_buffer.committed``).
The part that grew joins the queue (or its entry grows); then, while the queued parts hold
more than the window, the oldest is dropped, if it is finished (its audio channel done, its
response done, or a user part, whose audio comes whole) and is not the part growing now. An
unfinished oldest part stops the dropping until it finishes (it is almost always the answer
being streamed). A dropped part's chunks become :class:`~realtime_state._persistent.DroppedChunks`
of the same length, so durations, cuts and transcripts read as before.

The cost is a few map operations per audio delta, independent of the session's length.
"""

from __future__ import annotations

from typing import Any

import attrs

from .. import events as ev
from .._persistent import DroppedChunks
from ..formats import PCM16_24K
from ..lifecycles import Phase
from ..state import (
    AudioRetention,
    ItemState,
    PartState,
    SessionState,
    _Conversation,
    _StreamingPart,
)
from ._common import Changes, canonical, evolve_conv, evolve_item, evolve_part

_evolve_retention = attrs.evolve

AUDIO_DELTAS = frozenset({ev.ResponseAudioDelta, ev.ResponseOutputAudioDelta})
USER_AUDIO_EVENTS = frozenset(
    {
        ev.ConversationItemCreated,
        ev.ConversationItemAdded,
        ev.ConversationItemDone,
        ev.ConversationItemRetrieved,
        ev.InputAudioBufferCommitted,
    }
)
RETAINING = AUDIO_DELTAS | USER_AUDIO_EVENTS | {ev.ConversationItemTruncated}
"""The events after which retention runs (a cut gives back the milliseconds it removed)."""


def _ms(part: PartState, n_bytes: int) -> float:
    return (part.audio_spec or PCM16_24K).duration_ms(n_bytes)


def _audio_at(conv: Any, item_id: str, index: int) -> tuple[PartState, Any] | None:
    """Part ``index`` of item ``item_id`` and its audio chain, without folding a streaming
    part into its item (``None``: no such part)."""
    if conv.__class__ is _StreamingPart and conv.index == index and conv.item.id == item_id:
        return conv.part, conv.audio
    item = conv.items.get(item_id)
    if item is None or not 0 <= index < len(item.content):
        return None
    part = item.content[index]
    return part, part.audio_chunks


def _grown(state: SessionState, conv: Any, event: Any) -> tuple[str, int, PartState, int] | None:
    """The part the event added audio to: ``(item id, content index, part, bytes added)``
    (``part`` for its format only: a streaming part's chains may be newer)."""
    if event.__class__ in AUDIO_DELTAS:
        item_id, index = event.item_id, event.content_index
    else:
        item = getattr(event, "item", None)
        item_id = event.item_id if item is None else item.id
        if item_id is None:
            return None
        held = conv.items.get(item_id)
        if held is None:
            return None
        index = next((i for i, p in enumerate(held.content) if p.type == "input_audio"), -1)
        if index < 0:
            return None
    got = _audio_at(conv, item_id, index)
    if got is None:
        return None
    part, audio = got
    before = _audio_at(state.conversation, item_id, index)
    old = 0 if before is None or before[1] is None else before[1].size
    added = (0 if audio is None else audio.size) - old
    if added <= 0 or isinstance(audio, DroppedChunks):
        return None
    return item_id, index, part, added


def _finished(state: SessionState, responses: Any, item: ItemState, part: PartState) -> bool:
    if item.role == "user" or part.audio_phase == Phase.DONE:
        return True
    response = None if item.response_id is None else responses.get(item.response_id)
    return response is not None and response.done


def _cut(
    state: SessionState,
    event: ev.ConversationItemTruncated,
    conv: _Conversation,
    retention: AudioRetention,
    changes: Changes,
) -> None:
    """A truncation removed audio from a queued part: it holds that much less."""
    key = (event.item_id, event.content_index)
    seq = retention.slots.get(key)
    before, after = state.conversation.items.get(key[0]), conv.items.get(key[0])
    if seq is None or before is None or after is None or key[1] >= len(after.content):
        return
    old, new = before.content[key[1]], after.content[key[1]]
    removed = old.audio_bytes - new.audio_bytes
    if removed <= 0:
        return
    ms = _ms(new, removed)
    item_id, index, held = retention.queue[seq]
    changes["audio_retention"] = _evolve_retention(
        retention,
        queue=retention.queue.set(seq, (item_id, index, max(0.0, held - ms))),
        held_ms=max(0.0, retention.held_ms - ms),
    )


def _with_item(conv: Any, item: ItemState) -> _Conversation:
    """``conv`` with ``item`` stored (a streaming part folded in first)."""
    if conv.__class__ is not _Conversation:
        conv = conv.fold()
    return evolve_conv(conv, items=conv.items.set(item.id, item))


def retain(state: SessionState, event: Any, changes: Changes) -> None:
    """Apply the state's audio retention after ``event`` (``changes``: the handler's)."""
    retention: AudioRetention = state.audio_retention  # type: ignore[assignment]
    conv: Any = changes.get("conversation")
    if conv is None:
        return
    if event.__class__ is ev.ConversationItemTruncated:
        _cut(state, event, conv, retention, changes)
        return
    grown = _grown(state, conv, event)
    if grown is None:
        return
    item_id, index, part, added = grown
    item_id = canonical(item_id)
    key = (item_id, index)
    queue, slots = retention.queue, retention.slots
    ms = _ms(part, added)
    seq = slots.get(key)
    if seq is None:
        seq = retention.tail
        queue = queue.set(seq, (item_id, index, ms))
        slots = slots.set(key, seq)
        tail = seq + 1
    else:
        entry = queue[seq]
        queue = queue.set(seq, (item_id, index, entry[2] + ms))
        tail = retention.tail
    head, held, dropped = retention.head, retention.held_ms + ms, retention.dropped
    limit = retention.seconds * 1000.0
    responses = changes.get("responses", state.responses)
    while held > limit and head < tail:
        old_id, old_index, old_ms = queue[head]
        if (old_id, old_index) == key:
            break
        if conv.__class__ is not _Conversation and conv.item.id == old_id:
            conv = conv.fold()  # another part of the streaming item: rare
        old_item = (conv if conv.__class__ is _Conversation else conv.base).items.get(old_id)
        if old_item is not None and old_index < len(old_item.content):
            old_part = old_item.content[old_index]
            if not _finished(state, responses, old_item, old_part):
                break
            chunks = old_part.audio_chunks
            if chunks is not None and not isinstance(chunks, DroppedChunks):
                cut = evolve_part(
                    old_part, audio_chunks=DroppedChunks(chunks.size, (old_id, old_index))
                )
                content = old_item.content
                new_item = evolve_item(
                    old_item, content=(*content[:old_index], cut, *content[old_index + 1 :])
                )
                conv = _with_item(conv, new_item)
                dropped += 1
        queue = queue.delete(head)
        slots = slots.delete((old_id, old_index))
        held -= old_ms
        head += 1
    changes["conversation"] = conv
    changes["audio_retention"] = _evolve_retention(
        retention, queue=queue, slots=slots, head=head, tail=tail, held_ms=held, dropped=dropped
    )
