"""The pure reducer: ``reduce(state, event) -> new state`` and ``replay(events)``.

Theory of operation
-------------------
``reduce`` looks the event's class up in ``_HANDLERS`` (a dict, about 100 ns) and calls the
handler with the current state. A handler never mutates anything: it returns the attributes
of ``SessionState`` that change, built from persistent pieces that share everything they
do not change (``immutables.Map`` for items and responses, cons lists for streamed text,
audio and logs). ``reduce`` then makes the new state with ``event_count`` advanced.

Problems a handler finds are collected as ``(code, message)`` pairs. In strict policy the
first one is raised as :class:`ProtocolViolation` and the caller keeps the state it passed
in; in lenient policy they are appended to ``state.violations`` and the event is applied as
far as is safe.

Item placement follows the contract: the first event that carries an item places it (after
``previous_item_id`` when known, first when it is ``null``, last when the key is absent or
the anchor unknown); an item already placed never moves and later copies merge into it.
"""

from __future__ import annotations

import binascii
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import immutables
import pybase64
from immutabledict import immutabledict

from . import events as ev
from . import lifecycles as lc
from ._persistent import Chunks, make_evolver
from .decoding import Event, RawEvent, decode
from .errors import DecodeError, ProtocolViolation
from .formats import output_bytes_per_ms as bytes_per_ms
from .formats import output_spec
from .lifecycles import Compiled, compile_rules
from .state import (
    LENIENT,
    STATUS_RANK,
    STRICT,
    ErrorRecord,
    InputAudioState,
    ItemState,
    PartState,
    RateLimitState,
    ResponseState,
    SessionState,
    TranscriptionRecord,
    Violation,
    _Conversation,
)

__all__ = ["ProtocolViolation", "reduce", "replay", "history", "bytes_per_ms"]


Found = list[tuple[str, str]]
Changes = dict[str, Any]

_evolve_state = make_evolver(SessionState)
_evolve_conv = make_evolver(_Conversation)
_evolve_item = make_evolver(ItemState)
_evolve_part = make_evolver(PartState)
_evolve_response = make_evolver(ResponseState)
_evolve_input = make_evolver(InputAudioState)

_FINAL = frozenset({"completed", "incomplete", "failed", "cancelled"})


# ---------------------------------------------------------------------------------------------
# Conversation order (a doubly linked list in a persistent map)
# ---------------------------------------------------------------------------------------------

_AT_END = object()
_FIRST = object()


def _anchor(event: Any) -> Any:
    """Where a ``conversation.item.*`` event asks its item to go."""
    prev = event.previous_item_id
    if prev is not None:
        return prev
    if "previous_item_id" in event.explicit_nulls:
        return _FIRST
    return _AT_END


def _link(conv: _Conversation, item_id: str, anchor: Any, found: Found) -> _Conversation:
    links = conv.links
    head, tail = conv.head, conv.tail
    if anchor is not _AT_END and anchor is not _FIRST and anchor not in links:
        found.append(
            (
                "unknown_anchor",
                f"item {item_id} names previous_item_id {anchor}, which the conversation "
                "does not hold; it is placed at the end",
            )
        )
        anchor = _AT_END
    if anchor is _AT_END:
        anchor = tail
    if anchor is _FIRST or anchor is None:
        after: str | None = head
        links = links.set(item_id, (None, after))
        if after is not None:
            links = links.set(after, (item_id, links[after][1]))
        else:
            tail = item_id
        head = item_id
    else:
        before_prev, after = links[anchor]
        links = links.set(anchor, (before_prev, item_id))
        links = links.set(item_id, (anchor, after))
        if after is not None:
            links = links.set(after, (item_id, links[after][1]))
        else:
            tail = item_id
    return _evolve_conv(conv, links=links, head=head, tail=tail, size=conv.size + 1)


def _unlink(conv: _Conversation, item_id: str) -> _Conversation:
    links = conv.links
    prev, nxt = links[item_id]
    head, tail = conv.head, conv.tail
    if prev is not None:
        links = links.set(prev, (links[prev][0], nxt))
    else:
        head = nxt
    if nxt is not None:
        links = links.set(nxt, (prev, links[nxt][1]))
    else:
        tail = prev
    links = links.delete(item_id)
    return _evolve_conv(conv, links=links, head=head, tail=tail, size=conv.size - 1)


# ---------------------------------------------------------------------------------------------
# Lifecycle steps: one dictionary look-up per check, compiled from lifecycles.py
# ---------------------------------------------------------------------------------------------

_RESPONSE = compile_rules(lc.RESPONSE)
_CONVERSATION = compile_rules(lc.CONVERSATION)
_OUTPUT_ITEM = compile_rules(lc.OUTPUT_ITEM)
_PART = compile_rules(lc.CONTENT_PART)
_STREAM = compile_rules(lc.STREAM)
_CALL = compile_rules(lc.FUNCTION_CALL)
_TURN = compile_rules(lc.INPUT_TURN)

_DONE_TRIGGER = {status: f"done_{status}" for status in _FINAL}

# How each refusal reads; {event} is the event type, {subject} names the object and its ids,
# {phase} is the object's state.
_MESSAGES = {
    "unknown_response": "{event} names {subject}, which was never created",
    "duplicate_response": "{event} for {subject}, which already exists (state {phase!r})",
    "response_already_active": "{event} starts {subject}",
    "delta_after_done": "{event} for {subject} after it was done (state {phase!r})",
    "event_after_done": "{event} for {subject} after it was done (state {phase!r})",
    "duplicate_done": "{event} for {subject}, which was already done (state {phase!r})",
    "output_item_already_added": "{event} announces {subject} again (state {phase!r})",
    "output_item_not_added": "{event} for {subject}, which no response.output_item.added announced",
    "part_already_added": "{event} announces {subject} again (state {phase!r})",
    "part_not_added": "{event} for {subject}, which no response.content_part.added announced",
    "output_before_arguments_done": "{event} answers {subject} while its arguments are still "
    "{phase}",
    "speech_already_started": "{event} for {subject} while speech is already going on",
    "speech_not_started": "{event} for {subject}, but speech never started (the input buffer "
    "is {phase})",
}


def _refuse(
    tables: Compiled, trigger: str, phase: str, found: Found, event: Any, subject: str
) -> str | None:
    """Record the refusal of ``trigger`` in ``phase``; return the lenient recovery phase
    (``None``: the event is ignored)."""
    code = tables[1][trigger][phase]
    found.append((code, _MESSAGES[code].format(event=event.type, subject=subject, phase=phase)))
    return tables[2][trigger].get(phase)


def _response_step(
    state: SessionState, event: Any, trigger: str, found: Found
) -> immutables.Map[str, ResponseState] | None:
    """Check the response an output or delta event names.

    Returns the responses map (with a placeholder when lenient policy recovers a response
    that was never created), or ``None`` when the event must be ignored.
    """
    responses = state.responses
    response_id = event.response_id
    if response_id is None:  # events that carry no response id (MCP call status)
        return responses
    response = responses.get(response_id)
    phase = "absent" if response is None else response.phase
    if _RESPONSE[0][trigger].get(phase) is not None:
        return responses
    dest = _refuse(_RESPONSE, trigger, phase, found, event, f"response {response_id}")
    if dest is None:
        return None
    return responses.set(response_id, ResponseState(id=response_id, status=dest, phase=dest))


