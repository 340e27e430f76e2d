"""Fault injection: take legal logs, break them in one known way, and check that the fault is
reported with the right code at the right index, in both policies.

Sources are the hand-written logs of ``tests/logs`` (both dialects) and the complete real
recordings. Each fault is a function from a legal event list to ``(events, index, code)``, or
``None`` when the log has nothing it applies to. Strict policy must raise at ``index`` and
leave the state before it as it was; lenient policy must record the same violation first and
still reduce every event.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from realtime_state import ProtocolViolation, SessionState, reduce, replay

HERE = Path(__file__).resolve().parent
SOURCES = sorted((HERE / "logs").glob("*.jsonl")) + [
    HERE / "recordings" / f"{name}.jsonl"
    for name in (
        "ga_tool_call_round",
        "beta_webrtc_interrupt_truncate",
        "beta_webrtc_function_call_cancellations",
        "beta_webrtc_sdk_normalized",
    )
]

Event = dict[str, Any]
Injected = tuple[list[Event], int, str] | None

_fresh = iter(range(10**9))


def fresh_id() -> str:
    return f"event_FAULT{next(_fresh):016d}"


def load(path: Path) -> list[Event]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def first(events: list[Event], match: Callable[[Event], bool], start: int = 0) -> int | None:
    return next((i for i in range(start, len(events)) if match(events[i])), None)


def names_response(event: Event, response_id: str) -> bool:
    return event.get("response_id") == response_id or (
        event["type"] in ("response.created", "response.done")
        and event["response"].get("id") == response_id
    )


def is_streamed(event: Event) -> bool:
    """A response text/audio/transcript/arguments delta."""
    return event["type"].startswith("response.") and event["type"].endswith(".delta")


def in_conversation(event: Event) -> bool:
    response = event["response"]
    return not ("conversation_id" in response and response["conversation_id"] is None)


def again(event: Event) -> Event:
    copied = copy.deepcopy(event)
    copied["event_id"] = fresh_id()
    return copied


# --- the faults -------------------------------------------------------------------------------


def drop_response_created(events: list[Event]) -> Injected:
    i = first(events, lambda e: e["type"] == "response.created")
    if i is None:
        return None
    response_id = events[i]["response"]["id"]
    rest = events[:i] + events[i + 1 :]
    j = first(rest, lambda e: names_response(e, response_id), i)
    return None if j is None else (rest, j, "unknown_response")


def duplicate_response_done(events: list[Event]) -> Injected:
    i = first(events, lambda e: e["type"] == "response.done")
    if i is None:
        return None
    return [*events[: i + 1], again(events[i]), *events[i + 1 :]], i + 1, "duplicate_done"


def move_delta_after_response_done(events: list[Event]) -> Injected:
    """Move the last audio delta of a response after its done (audio has no final value to
    disagree with); for a text-only response, a copy of a delta arrives after the done."""
    for kind in ("audio.delta", ".delta"):
        i = first(events, lambda e, kind=kind: is_streamed(e) and e["type"].endswith(kind))
        if i is None:
            continue
        response_id = events[i]["response_id"]
        done = first(
            events,
            lambda e, rid=response_id: e["type"] == "response.done" and names_response(e, rid),
        )
        if done is None:
            continue
        if kind == "audio.delta":
            last = max(
                j
                for j in range(i, done)
                if events[j]["type"] == events[i]["type"]
                and events[j]["response_id"] == response_id
            )
            moved = (
                events[:last] + events[last + 1 : done + 1] + [events[last]] + events[done + 1 :]
            )
            return moved, done, "delta_after_done"
        return (
            [*events[: done + 1], again(events[i]), *events[done + 1 :]],
            done + 1,
            "delta_after_done",
        )
    return None


def delta_after_its_part_is_done(events: list[Event]) -> Injected:
    i = first(events, lambda e: is_streamed(e) and "content_index" in e)
    if i is None:
        return None
    delta = events[i]
    done = first(
        events,
        lambda e: (
            e["type"] == "response.content_part.done"
            and e["item_id"] == delta["item_id"]
            and e["content_index"] == delta["content_index"]
        ),
        i,
    )
    if done is None:
        return None
    return [*events[: done + 1], again(delta), *events[done + 1 :]], done + 1, "delta_after_done"


def content_part_before_its_output_item(events: list[Event]) -> Injected:
    return _before_its_output_item(
        events, first(events, lambda e: e["type"] == "response.content_part.added")
    )


def delta_before_its_output_item(events: list[Event]) -> Injected:
    return _before_its_output_item(events, first(events, is_streamed))


def _before_its_output_item(events: list[Event], i: int | None) -> Injected:
    """Move event ``i`` right before the ``response.output_item.added`` of its item."""
    if i is None:
        return None
    item_id = events[i]["item_id"]
    added = first(
        events, lambda e: e["type"] == "response.output_item.added" and e["item"]["id"] == item_id
    )
    assert added is not None and added < i
    moved = [*events[:added], events[i], *events[added:i], *events[i + 1 :]]
    return moved, added, "unknown_item"


def arguments_differ_from_deltas(events: list[Event]) -> Injected:
    i = first(events, lambda e: e["type"] == "response.function_call_arguments.done")
    if (
        i is None
        or first(events, lambda e: e["type"] == "response.function_call_arguments.delta") is None
    ):
        return None
    changed = copy.deepcopy(events)
    changed[i]["arguments"] = changed[i]["arguments"] + " "
    return changed, i, "arguments_mismatch"


def text_differs_from_deltas(events: list[Event]) -> Injected:
    names = {
        "response.text.done": "text",
        "response.output_text.done": "text",
        "response.audio_transcript.done": "transcript",
        "response.output_audio_transcript.done": "transcript",
    }
    i = first(events, lambda e: e["type"] in names)
    if i is None:
        return None
    field = names[events[i]["type"]]
    changed = copy.deepcopy(events)
    changed[i][field] = changed[i][field] + "!"
    return changed, i, f"{field}_mismatch"


def content_index_points_nowhere(events: list[Event]) -> Injected:
    i = first(events, lambda e: is_streamed(e) and "content_index" in e)
    if i is None:
        return None
    changed = copy.deepcopy(events)
    changed[i]["content_index"] = 7
    return changed, i, "content_index_out_of_range"


def output_index_points_nowhere(events: list[Event]) -> Injected:
    i = first(events, is_streamed)
    if i is None:
        return None
    changed = copy.deepcopy(events)
    changed[i]["output_index"] = 9
    return changed, i, "output_index_out_of_range"


def _middle(events: list[Event]) -> int:
    i = first(events, lambda e: e["type"].startswith("conversation.item."))
    return len(events) // 2 if i is None else max(i + 1, len(events) // 2)


def delete_unknown_item(events: list[Event]) -> Injected:
    i = _middle(events)
    deleted = {"type": "conversation.item.deleted", "event_id": fresh_id(), "item_id": "item_nope"}
    return [*events[:i], deleted, *events[i:]], i, "unknown_item"


def truncate_unknown_item(events: list[Event]) -> Injected:
    i = _middle(events)
    truncated = {
        "type": "conversation.item.truncated",
        "event_id": fresh_id(),
        "item_id": "item_nope",
        "content_index": 0,
        "audio_end_ms": 500,
    }
    return [*events[:i], truncated, *events[i:]], i, "unknown_item"


def second_response_while_one_is_active(events: list[Event]) -> Injected:
    i = first(events, lambda e: e["type"] == "response.created" and in_conversation(e))
    if i is None:
        return None
    second = again(events[i])
    second["response"]["id"] = "resp_SECOND"
    return [*events[: i + 1], second, *events[i + 1 :]], i + 1, "response_already_active"


def duplicate_output_item_added(events: list[Event]) -> Injected:
    i = first(events, lambda e: e["type"] == "response.output_item.added")
    if i is None:
        return None
    return (
        [*events[: i + 1], again(events[i]), *events[i + 1 :]],
        i + 1,
        "output_item_already_added",
    )


def speech_stopped_without_start(events: list[Event]) -> Injected:
    i = first(events, lambda e: e["type"] == "input_audio_buffer.speech_started")
    if i is None:
        return None
    rest = events[:i] + events[i + 1 :]
    j = first(rest, lambda e: e["type"] == "input_audio_buffer.speech_stopped", i)
    return None if j is None else (rest, j, "speech_not_started")


def output_before_arguments_done(events: list[Event]) -> Injected:
    i = first(events, lambda e: e["type"] == "response.function_call_arguments.delta")
    if i is None:
        return None
    call_id = events[i]["call_id"]
    output = {
        "type": "conversation.item.created"
        if "object" in events[i - 1].get("item", {"object": 1})
        else "conversation.item.added",
        "event_id": fresh_id(),
        "item": {
            "id": "item_EARLY",
            "type": "function_call_output",
            "call_id": call_id,
            "output": "{}",
        },
    }
    return [*events[: i + 1], output, *events[i + 1 :]], i + 1, "output_before_arguments_done"


def final_copy_differs(events: list[Event]) -> Injected:
    """response.done repeats the output; a copy that contradicts the final text, transcript
    or arguments is reported, and the final value is kept."""
    for i, event in enumerate(events):
        if event["type"] != "response.done":
            continue
        for item in event["response"].get("output") or []:
            if item.get("type") == "function_call" and item.get("arguments"):
                changed = copy.deepcopy(events)
                for other in changed[i]["response"]["output"]:
                    if other.get("id") == item["id"]:
                        other["arguments"] += " "
                return changed, i, "arguments_mismatch"
            for n, part in enumerate(item.get("content") or []):
                for field in ("text", "transcript"):
                    if part.get(field):
                        changed = copy.deepcopy(events)
                        target = next(
                            o for o in changed[i]["response"]["output"] if o.get("id") == item["id"]
                        )
                        target["content"][n][field] += "!"
                        return changed, i, f"{field}_mismatch"
    return None


FAULTS = [
    drop_response_created,
    duplicate_response_done,
    move_delta_after_response_done,
    delta_after_its_part_is_done,
    content_part_before_its_output_item,
    delta_before_its_output_item,
    arguments_differ_from_deltas,
    text_differs_from_deltas,
    content_index_points_nowhere,
    output_index_points_nowhere,
    delete_unknown_item,
    truncate_unknown_item,
    second_response_while_one_is_active,
    duplicate_output_item_added,
    speech_stopped_without_start,
    output_before_arguments_done,
    final_copy_differs,
]

CASES = [
    pytest.param(source, fault, id=f"{fault.__name__}-{source.stem}")
    for fault in FAULTS
    for source in SOURCES
    if fault(load(source)) is not None
]


def test_every_fault_applies_to_logs_of_both_dialects() -> None:
    for fault in FAULTS:
        dialects = {
            source.name.split("_")[0] for source in SOURCES if fault(load(source)) is not None
        }
        assert dialects == {"beta", "ga"}, fault.__name__


def test_sources_are_legal() -> None:
    for source in SOURCES:
        assert replay([json.dumps(e) for e in load(source)], policy="strict").violations == ()


@pytest.mark.parametrize(("source", "fault"), CASES)
def test_fault_is_reported_at_its_index_in_both_policies(
    source: Path, fault: Callable[[list[Event]], Injected]
) -> None:
    injected = fault(load(source))
    assert injected is not None
    events, index, code = injected
    lines = [json.dumps(e) for e in events]

    # strict: everything before the fault is legal; the fault raises and the state stays
    before = replay(lines[:index], policy="strict")
    snapshot = replay(lines[:index], policy="strict")
    with pytest.raises(ProtocolViolation) as info:
        reduce(before, lines[index])
    assert (info.value.index, info.value.code) == (index, code), info.value
    assert info.value.event_type == events[index]["type"]
    assert info.value.event_id == events[index].get("event_id")
    assert before == snapshot
    with pytest.raises(ProtocolViolation) as whole:
        replay(lines, policy="strict")
    assert (whole.value.index, whole.value.code) == (index, code)

    # lenient: the same violation comes first and the rest of the stream is still reduced
    state = replay(lines, policy="lenient")
    assert state.event_count == len(lines)
    first_violation = state.violations[0]
    assert (first_violation.index, first_violation.code) == (index, code)
    assert first_violation.message


def test_an_out_of_band_response_may_run_alongside_the_active_one() -> None:
    events = load(HERE / "logs" / "ga_text_turn.jsonl")
    i = first(events, lambda e: e["type"] == "response.created")
    assert i is not None
    side = again(events[i])
    side["response"]["id"] = "resp_SIDE"
    side["response"]["conversation_id"] = None
    done = copy.deepcopy(side)
    done.update(type="response.done", event_id=fresh_id())
    done["response"]["status"] = "completed"
    events = [*events[: i + 1], side, *events[i + 1 :], done]
    state = replay([json.dumps(e) for e in events], policy="strict")
    assert state.violations == ()
    assert state.responses["resp_SIDE"].out_of_band
    assert state.responses["resp_SIDE"].phase == "completed"


def test_lenient_recovery_reports_one_violation_for_one_missing_response_created() -> None:
    events = load(HERE / "logs" / "ga_audio_turn.jsonl")
    injected = drop_response_created(events)
    assert injected is not None
    state = replay([json.dumps(e) for e in injected[0]], policy="lenient")
    assert [v.code for v in state.violations] == ["unknown_response"]
    clean = replay([json.dumps(e) for e in events], policy="lenient")
    assert [i.id for i in state.items] == [i.id for i in clean.items]
    assert [i.text or i.content[0].transcript for i in state.items] == [
        i.text or i.content[0].transcript for i in clean.items
    ]
    assert state.usage == clean.usage


def test_lenient_ignores_a_duplicate_done_so_usage_is_counted_once() -> None:
    events = load(HERE / "logs" / "ga_text_turn.jsonl")
    injected = duplicate_response_done(events)
    assert injected is not None
    state = replay([json.dumps(e) for e in injected[0]], policy="lenient")
    clean = replay([json.dumps(e) for e in events], policy="lenient")
    assert state.usage == clean.usage
    assert state.responses == clean.responses
    assert isinstance(state, SessionState)


def test_lenient_keeps_the_final_value_when_a_later_copy_differs() -> None:
    events = load(HERE / "logs" / "ga_text_turn.jsonl")
    injected = final_copy_differs(events)
    assert injected is not None
    state = replay([json.dumps(e) for e in injected[0]], policy="lenient")
    clean = replay([json.dumps(e) for e in events], policy="lenient")
    assert [v.code for v in state.violations] == ["text_mismatch"]
    assert [item.text for item in state.items] == [item.text for item in clean.items]
