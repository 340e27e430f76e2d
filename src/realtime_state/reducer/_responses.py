"""Responses and what they produce: ``response.created`` / ``.done``, output items and
content parts, and the checks every streamed event makes on the response, the item and the
output index it names."""

from __future__ import annotations

from collections.abc import Callable

from .. import events as ev
from .. import lifecycles as lc
from ..lifecycles import CONTENT_PART, CONVERSATION, OUTPUT_ITEM, RESPONSE, Entry, Phase, Subject
from ..state import ItemState, OutputAudioBufferState, PartState, ResponseState, SessionState
from ._common import (
    Changes,
    Found,
    OutputEvent,
    PartEvent,
    Responses,
    ServerEvent,
    StreamedEvent,
    canonical,
    changes,
    evolve_item,
    evolve_part,
    evolve_response,
    evolve_state,
    part_out_of_range,
    put_item,
    report,
    set_part,
    step,
    unknown_item,
)
from ._merge import merge_part, part_from_wire, receive_item, with_audio_spec
from ._order import AT_END


def response_step(
    state: SessionState, event: OutputEvent, trigger: str, found: Found
) -> Responses | None:
    """Check the response an output or delta event names.

    Returns the responses map (with a placeholder when lenient policy recovers a response
    that was never created), or ``None`` when the event must be ignored.
    """
    responses = state.responses
    response_id = event.response_id
    response = responses.get(response_id)
    phase = Phase.ABSENT if response is None else response.phase
    answer = RESPONSE.steps[trigger][phase]
    if answer.code is None:
        return responses
    dest = step(RESPONSE, phase, trigger, found, event, Subject.RESPONSE, response_id)
    if dest is None:
        return None
    return responses.set(response_id, ResponseState(id=response_id, status=dest, phase=dest))


def item_step(item: ItemState, trigger: str, found: Found, event: ServerEvent) -> ItemState | None:
    """Advance the output-item lifecycle; ``None`` when the event must be ignored."""
    phase = item.phase
    dest = step(OUTPUT_ITEM, phase, trigger, found, event, Subject.ITEM, item.id)
    if dest is None:
        return None
    return item if dest == phase else evolve_item(item, phase=dest)


def _bad_output_index(
    response: ResponseState, event: OutputEvent, item_id: str, found: Found
) -> None:
    ids = response.output_item_ids
    index = event.output_index
    if index < 0 or index >= len(ids) + (item_id not in ids):
        report(
            found,
            lc.Code.OUTPUT_INDEX_OUT_OF_RANGE,
            event=event.type,
            item_id=item_id,
            index=index,
            response_id=response.id,
            count=len(ids),
        )
    else:
        report(
            found,
            lc.Code.OUTPUT_INDEX_MISMATCH,
            event=event.type,
            item_id=item_id,
            index=index,
            other=ids[index],  # the callers handle an unlisted item at the next free index
            response_id=response.id,
        )


def _check_output_index(
    responses: Responses, event: OutputEvent, item_id: str, found: Found
) -> Responses:
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
            response.id, evolve_response(response, output_item_ids=(*ids, canonical(item_id)))
        )
    _bad_output_index(response, event, item_id, found)
    return responses


def _foreign(found: Found, event: ServerEvent, item: ItemState, response_id: str) -> bool:
    """Report an event that names, as output of ``response_id``, an item of another one."""
    owner = item.response_id
    if owner is None or owner == response_id:
        return False
    report(
        found,
        lc.Code.ITEM_OF_ANOTHER_RESPONSE,
        event=event.type,
        item_id=item.id,
        response_id=response_id,
        owner_id=owner,
    )
    return True


def streamed_item(
    state: SessionState,
    event: StreamedEvent,
    found: Found,
    response_trigger: str,
    item_trigger: str,
) -> tuple[Responses, ItemState] | None:
    """Check the response, the output item and the output index a streamed event names.

    Returns the responses map (with lenient recoveries) and the item (its output-item phase
    advanced, and its response set when it had none), or ``None`` when the event must be
    ignored.
    """
    item_id = event.item_id
    item = state.conversation.items.get(item_id)
    if item is not None and item.response_id is not None and item.response_id != event.response_id:
        _foreign(found, event, item, event.response_id)
        return None
    responses = response_step(state, event, response_trigger, found)
    if responses is None:
        return None
    if item is None:
        unknown_item(found, event, item_id)
        return None
    item = item_step(item, item_trigger, found, event)
    if item is None:
        return None
    responses = _check_output_index(responses, event, item_id, found)
    if item.response_id is None:  # a conversation item the response streams into
        response = responses.get(event.response_id)
        if response is not None and item_id in response.output_item_ids:
            item = evolve_item(item, response_id=event.response_id)
    return responses, item