def _item_step(item: ItemState, trigger: str, found: Found, event: Any) -> ItemState | None:
    """Advance the output-item lifecycle; ``None`` when the event must be ignored."""
    phase = item.phase
    dest = _OUTPUT_ITEM[0][trigger].get(phase)
    if dest is None:
        dest = _refuse(_OUTPUT_ITEM, trigger, phase, found, event, f"item {item.id}")
        if dest is None:
            return None
    return item if dest == phase else _evolve_item(item, phase=dest)


def _check_output_index(
    responses: immutables.Map[str, ResponseState], event: Any, item_id: str, found: Found
) -> immutables.Map[str, ResponseState]:
    """Check that ``output_index`` points at the item in its response's output.

    An item the response does not list yet (its ``response.output_item.added`` was missed and
    reported) is listed when the index is the next free position.
    """
    response = responses.get(event.response_id)
    if response is None:
        return responses
    ids = response.output_item_ids
    index = event.output_index
    if 0 <= index < len(ids) and ids[index] == item_id:
        return responses
    if item_id not in ids and index == len(ids):
        return responses.set(
            response.id, _evolve_response(response, output_item_ids=(*ids, item_id))
        )
    _bad_output_index(response, event, item_id, found)
    return responses


def _bad_output_index(response: ResponseState, event: Any, item_id: str, found: Found) -> None:
    ids = response.output_item_ids
    index = event.output_index
    if index < 0 or index >= len(ids) + (item_id not in ids):
        found.append(
            (
                "output_index_out_of_range",
                f"{event.type} for item {item_id} names output_index {index}, but response "
                f"{response.id} has {len(ids)} output item(s)",
            )
        )
    else:
        other = ids[index] if index < len(ids) else "nothing"
        found.append(
            (
                "output_index_mismatch",
                f"{event.type} for item {item_id} names output_index {index}, which is "
                f"{other} in response {response.id}",
            )
        )


# ---------------------------------------------------------------------------------------------
# Items and parts from the wire
# ---------------------------------------------------------------------------------------------


def _b64(text: str, found: Found, where: str) -> bytes:
    try:
        return pybase64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        found.append(("invalid_audio", f"audio of {where} is not valid base64 ({exc})"))
        return b""


def _chunks(text: str | None) -> Chunks[str] | None:
    return None if text is None else Chunks.of(text)


def _part_from_wire(part: ev.ContentPart, final: bool, found: Found, where: str) -> PartState:
    audio = part.audio
    return PartState(
        type=part.type,
        status="done" if final else "in_progress",
        phase="done" if final else "absent",
        text_chunks=_chunks(part.text),
        transcript_chunks=_chunks(part.transcript),
        audio_chunks=Chunks.of(_b64(audio, found, where)) if audio else None,
        image_url=part.image_url,
        detail=part.detail,
        reference_id=part.id,
    )


def _merge_text(old: Chunks[str] | None, new: str | None) -> Chunks[str] | None:
    """A later copy replaces accumulated text only with something non-empty."""
    if new is None or (new == "" and old is not None):
        return old
    if old is not None and old.value() == new:
        return old
    return Chunks.of(new)


def _merge_part(
    old: PartState, part: ev.ContentPart, final: bool, found: Found, where: str
) -> PartState:
    truncated = old.truncated_at_ms is not None
    audio_chunks = old.audio_chunks
    if part.audio and audio_chunks is None:
        audio_chunks = Chunks.of(_b64(part.audio, found, where))
    text = part.text
    if old.text_phase == "done" and _differs(old.text_chunks, text):
        found.append(_copy_mismatch("text_mismatch", "text", where, old.text, text))
        text = None  # a finished channel keeps its final value
    transcript = part.transcript
    if truncated or (
        old.transcript_phase == "done" and _differs(old.transcript_chunks, transcript)
    ):
        if not truncated:
            found.append(
                _copy_mismatch(
                    "transcript_mismatch", "transcript", where, old.transcript or "", transcript
                )
            )
        transcript = None
    return _evolve_part(
        old,
        type=part.type if part.type is not None else old.type,
        status="done" if final else old.status,
        text_chunks=_merge_text(old.text_chunks, text),
        transcript_chunks=_merge_text(old.transcript_chunks, transcript),
        audio_chunks=audio_chunks,
        image_url=part.image_url if part.image_url is not None else old.image_url,
        detail=part.detail if part.detail is not None else old.detail,
        reference_id=part.id if part.id is not None else old.reference_id,
    )


def _differs(final: Chunks[str] | None, copy: str | None) -> bool:
    """Whether a later copy's non-empty value contradicts a channel's final value."""
    return bool(copy) and final is not None and final.value() != copy


def _copy_mismatch(
    code: str, what: str, where: str, final: str, copy: str | None
) -> tuple[str, str]:
    return (
        code,
        f"a later copy of {where} carries the {what} {_excerpt(copy or '')}, which differs from "
        f"its final {what} {_excerpt(final)}; the final {what} is kept",
    )


def _all_done(parts: Iterable[PartState]) -> tuple[PartState, ...]:
    return tuple(p if p.status == "done" else _evolve_part(p, status="done") for p in parts)


def _parts_final(status: str | None, role: str | None) -> bool:
    return status in _FINAL or role in ("user", "system")


_CALL_TYPES = frozenset({"function_call", "mcp_call"})
_ARGUMENTS_FINAL = frozenset({"arguments_done", "answered"})


def _item_from_wire(
    wire: Any, response_id: str | None, in_conversation: bool, found: Found, announced: bool
) -> ItemState:
    """A new item from its wire form; ``announced``: it comes from
    ``response.output_item.added`` (a call's arguments will stream)."""
    if isinstance(wire, ev.UnknownObject):
        return ItemState(
            id=wire.id or "",
            type=wire.type,
            response_id=response_id,
            in_conversation=in_conversation,
            unknown=wire,
        )
    kind = wire.type
    if kind == "message":
        final = _parts_final(wire.status, wire.role)
        content = tuple(
            _part_from_wire(p, final, found, f"item {wire.id} part {i}")
            for i, p in enumerate(wire.content or ())
        )
        return ItemState(
            id=wire.id,
            type=kind,
            role=wire.role,
            status=wire.status,
            content=content,
            response_id=response_id,
            in_conversation=in_conversation,
        )
    status = getattr(wire, "status", None)
    return ItemState(
        id=wire.id,
        type=kind,
        status=status,
        call_phase=(
            ("open" if announced or status == "in_progress" else "arguments_done")
            if kind in _CALL_TYPES
            else None
        ),
        name=getattr(wire, "name", None),
        call_id=getattr(wire, "call_id", None),
        arguments_chunks=_chunks(getattr(wire, "arguments", None)),
        output=getattr(wire, "output", None),
        server_label=getattr(wire, "server_label", None),
        tools=getattr(wire, "tools", None),
        approval_request_id=getattr(wire, "approval_request_id", None),
        approve=getattr(wire, "approve", None),
        reason=getattr(wire, "reason", None),
        error=getattr(wire, "error", None),
        response_id=response_id,
        in_conversation=in_conversation,
    )


