"""Later copies of items and parts (conversation.item.done, output_item.done), the input turn
and arguments streams: the rules surviving mutants broke, pinned. See docs/quality.md."""

from __future__ import annotations

import json
from typing import Any

from helpers import streams as s
from realtime_state import SessionState, replay


def run(*events: dict[str, Any], policy: str = "lenient") -> SessionState:
    return replay([json.dumps(e) for e in events], policy=policy)


def found(state: SessionState) -> list[tuple[str, str]]:
    return [(v.code, v.message) for v in state.violations]


def done(item: dict[str, Any]) -> dict[str, Any]:
    return s.item_added(item, None, kind="conversation.item.done")


def _on_a(kind: str, **fields: Any) -> dict[str, Any]:
    event = {
        "type": f"response.{kind}",
        "event_id": s.eid(),
        "response_id": "resp_1",
        "item_id": "item_a",
        "output_index": 0,
        "content_index": 0,
    }
    event.update(fields)
    return event


def _streamed(part: dict[str, Any], *events: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, s.message("item_a", "assistant", status="in_progress")),
        s.part_event("added", "resp_1", "item_a", part),
        *events,
    ]


# --- a later copy of a part -----------------------------------------------------------------


def test_a_copy_contradicting_a_finished_text_is_reported_and_the_text_kept() -> None:
    events = _streamed(
        {"type": "text", "text": ""},
        _on_a("output_text.delta", delta="Hello"),
        _on_a("output_text.done", text="Hello"),
        done(s.message("item_a", "assistant", {"type": "output_text", "text": "Help"})),
    )
    state = run(*events)
    message = (
        "a later copy of item item_a part 0 carries the text 'Help', which differs from its "
        "final text 'Hello'; the final text is kept"
    )
    assert found(state) == [("text_mismatch", message)]
    assert state.item("item_a").content[0].text == "Hello"


def test_a_copy_contradicting_a_finished_transcript_is_reported_and_it_kept() -> None:
    events = _streamed(
        {"type": "audio", "transcript": ""},
        _on_a("output_audio_transcript.delta", delta="Said"),
        _on_a("output_audio_transcript.done", transcript="Said"),
        done(s.message("item_a", "assistant", {"type": "output_audio", "transcript": "Other"})),
    )
    state = run(*events)
    message = (
        "a later copy of item item_a part 0 carries the transcript 'Other', which differs from "
        "its final transcript 'Said'; the final transcript is kept"
    )
    assert found(state) == [("transcript_mismatch", message)]
    assert state.item("item_a").content[0].transcript == "Said"


def test_a_copy_agreeing_with_a_finished_text_is_quiet() -> None:
    events = _streamed(
        {"type": "text", "text": ""},
        _on_a("output_text.delta", delta="Hello"),
        _on_a("output_text.done", text="Hello"),
        done(s.message("item_a", "assistant", {"type": "output_text", "text": "Hello"})),
    )
    state = run(*events, policy="strict")
    assert (state.item("item_a").content[0].text, state.item("item_a").content[0].status) == (
        "Hello",
        "done",
    )


_USER_AUDIO = s.message("u1", "user", {"type": "input_audio", "transcript": None})


def test_a_copy_brings_audio_the_part_did_not_have() -> None:
    copy = s.message("u1", "user", {"type": "input_audio", "audio": s.b64(s.pcm(1))})
    state = run(s.item_added(_USER_AUDIO, None), done(copy), policy="strict")
    assert state.item("u1").content[0].audio == s.pcm(1)


def test_a_copy_does_not_replace_audio_the_part_has() -> None:
    first = s.message("u1", "user", {"type": "input_audio", "audio": s.b64(s.pcm(1, 1))})
    copy = s.message("u1", "user", {"type": "input_audio", "audio": s.b64(s.pcm(2, 2))})
    state = run(s.item_added(first, None), done(copy), policy="strict")
    assert state.item("u1").content[0].audio == s.pcm(1, 1)