def part_target(
    state: SessionState, event: PartEvent, found: Found, trigger: str, part_type: str | None
) -> tuple[Responses, ItemState, PartState] | None:
    """Check the response, item and output index an event for a part names, and find the part.

    ``trigger`` is both the response's and the output item's (``output`` / ``part`` for
    ``response.content_part.done``, ``delta`` for deltas and their dones). A part the item
    does not have is reported (``content_index_out_of_range``) and, for lenient policy,
    created (as if announced) when it is the next one. ``None``: the event must be ignored.
    """
    item_trigger = "part" if trigger == "output" else trigger
    got = streamed_item(state, event, found, trigger, item_trigger)
    if got is None:
        return None
    responses, item = got
    index = event.content_index
    content = item.content
    if 0 <= index < len(content):
        return responses, item, content[index]
    part_out_of_range(found, event, item.id, index, len(item.content))
    if index != len(content):  # negative, or a gap: nothing sensible to write into
        return None
    part = PartState(type=part_type, phase=CONTENT_PART.enter(Entry.RECOVERED))
    return responses, evolve_item(item, content=(*content, part)), part


# --- handlers -------------------------------------------------------------------------------


def _is_out_of_band(response: ev.Response) -> bool:
    return response.conversation_id is None and "conversation_id" in response.explicit_nulls


def _response_event_step(
    state: SessionState, event: ev.ResponseCreated | ev.ResponseDone, trigger: str, found: Found
) -> tuple[ev.Response, str, ResponseState | None, str] | None:
    """Fire ``trigger`` for the response an event carries: ``(wire, id, response held,
    destination)``, or ``None`` when the event must be ignored (no id, or refused)."""
    wire = event.response
    response_id = wire.id
    if response_id is None:
        report(found, lc.Code.MISSING_RESPONSE_ID, event=event.type)
        return None
    response = state.responses.get(response_id)
    phase = Phase.ABSENT if response is None else response.phase
    dest = step(RESPONSE, phase, trigger, found, event, Subject.RESPONSE, response_id)
    return None if dest is None else (wire, response_id, response, dest)


def on_response_created(state: SessionState, event: ev.ResponseCreated, found: Found) -> Changes:
    """A response starts; an in-conversation one becomes the active response."""
    got = _response_event_step(state, event, "create", found)
    if got is None:
        return {}
    wire, response_id, _, dest = got
    out_of_band = _is_out_of_band(wire)
    response = ResponseState(
        id=canonical(response_id),
        status=canonical(wire.status),
        phase=dest,
        status_details=wire.status_details,
        usage=wire.usage,
        conversation_id=canonical(wire.conversation_id),
        out_of_band=out_of_band,
        metadata=wire.metadata,
        created_index=state.event_count,
    )
    out: Changes = {"responses": state.responses.set(response_id, response)}
    if not out_of_band:
        subject = Subject.SECOND_RESPONSE
        active = state.active_response_id
        phase = state.conversation_phase
        if step(
            CONVERSATION, phase, "response_created", found, event, subject, response_id, active
        ):
            out["active_response_id"] = response_id
    return out


def on_response_done(state: SessionState, event: ev.ResponseDone, found: Found) -> Changes:
    """A response ends: its status, usage and output (every item listed is merged)."""
    status = event.response.status or "completed"
    got = _response_event_step(state, event, lc.DONE_TRIGGERS.get(status, "done_completed"), found)
    if got is None:
        return {}
    wire, response_id, response, dest = got
    if response is None:  # lenient: the response is recorded from the payload
        response = ResponseState(
            id=canonical(response_id),
            out_of_band=_is_out_of_band(wire),
            conversation_id=canonical(wire.conversation_id),
        )
    # Reconcile the output: merge every item listed, add the ones not seen yet.
    sub = evolve_state(state, responses=state.responses.set(response_id, response))
    output_ids = list(response.output_item_ids)
    for item in wire.output or ():
        if item.id is None:
            continue
        held = sub.conversation.items.get(item.id)
        if held is not None and _foreign(found, event, held, response_id):
            continue
        conv = receive_item(
            sub,
            item,
            anchor=AT_END,
            response_id=response_id,
            final=False,
            conversation_event=False,
            announced=False,
            found=found,
            event=event,
        )
        sub = evolve_state(sub, conversation=conv)
        if item.id not in output_ids:
            output_ids.append(canonical(item.id))
    response = evolve_response(
        response,
        status=canonical(wire.status) if wire.status is not None else dest,
        phase=dest,
        status_details=wire.status_details,
        usage=wire.usage,
        conversation_id=canonical(wire.conversation_id)
        if wire.conversation_id is not None
        else response.conversation_id,
        metadata=wire.metadata if wire.metadata is not None else response.metadata,
        output_item_ids=tuple(output_ids),
        done_index=state.event_count,
    )
    out: Changes = {
        "conversation": sub.conversation,
        "responses": state.responses.set(response_id, response),
        "usage": state.usage.plus(wire.usage),
    }
    if state.active_response_id == response_id:  # the running response: the conversation idles
        conversation = step(
            CONVERSATION, state.conversation_phase, "response_done", found, event, response_id
        )
        if conversation == Phase.IDLE:
            out["active_response_id"] = None
    return out