def _better_status(old: str | None, new: str | None) -> str | None:
    if new is None:
        return old
    return new if STATUS_RANK.get(new, 2) >= STATUS_RANK.get(old, 2) else old


def _merge_item(old: ItemState, wire: Any, found: Found, event: Any) -> ItemState:
    """Merge a later copy of an item: never regress status, never erase accumulated data."""
    if isinstance(wire, ev.UnknownObject):
        return _evolve_item(old, unknown=wire)
    status = _better_status(old.status, getattr(wire, "status", None))
    changes: dict[str, Any] = {"status": status}
    if wire.type == "message":
        final = _parts_final(status, wire.role or old.role)
        parts = list(old.content)
        for i, part in enumerate(wire.content or ()):
            where = f"item {old.id} part {i}"
            if i < len(parts):
                parts[i] = _merge_part(parts[i], part, final, found, where)
            else:
                parts.append(_part_from_wire(part, final, found, where))
        changes["content"] = _all_done(parts) if final else tuple(parts)
        if wire.role is not None:
            changes["role"] = wire.role
    else:
        for name in (
            "name",
            "call_id",
            "output",
            "server_label",
            "tools",
            "approval_request_id",
            "approve",
            "reason",
            "error",
        ):
            value = getattr(wire, name, None)
            if value is not None:
                changes[name] = value
        arguments = getattr(wire, "arguments", None)
        if old.call_phase in _ARGUMENTS_FINAL and _differs(old.arguments_chunks, arguments):
            found.append(
                _copy_mismatch(
                    "arguments_mismatch",
                    "arguments",
                    f"item {old.id}",
                    old.arguments or "",
                    arguments,
                )
            )
            arguments = None  # final arguments are kept
        changes["arguments_chunks"] = _merge_text(old.arguments_chunks, arguments)
        if old.call_phase is not None and getattr(wire, "status", None) in _FINAL:
            # a finished copy of a call closes its arguments (always legal)
            changes["call_phase"] = _CALL[0]["item_done"][old.call_phase]
        elif old.call_phase is None and wire.type in _CALL_TYPES:
            changes["call_phase"] = "open" if status == "in_progress" else "arguments_done"
    if old.type is None:
        changes["type"] = wire.type
    return _evolve_item(old, **changes)


# ---------------------------------------------------------------------------------------------
# Shared steps
# ---------------------------------------------------------------------------------------------


def _put_item(conv: _Conversation, item: ItemState) -> _Conversation:
    return _evolve_conv(conv, items=conv.items.set(item.id, item))


def _receive_item(
    state: SessionState,
    wire: Any,
    *,
    anchor: Any,
    response_id: str | None,
    final: bool,
    conversation_event: bool,
    found: Found,
    event: Any,
) -> _Conversation:
    """Create or merge an item and place it if it is not placed yet.

    Items of an out-of-band response stay out of the conversation unless a
    ``conversation.item.*`` event (``conversation_event``) places them. A new function call
    is indexed by its ``call_id``; a new function-call output answers its call.
    """
    conv = state.conversation
    item_id = wire.id
    if item_id is None:
        found.append(("missing_item_id", f"an item of type {wire.type!r} came without an id"))
        return conv
    if item_id in conv.deleted:  # a later copy (response.done, output_item.done) of a deleted item
        return conv
    old = conv.items.get(item_id)
    if old is None:
        in_conversation = True
        if response_id is not None:
            response = state.responses.get(response_id)
            if response is not None and response.out_of_band:
                in_conversation = False
        announced = event.__class__ is ev.ResponseOutputItemAdded
        item = _item_from_wire(wire, response_id, in_conversation, found, announced)
    else:
        item = _merge_item(old, wire, found, event)
        if response_id is not None and item.response_id is None:
            item = _evolve_item(item, response_id=response_id)
        if conversation_event and not old.in_conversation:
            item = _evolve_item(item, in_conversation=True)
    if final and item.type == "message":
        item = _evolve_item(
            item,
            content=tuple(
                p if p.status == "done" else _evolve_part(p, status="done") for p in item.content
            ),
        )
    conv = _put_item(conv, item)
    if item.in_conversation and item_id not in conv.links:
        conv = _link(conv, item_id, anchor, found)
    call_id = item.call_id
    if call_id is not None:
        if item.type == "function_call":
            if conv.calls.get(call_id) != item_id:
                conv = _evolve_conv(conv, calls=conv.calls.set(call_id, item_id))
        elif old is None and item.type == "function_call_output":
            conv = _answer_call(conv, call_id, found, event)
    pending = conv.pending.get(item_id)
    if pending is not None:
        conv = _evolve_conv(conv, pending=conv.pending.delete(item_id))
        for held in pending:
            conv = _apply_transcription(conv, held, found)
    return conv


def _answer_call(conv: _Conversation, call_id: str, found: Found, event: Any) -> _Conversation:
    """A function-call output arrived: advance its call's lifecycle."""
    call_item_id = conv.calls.get(call_id)
    if call_item_id is None:
        found.append(
            (
                "unknown_call",
                f"{event.type} carries the output of call {call_id}, which matches no "
                "function call seen",
            )
        )
        return conv
    call = conv.items.get(call_item_id)
    if call is None:  # the call was deleted; its output may still be given
        return conv
    phase = call.call_phase or "arguments_done"
    dest = _CALL[0]["output"].get(phase)
    if dest is None:
        dest = _refuse(_CALL, "output", phase, found, event, f"call {call_id} (item {call.id})")
        if dest is None:  # pragma: no cover - the table recovers every refusal of "output"
            return conv
    if dest == call.call_phase:
        return conv
    return _put_item(conv, _evolve_item(call, call_phase=dest))


def _get_part(
    conv: _Conversation, item_id: str, index: int, found: Found, event_kind: str
) -> tuple[ItemState, PartState] | None:
    item = conv.items.get(item_id)
    if item is None:
        found.append(("unknown_item", f"{event_kind} for item {item_id}, which is not known"))
        return None
    content = item.content
    if index < 0 or index >= len(content):
        _part_out_of_range(item, index, found, event_kind)
        return None
    return item, content[index]


def _part_out_of_range(item: ItemState, index: int, found: Found, event_kind: str) -> None:
    found.append(
        (
            "content_index_out_of_range",
            f"{event_kind} for item {item.id} names content_index {index}, but the item "
            f"has {len(item.content)} part(s)",
        )
    )


def _with_part(item: ItemState, index: int, part: PartState) -> ItemState:
    content = item.content
    return _evolve_item(item, content=(*content[:index], part, *content[index + 1 :]))


def _set_part(conv: _Conversation, item: ItemState, index: int, part: PartState) -> _Conversation:
    return _put_item(conv, _with_part(item, index, part))


