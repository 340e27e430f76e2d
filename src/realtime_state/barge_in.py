"""Barge-in: the client events to send when the user talks over the assistant.

When the user interrupts, the server must learn how much of the assistant's audio the user
actually heard, so that the conversation (the model's context) holds only that.
:func:`truncation_events` (``state.truncation_events(played_ms)``) answers with the client
events to send now, as plain wire dicts without ``event_id``:

1. ``response.cancel`` naming the in-conversation response in progress, if there is one
   (and ``cancel`` is true);
2. for the assistant audio part being played (see below), over WebSocket:

   * ``conversation.item.truncate`` with ``audio_end_ms = floor(min(played_ms,
     received_ms))``, ``received_ms`` being the audio received for that part in its own
     format (:mod:`realtime_state.formats`: PCM16 at the session rate, G.711 at 8 bytes per
     ms), so the cut is never beyond the audio the server sent (its ``already shorter than``
     error) and counts audio played, not time passed;
   * ``conversation.item.delete`` instead, when none of the item's audio was received (a
     truncate would fail with ``Only model output audio messages can be truncated``, and the
     item's words were never heard);

   over WebRTC or SIP (the state saw ``output_audio_buffer.*`` events and the part holds no
   audio bytes: the audio goes over the media track), ``output_audio_buffer.clear`` while
   the buffer plays; the server then cuts the item itself and sends
   ``conversation.item.truncated`` with what it played.

Nothing is sent for the part when it is already cut (``truncated_at_ms`` set), when a
truncate or delete of its item is pending, or when it was heard to the end: its audio is
complete (the audio channel is done or the response is done) and ``played_ms`` reaches all
of it (WebRTC: the buffer is not playing). With no response to cancel either, the list is
empty.

The part being played is the first audio part of the last assistant message of the
conversation (or of the item ``item_id`` names): the newest answer, also after
``response.done`` while its audio still plays, and also when the user's item has already
come after it. Out-of-band responses are neither cancelled nor cut (they are not the
conversation). ``played_ms`` counts from the start of that part.

The cost does not depend on the length of the session beyond finding the item (a walk back
from the end of the conversation over the items after the last assistant message): the
audio is never joined, only its byte count is read.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .formats import output_spec

if TYPE_CHECKING:
    from .state import ItemState, PartState, SessionState

__all__ = ["truncation_events", "playing_part"]

AUDIO_PART_TYPES = frozenset({"audio", "output_audio"})
"""Content types of assistant audio parts (beta ``audio``, GA ``output_audio``)."""


def _last_assistant_message(state: SessionState) -> ItemState | None:
    conv = state.conversation
    items, links = conv.items, conv.links
    key = conv.tail
    while key is not None:
        item = items[key]
        if item.type == "message" and item.role == "assistant":
            return item
        key = links[key][0]
    return None


def _audio_part(item: ItemState) -> tuple[int, PartState] | None:
    for index, part in enumerate(item.content):
        if part.type in AUDIO_PART_TYPES or part.audio_bytes:
            return index, part
    return None


def playing_part(
    state: SessionState, item_id: str | None = None
) -> tuple[ItemState, int, PartState] | None:
    """The assistant audio part :func:`truncation_events` cuts, as ``(item, content_index,
    part)``: the first audio part of the item ``item_id`` names, or by default of the last
    assistant message of the conversation; ``None`` when there is no such part."""
    item = _last_assistant_message(state) if item_id is None else state.item(item_id)
    if item is None:
        return None
    found = _audio_part(item)
    if found is None:
        return None
    return item, found[0], found[1]


def _audio_complete(state: SessionState, item: ItemState, part: PartState) -> bool:
    """Whether no more audio will come for the part."""
    if part.audio_phase == "done" or part.status == "done":
        return True
    response = None if item.response_id is None else state.responses.get(item.response_id)
    if response is not None:
        return response.done
    return item.status not in (None, "in_progress")


def _pending(state: SessionState, item_id: str) -> bool:
    pending = state.pending
    return any(
        getattr(record.event, "item_id", None) == item_id
        for record in (*pending.truncations, *pending.deletions)
    )


def truncation_events(
    state: SessionState,
    played_ms: float,
    *,
    cancel: bool = True,
    item_id: str | None = None,
) -> list[dict[str, Any]]:
    """The client events to send now that the user barged in, having heard ``played_ms``
    milliseconds of the assistant audio part being played (counted from that part's start),
    as plain wire dicts without ``event_id`` (see the module docstring for the rules).

    ``cancel=False`` never sends ``response.cancel`` (e.g. server VAD with
    ``interrupt_response`` cancels by itself). ``item_id`` names the item being played when
    the caller knows it; by default it is the last assistant message of the conversation.
    Raises :class:`ValueError` for a ``played_ms`` that is negative or not a number.
    """
    if not isinstance(played_ms, (int, float)) or isinstance(played_ms, bool):
        raise TypeError(f"played_ms must be a number of milliseconds, not {played_ms!r}")
    if math.isnan(played_ms) or played_ms < 0:
        raise ValueError(f"played_ms must be >= 0, not {played_ms!r}")
    events: list[dict[str, Any]] = []
    response_id = state.active_response_id
    if cancel and response_id is not None:
        events.append({"type": "response.cancel", "response_id": response_id})
    found = playing_part(state, item_id)
    if found is None:
        return events
    item, index, part = found
    if part.truncated_at_ms is not None or _pending(state, item.id):
        return events
    received = part.audio_bytes
    buffer = state.output_audio_buffer
    if received == 0 and buffer is not None:  # WebRTC/SIP: the audio is on the media track
        if buffer.playing:
            events.append({"type": "output_audio_buffer.clear"})
        return events
    if received == 0:
        events.append({"type": "conversation.item.delete", "item_id": item.id})
        return events
    spec = part.audio_spec or output_spec(state.session)
    received_ms = spec.duration_ms(received)
    if played_ms >= received_ms and _audio_complete(state, item, part):
        return events  # heard to the end
    events.append(
        {
            "type": "conversation.item.truncate",
            "item_id": item.id,
            "content_index": index,
            "audio_end_ms": math.floor(min(played_ms, received_ms)),
        }
    )
    return events
