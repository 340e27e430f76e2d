"""Drive each lifecycle with real wire events, from a state where its object is in any phase.

``BASE`` is a GA session in the middle of response ``resp_R``: the assistant message
``item_I`` (announced, streaming text into part 0) and the function call ``item_C``
(announced, arguments streaming). For each lifecycle a :class:`Driver` knows how to put its
object into a phase (``put``), read the phase back (``read``) and build the event that fires a
trigger in the current state (``event``). Only the object under test is moved; everything
else stays in a phase where the event is legal, so the first violation an event yields (if
any) is the one that lifecycle's table predicts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs

from realtime_state import SessionState, replay
from realtime_state.lifecycles import (
    CONTENT_PART,
    CONVERSATION,
    FUNCTION_CALL,
    INPUT_TURN,
    OUTPUT_ITEM,
    RESPONSE,
    STREAM,
    TRANSCRIPTION,
    Lifecycle,
)
from realtime_state.state import ItemState, PartState
from realtime_state.testing.wire import OMIT, SequentialIds, WireBuilder

R, MSG, C, CALL_ID = "resp_R", "item_I", "item_C", "call_C"

IDS = SequentialIds(start=0)
WIRE = WireBuilder("ga", ids=IDS, session_id="sess_1", conversation_id="conv_1")


def _response(response_id: str, status: str) -> dict[str, Any]:
    usage = (
        None
        if status == "in_progress"
        else {"total_tokens": 3, "input_tokens": 2, "output_tokens": 1}
    )
    return WIRE.response(response_id, status, usage=usage, minimal=True)


def _created(response_id: str) -> dict[str, Any]:
    return WIRE.response_created(_response(response_id, "in_progress"))


def _done(response_id: str, status: str) -> dict[str, Any]:
    return WIRE.response_done(_response(response_id, status))


def _message(status: str) -> dict[str, Any]:
    return WIRE.message("assistant", item_id=MSG, status=status)


def _call(status: str, arguments: str) -> dict[str, Any]:
    return WIRE.function_call("lookup", arguments, item_id=C, call_id=CALL_ID, status=status)


def _output_item(kind: str, index: int, item: dict[str, Any]) -> dict[str, Any]:
    if kind == "added":
        return WIRE.output_item_added(R, item, index)
    return WIRE.output_item_done(R, item, index)


def _part(kind: str, index: int) -> dict[str, Any]:
    part = {"type": "text", "text": ""}
    if kind == "added":
        return WIRE.content_part_added(R, MSG, part, content_index=index)
    return WIRE.content_part_done(R, MSG, part, content_index=index)


def _text(kind: str, **fields: Any) -> dict[str, Any]:
    if kind == "delta":
        return WIRE.text_delta(R, MSG, fields["delta"])
    return WIRE.text_done(R, MSG, fields["text"])


def _arguments(kind: str, **fields: Any) -> dict[str, Any]:
    if kind == "delta":
        return WIRE.arguments_delta(R, C, CALL_ID, fields["delta"], output_index=1)
    return WIRE.arguments_done(R, C, CALL_ID, fields["arguments"], fields["name"], output_index=1)


BASE_EVENTS: list[dict[str, Any]] = [
    WIRE.session_created({"type": "realtime", "id": "sess_1", "model": "gpt-realtime"}),
    _created(R),
    _output_item("added", 0, _message("in_progress")),
    _part("added", 0),
    _text("delta", delta="Hel"),
    _output_item("added", 1, _call("in_progress", "")),
    _arguments("delta", delta='{"q":'),
]


def base_state(policy: str) -> SessionState:
    """The base state (no violation) in the given policy."""
    return replay([json.dumps(e) for e in BASE_EVENTS], policy=policy)


# --- moving one object ------------------------------------------------------------------------


def _item(state: SessionState, item_id: str) -> Any:
    item = state.item(item_id)
    assert item is not None
    return item


def _put_item(state: SessionState, item: Any) -> SessionState:
    conv = state.conversation
    return attrs.evolve(state, conversation=attrs.evolve(conv, items=conv.items.set(item.id, item)))


def _put_part(state: SessionState, **changes: Any) -> SessionState:
    item = _item(state, MSG)
    part = attrs.evolve(item.content[0], **changes)
    return _put_item(state, attrs.evolve(item, content=(part, *item.content[1:])))


def _put_response(state: SessionState, phase: str) -> SessionState:
    if phase == "absent":
        return attrs.evolve(state, responses=state.responses.delete(R), active_response_id=None)
    response = attrs.evolve(state.responses[R], phase=phase, status=phase)
    final = phase != "in_progress"
    return attrs.evolve(
        state,
        responses=state.responses.set(R, response),
        active_response_id=None if final else R,
    )


def _read_response(state: SessionState) -> str:
    response = state.responses.get(R)
    return "absent" if response is None else response.phase


def _response_event(state: SessionState, trigger: str) -> dict[str, Any] | None:
    if trigger == "create":
        return _created(R)
    if trigger == "output":
        return _part("added", len(_item(state, MSG).content))
    if trigger == "delta":
        return _text("delta", delta="x")
    return _done(R, trigger.removeprefix("done_"))


_fresh = iter(range(10**9))


def _conversation_event(state: SessionState, trigger: str) -> dict[str, Any] | None:
    if trigger == "response_created":
        return _created(f"resp_{next(_fresh)}")
    active = state.active_response_id
    if active is None:
        return None  # nothing can end a response that is not running
    return _done(active, "completed")


def _put_conversation(state: SessionState, phase: str) -> SessionState:
    return attrs.evolve(state, active_response_id=R if phase == "responding" else None)


def _output_item_event(state: SessionState, trigger: str) -> dict[str, Any] | None:
    if trigger == "add":
        return _output_item("added", 0, _message("in_progress"))
    if trigger == "part":
        return _part("added", len(_item(state, MSG).content))
    if trigger == "delta":
        return _text("delta", delta="x")
    return _output_item("done", 0, _message("completed"))


def _part_event(state: SessionState, trigger: str) -> dict[str, Any] | None:
    if trigger == "add":
        return _part("added", 0)
    if trigger == "delta":
        return _text("delta", delta="x")
    return _part("done", 0)


def _stream_event(state: SessionState, trigger: str) -> dict[str, Any] | None:
    if trigger == "delta":
        return _text("delta", delta="x")
    return _text("done", text=_item(state, MSG).content[0].text)


def _call_event(state: SessionState, trigger: str) -> dict[str, Any] | None:
    arguments = _item(state, C).arguments or ""
    if trigger == "delta":
        return _arguments("delta", delta=" 1")
    if trigger == "done":
        return _arguments("done", arguments=arguments, name="lookup")
    if trigger == "item_done":
        return WIRE.conversation_item_done(_call("completed", arguments), OMIT)
    output = WIRE.function_call_output(CALL_ID, "42", item_id=f"item_out_{next(_fresh)}")
    return WIRE.conversation_item_added(output, C)


def _turn_event(state: SessionState, trigger: str) -> dict[str, Any] | None:
    if trigger == "speech_started":
        return WIRE.speech_started("item_U", 100)
    if trigger == "speech_stopped":
        return WIRE.speech_stopped("item_U", 900)
    if trigger == "timeout":
        return WIRE.timeout_triggered("item_U", 0, 5000)
    if trigger == "commit":
        return WIRE.committed("item_U", C)
    return WIRE.input_audio_cleared()


USER = "item_U"


def _put_transcription(state: SessionState, phase: str) -> SessionState:
    part = PartState(
        type="input_audio",
        status="done",
        phase="done",
        transcription_status=None if phase == "absent" else phase,
    )
    item = ItemState(id=USER, type="message", role="user", status="completed", content=(part,))
    state = _put_item(state, item)
    conv = state.conversation
    if USER in conv.links:
        return state
    tail = conv.tail
    assert tail is not None
    links = conv.links.set(tail, (conv.links[tail][0], USER)).set(USER, (tail, None))
    return attrs.evolve(
        state, conversation=attrs.evolve(conv, links=links, tail=USER, size=conv.size + 1)
    )


def _read_transcription(state: SessionState) -> str:
    item = state.item(USER)
    return "absent" if item is None else item.content[0].transcription_status or "absent"


def _transcription_event(state: SessionState, trigger: str) -> dict[str, Any] | None:
    if trigger == "delta":
        return WIRE.transcription_delta(USER, "hel")
    if trigger == "complete":
        return WIRE.transcription_completed(USER, "hello")
    if trigger == "fail":
        return WIRE.transcription_failed(USER)
    return WIRE.event(
        "conversation.item.input_audio_transcription.segment",
        item_id=USER,
        content_index=0,
        text="hello",
        id="seg_1",
        speaker="A",
        start=0.0,
        end=0.5,
    )


@attrs.frozen
class Driver:
    """How to move, read and trigger one lifecycle's object (see the module docstring)."""

    lifecycle: Lifecycle
    put: Callable[[SessionState, str], SessionState]
    read: Callable[[SessionState], str]
    event: Callable[[SessionState, str], dict[str, Any] | None]