def _unknown_item(event: Any, item_id: str, found: Found) -> None:
    found.append(("unknown_item", f"{event.type} for item {item_id}, which is not known"))


def _changes(
    state: SessionState, conv: _Conversation, responses: immutables.Map[str, ResponseState]
) -> Changes:
    changes: Changes = {"conversation": conv}
    if responses is not state.responses:
        changes["responses"] = responses
    return changes


def _streamed_item(
    state: SessionState, event: Any, found: Found, response_trigger: str, item_trigger: str
) -> tuple[immutables.Map[str, ResponseState], ItemState] | None:
    """Check the response, the output item and the output index a streamed event names.

    Returns the responses map (with lenient recoveries) and the item (its output-item phase
    advanced), or ``None`` when the event must be ignored.
    """
    responses = _response_step(state, event, response_trigger, found)
    if responses is None:
        return None
    item_id = event.item_id
    item = state.conversation.items.get(item_id)
    if item is None:
        _unknown_item(event, item_id, found)
        return None
    item = _item_step(item, item_trigger, found, event)
    if item is None:
        return None
    return _check_output_index(responses, event, item_id, found), item


def _part_target(
    state: SessionState,
    event: Any,
    found: Found,
    response_trigger: str,
    item_trigger: str,
    part_type: str | None,
) -> tuple[immutables.Map[str, ResponseState], ItemState, PartState] | None:
    """Check the response, item and output index an event names, and find its part.

    A part the item does not have is reported (``content_index_out_of_range``) and, for
    lenient policy, created (as if announced). Returns ``None`` when the event must be ignored.
    """
    got = _streamed_item(state, event, found, response_trigger, item_trigger)
    if got is None:
        return None
    responses, item = got
    index = event.content_index
    content = item.content
    if 0 <= index < len(content):
        return responses, item, content[index]
    _part_out_of_range(item, index, found, event.type)
    if index != len(content):  # negative, or a gap: nothing sensible to write into
        return None
    part = PartState(type=part_type, phase="added")
    return responses, _evolve_item(item, content=(*content, part)), part


def _channel_step(
    part: PartState, channel: str, trigger: str, found: Found, event: Any
) -> tuple[str, str] | None:
    """Advance the part's lifecycle (trigger ``delta``) and one channel's; return the new
    ``(part phase, channel phase)`` or ``None`` when the event must be ignored."""
    phase = part.phase
    part_dest = _PART[0]["delta"].get(phase)
    if part_dest is None:
        part_dest = _refuse(
            _PART,
            "delta",
            phase,
            found,
            event,
            f"part {event.content_index} of item {event.item_id}",
        )
        if part_dest is None:
            return None
    channel_phase = getattr(part, f"{channel}_phase")
    channel_dest = _STREAM[0][trigger].get(channel_phase)
    if channel_dest is None:
        channel_dest = _refuse(
            _STREAM,
            trigger,
            channel_phase,
            found,
            event,
            f"the {channel} of part {event.content_index} of item {event.item_id}",
        )
        if channel_dest is None:
            return None
    return part_dest, channel_dest


# ---------------------------------------------------------------------------------------------
# Handlers: (state, event, found) -> changed attributes of SessionState
# ---------------------------------------------------------------------------------------------


def _on_session(state: SessionState, event: Any, found: Found) -> Changes:
    return {"session": event.session}


def _on_nothing(state: SessionState, event: Any, found: Found) -> Changes:
    return {}


def _on_conversation_item(state: SessionState, event: Any, found: Found) -> Changes:
    anchor = _anchor(event) if hasattr(event, "previous_item_id") else _AT_END
    conv = _receive_item(
        state,
        event.item,
        anchor=anchor,
        response_id=None,
        final=isinstance(event, ev.ConversationItemDone),
        conversation_event=True,
        found=found,
        event=event,
    )
    return {"conversation": conv}


def _on_output_item(state: SessionState, event: Any, found: Found) -> Changes:
    responses = _response_step(state, event, "output", found)
    if responses is None:
        return {}
    wire = event.item
    item_id = wire.id
    added = isinstance(event, ev.ResponseOutputItemAdded)
    old = state.conversation.items.get(item_id) if item_id is not None else None
    phase = "absent" if old is None else old.phase
    trigger = "add" if added else "finish"
    dest = _OUTPUT_ITEM[0][trigger].get(phase)
    if dest is None:
        dest = _refuse(_OUTPUT_ITEM, trigger, phase, found, event, f"item {item_id}")
        if dest is None:
            return {}
    sub = state if responses is state.responses else _evolve_state(state, responses=responses)
    conv = _receive_item(
        sub,
        wire,
        anchor=_AT_END,
        response_id=event.response_id,
        final=not added,
        conversation_event=False,
        found=found,
        event=event,
    )
    if item_id is None:
        return _changes(state, conv, responses)
    item = conv.items.get(item_id)  # None: the item was deleted; its response still lists it
    if item is not None and item.phase != dest:
        conv = _put_item(conv, _evolve_item(item, phase=dest))
    response = responses.get(event.response_id)
    if response is not None:
        ids = response.output_item_ids
        index = event.output_index
        if item_id not in ids:
            if index != len(ids):
                _bad_output_index(response, event, item_id, found)
            responses = responses.set(
                response.id, _evolve_response(response, output_item_ids=(*ids, item_id))
            )
        elif not (0 <= index < len(ids) and ids[index] == item_id):
            _bad_output_index(response, event, item_id, found)
    return _changes(state, conv, responses)


def _on_content_part_added(state: SessionState, event: Any, found: Found) -> Changes:
    responses = _response_step(state, event, "output", found)
    if responses is None:
        return {}
    conv = state.conversation
    item = conv.items.get(event.item_id)
    if item is None:
        _unknown_item(event, event.item_id, found)
        return {}
    item = _item_step(item, "part", found, event)
    if item is None:
        return {}
    responses = _check_output_index(responses, event, item.id, found)
    index = event.content_index
    where = f"item {item.id} part {index}"
    content = item.content
    if 0 <= index < len(content):
        old = content[index]
        dest = _PART[0]["add"].get(old.phase)
        if dest is None:
            dest = _refuse(_PART, "add", old.phase, found, event, f"part {index} of item {item.id}")
            if dest is None:
                return {}
        part = _evolve_part(_merge_part(old, event.part, False, found, where), phase=dest)
        return _changes(state, _set_part(conv, item, index, part), responses)
    if index < 0:
        _part_out_of_range(item, index, found, event.type)
        return {}
    if index > len(content):  # a gap: the parts before it were never announced
        _part_out_of_range(item, index, found, event.type)
        return {}
    part = _evolve_part(_part_from_wire(event.part, False, found, where), phase="added")
    item = _evolve_item(item, content=(*content, part))
    return _changes(state, _put_item(conv, item), responses)


