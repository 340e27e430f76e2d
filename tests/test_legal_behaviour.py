"""Surprising but legal server behaviour (EVENTS.md §4) is never a violation, in strict policy.

Each test builds the behaviour as a real server sends it, replays it strictly (any violation
would raise), and checks the state holds what the events say.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from helpers import streams as s
from realtime_state import SessionState, replay

HERE = Path(__file__).resolve().parent


def strict(*events: dict[str, Any]) -> SessionState:
    state = replay([json.dumps(e) for e in events], policy="strict")
    assert state.violations == ()
    return state


def buffer(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": f"input_audio_buffer.{kind}", "event_id": s.eid(), **fields}


def transcription(kind: str, item_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": f"conversation.item.input_audio_transcription.{kind}",
        "event_id": s.eid(),
        "item_id": item_id,
        "content_index": 0,
        **fields,
    }


def user_audio(item_id: str, previous: str | None) -> list[dict[str, Any]]:
    item = s.message(item_id, "user", {"type": "input_audio", "transcript": None})
    return [
        buffer("speech_started", audio_start_ms=100, item_id=item_id),
        buffer("speech_stopped", audio_end_ms=900, item_id=item_id),
        buffer("committed", item_id=item_id, previous_item_id=previous),
        s.item_added(item, previous),
        s.item_added(item, previous, kind="conversation.item.done"),
    ]


def text_response(response_id: str, item_id: str, text: str) -> list[dict[str, Any]]:
    in_progress = s.message(item_id, "assistant", status="in_progress")
    final = s.message(item_id, "assistant", {"type": "output_text", "text": text})
    return [
        s.response_created(response_id),
        s.output_item("added", response_id, 0, in_progress),
        s.item_added(in_progress),
        s.part_event("added", response_id, item_id, {"type": "text", "text": ""}),
        s.part_stream("output_text.delta", response_id, item_id, delta=text),
        s.part_stream("output_text.done", response_id, item_id, text=text),
        s.part_event("done", response_id, item_id, {"type": "text", "text": text}),
        s.item_added(final, kind="conversation.item.done"),
        s.output_item("done", response_id, 0, final),
        s.response_done(response_id, [final]),
    ]


def test_input_transcription_arrives_late_and_out_of_order() -> None:
    state = strict(
        s.session_created(),
        # the second turn's transcription comes before its item exists
        *user_audio("item_u1", None),
        *text_response("resp_1", "item_a1", "Hi."),
        transcription("delta", "item_u2", delta="Second"),
        *user_audio("item_u2", "item_a1"),
        s.response_created("resp_2"),
        # the first turn's transcription comes during a later response, after the second's
        transcription("completed", "item_u2", transcript="Second turn."),
        transcription("delta", "item_u1", delta=" First"),
        transcription("completed", "item_u1", transcript="First turn."),
        transcription("delta", "item_u1", delta=" late delta"),
    )
    assert state.item("item_u1").content[0].transcript == "First turn."
    assert state.item("item_u2").content[0].transcript == "Second turn."
    assert state.active_response_id == "resp_2"


def test_response_done_with_empty_output_right_after_speech_started() -> None:
    state = strict(
        s.session_created(),
        s.response_created("resp_1"),
        buffer("speech_started", audio_start_ms=2000, item_id="item_u"),
        s.response_done(
            "resp_1",
            [],
            status="cancelled",
            details={"type": "cancelled", "reason": "turn_detected"},
            use=s.usage(0, 0),
        ),
    )
    response = state.responses["resp_1"]
    assert (response.phase, response.output_item_ids) == ("cancelled", ())
    assert state.active_response_id is None
    assert state.input_audio.phase == "speaking"


def test_server_truncates_after_response_done_with_audio_end_ms_zero() -> None:
    turn = s.assistant_audio_turn("resp_1", "item_a", ["Hello", " there"], [s.pcm(100)])
    state = strict(
        s.session_created(),
        *turn,
        buffer("speech_started", audio_start_ms=50, item_id="item_u"),
        {
            "type": "conversation.item.truncated",
            "event_id": s.eid(),
            "item_id": "item_a",
            "content_index": 0,
            "audio_end_ms": 0,
        },
    )
    part = state.item("item_a").content[0]
    assert (part.truncated_at_ms, part.audio, part.transcript) == (0, b"", "")
    assert part.transcript_before_truncation == "Hello there"


def test_output_audio_buffer_cleared_and_stopped_for_a_completed_response() -> None:
    turn = s.assistant_audio_turn("resp_1", "item_a", ["Hi"], [], ga=False)
    cleared = {"type": "output_audio_buffer.cleared", "event_id": s.eid(), "response_id": "resp_1"}
    stopped = {"type": "output_audio_buffer.stopped", "event_id": s.eid(), "response_id": "resp_1"}
    state = strict(s.session_created(ga=False), *turn, cleared, stopped)
    assert state.responses["resp_1"].phase == "completed"


def test_rate_limits_after_response_done() -> None:
    limits = {
        "type": "rate_limits.updated",
        "event_id": s.eid(),
        "rate_limits": [
            {"name": "tokens", "limit": 40000, "remaining": 39000, "reset_seconds": 1.5}
        ],
    }
    state = strict(s.session_created(), *text_response("resp_1", "item_a", "Hi."), limits)
    assert state.rate_limits["tokens"].remaining == 39000


def test_stream_may_end_with_a_response_in_progress() -> None:
    events = text_response("resp_1", "item_a", "Half")[:5]
    state = strict(s.session_created(), *events)
    assert state.active_response_id == "resp_1"
    assert state.responses["resp_1"].phase == "in_progress"
    assert state.item("item_a").content[0].text == "Half"


def test_client_chosen_item_ids() -> None:
    call = {
        "id": "my-call-1",
        "type": "function_call",
        "call_id": "my-call-id",
        "name": "lookup",
        "arguments": "{}",
    }
    output = {
        "id": "simulated-output-1748035262335",
        "type": "function_call_output",
        "call_id": "my-call-id",
        "output": "42",
    }
    state = strict(
        s.session_created(),
        s.item_added(s.message("simulated-user-1", "user", {"type": "input_text", "text": "Hi"})),
        s.item_added(call, "simulated-user-1"),
        s.item_added(output, "my-call-1"),
    )
    assert [item.id for item in state.items] == [
        "simulated-user-1",
        "my-call-1",
        "simulated-output-1748035262335",
    ]
    assert state.item("my-call-1").call_phase == "answered"


def test_cancelled_response_holding_a_completed_item() -> None:
    events = text_response("resp_1", "item_a", "Done already.")
    final = s.message("item_a", "assistant", {"type": "output_text", "text": "Done already."})
    events[-1] = s.response_done(
        "resp_1",
        [final],
        status="cancelled",
        details={"type": "cancelled", "reason": "turn_detected"},
    )
    state = strict(s.session_created(), *events)
    assert state.responses["resp_1"].phase == "cancelled"
    assert state.item("item_a").status == "completed"


def test_response_done_lists_items_already_seen() -> None:
    state = strict(s.session_created(), *text_response("resp_1", "item_a", "Hi."))
    assert state.responses["resp_1"].output_item_ids == ("item_a",)
    assert [item.id for item in state.items] == ["item_a"]
    assert state.item("item_a").text == "Hi."


@pytest.mark.parametrize(
    "name",
    [
        "ga_tool_call_round",
        "beta_webrtc_interrupt_truncate",
        "beta_webrtc_function_call_cancellations",
        "beta_webrtc_sdk_normalized",
    ],
)
def test_complete_recordings_replay_strictly_without_violation(name: str) -> None:
    lines = (HERE / "recordings" / f"{name}.jsonl").read_text().splitlines()
    state = replay(lines, policy="strict")
    assert state.violations == ()
    assert state.event_count == len(lines)


@pytest.mark.parametrize("name", ["beta_text_response_fragment", "beta_transcription_fragment"])
def test_fragments_report_only_references_to_what_came_before_them(name: str) -> None:
    lines = (HERE / "recordings" / f"{name}.jsonl").read_text().splitlines()
    state = replay(lines, policy="lenient")
    introduced: list[set[str]] = []  # item ids introduced by the events before each index
    ids: set[str] = set()
    for line in lines:
        introduced.append(set(ids))
        item = json.loads(line).get("item")
        if item is not None:
            ids.add(item["id"])
    for violation in state.violations:
        assert violation.code == "unknown_anchor"
        anchor = re.search(r"previous_item_id (\S+),", violation.message)
        assert anchor is not None
        assert anchor.group(1) not in introduced[violation.index]
        assert anchor.group(1) not in ids  # never introduced: it is from before the fragment
