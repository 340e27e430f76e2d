"""Output items and content parts of a response, lenient recovery of a response an event
names, items of another response: the rules the final mutmut run's survivors broke, pinned.
See docs/quality.md."""

from __future__ import annotations

import json
from typing import Any

from helpers import streams as s
from realtime_state import SessionState, replay


def run(*events: dict[str, Any], policy: str = "lenient") -> SessionState:
    return replay([json.dumps(e) for e in events], policy=policy)


def found(state: SessionState) -> list[tuple[str, str]]:
    return [(v.code, v.message) for v in state.violations]


MESSAGE = s.message("item_a", "assistant", status="in_progress")
TEXT = {"type": "text", "text": ""}
UNKNOWN_RESP = "response.{} names response resp_1, which was never created"


# --- a response recreated by lenient recovery -------------------------------------------------


def test_a_response_recovered_from_an_output_item_becomes_the_active_one() -> None:
    state = run(s.session_created(), s.output_item("added", "resp_1", 0, MESSAGE))
    assert state.active_response_id == "resp_1"
    assert found(state) == [("unknown_response", UNKNOWN_RESP.format("output_item.added"))]


def test_a_response_recovered_while_another_runs_does_not_replace_it() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_2", 0, MESSAGE),
    )
    assert state.active_response_id == "resp_1"
    assert set(state.responses) == {"resp_1", "resp_2"}


def test_a_response_recovered_from_a_part_becomes_the_active_one() -> None:
    state = run(
        s.session_created(),
        s.item_added(MESSAGE, None),
        s.part_event("added", "resp_1", "item_a", TEXT),
    )
    assert state.active_response_id == "resp_1"
    assert found(state)[0] == ("unknown_response", UNKNOWN_RESP.format("content_part.added"))
    item = state.item("item_a")
    assert item is not None and len(item.content) == 1


def test_an_output_item_without_id_is_reported_and_its_recovered_response_is_active() -> None:
    no_id = {"type": "message", "role": "assistant", "status": "in_progress", "content": []}
    state = run(s.session_created(), s.output_item("added", "resp_1", 0, no_id))
    assert state.active_response_id == "resp_1"
    assert found(state) == [
        ("unknown_response", UNKNOWN_RESP.format("output_item.added")),
        ("missing_item_id", "an item of type 'message' came without an id"),
    ]


# --- output items -----------------------------------------------------------------------------


def test_an_output_item_announced_twice_is_reported_with_its_id() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, MESSAGE),
        s.output_item("added", "resp_1", 0, MESSAGE),
    )
    assert found(state) == [
        (
            "output_item_already_added",
            "response.output_item.added announces item item_a again (state 'added')",
        )
    ]


def test_output_item_done_closes_the_parts_even_of_a_copy_still_in_progress() -> None:
    copy = s.message(
        "item_a", "assistant", {"type": "output_text", "text": "x"}, status="in_progress"
    )
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, MESSAGE),
        s.part_event("added", "resp_1", "item_a", TEXT),
        s.output_item("done", "resp_1", 0, copy),
    )
    item = state.item("item_a")
    assert item is not None and item.content[0].status == "done"


def test_a_duplicate_call_id_from_an_output_item_names_the_event() -> None:
    def call(item_id: str) -> dict[str, Any]:
        return {
            "type": "function_call",
            "id": item_id,
            "call_id": "call_1",
            "name": "f",
            "arguments": "",
            "status": "in_progress",
        }

    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, call("item_f")),
        s.output_item("added", "resp_1", 1, call("item_g")),
    )
    assert found(state) == [
        (
            "duplicate_call_id",
            "response.output_item.added gives item item_g the call_id call_1, which item item_f "
            "already has; outputs answer item_f",
        )
    ]


# --- content parts ----------------------------------------------------------------------------


def test_a_part_announced_twice_is_reported_and_stays_open() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, MESSAGE),
        s.part_event("added", "resp_1", "item_a", TEXT),
        s.part_event("added", "resp_1", "item_a", TEXT),
    )
    assert found(state) == [
        (
            "part_already_added",
            "response.content_part.added announces part 0 of item item_a again (state 'added')",
        )
    ]
    item = state.item("item_a")
    assert item is not None
    assert (item.content[0].status, item.content[0].phase) == ("in_progress", "added")


def test_a_part_with_a_gap_before_it_is_reported() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, MESSAGE),
        s.part_event("added", "resp_1", "item_a", TEXT, index=2),
    )
    assert found(state) == [
        (
            "content_index_out_of_range",
            "response.content_part.added for item item_a names content_index 2, but the item "
            "has 0 part(s)",
        )
    ]
    item = state.item("item_a")
    assert item is not None and item.content == ()


def test_audio_of_a_part_already_listed_gets_the_output_format() -> None:
    listed = s.message(
        "item_a", "assistant", {"type": "audio", "transcript": ""}, status="in_progress"
    )
    audio = {"type": "audio", "audio": s.b64(b"\x01" * 80)}
    state = run(
        s.session_created(output_format="audio/pcmu"),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, listed),
        s.part_event("added", "resp_1", "item_a", audio),
    )
    item = state.item("item_a")
    assert item is not None
    spec = item.content[0].audio_spec
    assert spec is not None and (spec.encoding, spec.rate) == ("g711_ulaw", 8000)