DRIVERS: dict[str, Driver] = {
    "response": Driver(RESPONSE, _put_response, _read_response, _response_event),
    "conversation": Driver(
        CONVERSATION, _put_conversation, lambda s: s.conversation_phase, _conversation_event
    ),
    "output_item": Driver(
        OUTPUT_ITEM,
        lambda s, p: _put_item(s, attrs.evolve(_item(s, MSG), phase=p)),
        lambda s: _item(s, MSG).phase,
        _output_item_event,
    ),
    "content_part": Driver(
        CONTENT_PART,
        lambda s, p: _put_part(s, phase=p),
        lambda s: _item(s, MSG).content[0].phase,
        _part_event,
    ),
    "stream": Driver(
        STREAM,
        lambda s, p: _put_part(s, text_phase=p),
        lambda s: _item(s, MSG).content[0].text_phase,
        _stream_event,
    ),
    "function_call": Driver(
        FUNCTION_CALL,
        lambda s, p: _put_item(s, attrs.evolve(_item(s, C), call_phase=p)),
        lambda s: _item(s, C).call_phase,
        _call_event,
    ),
    "input_turn": Driver(
        INPUT_TURN,
        lambda s, p: attrs.evolve(
            s, input_audio=attrs.evolve(s.input_audio, phase=p, speaking=p == "speaking")
        ),
        lambda s: s.input_audio.phase,
        _turn_event,
    ),
    "transcription": Driver(
        TRANSCRIPTION, _put_transcription, _read_transcription, _transcription_event
    ),
}