BufferEvent = (
    ev.OutputAudioBufferStarted | ev.OutputAudioBufferStopped | ev.OutputAudioBufferCleared
)


def on_output_audio_buffer(phase: str) -> Callable[[SessionState, BufferEvent, Found], Changes]:
    """WebRTC/SIP ``output_audio_buffer.<phase>``: the server's buffer of assistant audio
    (``started``, ``stopped``, ``cleared``), kept as the last event reported it."""

    def handler(
        state: SessionState,
        event: BufferEvent,
        found: Found,
    ) -> Changes:
        return {
            "output_audio_buffer": OutputAudioBufferState(
                phase=phase, response_id=event.response_id
            )
        }

    return handler


def on_output_item(
    state: SessionState,
    event: ev.ResponseOutputItemAdded | ev.ResponseOutputItemDone,
    found: Found,
) -> Changes:
    """``response.output_item.added`` / ``.done``: the item, its place in the response."""
    responses = response_step(state, event, "output", found)
    if responses is None:
        return {}
    wire = event.item
    item_id = wire.id
    added = isinstance(event, ev.ResponseOutputItemAdded)
    old = state.conversation.items.get(item_id) if item_id is not None else None
    if old is not None and _foreign(found, event, old, event.response_id):
        return {}
    phase = Phase.ABSENT if old is None else old.phase
    dest = step(
        OUTPUT_ITEM, phase, "add" if added else "finish", found, event, Subject.ITEM, item_id
    )
    if dest is None:
        return {}
    sub = state if responses is state.responses else evolve_state(state, responses=responses)
    conv = receive_item(
        sub,
        wire,
        anchor=AT_END,
        response_id=event.response_id,
        final=not added,
        conversation_event=False,
        announced=added,
        found=found,
        event=event,
    )
    if item_id is None:
        return changes(state, conv, responses, event.response_id)
    item = conv.items.get(item_id)  # None: the item was deleted; its response still lists it
    if item is not None and item.phase != dest:
        conv = put_item(conv, evolve_item(item, phase=dest))
    response = responses.get(event.response_id)
    if response is not None:
        ids = response.output_item_ids
        index = event.output_index
        if item_id not in ids:
            if index != len(ids):
                _bad_output_index(response, event, item_id, found)
            responses = responses.set(
                response.id, evolve_response(response, output_item_ids=(*ids, canonical(item_id)))
            )
        elif not (0 <= index < len(ids) and ids[index] == item_id):
            _bad_output_index(response, event, item_id, found)
    return changes(state, conv, responses, event.response_id)


def on_content_part_added(
    state: SessionState, event: ev.ResponseContentPartAdded, found: Found
) -> Changes:
    """``response.content_part.added``: a new part of an output item."""
    got = streamed_item(state, event, found, "output", "part")
    if got is None:
        return {}
    responses, item = got
    index = event.content_index
    content = item.content
    if 0 <= index < len(content):
        return _part_copy(state, event, found, responses, item, content[index], "add")
    if index != len(content):  # negative, or a gap: the parts before it were never announced
        part_out_of_range(found, event, item.id, index, len(item.content))
        return {}
    dest = CONTENT_PART.step(Phase.ABSENT, "add").dest
    part = evolve_part(part_from_wire(event.part, False, found, item.id, index), phase=dest)
    part = with_audio_spec(part, state.session, item.role)
    item = evolve_item(item, content=(*content, part))
    return changes(state, put_item(state.conversation, item), responses, event.response_id)


def on_content_part_done(
    state: SessionState, event: ev.ResponseContentPartDone, found: Found
) -> Changes:
    """``response.content_part.done``: the part's final copy."""
    got = part_target(state, event, found, "output", event.part.type)
    if got is None:
        return {}
    responses, item, part = got
    return _part_copy(state, event, found, responses, item, part, "finish")


def _part_copy(
    state: SessionState,
    event: ev.ResponseContentPartAdded | ev.ResponseContentPartDone,
    found: Found,
    responses: Responses,
    item: ItemState,
    part: PartState,
    trigger: str,
) -> Changes:
    """A content-part event for a part the item has: fire ``trigger`` (``add`` or
    ``finish``) and merge the event's copy of the part (final for ``finish``)."""
    index = event.content_index
    subject = Subject.PART
    dest = step(CONTENT_PART, part.phase, trigger, found, event, subject, index, item.id)
    if dest is None:
        return {}
    final = trigger == "finish"
    part = evolve_part(merge_part(part, event.part, final, found, item.id, index), phase=dest)
    part = with_audio_spec(part, state.session, item.role)
    conv = set_part(state.conversation, item, index, part)
    return changes(state, conv, responses, event.response_id)
