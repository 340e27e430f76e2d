"""From the wire to the state: new items and parts, and later copies merged into them.

A later copy of an item (``conversation.item.done`` / ``.retrieved``,
``response.output_item.done``, ``response.done``'s output) never erases text, transcript,
audio or arguments that were accumulated, and never lowers a status
(``lifecycles.better_status``); a copy that contradicts a final value is reported and the
final value kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import events as ev
from .. import lifecycles as lc
from .._persistent import Chunks
from ..formats import input_spec, output_spec
from ..lifecycles import (
    CALL_IDENTITY_FIELDS,
    CONTENT_PART,
    FINAL_ROLES,
    FINAL_STATUSES,
    FUNCTION_CALL,
    Entry,
    Phase,
    Subject,
)
from ..state import ItemState, PartState, SessionState, _Conversation
from ._common import (
    Found,
    ServerEvent,
    b64,
    canonical,
    chunks,
    evolve_conv,
    evolve_item,
    evolve_part,
    put_item,
    report,
    step,
)
from ._input import apply_transcription
from ._order import link

CALL_TYPES = frozenset({"function_call", "mcp_call"})
"""Item types whose arguments stream (the FUNCTION_CALL lifecycle)."""

_COPIED_FIELDS = (
    "name",
    "call_id",
    "output",
    "server_label",
    "tools",
    "approval_request_id",
    "approve",
    "reason",
    "error",
)


def part_from_wire(
    part: ev.ContentPart, final: bool, found: Found, item_id: str, index: int
) -> PartState:
    """New part ``index`` of item ``item_id``; ``final``: it arrives inside a finished item."""
    audio = part.audio
    return PartState(
        type=canonical(part.type),
        status="done" if final else "in_progress",
        phase=CONTENT_PART.enter(Entry.FINAL if final else Entry.STREAMING),
        text_chunks=chunks(part.text),
        transcript_chunks=chunks(part.transcript),
        audio_chunks=Chunks.of(b64(audio, found, item_id, index)) if audio else None,
        image_url=part.image_url,
        detail=part.detail,
        reference_id=part.id,
    )


def with_audio_spec(part: PartState, session: Any, role: str | None) -> PartState:
    """A part whose audio came inside a payload (not as deltas) learns its format: the
    session's input format for user audio, its output format for the rest."""
    if part.audio_chunks is None or part.audio_spec is not None:
        return part
    user = part.type == "input_audio" or role == "user"
    return evolve_part(part, audio_spec=input_spec(session) if user else output_spec(session))


def merge_text(old: Chunks[str] | None, new: str | None) -> Chunks[str] | None:
    """A later copy replaces accumulated text only with something non-empty."""
    if new is None or (new == "" and old is not None):
        return old
    if old is not None and old.value() == new:
        return old
    return Chunks.of(new)


def differs(final: Chunks[str] | None, copy: str | None) -> bool:
    """Whether a later copy's non-empty value contradicts a channel's final value."""
    return bool(copy) and final is not None and final.value() != copy


def _copy_mismatch(
    found: Found, code: str, what: str, where: str, final: str, copy: str | None, item_id: str
) -> None:
    message = lc.message(
        "copy_mismatch",
        where=where,
        what=what,
        copy=lc.excerpt(copy or ""),
        final=lc.excerpt(final),
    )
    found.append((code, message, (item_id,)))


def merge_part(
    old: PartState, part: ev.ContentPart, final: bool, found: Found, item_id: str, index: int
) -> PartState:
    """A later copy of part ``index`` of item ``item_id`` merged into the one the state
    holds."""
    where = f"item {item_id} part {index}"
    truncated = old.truncated_at_ms is not None
    audio_chunks = old.audio_chunks
    if part.audio and audio_chunks is None:
        audio_chunks = Chunks.of(b64(part.audio, found, item_id, index))
    text = part.text
    if old.text_phase == Phase.DONE and differs(old.text_chunks, text):
        _copy_mismatch(found, lc.Code.TEXT_MISMATCH, "text", where, old.text, text, item_id)
        text = None  # a finished channel keeps its final value
    transcript = part.transcript
    if truncated or (
        old.transcript_phase == Phase.DONE and differs(old.transcript_chunks, transcript)
    ):
        if not truncated:
            _copy_mismatch(
                found,
                lc.Code.TRANSCRIPT_MISMATCH,
                "transcript",
                where,
                old.transcript or "",
                transcript,
                item_id,
            )
        transcript = None
    return evolve_part(
        old,
        type=canonical(part.type) if part.type is not None else old.type,
        status="done" if final else old.status,
        text_chunks=merge_text(old.text_chunks, text),
        transcript_chunks=merge_text(old.transcript_chunks, transcript),
        audio_chunks=audio_chunks,
        image_url=part.image_url if part.image_url is not None else old.image_url,
        detail=part.detail if part.detail is not None else old.detail,
        reference_id=part.id if part.id is not None else old.reference_id,
    )