def test_a_copy_with_invalid_audio_names_the_part() -> None:
    copy = s.message("u1", "user", {"type": "input_audio", "audio": "!!!!AAAA"})
    state = run(s.item_added(_USER_AUDIO, None), done(copy))
    ((code, message),) = found(state)
    assert code == "invalid_audio"
    assert message.startswith("audio of item u1 part 0 is not valid base64 (")
    assert not state.item("u1").content[0].audio


def _image(**fields: Any) -> dict[str, Any]:
    return s.message("u2", "user", {"type": "input_image", **fields})


def test_a_copy_keeps_image_fields_it_does_not_carry_and_takes_those_it_does() -> None:
    first = _image(image_url="data:x", detail="low", id="ref1")
    kept = run(s.item_added(first, None), done(_image()), policy="strict").item("u2").content[0]
    assert (kept.type, kept.image_url, kept.detail, kept.reference_id) == (
        "input_image",
        "data:x",
        "low",
        "ref1",
    )
    new = _image(image_url="data:y", detail="high", id="ref2")
    taken = run(s.item_added(first, None), done(new), policy="strict").item("u2").content[0]
    assert (taken.image_url, taken.detail, taken.reference_id) == ("data:y", "high", "ref2")


def test_a_finished_copy_closes_every_part_and_a_repeated_announcement_does_not() -> None:
    added = s.output_item(
        "added",
        "resp_1",
        0,
        s.message("item_c", "assistant", {"type": "output_text", "text": ""}, status="in_progress"),
    )
    final = run(
        s.response_created("resp_1"),
        added,
        done(s.message("item_c", "assistant", {"type": "output_text", "text": "x"})),
        policy="strict",
    )
    item = final.item("item_c")
    assert ([(p.status, p.text) for p in item.content], item.status) == (
        [("done", "x")],
        "completed",
    )
    again = run(s.response_created("resp_1"), added, added)
    assert [p.status for p in again.item("item_c").content] == ["in_progress"]
    assert [v.code for v in again.violations] == ["output_item_already_added"]


def test_a_copy_without_a_role_keeps_the_role() -> None:
    copy = s.message("u1", "user", {"type": "input_audio"})
    del copy["role"]
    state = run(s.item_added(_USER_AUDIO, None), done(copy))
    assert state.item("u1").role == "user"


def test_a_copy_of_an_output_is_not_a_call() -> None:
    output = {"id": "out", "type": "function_call_output", "call_id": "c1", "output": "42"}
    state = run(s.item_added(output, None), done(dict(output, output="43")))
    item = state.item("out")
    assert (item.call_phase, item.output) == (None, "43")


# --- transcript channel around a cut ----------------------------------------------------------


def _cut(ms: int) -> dict[str, Any]:
    return {
        "type": "conversation.item.truncated",
        "event_id": s.eid(),
        "item_id": "item_a",
        "content_index": 0,
        "audio_end_ms": ms,
    }


def test_transcript_said_after_a_cut_before_any_transcript_is_kept_aside() -> None:
    events = _streamed(
        {"type": "audio", "transcript": ""},
        _on_a("output_audio.delta", delta=s.b64(s.pcm(10))),
        _cut(5),
        _on_a("output_audio_transcript.delta", delta="late"),
        _on_a("output_audio_transcript.done", transcript="late"),
    )
    part = run(*events, policy="strict").item("item_a").content[0]
    assert (part.transcript, part.transcript_before_truncation) == ("", "late")


def test_a_transcript_done_without_deltas_gives_the_transcript() -> None:
    events = _streamed(
        {"type": "audio", "transcript": ""},
        _on_a("output_audio_transcript.done", transcript="whole"),
    )
    state = run(*events, policy="strict")
    assert state.item("item_a").content[0].transcript == "whole"


def test_a_transcript_mismatch_takes_the_final_transcript() -> None:
    events = _streamed(
        {"type": "audio", "transcript": ""},
        _on_a("output_audio_transcript.delta", delta="Hello"),
        _on_a("output_audio_transcript.done", transcript="Help"),
    )
    state = run(*events)
    assert [v.code for v in state.violations] == ["transcript_mismatch"]
    assert state.item("item_a").content[0].transcript == "Help"