def _on_content_part_done(state: SessionState, event: Any, found: Found) -> Changes:
    got = _part_target(state, event, found, "output", "part", event.part.type)
    if got is None:
        return {}
    responses, item, part = got
    index = event.content_index
    phase = part.phase
    dest = _PART[0]["finish"].get(phase)
    if dest is None:
        dest = _refuse(_PART, "finish", phase, found, event, f"part {index} of item {item.id}")
        if dest is None:
            return {}
    part = _evolve_part(
        _merge_part(part, event.part, True, found, f"item {item.id} part {index}"), phase=dest
    )
    return _changes(state, _set_part(state.conversation, item, index, part), responses)


def _on_text_delta(state: SessionState, event: Any, found: Found) -> Changes:
    got = _part_target(state, event, found, "delta", "delta", "text")
    if got is None:
        return {}
    responses, item, part = got
    phases = _channel_step(part, "text", "delta", found, event)
    if phases is None:
        return {}
    chunks = part.text_chunks
    part = _evolve_part(
        part,
        phase=phases[0],
        text_phase=phases[1],
        text_chunks=Chunks.of(event.delta) if chunks is None else chunks.append(event.delta),
    )
    return _changes(
        state, _set_part(state.conversation, item, event.content_index, part), responses
    )


def _mismatch(code: str, what: str, event: Any, got: str, final: str) -> tuple[str, str]:
    return (
        code,
        f"{event.type} for part {event.content_index} of item {event.item_id} gives a {what} of "
        f"{len(final)} characters that differs from the {len(got)} characters the deltas "
        f"carried ({_excerpt(got)} vs {_excerpt(final)})",
    )


def _excerpt(text: str, width: int = 40) -> str:
    return repr(text if len(text) <= width else text[: width - 3] + "...")


def _on_text_done(state: SessionState, event: Any, found: Found) -> Changes:
    got = _part_target(state, event, found, "delta", "delta", "text")
    if got is None:
        return {}
    responses, item, part = got
    before = part.text_phase
    phases = _channel_step(part, "text", "done", found, event)
    if phases is None:
        return {}
    chunks = part.text_chunks
    streamed = "" if chunks is None else chunks.value()
    if before == "streaming" and streamed != event.text:
        found.append(_mismatch("text_mismatch", "text", event, streamed, event.text))
    part = _evolve_part(
        part,
        phase=phases[0],
        text_phase=phases[1],
        text_chunks=_merge_text(chunks, event.text) or Chunks.of(""),
    )
    return _changes(
        state, _set_part(state.conversation, item, event.content_index, part), responses
    )


def _on_audio_delta(state: SessionState, event: Any, found: Found) -> Changes:
    got = _part_target(state, event, found, "delta", "delta", "audio")
    if got is None:
        return {}
    responses, item, part = got
    phases = _channel_step(part, "audio", "delta", found, event)
    if phases is None:
        return {}
    data = _b64(event.delta, found, f"item {item.id} part {event.content_index}")
    chunks = part.audio_chunks
    if part.truncated_at_ms is not None:
        # In flight when the cut came: received, never heard; the kept audio stays as cut.
        before = part.audio_bytes_before_truncation or 0
        part = _evolve_part(
            part,
            phase=phases[0],
            audio_phase=phases[1],
            audio_bytes_before_truncation=before + len(data),
        )
    else:
        part = _evolve_part(
            part,
            phase=phases[0],
            audio_phase=phases[1],
            audio_chunks=Chunks.of(data) if chunks is None else chunks.append(data),
            audio_spec=output_spec(state.session) if part.audio_spec is None else part.audio_spec,
        )
    return _changes(
        state, _set_part(state.conversation, item, event.content_index, part), responses
    )


def _on_audio_done(state: SessionState, event: Any, found: Found) -> Changes:
    got = _part_target(state, event, found, "delta", "delta", "audio")
    if got is None:
        return {}
    responses, item, part = got
    phases = _channel_step(part, "audio", "done", found, event)
    if phases is None:
        return {}
    part = _evolve_part(part, phase=phases[0], audio_phase=phases[1])
    return _changes(
        state, _set_part(state.conversation, item, event.content_index, part), responses
    )


def _on_transcript_delta(state: SessionState, event: Any, found: Found) -> Changes:
    got = _part_target(state, event, found, "delta", "delta", "audio")
    if got is None:
        return {}
    responses, item, part = got
    phases = _channel_step(part, "transcript", "delta", found, event)
    if phases is None:
        return {}
    chunks = part.transcript_chunks
    if part.truncated_at_ms is not None:
        # In flight when the cut came: said, never heard; the transcript stays cleared.
        part = _evolve_part(
            part,
            phase=phases[0],
            transcript_phase=phases[1],
            transcript_before_truncation=(part.transcript_before_truncation or "") + event.delta,
        )
    else:
        part = _evolve_part(
            part,
            phase=phases[0],
            transcript_phase=phases[1],
            transcript_chunks=(
                Chunks.of(event.delta) if chunks is None else chunks.append(event.delta)
            ),
        )
    return _changes(
        state, _set_part(state.conversation, item, event.content_index, part), responses
    )


def _on_transcript_done(state: SessionState, event: Any, found: Found) -> Changes:
    got = _part_target(state, event, found, "delta", "delta", "audio")
    if got is None:
        return {}
    responses, item, part = got
    before = part.transcript_phase
    phases = _channel_step(part, "transcript", "done", found, event)
    if phases is None:
        return {}
    changes: dict[str, Any] = {"phase": phases[0], "transcript_phase": phases[1]}
    if part.truncated_at_ms is None:
        chunks = part.transcript_chunks
        streamed = "" if chunks is None else chunks.value()
        if before == "streaming" and streamed != event.transcript:
            found.append(
                _mismatch("transcript_mismatch", "transcript", event, streamed, event.transcript)
            )
        if chunks is None or streamed != event.transcript:
            changes["transcript_chunks"] = Chunks.of(event.transcript)
    part = _evolve_part(part, **changes)
    return _changes(
        state, _set_part(state.conversation, item, event.content_index, part), responses
    )


def _call_target(
    state: SessionState, event: Any, found: Found, trigger: str
) -> tuple[immutables.Map[str, ResponseState], ItemState, str, str] | None:
    """Check the response, item and call an arguments event names.

    Returns ``(responses, item, call phase before, call phase after)`` or ``None`` when the
    event must be ignored.
    """
    got = _streamed_item(state, event, found, "delta", "delta")
    if got is None:
        return None
    responses, item = got
    item_id = item.id
    if item.call_phase is None and item.type is not None and item.type not in _CALL_TYPES:
        found.append(
            (
                "not_a_call",
                f"{event.type} for item {item_id}, which is a {item.type}, not a call",
            )
        )
        return None
    phase = item.call_phase or "open"
    dest = _CALL[0][trigger].get(phase)
    if dest is None:
        subject = f"the arguments of call {item.call_id} (item {item_id})"
        dest = _refuse(_CALL, trigger, phase, found, event, subject)
        if dest is None:
            return None
    return responses, item, phase, dest