def _all_done(parts: Iterable[PartState]) -> tuple[PartState, ...]:
    return tuple(p if p.status == "done" else evolve_part(p, status="done") for p in parts)


def _parts_final(status: str | None, role: str | None) -> bool:
    return status in FINAL_STATUSES or role in FINAL_ROLES


def _call_entry(announced: bool, status: str | None) -> str:
    """Where a call starts in the FUNCTION_CALL lifecycle."""
    if announced:
        return FUNCTION_CALL.enter(Entry.ANNOUNCED)
    return FUNCTION_CALL.enter(Entry.IN_PROGRESS if status == "in_progress" else Entry.COMPLETE)


def item_from_wire(
    wire: ev.Item, response_id: str | None, in_conversation: bool, found: Found, announced: bool
) -> ItemState:
    """A new item from its wire form; ``announced``: it comes from
    ``response.output_item.added`` (a call's arguments will stream)."""
    if isinstance(wire, ev.UnknownObject):
        return ItemState(
            id=wire.id or "",
            type=canonical(wire.type),
            response_id=response_id,
            in_conversation=in_conversation,
            unknown=wire,
        )
    kind = wire.type
    if isinstance(wire, ev.MessageItem):
        final = _parts_final(wire.status, wire.role)
        content = tuple(
            part_from_wire(p, final, found, wire.id or "", i)
            for i, p in enumerate(wire.content or ())
        )
        return ItemState(
            id=canonical(wire.id or ""),
            type=canonical(kind),
            role=canonical(wire.role),
            status=canonical(wire.status),
            content=content,
            response_id=canonical(response_id),
            in_conversation=in_conversation,
        )
    status = getattr(wire, "status", None)
    return ItemState(
        id=canonical(wire.id or ""),
        type=canonical(kind),
        status=canonical(status),
        call_phase=_call_entry(announced, status) if kind in CALL_TYPES else None,
        arguments_chunks=chunks(getattr(wire, "arguments", None)),
        response_id=canonical(response_id),
        in_conversation=in_conversation,
        name=canonical(getattr(wire, "name", None)),
        call_id=canonical(getattr(wire, "call_id", None)),
        output=getattr(wire, "output", None),
        server_label=getattr(wire, "server_label", None),
        tools=getattr(wire, "tools", None),
        approval_request_id=getattr(wire, "approval_request_id", None),
        approve=getattr(wire, "approve", None),
        reason=getattr(wire, "reason", None),
        error=getattr(wire, "error", None),
    )


def merge_item(old: ItemState, wire: ev.Item, found: Found) -> ItemState:
    """Merge a later copy of an item: never regress status, never erase accumulated data."""
    if isinstance(wire, ev.UnknownObject):
        return evolve_item(old, unknown=wire)
    status = canonical(lc.better_status(old.status, getattr(wire, "status", None)))
    changes: dict[str, Any] = {"status": status}
    if isinstance(wire, ev.MessageItem):
        final = _parts_final(status, wire.role or old.role)
        parts = list(old.content)
        for i, part in enumerate(wire.content or ()):
            if i < len(parts):
                parts[i] = merge_part(parts[i], part, final, found, old.id, i)
            else:
                parts.append(part_from_wire(part, final, found, old.id, i))
        changes["content"] = _all_done(parts) if final else tuple(parts)
        if wire.role is not None:
            changes["role"] = canonical(wire.role)
    else:
        for name in _COPIED_FIELDS:
            value = getattr(wire, name, None)
            if value is None:
                continue
            held = getattr(old, name)
            if name in CALL_IDENTITY_FIELDS and held is not None and value != held:
                # a copy naming another call contradicts the item: the first value is kept
                # (the call index and the outputs already matched to it stay right)
                report(
                    found,
                    lc.Code.CALL_MISMATCH,
                    item_id=old.id,
                    field=name,
                    copy=lc.excerpt(str(value)),
                    final=lc.excerpt(held),
                )
                continue
            if value != held:  # an equal copy keeps the value held (one object)
                changes[name] = canonical(value)
        arguments = getattr(wire, "arguments", None)
        if old.call_phase in lc.ARGUMENTS_FINAL and differs(old.arguments_chunks, arguments):
            _copy_mismatch(
                found,
                lc.Code.ARGUMENTS_MISMATCH,
                "arguments",
                f"item {old.id}",
                old.arguments or "",
                arguments,
                old.id,
            )
            arguments = None  # final arguments are kept
        changes["arguments_chunks"] = merge_text(old.arguments_chunks, arguments)
        if old.call_phase is not None and getattr(wire, "status", None) in FINAL_STATUSES:
            # a finished copy of a call closes its arguments (always legal)
            changes["call_phase"] = FUNCTION_CALL.step(old.call_phase, "item_done").dest
        elif old.call_phase is None and wire.type in CALL_TYPES:
            changes["call_phase"] = _call_entry(False, status)
    if old.type is None:
        changes["type"] = canonical(wire.type)
    return evolve_item(old, **changes)