def test_audio_of_a_new_part_gets_the_output_format() -> None:
    audio = {"type": "audio", "audio": s.b64(b"\x01" * 80)}
    state = run(
        s.session_created(output_format="audio/pcmu"),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, MESSAGE),
        s.part_event("added", "resp_1", "item_a", audio),
    )
    item = state.item("item_a")
    assert item is not None
    spec = item.content[0].audio_spec
    assert spec is not None and (spec.encoding, spec.rate) == ("g711_ulaw", 8000)


# --- an item of another response --------------------------------------------------------------


def test_a_part_for_an_item_of_another_response_is_reported_and_ignored() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, MESSAGE),
        s.response_created("resp_2"),
        s.part_event("added", "resp_2", "item_a", TEXT),
    )
    assert found(state)[-1] == (
        "item_of_another_response",
        "response.content_part.added names item item_a as output of response resp_2, but "
        "response resp_1 produced it; it stays there",
    )
    item = state.item("item_a")
    assert item is not None and item.content == () and item.response_id == "resp_1"


def test_an_output_item_of_another_response_is_reported_and_not_listed() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, MESSAGE),
        s.response_created("resp_2"),
        s.output_item("added", "resp_2", 0, MESSAGE),
    )
    assert found(state)[-1] == (
        "item_of_another_response",
        "response.output_item.added names item item_a as output of response resp_2, but "
        "response resp_1 produced it; it stays there",
    )
    assert state.responses["resp_2"].output_item_ids == ()
    assert state.responses["resp_1"].output_item_ids == ("item_a",)


def test_an_output_item_without_id_leaves_the_conversation_usable() -> None:
    no_id = {"type": "message", "role": "assistant", "status": "in_progress", "content": []}
    state = run(
        s.session_created(),
        s.item_added(MESSAGE, None),
        s.output_item("added", "resp_1", 0, no_id),
    )
    assert state.item("item_a") is not None


def test_a_response_recovered_from_a_listed_part_becomes_the_active_one() -> None:
    listed = s.message(
        "item_a", "assistant", {"type": "audio", "transcript": ""}, status="in_progress"
    )
    state = run(
        s.session_created(),
        s.item_added(listed, None),
        s.part_event("added", "resp_1", "item_a", {"type": "audio", "transcript": ""}),
    )
    assert state.active_response_id == "resp_1"


def test_invalid_audio_in_a_new_part_names_the_item_and_the_part() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, MESSAGE),
        s.part_event("added", "resp_1", "item_a", {"type": "audio", "audio": "!!!"}),
    )
    assert found(state) == [
        (
            "invalid_audio",
            "audio of item item_a part 0 is not valid base64 (Non-base64 digit found)",
        )
    ]


def test_invalid_audio_in_a_listed_part_names_the_item_and_the_part() -> None:
    listed = s.message(
        "item_a",
        "assistant",
        {"type": "output_text", "text": "x"},
        {"type": "audio", "transcript": ""},
        status="in_progress",
    )
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, listed),
        s.part_event("added", "resp_1", "item_a", {"type": "audio", "audio": "!!!"}, index=1),
    )
    assert found(state) == [
        (
            "invalid_audio",
            "audio of item item_a part 1 is not valid base64 (Non-base64 digit found)",
        )
    ]


# --- audio deltas -----------------------------------------------------------------------------


def _audio_stream() -> list[dict[str, Any]]:
    return [
        s.session_created(output_format="audio/pcmu"),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, MESSAGE),
        s.WIRE.content_part_added("resp_1", "item_a", "audio"),
        s.WIRE.audio_delta("resp_1", "item_a", b"\x01" * 80),
    ]


def test_streamed_audio_is_in_the_sessions_output_format() -> None:
    item = run(*_audio_stream()).item("item_a")
    assert item is not None
    part = item.content[0]
    assert part.audio_spec is not None
    assert (part.audio_spec.encoding, part.audio_spec.rate) == ("g711_ulaw", 8000)
    assert (part.phase, part.audio_phase) == ("streaming", "streaming")


def test_streamed_audio_keeps_its_format_when_the_session_changes() -> None:
    pcm_session = s.session_created()["session"]
    state = run(
        *_audio_stream(),
        s.WIRE.session_updated(pcm_session),
        s.WIRE.audio_delta("resp_1", "item_a", b"\x01" * 80),
    )
    item = state.item("item_a")
    assert item is not None
    spec = item.content[0].audio_spec
    assert spec is not None and (spec.encoding, spec.rate) == ("g711_ulaw", 8000)


def test_a_delta_for_an_unknown_item_names_it() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.WIRE.audio_delta("resp_1", "item_zz", b"\x01" * 80),
    )
    assert found(state) == [
        ("unknown_item", "response.output_audio.delta for item item_zz, which is not known")
    ]


def test_a_response_recovered_from_a_delta_becomes_the_active_one() -> None:
    listed = s.message(
        "item_a", "assistant", {"type": "audio", "transcript": ""}, status="in_progress"
    )
    state = run(
        s.session_created(),
        s.item_added(listed, None),
        s.WIRE.audio_delta("resp_1", "item_a", b"\x01" * 80),
    )
    assert state.active_response_id == "resp_1"
    assert found(state)[0] == ("unknown_response", UNKNOWN_RESP.format("output_audio.delta"))


def test_a_conversation_copy_of_an_output_item_keeps_its_response() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, MESSAGE),
        s.item_added(MESSAGE, None, kind="conversation.item.done"),
    )
    item = state.item("item_a")
    assert item is not None and item.response_id == "resp_1"