# --- the input turn and the arguments stream --------------------------------------------------


def test_speech_stopped_without_start_names_the_item_and_keeps_it() -> None:
    stopped = {
        "type": "input_audio_buffer.speech_stopped",
        "event_id": "e",
        "audio_end_ms": 5,
        "item_id": "u9",
    }
    state = run(stopped)
    message = (
        "input_audio_buffer.speech_stopped for item u9, but speech never started (the input "
        "buffer is idle)"
    )
    assert found(state) == [("speech_not_started", message)]
    assert (state.input_audio.item_id, state.input_audio.audio_end_ms) == ("u9", 5)


def test_commit_while_speaking_stops_and_names_the_item() -> None:
    started = {
        "type": "input_audio_buffer.speech_started",
        "event_id": "e1",
        "audio_start_ms": 5,
        "item_id": "u8",
    }
    committed = {
        "type": "input_audio_buffer.committed",
        "event_id": "e2",
        "item_id": "u9",
        "previous_item_id": None,
    }
    buf = run(started, committed, policy="strict").input_audio
    assert (buf.speaking, buf.item_id, buf.phase, buf.committed_item_ids) == (
        False,
        "u9",
        "committed",
        ("u9",),
    )


def test_speech_started_clears_the_last_end() -> None:
    events = [
        {
            "type": "input_audio_buffer.speech_started",
            "event_id": "a",
            "audio_start_ms": 5,
            "item_id": "u1",
        },
        {
            "type": "input_audio_buffer.speech_stopped",
            "event_id": "b",
            "audio_end_ms": 9,
            "item_id": "u1",
        },
        {
            "type": "input_audio_buffer.speech_started",
            "event_id": "c",
            "audio_start_ms": 20,
            "item_id": "u2",
        },
    ]
    buf = run(*events, policy="strict").input_audio
    assert (buf.speaking, buf.audio_start_ms, buf.audio_end_ms, buf.item_id) == (
        True,
        20,
        None,
        "u2",
    )


def test_rate_limits_without_a_name_are_keyed_by_position() -> None:
    limits = [
        {"limit": 10, "remaining": 5, "reset_seconds": 1.0},
        {"name": "tokens", "limit": 10, "remaining": 5, "reset_seconds": 1.0},
    ]
    state = run({"type": "rate_limits.updated", "event_id": "e", "rate_limits": limits})
    assert list(state.rate_limits) == ["#0", "tokens"]


_CALL = {
    "id": "fc",
    "type": "function_call",
    "status": "in_progress",
    "call_id": "call_1",
    "name": "f",
}


def _args(kind: str, **fields: Any) -> dict[str, Any]:
    event = {
        "type": f"response.function_call_arguments.{kind}",
        "event_id": s.eid(),
        "response_id": "resp_1",
        "item_id": "fc",
        "output_index": 0,
        "call_id": "call_1",
    }
    event.update(fields)
    return event


def test_arguments_stream_into_a_call_announced_without_them() -> None:
    state = run(
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, _CALL),
        _args("delta", delta='{"a"'),
        _args("delta", delta=":1}"),
        policy="strict",
    )
    assert state.item("fc").arguments == '{"a":1}'


def test_a_delta_after_done_names_the_call() -> None:
    state = run(
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, _CALL),
        _args("done", arguments="{}"),
        _args("delta", delta="x"),
    )
    message = (
        "response.function_call_arguments.delta for the arguments of call call_1 (item fc) "
        "after it was done (state 'arguments_done')"
    )
    assert found(state) == [("delta_after_done", message)]
    assert state.item("fc").arguments == "{}"


def test_arguments_for_a_message_name_its_kind() -> None:
    state = run(
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, s.message("fc", "assistant", status="in_progress")),
        _args("delta", delta="x"),
    )
    message = "response.function_call_arguments.delta for item fc, which is a message, not a call"
    assert found(state) == [("not_a_call", message)]