def receive_item(
    state: SessionState,
    wire: ev.Item,
    *,
    anchor: Any,
    response_id: str | None,
    final: bool,
    conversation_event: bool,
    announced: bool,
    found: Found,
    event: ServerEvent,
) -> _Conversation:
    """Create or merge an item and place it if it is not placed yet.

    Items of an out-of-band response stay out of the conversation unless a
    ``conversation.item.*`` event (``conversation_event``) places them. A new function call
    is indexed by its ``call_id``; a new function-call output answers its call; input
    transcriptions held for the item are applied.
    """
    conv = state.conversation
    item_id = wire.id
    if item_id is None:
        report(found, lc.Code.MISSING_ITEM_ID, kind=wire.type)
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
        item = item_from_wire(wire, response_id, in_conversation, found, announced)
    else:
        item = merge_item(old, wire, found)
        if response_id is not None and item.response_id is None:
            item = evolve_item(item, response_id=response_id)
        if conversation_event and not old.in_conversation:
            item = evolve_item(item, in_conversation=True)
    if final and item.type == "message":
        item = evolve_item(item, content=_all_done(item.content))
    if any(p.audio_chunks is not None and p.audio_spec is None for p in item.content):
        session = state.session
        content = tuple(with_audio_spec(p, session, item.role) for p in item.content)
        item = evolve_item(item, content=content)
    conv = put_item(conv, item)
    if item.in_conversation and item_id not in conv.links:
        conv = link(conv, item_id, anchor, found)
    call_id = item.call_id
    if call_id is not None:
        if item.type == "function_call":
            indexed = conv.calls.get(call_id)
            if indexed is None:
                conv = evolve_conv(conv, calls=conv.calls.set(call_id, item_id))
            elif indexed != item_id:  # call ids are unique: the first call keeps its id
                report(
                    found,
                    lc.Code.DUPLICATE_CALL_ID,
                    event=event.type,
                    item_id=item_id,
                    call_id=call_id,
                    other_id=indexed,
                )
        elif old is None and item.type == "function_call_output":
            conv = _answer_call(conv, call_id, found, event)
    pending = conv.pending.get(item_id)
    if pending is not None:
        conv = evolve_conv(conv, pending=conv.pending.delete(item_id))
        for held in pending:
            conv = apply_transcription(conv, held, found)
    return conv


def _answer_call(
    conv: _Conversation, call_id: str, found: Found, event: ServerEvent
) -> _Conversation:
    """A function-call output arrived: advance its call's lifecycle."""
    call_item_id = conv.calls.get(call_id)
    if call_item_id is None:
        report(found, lc.Code.UNKNOWN_CALL, event=event.type, call_id=call_id)
        return conv
    call = conv.items.get(call_item_id)
    if call is None:  # the call was deleted; its output may still be given
        return conv
    phase = call.call_phase or Phase.ARGUMENTS_DONE
    subject = Subject.CALL
    dest = step(FUNCTION_CALL, phase, "output", found, event, subject, call_id, call.id)
    if dest is None or dest == call.call_phase:  # the table recovers every refusal of "output"
        return conv
    return put_item(conv, evolve_item(call, call_phase=dest))