def _on_arguments_delta(state: SessionState, event: Any, found: Found) -> Changes:
    got = _call_target(state, event, found, "delta")
    if got is None:
        return {}
    responses, item, _, dest = got
    chunks = item.arguments_chunks
    item = _evolve_item(
        item,
        call_phase=dest,
        arguments_chunks=Chunks.of(event.delta) if chunks is None else chunks.append(event.delta),
    )
    return _changes(state, _put_item(state.conversation, item), responses)


def _on_arguments_done(state: SessionState, event: Any, found: Found) -> Changes:
    got = _call_target(state, event, found, "done")
    if got is None:
        return {}
    responses, item, before, dest = got
    chunks = item.arguments_chunks
    streamed = "" if chunks is None else chunks.value()
    changes: dict[str, Any] = {"call_phase": dest}
    if streamed != event.arguments:
        if before == "streaming":
            found.append(
                (
                    "arguments_mismatch",
                    f"{event.type} for call {item.call_id} (item {item.id}) gives arguments "
                    f"{_excerpt(event.arguments)} that differ from the deltas joined "
                    f"{_excerpt(streamed)}",
                )
            )
        changes["arguments_chunks"] = Chunks.of(event.arguments)
    name = getattr(event, "name", None)
    if item.name is None and name is not None:
        changes["name"] = name
    return _changes(state, _put_item(state.conversation, _evolve_item(item, **changes)), responses)


def _item_status(status: str) -> Callable[[SessionState, Any, Found], Changes]:
    def handler(state: SessionState, event: Any, found: Found) -> Changes:
        item = state.conversation.items.get(event.item_id)
        if item is None:
            _unknown_item(event, event.item_id, found)
            return {}
        better = _better_status(item.status, status)
        if better == item.status:
            return {}
        return {"conversation": _put_item(state.conversation, _evolve_item(item, status=better))}

    return handler


def _on_truncated(state: SessionState, event: Any, found: Found) -> Changes:
    conv = state.conversation
    if event.audio_end_ms < 0:
        found.append(
            (
                "invalid_truncation",
                f"{event.type} for item {event.item_id} cuts at audio_end_ms "
                f"{event.audio_end_ms}, which is negative",
            )
        )
        return {}
    got = _get_part(conv, event.item_id, event.content_index, found, event.type)
    if got is None:
        return {}
    item, part = got
    spec = part.audio_spec
    keep = (output_spec(state.session) if spec is None else spec).bytes_for_ms(event.audio_end_ms)
    audio_chunks = part.audio_chunks
    if audio_chunks is not None and audio_chunks.size > keep:
        audio_chunks = Chunks.of(audio_chunks.value()[:keep])
    before = part.transcript if part.truncated_at_ms is None else part.transcript_before_truncation
    part = _evolve_part(
        part,
        audio_chunks=audio_chunks,
        transcript_chunks=Chunks.of(""),
        truncated_at_ms=event.audio_end_ms,
        transcript_before_truncation=before,
        audio_bytes_before_truncation=(
            part.audio_bytes if part.truncated_at_ms is None else part.audio_bytes_before_truncation
        ),
    )
    return {"conversation": _set_part(conv, item, event.content_index, part)}


def _on_deleted(state: SessionState, event: Any, found: Found) -> Changes:
    conv = state.conversation
    item_id = event.item_id
    if item_id not in conv.items:
        _unknown_item(event, item_id, found)
        return {}
    if item_id in conv.links:
        conv = _unlink(conv, item_id)
    return {
        "conversation": _evolve_conv(
            conv,
            items=conv.items.delete(item_id),
            deleted=conv.deleted.set(item_id, event.event_id),
        )
    }


def _apply_transcription(conv: _Conversation, event: Any, found: Found) -> _Conversation:
    item = conv.items[event.item_id]
    index = event.content_index if event.content_index is not None else 0
    content = list(item.content)
    if index < 0 or index > len(content):  # held before the item came, and does not fit it
        _part_out_of_range(item, index, found, event.type)
        return conv
    if index == len(content):
        content.append(PartState(type="input_audio", status="done", phase="done"))
    part = content[index]
    if isinstance(event, ev.InputAudioTranscriptionDelta):
        delta = event.delta
        if not delta or part.transcription_status in ("completed", "failed"):
            # an empty delta changes nothing; a late delta never undoes a completion
            return (
                conv
                if len(content) == len(item.content)
                else _evolve_conv(
                    conv, items=conv.items.set(item.id, _evolve_item(item, content=tuple(content)))
                )
            )
        chunks = part.transcript_chunks
        part = _evolve_part(
            part,
            transcript_chunks=Chunks.of(delta) if chunks is None else chunks.append(delta),
            transcription_status="in_progress",
            transcription_logprobs=event.logprobs or part.transcription_logprobs,
        )
    elif isinstance(event, ev.InputAudioTranscriptionCompleted):
        part = _evolve_part(
            part,
            transcript_chunks=Chunks.of(event.transcript),
            transcription_status="completed",
            transcription_usage=event.usage,
            transcription_logprobs=event.logprobs or part.transcription_logprobs,
        )
    elif isinstance(event, ev.InputAudioTranscriptionFailed):
        part = _evolve_part(part, transcription_status="failed", transcription_error=event.error)
    else:  # segment
        part = _evolve_part(part, transcription_segments=(*part.transcription_segments, event))
    content[index] = part
    item = _evolve_item(item, content=tuple(content))
    return _evolve_conv(conv, items=conv.items.set(item.id, item))


def _on_transcription_completed(
    state: SessionState, event: Any, found: Found, index: int
) -> Changes:
    conv = state.conversation
    item = conv.items.get(event.item_id)
    position = event.content_index if event.content_index is not None else 0
    done_before = (
        item is not None
        and 0 <= position < len(item.content)
        and item.content[position].transcription_status == "completed"
    ) or any(
        isinstance(held, ev.InputAudioTranscriptionCompleted)
        and (held.content_index or 0) == position
        for held in conv.pending.get(event.item_id, ())
    )
    if done_before:
        found.append(
            (
                "duplicate_done",
                f"{event.type} for part {position} of item {event.item_id}, whose transcription "
                "was already completed (it is not billed twice)",
            )
        )
        return {}
    changes = _on_transcription(state, event, found)
    if "conversation" not in changes:  # refused
        return changes
    record = TranscriptionRecord(
        index=index,
        item_id=event.item_id,
        content_index=event.content_index if event.content_index is not None else 0,
        usage=event.usage,
        session=state.session,
    )
    changes["transcription_log"] = state.transcription_log.append(record)
    return changes


def _transcription_index_ok(conv: _Conversation, event: Any, found: Found) -> bool:
    """An input transcription names part ``content_index`` (0 when absent): it must not be
    negative, and for an item present it must be a part it has or the next one."""
    index = event.content_index if event.content_index is not None else 0
    item = conv.items.get(event.item_id)
    if item is not None:
        if 0 <= index <= len(item.content):
            return True
        _part_out_of_range(item, index, found, event.type)
        return False
    if index >= 0:
        return True
    found.append(
        (
            "content_index_out_of_range",
            f"{event.type} for item {event.item_id} names content_index {index}, which is negative",
        )
    )
    return False


