"""What the app sends: client events kept in order, and the work they request tracked until
the server confirms or refuses it (``state.pending``).

Confirmations: ``conversation.item.created``/``added`` for ``conversation.item.create`` (the
item with the id the client gave, or else the first item of the same kind that no response and
no committed audio produced), the next ``response.created`` for ``response.create``,
``conversation.item.truncated`` / ``.deleted`` of the same item for a truncation / deletion.
A server ``error`` whose ``event_id`` names a pending request refuses it. Requests never
confirmed stay pending: that is not a protocol violation (the log may end first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .. import events as ev
from .._persistent import Chunks, Log
from ..state import ClientEventRecord, ClientSide, PendingWork, SessionState
from ._common import Changes, Found, b64, evolve_input
from ._input import drop_buffer

_evolve_pending = attrs.evolve
_without_audio = attrs.evolve
_evolve_record = attrs.evolve


def on_client_event(
    state: SessionState, event: ev.ClientEventClass | ev.UnknownClientEvent, found: Found
) -> Changes:
    """A client event: kept, in order, with its index; the work it requests becomes pending;
    appended audio goes to the input buffer."""
    client = state.client
    log, record = _logged(state, event)
    ids = client.ids if event.event_id is None else client.ids.set(event.event_id, record)
    pending = client.pending
    if isinstance(event, ev.ConversationItemCreate):
        pending = _evolve_pending(pending, items=(*pending.items, record))
    elif isinstance(event, ev.ResponseCreate):
        pending = _evolve_pending(pending, responses=(*pending.responses, record))
    elif isinstance(event, ev.ConversationItemTruncate):
        pending = _evolve_pending(pending, truncations=(*pending.truncations, record))
    elif isinstance(event, ev.ConversationItemDelete):
        pending = _evolve_pending(pending, deletions=(*pending.deletions, record))
    out: Changes = {"client": ClientSide(log=log, ids=ids, pending=pending)}
    if isinstance(event, ev.InputAudioBufferAppend):
        buf = state.input_audio
        data = b64(event.audio, found, "input_audio_buffer", 0)
        old = buf.buffer_chunks
        chunks = Chunks.of(data) if old is None else old.append(data)
        out["input_audio"] = evolve_input(buf, buffer_chunks=chunks)
    elif isinstance(event, ev.InputAudioBufferClear):
        out["input_audio"] = evolve_input(state.input_audio, **drop_buffer(state.input_audio))
    return out


def _logged(
    state: SessionState, event: ev.ClientEventClass | ev.UnknownClientEvent
) -> tuple[Log, ClientEventRecord]:
    """The client log with ``event`` kept, and its record.

    Under an audio retention window an ``input_audio_buffer.append`` (without ``event_id``)
    is kept as a run: one record per run of consecutive appends (the run's first append, its
    ``audio`` emptied, ``count`` the appends it stands for), so that the log does not grow
    with every 20-100 ms of the user's microphone and the bytes live once, in the buffer and
    then the user's part, where the window governs them."""
    log: Log = state.client.log
    if state.audio_retention is None or not isinstance(event, ev.InputAudioBufferAppend):
        record = ClientEventRecord(index=state.event_count, event=event, time=state.time)
        return log.append(record), record
    last = log.entry if log.size else None
    if (
        last is not None
        and isinstance(last.event, ev.InputAudioBufferAppend)
        and last.event.event_id is None
        and event.event_id is None
    ):
        run = _evolve_record(last, count=last.count + 1)
        return Log(prev=log.prev, entry=run, size=log.size), run  # the run's record, replaced
    kept = _without_audio(event, audio="")
    record = ClientEventRecord(index=state.event_count, event=kept, time=state.time)
    return log.append(record), record


def _without(
    records: tuple[ClientEventRecord, ...], match: Callable[[Any], bool]
) -> tuple[ClientEventRecord, ...]:
    """``records`` without the first one whose event matches."""
    for i, record in enumerate(records):
        if match(record.event):
            return (*records[:i], *records[i + 1 :])
    return records


def _item_matches(
    event: ev.ConversationItemCreated | ev.ConversationItemAdded, committed: Mapping[str, int]
) -> Callable[[Any], bool]:
    wire = event.item
    item_id = wire.id
    kind = wire.type
    role = getattr(wire, "role", None)

    def match(sent: ev.ConversationItemCreate) -> bool:
        asked = sent.item
        if asked.id is not None:
            return asked.id == item_id
        if item_id in committed:  # the server's own item for committed audio
            return False
        return asked.type == kind and getattr(asked, "role", None) == role

    return match


def confirm(state: SessionState, event: Any, pending: PendingWork) -> PendingWork:
    """``pending`` with what the server ``event`` confirms or refuses taken off (``state``:
    the state before the event)."""
    if isinstance(event, (ev.ConversationItemCreated, ev.ConversationItemAdded)):
        committed = state.input_audio.committed
        return _evolve_pending(
            pending, items=_without(pending.items, _item_matches(event, committed))
        )
    if isinstance(event, ev.ResponseCreated):
        return _evolve_pending(pending, responses=pending.responses[1:])
    if isinstance(event, ev.ConversationItemTruncated):
        item_id = event.item_id
        return _evolve_pending(
            pending, truncations=_without(pending.truncations, lambda e: e.item_id == item_id)
        )
    if isinstance(event, ev.ConversationItemDeleted):
        item_id = event.item_id
        return _evolve_pending(
            pending, deletions=_without(pending.deletions, lambda e: e.item_id == item_id)
        )
    if isinstance(event, ev.Error) and event.error.event_id is not None:
        named = event.error.event_id

        def refused(sent: Any) -> bool:
            return bool(sent.event_id == named)

        return PendingWork(
            items=_without(pending.items, refused),
            responses=_without(pending.responses, refused),
            truncations=_without(pending.truncations, refused),
            deletions=_without(pending.deletions, refused),
        )
    return pending


def confirming(handler: Callable[[SessionState, Any, Found], Changes]) -> Callable[..., Changes]:
    """``handler``, then take off the pending work the event confirms or refuses (nothing to
    do, and no cost, while nothing is pending)."""

    def wrapped(state: SessionState, event: Any, found: Found) -> Changes:
        changes = handler(state, event, found)
        client = state.client
        if client.pending.empty:
            return changes
        pending = confirm(state, event, client.pending)
        if pending != client.pending:
            changes["client"] = attrs.evolve(client, pending=pending)
        return changes

    wrapped.__doc__ = handler.__doc__
    return wrapped
