"""Known faults to inject into a legal server event stream (pure functions, no hypothesis).

Each fault kind has a ``positions`` function (where in a stream it can be injected) and an
``apply`` function that returns the broken stream with the index and code of the violation
the reducer must report first. Every fault changes the stream only at or after the index it
announces (a removed event shifts what follows), so everything before that index stays
legal: a strict replay raises exactly there, and the first violation a lenient replay
records is exactly that one. The expected codes follow the lifecycle tables in
:mod:`realtime_state.lifecycles` and the reducer's reference checks.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import attrs

__all__ = ["Fault", "FAULT_KINDS", "fault_positions", "inject_fault"]

Event = dict[str, Any]


@attrs.frozen(slots=True)
class Fault:
    """One injected fault: the violation a replay must report first.

    ``code`` is the violation code, ``index`` the 0-based index of the event it must be
    reported at (a strict replay raises there; it is a lenient replay's first violation),
    ``kind`` the fault's name (a key of :data:`FAULT_KINDS`) and ``description`` a sentence.
    """

    kind: str
    code: str
    index: int
    event_type: str
    """The type of the event at ``index``."""
    description: str


_TEXT_DELTAS = frozenset({"response.text.delta", "response.output_text.delta"})
_AUDIO_DELTAS = frozenset({"response.audio.delta", "response.output_audio.delta"})
_TRANSCRIPT_DELTAS = frozenset(
    {"response.audio_transcript.delta", "response.output_audio_transcript.delta"}
)
_PART_DELTAS = _TEXT_DELTAS | _AUDIO_DELTAS | _TRANSCRIPT_DELTAS
_ARGUMENT_DELTAS = frozenset(
    {"response.function_call_arguments.delta", "response.mcp_call_arguments.delta"}
)
_DELTAS = _PART_DELTAS | _ARGUMENT_DELTAS
_DONES: dict[str, tuple[str, str, frozenset[str]]] = {
    "response.text.done": ("text", "text_mismatch", _TEXT_DELTAS),
    "response.output_text.done": ("text", "text_mismatch", _TEXT_DELTAS),
    "response.audio_transcript.done": ("transcript", "transcript_mismatch", _TRANSCRIPT_DELTAS),
    "response.output_audio_transcript.done": (
        "transcript",
        "transcript_mismatch",
        _TRANSCRIPT_DELTAS,
    ),
    "response.function_call_arguments.done": (
        "arguments",
        "arguments_mismatch",
        frozenset({"response.function_call_arguments.delta"}),
    ),
}
_ITEM_REFERENCES = (
    _DELTAS
    | frozenset(_DONES)
    | frozenset(
        {
            "response.audio.done",
            "response.output_audio.done",
            "response.content_part.added",
            "response.content_part.done",
            "response.mcp_call_arguments.done",
        }
    )
)
"""Events that name an output item by ``item_id`` and check its lifecycle."""
_RESPONSE_REFERENCES = _ITEM_REFERENCES | frozenset(
    {"response.output_item.added", "response.output_item.done"}
)
"""Events whose ``response_id`` the reducer checks (``output_audio_buffer.*`` are not)."""
_PLACING = frozenset(
    {"conversation.item.created", "conversation.item.added", "conversation.item.done"}
)


def _fresh(position: int, salt: str) -> str:
    return f"event_FAULT{salt}{position:0>12}"


def _again(event: Event, position: int, salt: str = "C") -> Event:
    copied = copy.deepcopy(event)
    if "event_id" in copied:
        copied["event_id"] = _fresh(position, salt)
    return copied


def _insert(events: Sequence[Event], position: int, event: Event) -> list[Event]:
    return [*events[:position], event, *events[position:]]


def _names_response(event: Event, response_id: str) -> bool:
    kind = event["type"]
    if kind == "response.done":
        return bool(event["response"].get("id") == response_id)
    return kind in _RESPONSE_REFERENCES and event.get("response_id") == response_id


def _is_ga(events: Sequence[Event]) -> bool:
    """Whether a stream is GA: its session object says its ``type``; else no beta names."""
    for event in events:
        if event["type"] in ("session.created", "session.updated"):
            return "type" in event["session"]
        if event["type"].startswith("transcription_session."):
            return False
    return not any(
        e["type"] in ("conversation.item.created", "response.text.delta", "response.audio.delta")
        for e in events
    )


def _out_of_band(response: dict[str, Any]) -> bool:
    return "conversation_id" in response and response["conversation_id"] is None


def _indices(events: Sequence[Event], *types: str) -> list[int]:
    wanted = frozenset(types)
    return [i for i, e in enumerate(events) if e["type"] in wanted]


Applied = tuple[list[Event], int, str, str]
"""``(events, index, code, description)``."""


# --- insertions anywhere -----------------------------------------------------------------------


def _anywhere(events: Sequence[Event]) -> list[int]:
    return list(range(len(events) + 1))


def _unknown_item_deleted(events: Sequence[Event], p: int) -> Applied:
    event = {"type": "conversation.item.deleted", "event_id": _fresh(p, "D"), "item_id": "item_X"}
    return _insert(events, p, event), p, "unknown_item", "deletes item_X, which never existed"


def _unknown_item_truncated(events: Sequence[Event], p: int) -> Applied:
    event = {
        "type": "conversation.item.truncated",
        "event_id": _fresh(p, "T"),
        "item_id": "item_X",
        "content_index": 0,
        "audio_end_ms": 500,
    }
    return _insert(events, p, event), p, "unknown_item", "truncates item_X, which never existed"


def _item_event(events: Sequence[Event], item: dict[str, Any], p: int) -> Event:
    if _is_ga(events):
        return {"type": "conversation.item.added", "event_id": _fresh(p, "I"), "item": item}
    return {
        "type": "conversation.item.created",
        "event_id": _fresh(p, "I"),
        "item": {"object": "realtime.item", **item},
    }


def _unknown_call(events: Sequence[Event], p: int) -> Applied:
    item = {"id": "item_OUT", "type": "function_call_output", "call_id": "call_X", "output": "{}"}
    return (
        _insert(events, p, _item_event(events, item, p)),
        p,
        "unknown_call",
        "adds the output of call_X, which no function call has",
    )


def _unknown_anchor(events: Sequence[Event], p: int) -> Applied:
    item = {
        "id": "item_ANCHORED",
        "type": "message",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_text", "text": "Hello?"}],
    }
    event = _item_event(events, item, p)
    event["previous_item_id"] = "item_NOWHERE"
    return (
        _insert(events, p, event),
        p,
        "unknown_anchor",
        "places a user item after item_NOWHERE, which never existed",
    )


def _unknown_response_done(events: Sequence[Event], p: int) -> Applied:
    event = {
        "type": "response.done",
        "event_id": _fresh(p, "R"),
        "response": {
            "object": "realtime.response",
            "id": "resp_X",
            "status": "completed",
            "status_details": None,
            "output": [],
            "usage": {"total_tokens": 3, "input_tokens": 2, "output_tokens": 1},
        },
    }
    return (
        _insert(events, p, event),
        p,
        "unknown_response",
        "finishes resp_X, which was never created",
    )


# --- duplicates ------------------------------------------------------------------------------


def _duplicate(code: str, what: str) -> Callable[[Sequence[Event], int], Applied]:
    def apply(events: Sequence[Event], p: int) -> Applied:
        return (
            _insert(events, p + 1, _again(events[p], p + 1)),
            p + 1,
            code,
            f"repeats the {what} at event #{p}",
        )

    return apply


def _in_conversation_created(events: Sequence[Event]) -> list[int]:
    return [
        i for i in _indices(events, "response.created") if not _out_of_band(events[i]["response"])
    ]


def _second_active_response(events: Sequence[Event], p: int) -> Applied:
    second = _again(events[p], p + 1)
    second["response"]["id"] = "resp_SECOND"
    return (
        _insert(events, p + 1, second),
        p + 1,
        "response_already_active",
        f"creates resp_SECOND while {events[p]['response']['id']} runs",
    )


# --- removals ----------------------------------------------------------------------------------


def _referenced_later(events: Sequence[Event], p: int) -> int | None:
    response_id = events[p]["response"]["id"]
    return next(
        (j for j in range(p + 1, len(events)) if _names_response(events[j], response_id)), None
    )


def _missing_created_positions(events: Sequence[Event]) -> list[int]:
    return [
        i for i in _indices(events, "response.created") if _referenced_later(events, i) is not None
    ]


def _missing_response_created(events: Sequence[Event], p: int) -> Applied:
    j = _referenced_later(events, p)
    assert j is not None
    response_id = events[p]["response"]["id"]
    rest = [*events[:p], *events[p + 1 :]]
    return rest, j - 1, "unknown_response", f"drops the response.created of {response_id}"


def _speech_stopped_after(events: Sequence[Event], p: int) -> int | None:
    for j in range(p + 1, len(events)):
        kind = events[j]["type"]
        if kind == "input_audio_buffer.speech_started":
            return None
        if kind == "input_audio_buffer.speech_stopped":
            return j
    return None


def _missing_speech_positions(events: Sequence[Event]) -> list[int]:
    return [
        i
        for i in _indices(events, "input_audio_buffer.speech_started")
        if _speech_stopped_after(events, i) is not None
    ]


def _missing_speech_started(events: Sequence[Event], p: int) -> Applied:
    j = _speech_stopped_after(events, p)
    assert j is not None
    rest = [*events[:p], *events[p + 1 :]]
    return rest, j - 1, "speech_not_started", f"drops the speech_started at event #{p}"


def _first_item_reference(events: Sequence[Event], p: int) -> tuple[int, bool] | None:
    """The first event after ``p`` whose lifecycle check names the item announced at ``p``,
    and whether a ``conversation.item.*`` event placed the item before it."""
    item_id = events[p]["item"]["id"]
    placed = False
    for j in range(p + 1, len(events)):
        event = events[j]
        kind = event["type"]
        if kind in _PLACING and event["item"].get("id") == item_id:
            placed = True
        elif kind in _ITEM_REFERENCES and event.get("item_id") == item_id:
            return j, placed
        elif kind == "response.output_item.done" and event["item"].get("id") == item_id:
            return j, True
    return None


def _missing_item_positions(events: Sequence[Event]) -> list[int]:
    return [
        i
        for i in _indices(events, "response.output_item.added")
        if _first_item_reference(events, i) is not None
    ]


def _missing_output_item_added(events: Sequence[Event], p: int) -> Applied:
    found = _first_item_reference(events, p)
    assert found is not None
    j, placed = found
    code = "output_item_not_added" if placed else "unknown_item"
    rest = [*events[:p], *events[p + 1 :]]
    return rest, j - 1, code, f"drops the response.output_item.added of {events[p]['item']['id']}"


# --- events after their object is done ---------------------------------------------------------


def _last_before(events: Sequence[Event], p: int, match: Callable[[Event], bool]) -> int | None:
    return next((j for j in range(p - 1, -1, -1) if match(events[j])), None)


def _done_response_id(event: Event) -> str:
    return str(event["response"].get("id"))


def _delta_of_response(events: Sequence[Event], p: int) -> int | None:
    response_id = _done_response_id(events[p])
    return _last_before(
        events, p, lambda e: e["type"] in _DELTAS and e.get("response_id") == response_id
    )


def _delta_after_response_positions(events: Sequence[Event]) -> list[int]:
    return [
        i for i in _indices(events, "response.done") if _delta_of_response(events, i) is not None
    ]


def _delta_after_response_done(events: Sequence[Event], p: int) -> Applied:
    j = _delta_of_response(events, p)
    assert j is not None
    return (
        _insert(events, p + 1, _again(events[j], p + 1)),
        p + 1,
        "delta_after_done",
        f"repeats the {events[j]['type']} of event #{j} after its response is done",
    )


def _delta_of_part(events: Sequence[Event], p: int) -> int | None:
    done = events[p]
    return _last_before(
        events,
        p,
        lambda e: (
            e["type"] in _PART_DELTAS
            and e.get("item_id") == done["item_id"]
            and e.get("content_index") == done["content_index"]
        ),
    )


def _delta_after_part_positions(events: Sequence[Event]) -> list[int]:
    return [
        i
        for i in _indices(events, "response.content_part.done")
        if _delta_of_part(events, i) is not None
    ]


def _delta_after_part_done(events: Sequence[Event], p: int) -> Applied:
    j = _delta_of_part(events, p)
    assert j is not None
    return (
        _insert(events, p + 1, _again(events[j], p + 1)),
        p + 1,
        "delta_after_done",
        f"repeats the {events[j]['type']} of event #{j} after its part is done",
    )


def _output_item_done_of(events: Sequence[Event], p: int) -> int | None:
    response_id = _done_response_id(events[p])
    return _last_before(
        events,
        p,
        lambda e: e["type"] == "response.output_item.done" and e["response_id"] == response_id,
    )


def _output_after_response_positions(events: Sequence[Event]) -> list[int]:
    return [
        i for i in _indices(events, "response.done") if _output_item_done_of(events, i) is not None
    ]


def _output_item_after_response_done(events: Sequence[Event], p: int) -> Applied:
    j = _output_item_done_of(events, p)
    assert j is not None
    return (
        _insert(events, p + 1, _again(events[j], p + 1)),
        p + 1,
        "event_after_done",
        f"repeats the response.output_item.done of event #{j} after its response is done",
    )


# --- altered events ------------------------------------------------------------------------------


def _streamed_before(events: Sequence[Event], p: int) -> bool:
    done = events[p]
    kinds = _DONES[done["type"]][2]
    return any(
        e["type"] in kinds
        and e.get("item_id") == done["item_id"]
        and e.get("content_index") == done.get("content_index")
        for e in events[:p]
    )


def _mismatch_positions(events: Sequence[Event]) -> list[int]:
    return [i for i in _indices(events, *_DONES) if _streamed_before(events, i)]


def _done_differs(events: Sequence[Event], p: int) -> Applied:
    changed = list(events)
    event = copy.deepcopy(events[p])
    field, code, _ = _DONES[event["type"]]
    event[field] += "!"
    changed[p] = event
    return changed, p, code, f"makes the {field} of event #{p} differ from its deltas"


def _alter(field: str, value: Any, code: str) -> Callable[[Sequence[Event], int], Applied]:
    def apply(events: Sequence[Event], p: int) -> Applied:
        changed = list(events)
        changed[p] = {**events[p], field: value}
        return changed, p, code, f"sets {field} of event #{p} to {value!r}"

    return apply


def _part_deltas(events: Sequence[Event]) -> list[int]:
    return _indices(events, *_PART_DELTAS)


def _all_deltas(events: Sequence[Event]) -> list[int]:
    return _indices(events, *_DELTAS)


def _audio_deltas(events: Sequence[Event]) -> list[int]:
    return _indices(events, *_AUDIO_DELTAS)


def _argument_deltas(events: Sequence[Event]) -> list[int]:
    return _indices(events, "response.function_call_arguments.delta")


def _output_before_arguments_done(events: Sequence[Event], p: int) -> Applied:
    call_id = events[p]["call_id"]
    item = {"id": "item_EARLY", "type": "function_call_output", "call_id": call_id, "output": "{}"}
    return (
        _insert(events, p + 1, _item_event(events, item, p + 1)),
        p + 1,
        "output_before_arguments_done",
        f"answers call {call_id} while its arguments still stream",
    )


_Table = dict[
    str, tuple[Callable[[Sequence[Event]], list[int]], Callable[[Sequence[Event], int], Applied]]
]

_FAULTS: _Table = {
    "unknown_item_deleted": (_anywhere, _unknown_item_deleted),
    "unknown_item_truncated": (_anywhere, _unknown_item_truncated),
    "unknown_call": (_anywhere, _unknown_call),
    "unknown_anchor": (_anywhere, _unknown_anchor),
    "unknown_response_done": (_anywhere, _unknown_response_done),
    "duplicate_response_done": (
        lambda events: _indices(events, "response.done"),
        _duplicate("duplicate_done", "response.done"),
    ),
    "missing_response_created": (_missing_created_positions, _missing_response_created),
    "second_active_response": (_in_conversation_created, _second_active_response),
    "duplicate_output_item_added": (
        lambda events: _indices(events, "response.output_item.added"),
        _duplicate("output_item_already_added", "response.output_item.added"),
    ),
    "missing_output_item_added": (_missing_item_positions, _missing_output_item_added),
    "duplicate_output_item_done": (
        lambda events: _indices(events, "response.output_item.done"),
        _duplicate("duplicate_done", "response.output_item.done"),
    ),
    "duplicate_content_part_added": (
        lambda events: _indices(events, "response.content_part.added"),
        _duplicate("part_already_added", "response.content_part.added"),
    ),
    "duplicate_content_part_done": (
        lambda events: _indices(events, "response.content_part.done"),
        _duplicate("duplicate_done", "response.content_part.done"),
    ),
    "delta_after_response_done": (_delta_after_response_positions, _delta_after_response_done),
    "delta_after_part_done": (_delta_after_part_positions, _delta_after_part_done),
    "output_item_after_response_done": (
        _output_after_response_positions,
        _output_item_after_response_done,
    ),
    "done_differs_from_deltas": (_mismatch_positions, _done_differs),
    "content_index_out_of_range": (
        _part_deltas,
        _alter("content_index", 7, "content_index_out_of_range"),
    ),
    "output_index_out_of_range": (
        _all_deltas,
        _alter("output_index", 9, "output_index_out_of_range"),
    ),
    "invalid_audio": (_audio_deltas, _alter("delta", "not*base64", "invalid_audio")),
    "missing_speech_started": (_missing_speech_positions, _missing_speech_started),
    "speech_started_twice": (
        lambda events: _indices(events, "input_audio_buffer.speech_started"),
        _duplicate("speech_already_started", "input_audio_buffer.speech_started"),
    ),
    "output_before_arguments_done": (_argument_deltas, _output_before_arguments_done),
}

FAULT_KINDS: tuple[str, ...] = tuple(_FAULTS)
"""Every fault :func:`inject_fault` knows, simplest (insertable anywhere) first."""


def fault_positions(events: Sequence[Event], kind: str) -> list[int]:
    """Where fault ``kind`` can be injected into ``events`` (empty when nowhere)."""
    try:
        positions, _ = _FAULTS[kind]
    except KeyError:
        raise ValueError(
            f"unknown fault kind {kind!r}; choose from {', '.join(FAULT_KINDS)}"
        ) from None
    return positions(events)


def inject_fault(events: Sequence[Event], kind: str, position: int) -> tuple[list[Event], Fault]:
    """Inject fault ``kind`` at ``position`` (one of :func:`fault_positions`) into a legal
    stream of JSON-ready dicts (a generated stream, or a recording read with
    ``json.loads``); return the new stream (the input is not changed) and the
    :class:`Fault`. On a stream that replays strictly without a violation, a strict replay
    of the new one raises ``fault.code`` at ``fault.index`` and a lenient replay records it
    first."""
    if position not in fault_positions(events, kind):
        raise ValueError(f"fault {kind!r} cannot be injected at position {position}")
    broken, index, code, description = _FAULTS[kind][1](events, position)
    return broken, Fault(kind, code, index, broken[index]["type"], description)