def _on_transcription(state: SessionState, event: Any, found: Found) -> Changes:
    conv = state.conversation
    if not _transcription_index_ok(conv, event, found):
        return {}
    if event.item_id in conv.items:
        return {"conversation": _apply_transcription(conv, event, found)}
    held = conv.pending.get(event.item_id, ())
    return {
        "conversation": _evolve_conv(conv, pending=conv.pending.set(event.item_id, (*held, event)))
    }


def _turn_step(state: SessionState, event: Any, trigger: str, found: Found) -> str | None:
    """Advance the input-turn lifecycle; ``None`` when the event must be ignored."""
    phase = state.input_audio.phase
    dest = _TURN[0][trigger].get(phase)
    if dest is None:
        subject = f"item {getattr(event, 'item_id', None)}"
        dest = _refuse(_TURN, trigger, phase, found, event, subject)
    return dest


def _on_speech_started(state: SessionState, event: Any, found: Found) -> Changes:
    phase = _turn_step(state, event, "speech_started", found)
    if phase is None:  # pragma: no cover - every refusal of this trigger recovers
        return {}
    return {
        "input_audio": _evolve_input(
            state.input_audio,
            phase=phase,
            speaking=True,
            audio_start_ms=event.audio_start_ms,
            audio_end_ms=None,
            item_id=event.item_id,
        )
    }


def _on_speech_stopped(state: SessionState, event: Any, found: Found) -> Changes:
    phase = _turn_step(state, event, "speech_stopped", found)
    if phase is None:  # pragma: no cover - every refusal of this trigger recovers
        return {}
    return {
        "input_audio": _evolve_input(
            state.input_audio,
            phase=phase,
            speaking=False,
            audio_end_ms=event.audio_end_ms,
            item_id=event.item_id,
        )
    }


def _on_committed(state: SessionState, event: Any, found: Found) -> Changes:
    buf = state.input_audio
    return {
        "input_audio": _evolve_input(
            buf,
            phase=_turn_step(state, event, "commit", found),
            speaking=False,
            item_id=event.item_id,
            committed_item_ids=(*buf.committed_item_ids, event.item_id),
        )
    }


def _on_cleared(state: SessionState, event: Any, found: Found) -> Changes:
    buf = state.input_audio
    return {
        "input_audio": _evolve_input(
            buf,
            phase=_turn_step(state, event, "clear", found),
            speaking=False,
            item_id=None,
            cleared=buf.cleared + 1,
        )
    }


def _on_timeout(state: SessionState, event: Any, found: Found) -> Changes:
    buf = state.input_audio
    return {
        "input_audio": _evolve_input(
            buf,
            phase=_turn_step(state, event, "timeout", found),
            speaking=False,
            audio_start_ms=event.audio_start_ms,
            audio_end_ms=event.audio_end_ms,
            item_id=event.item_id,
            timeouts=buf.timeouts + 1,
        )
    }


def _on_dtmf(state: SessionState, event: Any, found: Found) -> Changes:
    buf = state.input_audio
    return {"input_audio": _evolve_input(buf, dtmf=(*buf.dtmf, event.event))}


def _on_output_audio_buffer(state: SessionState, event: Any, found: Found) -> Changes:
    return {}


def _is_out_of_band(response: ev.Response) -> bool:
    return response.conversation_id is None and "conversation_id" in response.explicit_nulls


def _on_response_created(state: SessionState, event: Any, found: Found, index: int) -> Changes:
    wire = event.response
    response_id = wire.id
    if response_id is None:
        found.append(("missing_response_id", "response.created carries a response without an id"))
        return {}
    old = state.responses.get(response_id)
    phase = "absent" if old is None else old.phase
    dest = _RESPONSE[0]["create"].get(phase)
    if dest is None:
        dest = _refuse(_RESPONSE, "create", phase, found, event, f"response {response_id}")
        if dest is None:
            return {}
    out_of_band = _is_out_of_band(wire)
    response = ResponseState(
        id=response_id,
        status=wire.status,
        phase=dest,
        status_details=wire.status_details,
        usage=wire.usage,
        conversation_id=wire.conversation_id,
        out_of_band=out_of_band,
        metadata=wire.metadata,
        created_index=index,
    )
    changes: Changes = {"responses": state.responses.set(response_id, response)}
    if not out_of_band:
        conversation = state.conversation_phase
        if _CONVERSATION[0]["response_created"].get(conversation) is None:
            subject = (
                f"response {response_id} while response {state.active_response_id} is still "
                "in progress"
            )
            _refuse(_CONVERSATION, "response_created", conversation, found, event, subject)
        changes["active_response_id"] = response_id
    return changes


def _on_response_done(state: SessionState, event: Any, found: Found, index: int) -> Changes:
    wire = event.response
    response_id = wire.id
    if response_id is None:
        found.append(("missing_response_id", "response.done carries a response without an id"))
        return {}
    response = state.responses.get(response_id)
    phase = "absent" if response is None else response.phase
    trigger = _DONE_TRIGGER.get(wire.status or "completed", "done_completed")
    dest = _RESPONSE[0][trigger].get(phase)
    if dest is None:
        dest = _refuse(_RESPONSE, trigger, phase, found, event, f"response {response_id}")
        if dest is None:
            return {}
    if response is None:  # lenient: the response is recorded from the payload
        response = ResponseState(
            id=response_id, out_of_band=_is_out_of_band(wire), conversation_id=wire.conversation_id
        )
    # Reconcile the output: merge every item listed, add the ones not seen yet.
    sub = _evolve_state(state, responses=state.responses.set(response_id, response))
    output_ids = list(response.output_item_ids)
    for item in wire.output or ():
        if item.id is None:
            continue
        conv = _receive_item(
            sub,
            item,
            anchor=_AT_END,
            response_id=response_id,
            final=False,
            conversation_event=False,
            found=found,
            event=event,
        )
        sub = _evolve_state(sub, conversation=conv)
        if item.id not in output_ids:
            output_ids.append(item.id)
    response = _evolve_response(
        response,
        status=wire.status if wire.status is not None else dest,
        phase=dest,
        status_details=wire.status_details,
        usage=wire.usage,
        conversation_id=wire.conversation_id
        if wire.conversation_id is not None
        else response.conversation_id,
        metadata=wire.metadata if wire.metadata is not None else response.metadata,
        output_item_ids=tuple(output_ids),
        done_index=index,
    )
    changes: Changes = {
        "conversation": sub.conversation,
        "responses": state.responses.set(response_id, response),
        "usage": state.usage.plus(wire.usage),
    }
    if state.active_response_id == response_id:
        changes["active_response_id"] = None
    return changes


def _on_rate_limits(state: SessionState, event: Any, found: Found) -> Changes:
    limits = {}
    for i, limit in enumerate(event.rate_limits):
        key = limit.name if limit.name is not None else f"#{i}"
        limits[key] = RateLimitState(
            name=limit.name,
            limit=limit.limit,
            remaining=limit.remaining,
            reset_seconds=limit.reset_seconds,
        )
    return {"rate_limits": immutabledict(limits)}  # small, replaced whole: keep server order


def _on_error(state: SessionState, event: Any, found: Found, index: int) -> Changes:
    err = event.error
    record = ErrorRecord(
        index=index,
        type=err.type,
        code=err.code,
        message=err.message,
        param=err.param,
        event_id=err.event_id,
        server_event_id=event.event_id,
    )
    return {"error_log": state.error_log.append(record)}


_HANDLERS: dict[type, Callable[[SessionState, Any, Found], Changes]] = {
    ev.SessionCreated: _on_session,
    ev.SessionUpdated: _on_session,
    ev.TranscriptionSessionCreated: _on_session,
    ev.TranscriptionSessionUpdated: _on_session,
    ev.ConversationCreated: _on_nothing,
    ev.ConversationItemCreated: _on_conversation_item,
    ev.ConversationItemAdded: _on_conversation_item,
    ev.ConversationItemDone: _on_conversation_item,
    ev.ConversationItemRetrieved: _on_conversation_item,
    ev.ConversationItemTruncated: _on_truncated,
    ev.ConversationItemDeleted: _on_deleted,
    ev.InputAudioTranscriptionDelta: _on_transcription,
    ev.InputAudioTranscriptionFailed: _on_transcription,
    ev.InputAudioTranscriptionSegment: _on_transcription,
    ev.InputAudioBufferSpeechStarted: _on_speech_started,
    ev.InputAudioBufferSpeechStopped: _on_speech_stopped,
    ev.InputAudioBufferCommitted: _on_committed,
    ev.InputAudioBufferCleared: _on_cleared,
    ev.InputAudioBufferTimeoutTriggered: _on_timeout,
    ev.InputAudioBufferDtmfEventReceived: _on_dtmf,
    ev.OutputAudioBufferStarted: _on_output_audio_buffer,
    ev.OutputAudioBufferStopped: _on_output_audio_buffer,
    ev.OutputAudioBufferCleared: _on_output_audio_buffer,
    ev.ResponseOutputItemAdded: _on_output_item,
    ev.ResponseOutputItemDone: _on_output_item,
    ev.ResponseContentPartAdded: _on_content_part_added,
    ev.ResponseContentPartDone: _on_content_part_done,
    ev.ResponseTextDelta: _on_text_delta,
    ev.ResponseOutputTextDelta: _on_text_delta,
    ev.ResponseTextDone: _on_text_done,
    ev.ResponseOutputTextDone: _on_text_done,
    ev.ResponseAudioDelta: _on_audio_delta,
    ev.ResponseOutputAudioDelta: _on_audio_delta,
    ev.ResponseAudioDone: _on_audio_done,
    ev.ResponseOutputAudioDone: _on_audio_done,
    ev.ResponseAudioTranscriptDelta: _on_transcript_delta,
    ev.ResponseOutputAudioTranscriptDelta: _on_transcript_delta,
    ev.ResponseAudioTranscriptDone: _on_transcript_done,
    ev.ResponseOutputAudioTranscriptDone: _on_transcript_done,
    ev.ResponseFunctionCallArgumentsDelta: _on_arguments_delta,
    ev.ResponseFunctionCallArgumentsDone: _on_arguments_done,
    ev.ResponseMcpCallArgumentsDelta: _on_arguments_delta,
    ev.ResponseMcpCallArgumentsDone: _on_arguments_done,
    ev.ResponseMcpCallInProgress: _item_status("in_progress"),
    ev.ResponseMcpCallCompleted: _item_status("completed"),
    ev.ResponseMcpCallFailed: _item_status("failed"),
    ev.McpListToolsInProgress: _item_status("in_progress"),
    ev.McpListToolsCompleted: _item_status("completed"),
    ev.McpListToolsFailed: _item_status("failed"),
    ev.RateLimitsUpdated: _on_rate_limits,
}
# Handlers that need the event's index.
_INDEXED_HANDLERS: dict[type, Callable[[SessionState, Any, Found, int], Changes]] = {
    ev.ResponseCreated: _on_response_created,
    ev.ResponseDone: _on_response_done,
    ev.InputAudioTranscriptionCompleted: _on_transcription_completed,
    ev.Error: _on_error,
}


def _as_event(event: Event | RawEvent, index: int) -> Any:
    if isinstance(event, (str, bytes, bytearray, memoryview)) or hasattr(event, "keys"):
        try:
            return decode(event)  # type: ignore[arg-type]
        except DecodeError as exc:
            raise exc.at_index(index) from None
    return event


def reduce(state: SessionState, event: Event | RawEvent) -> SessionState:
    """Return the state after ``event``; ``state`` itself never changes.

    ``event`` is a decoded event or raw JSON (``str``, ``bytes``, mapping). A raw event that
    cannot be decoded raises :class:`~realtime_state.DecodeError` naming the event's index.
    In strict policy a protocol violation raises :class:`ProtocolViolation`; in lenient
    policy it is recorded in ``state.violations`` and the event is applied as far as is safe.
    """
    index = state.event_count
    cls = event.__class__
    handler = _HANDLERS.get(cls)
    found: Found = []
    if handler is not None:
        changes = handler(state, event, found)
    else:
        indexed = _INDEXED_HANDLERS.get(cls)
        if indexed is not None:
            changes = indexed(state, event, found, index)
        elif cls is ev.UnknownEvent:
            changes = {}
        else:
            decoded = _as_event(event, index)
            if decoded is event:
                raise TypeError(
                    f"reduce() expects a server event or its JSON, got {type(event).__name__}"
                )
            return reduce(state, decoded)
    if found:
        violations = [
            Violation(
                index=index,
                event_type=event.type,  # type: ignore[union-attr]
                event_id=event.event_id,  # type: ignore[union-attr]
                code=code,
                message=message,
            )
            for code, message in found
        ]
        if state.policy == STRICT:
            raise ProtocolViolation(violations[0])
        log = state.violation_log
        for violation in violations:
            log = log.append(violation)
        changes["violation_log"] = log
    changes["event_count"] = index + 1
    return _evolve_state(state, **changes)


def replay(
    events: Iterable[Event | RawEvent], policy: str = LENIENT, *, upto: int | None = None
) -> SessionState:
    """Fold a stream of events (decoded or raw) into a state, from an empty one.

    ``upto=N`` stops after the first ``N`` events, without reading further (so it never
    blocks on, or consumes, event ``N`` of a live stream).
    """
    if upto is not None:
        if upto < 0:
            raise ValueError(f"upto must be >= 0, not {upto}")
        events = itertools.islice(events, upto)
    state = SessionState(policy=policy)
    for event in events:
        state = reduce(state, event)
    return state


def history(
    events: Iterable[Event | RawEvent], policy: str = LENIENT
) -> Iterator[tuple[int, Any, SessionState]]:
    """Lazily yield ``(index, event, state)`` with ``state`` the state right after the event."""
    state = SessionState(policy=policy)
    for index, event in enumerate(events):
        decoded = _as_event(event, index)
        state = reduce(state, decoded)
        yield index, decoded, state
