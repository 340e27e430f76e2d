"""The reducer, one semantic per test, in both dialects where the dialect has it."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest

from helpers import streams as s
from realtime_state import (
    DecodeError,
    OutputAudioBufferState,
    ProtocolViolation,
    SessionState,
    decode,
    reduce,
    replay,
)


def run(*events: dict[str, Any], policy: str = "strict") -> SessionState:
    return replay([json.dumps(e) for e in events], policy=policy)


# --- the empty state and the contract's defaults ----------------------------------------------


def test_empty_state() -> None:
    state = SessionState()
    assert state.policy == "lenient"
    assert state.event_count == 0
    assert state.session is None
    assert state.items == ()
    assert state.item("nope") is None
    assert dict(state.responses) == {}
    assert state.active_response_id is None
    assert state.input_audio.speaking is False
    assert dict(state.rate_limits) == {}
    assert state.usage.total_tokens == 0
    assert state.errors == ()
    assert state.violations == ()


def test_policy_is_checked() -> None:
    assert SessionState(policy="strict").policy == "strict"
    with pytest.raises(ValueError, match="policy"):
        SessionState(policy="loose")


def test_reduce_accepts_decoded_and_raw_events_alike() -> None:
    event = s.session_created()
    text = json.dumps(event)
    states = [
        reduce(SessionState(), decode(text)),
        reduce(SessionState(), text),
        reduce(SessionState(), text.encode()),
        reduce(SessionState(), event),
    ]
    assert all(st == states[0] for st in states)
    assert states[0].session.model == "gpt-realtime"
    assert states[0].event_count == 1


def test_reduce_never_changes_the_state_passed_in() -> None:
    before = run(s.session_created())
    snapshot = pickle.dumps(before)
    after = reduce(
        before, s.item_added(s.message("item_1", "user", {"type": "input_text", "text": "hi"}))
    )
    assert after is not before
    assert pickle.dumps(before) == snapshot
    assert before.items == ()
    assert [i.id for i in after.items] == ["item_1"]


def test_bad_raw_event_raises_decode_error_with_index_and_keeps_state() -> None:
    state = run(s.session_created())
    with pytest.raises(DecodeError) as info:
        reduce(state, '{"type":"conversation.item.deleted","event_id":"e","item_id":7}')
    assert info.value.index == 1
    assert "event #1 'conversation.item.deleted', field item_id" in str(info.value)
    assert state.event_count == 1


def test_reduce_rejects_non_events() -> None:
    with pytest.raises(TypeError):
        reduce(SessionState(), 42)  # type: ignore[arg-type]


def test_unknown_event_only_advances_the_count() -> None:
    state = run(s.session_created())
    after = reduce(state, {"type": "session.closed", "event_id": "e"})
    assert after.event_count == 2
    assert after.session == state.session and after.items == state.items


# --- text, audio, transcripts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "done"), [("output_text.delta", "output_text.done"), ("text.delta", "text.done")]
)
def test_text_deltas_accumulate_and_done_finalises(delta: str, done: str) -> None:
    item = s.message("item_a", "assistant", status="in_progress")
    events = [
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, item),
        s.item_added(item),
        s.part_event("added", "resp_1", "item_a", {"type": "text", "text": ""}),
        s.part_stream(delta, "resp_1", "item_a", delta="Hel"),
        s.part_stream(delta, "resp_1", "item_a", delta="lo"),
    ]
    streaming = run(*events)
    assert streaming.item("item_a").content[0].text == "Hello"
    assert streaming.item("item_a").content[0].status == "in_progress"
    final = run(
        *events,
        s.part_stream(done, "resp_1", "item_a", text="Hello"),
        s.part_event("done", "resp_1", "item_a", {"type": "text", "text": "Hello"}),
    )
    part = final.item("item_a").content[0]
    assert (part.text, part.status) == ("Hello", "done")


@pytest.mark.parametrize("ga", [True, False], ids=["ga", "beta"])
def test_audio_is_decoded_bytes_and_transcript_accumulates(ga: bool) -> None:
    chunks = [s.pcm(100, 1), s.pcm(100, 2), s.pcm(50, 3)]
    state = run(
        s.session_created(ga=ga),
        *s.assistant_audio_turn("resp_1", "item_a", ["Hi", " there"], chunks, ga=ga),
    )
    part = state.item("item_a").content[0]
    assert part.audio == b"".join(chunks)
    assert isinstance(part.audio, bytes)
    assert part.audio_bytes == 250 * 48
    assert part.transcript == "Hi there"
    assert part.status == "done"
    assert state.item("item_a").status == "completed"


def test_deltas_of_two_parts_stay_apart() -> None:
    item = s.message("item_a", "assistant", status="in_progress")
    state = run(
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, item),
        s.part_event("added", "resp_1", "item_a", {"type": "text", "text": ""}, index=0),
        s.part_event("added", "resp_1", "item_a", {"type": "audio", "transcript": ""}, index=1),
        s.part_stream("output_text.delta", "resp_1", "item_a", 0, delta="one"),
        s.part_stream("output_audio_transcript.delta", "resp_1", "item_a", 1, delta="two"),
        s.part_stream("output_text.delta", "resp_1", "item_a", 0, delta="!"),
    )
    content = state.item("item_a").content
    assert (content[0].text, content[1].transcript) == ("one!", "two")


# --- items ----------------------------------------------------------------------------------


def test_beta_conversation_item_created_places_user_items() -> None:
    state = run(
        s.item_added(
            s.message("u1", "user", {"type": "input_text", "text": "a"}),
            None,
            kind="conversation.item.created",
        ),
        s.item_added(
            s.message("u2", "user", {"type": "input_text", "text": "b"}),
            "u1",
            kind="conversation.item.created",
        ),
    )
    assert [(i.id, i.role, i.content[0].text) for i in state.items] == [
        ("u1", "user", "a"),
        ("u2", "user", "b"),
    ]


def test_ga_added_then_done_merges_into_one_item() -> None:
    user = s.message("u1", "user", {"type": "input_audio", "transcript": None})
    state = run(s.item_added(user, None), s.item_added(user, None, kind="conversation.item.done"))
    assert len(state.items) == 1
    assert state.item("u1").content[0].type == "input_audio"
    assert state.item("u1").content[0].transcript is None


def test_later_copy_never_regresses_status_or_erases_text() -> None:
    done_item = s.message("item_a", "assistant", {"type": "output_text", "text": "Hello"})
    empty_again = s.message("item_a", "assistant", status="in_progress")
    empty_again["content"] = [{"type": "output_text", "text": ""}]
    state = run(
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, s.message("item_a", "assistant", status="in_progress")),
        s.part_event("added", "resp_1", "item_a", {"type": "text", "text": ""}),
        s.part_stream("output_text.delta", "resp_1", "item_a", delta="Hello"),
        s.output_item("done", "resp_1", 0, done_item),
        s.item_added(empty_again, kind="conversation.item.retrieved"),
    )
    item = state.item("item_a")
    assert item.status == "completed"
    assert item.content[0].text == "Hello"


def test_retrieved_item_brings_audio_when_none_was_streamed() -> None:
    audio = s.pcm(20, 9)
    retrieved = s.message(
        "item_a", "assistant", {"type": "audio", "audio": s.b64(audio), "transcript": "Yo"}
    )
    state = run(s.item_added(retrieved, kind="conversation.item.retrieved"))
    assert state.item("item_a").content[0].audio == audio


def test_placement_after_anchor_first_on_null_end_when_absent() -> None:
    def user(i: str) -> dict[str, Any]:
        return s.message(i, "user", {"type": "input_text", "text": i})

    state = run(
        s.item_added(user("a"), None),
        s.item_added(user("c"), "a"),
        s.item_added(user("b"), "a"),  # goes between a and c
        s.item_added(user("z")),  # key absent: at the end
        s.item_added(user("first"), None),  # null: first
    )
    assert [i.id for i in state.items] == ["first", "a", "b", "c", "z"]


def test_an_item_already_placed_never_moves() -> None:
    user = s.message("u1", "user", {"type": "input_text", "text": "q"})
    call = {
        "id": "call_item",
        "type": "function_call",
        "status": "in_progress",
        "name": "f",
        "call_id": "c1",
        "arguments": "",
    }
    state = run(
        s.item_added(user, None),
        s.item_added(call, "u1"),
        # GA sends item.done with previous_item_id null for an item placed after u1
        s.item_added(
            dict(call, status="completed", arguments="{}"), None, kind="conversation.item.done"
        ),
    )
    assert [i.id for i in state.items] == ["u1", "call_item"]
    assert state.item("call_item").status == "completed"


def test_unknown_anchor_goes_to_the_end_and_is_noted() -> None:
    user = s.message("u1", "user", {"type": "input_text", "text": "q"})
    state = run(s.item_added(user, "item_before_the_log"), policy="lenient")
    assert [i.id for i in state.items] == ["u1"]
    (violation,) = state.violations
    assert (violation.code, violation.index) == ("unknown_anchor", 0)
    assert "item_before_the_log" in violation.message
    with pytest.raises(ProtocolViolation) as info:
        run(s.item_added(user, "item_before_the_log"), policy="strict")
    assert info.value.code == "unknown_anchor"


def test_deletion_removes_the_item() -> None:
    def user(i: str) -> dict[str, Any]:
        return s.message(i, "user", {"type": "input_text", "text": i})

    state = run(
        s.item_added(user("a"), None),
        s.item_added(user("b"), "a"),
        s.item_added(user("c"), "b"),
        {"type": "conversation.item.deleted", "event_id": "e", "item_id": "b"},
        s.item_added(user("d"), "c"),
    )
    assert [i.id for i in state.items] == ["a", "c", "d"]
    assert state.item("b") is None


def test_deleting_an_unknown_item_is_a_violation() -> None:
    state = run(
        {"type": "conversation.item.deleted", "event_id": "e", "item_id": "ghost"}, policy="lenient"
    )
    assert [v.code for v in state.violations] == ["unknown_item"]


# --- function calls -------------------------------------------------------------------------


def test_function_call_arguments_stream_and_done_gives_the_name() -> None:
    call = {
        "id": "fc",
        "type": "function_call",
        "status": "in_progress",
        "call_id": "call_1",
        "arguments": "",
    }
    delta = {
        "type": "response.function_call_arguments.delta",
        "event_id": "e",
        "response_id": "resp_1",
        "item_id": "fc",
        "output_index": 0,
        "call_id": "call_1",
    }
    streaming = run(
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, call),
        dict(delta, delta='{"city"'),
        dict(delta, delta=': "Paris"}'),
    )
    item = streaming.item("fc")
    assert item.arguments == '{"city": "Paris"}'
    assert item.name is None
    done = reduce(
        streaming,
        {
            "type": "response.function_call_arguments.done",
            "event_id": "e2",
            "response_id": "resp_1",
            "item_id": "fc",
            "output_index": 0,
            "call_id": "call_1",
            "arguments": '{"city": "Paris"}',
            "name": "get_weather",
        },
    )
    assert (done.item("fc").name, done.item("fc").arguments, done.item("fc").call_id) == (
        "get_weather",
        '{"city": "Paris"}',
        "call_1",
    )


def test_function_call_output_item() -> None:
    output = {
        "id": "out",
        "type": "function_call_output",
        "call_id": "call_1",
        "output": '{"t": 12}',
    }
    call = {
        "id": "call",
        "type": "function_call",
        "call_id": "call_1",
        "name": "weather",
        "arguments": "{}",
    }
    state = run(s.item_added(call, None), s.item_added(output, "call"))
    item = state.item("out")
    assert (item.type, item.call_id, item.output, item.role) == (
        "function_call_output",
        "call_1",
        '{"t": 12}',
        None,
    )


# --- truncation -----------------------------------------------------------------------------


def _truncate(item_id: str, ms: int) -> dict[str, Any]:
    return {
        "type": "conversation.item.truncated",
        "event_id": s.eid(),
        "item_id": item_id,
        "content_index": 0,
        "audio_end_ms": ms,
    }


def test_truncation_cuts_audio_and_clears_transcript() -> None:
    chunks = [s.pcm(100, 1), s.pcm(100, 2), s.pcm(100, 3)]
    state = run(
        s.session_created(),
        *s.assistant_audio_turn("resp_1", "item_a", ["I was ", "saying"], chunks),
        _truncate("item_a", 150),
    )
    part = state.item("item_a").content[0]
    assert part.audio == b"".join(chunks)[: 150 * 48]
    assert part.transcript == ""
    assert part.truncated_at_ms == 150
    assert part.transcript_before_truncation == "I was saying"


def test_truncation_beyond_the_audio_keeps_it_all_and_zero_keeps_none() -> None:
    chunks = [s.pcm(100, 1)]
    base = [s.session_created(), *s.assistant_audio_turn("resp_1", "item_a", ["x"], chunks)]
    assert run(*base, _truncate("item_a", 5000)).item("item_a").content[0].audio == chunks[0]
    assert run(*base, _truncate("item_a", 0)).item("item_a").content[0].audio == b""


def test_truncation_uses_the_session_output_format() -> None:
    ulaw = bytes(range(256)) * 4  # 8 bytes per ms
    base = [
        s.session_created(output_format="audio/pcmu"),
        *s.assistant_audio_turn("resp_1", "item_a", ["x"], [ulaw]),
    ]
    assert run(*base, _truncate("item_a", 10)).item("item_a").content[0].audio == ulaw[:80]
    beta = [
        s.session_created(ga=False, output_format="g711_alaw"),
        *s.assistant_audio_turn("resp_1", "item_a", ["x"], [ulaw], ga=False),
    ]
    assert run(*beta, _truncate("item_a", 10)).item("item_a").content[0].audio == ulaw[:80]


def test_truncation_remembers_the_audio_received_before_the_cut() -> None:
    chunks = [s.pcm(100, 1), s.pcm(100, 2), s.pcm(100, 3)]
    state = run(
        s.session_created(),
        *s.assistant_audio_turn("resp_1", "item_a", ["x"], chunks),
        _truncate("item_a", 150),
        _truncate("item_a", 50),  # a second cut keeps the first count
    )
    part = state.item("item_a").content[0]
    assert part.audio_bytes_before_truncation == 3 * 4800
    assert part.audio_bytes == 50 * 48
    assert run(s.session_created()).event_count == 1


def test_deltas_in_flight_after_a_cut_are_received_but_not_heard() -> None:
    turn = s.assistant_audio_turn("resp_1", "item_a", ["one ", "two"], [s.pcm(100, 1)])
    done_at = next(i for i, e in enumerate(turn) if e["type"].endswith("output_audio.done"))
    late = [
        s.part_stream("output_audio.delta", "resp_1", "item_a", delta=s.b64(s.pcm(100, 2))),
        s.part_stream("output_audio_transcript.delta", "resp_1", "item_a", delta=" three"),
    ]
    events = [*turn[:done_at], _truncate("item_a", 50), *late, *turn[done_at:]]
    state = run(s.session_created(), *events)
    part = state.item("item_a").content[0]
    assert part.audio == s.pcm(100, 1)[: 50 * 48]  # only what was kept at the cut
    assert part.audio_bytes_before_truncation == 2 * 4800  # all that came
    assert part.transcript == ""  # the server cleared it; the done does not restore it
    assert part.transcript_before_truncation == "one two three"
    assert state.violations == ()


def test_a_part_remembers_the_format_its_audio_came_in() -> None:
    ulaw = bytes(range(256)) * 4
    switch = {
        "type": "session.updated",
        "event_id": s.eid(),
        "session": {
            "type": "realtime",
            "id": "sess_1",
            "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}}},
        },
    }
    state = run(
        s.session_created(output_format="audio/pcmu"),
        *s.assistant_audio_turn("resp_1", "item_a", ["x"], [ulaw]),
        switch,
    )
    part = state.item("item_a").content[0]
    assert part.audio_spec is not None and part.audio_spec.encoding == "g711_ulaw"
    assert part.duration_ms == len(ulaw) / 8  # G.711: 8 bytes per ms, whatever came after
    cut = run(
        s.session_created(output_format="audio/pcmu"),
        *s.assistant_audio_turn("resp_1", "item_a", ["x"], [ulaw]),
        switch,
        _truncate("item_a", 10),
    )
    assert cut.item("item_a").content[0].audio == ulaw[:80]  # cut in the part's own format


def test_truncating_an_unknown_item_is_a_violation() -> None:
    state = run(_truncate("ghost", 10), policy="lenient")
    assert [v.code for v in state.violations] == ["unknown_item"]


# --- input transcription --------------------------------------------------------------------


def _transcription(kind: str, item_id: str, **fields: Any) -> dict[str, Any]:
    event = {
        "type": f"conversation.item.input_audio_transcription.{kind}",
        "event_id": s.eid(),
        "item_id": item_id,
    }
    if kind != "delta":
        event["content_index"] = 0
    event.update(fields)
    return event


def _user_audio(item_id: str, previous: Any = None) -> dict[str, Any]:
    return s.item_added(
        s.message(item_id, "user", {"type": "input_audio", "transcript": None}), previous
    )


def test_input_transcription_deltas_then_completed_replaces() -> None:
    state = run(
        _user_audio("u1"),
        _transcription("delta", "u1", content_index=0, delta=" Hello"),
        _transcription("delta", "u1", content_index=0, delta=" there"),
    )
    assert state.item("u1").content[0].transcript == " Hello there"
    assert state.item("u1").content[0].transcription_status == "in_progress"
    done = reduce(
        state,
        _transcription(
            "completed", "u1", transcript="Hello there", usage={"type": "duration", "seconds": 1.5}
        ),
    )
    part = done.item("u1").content[0]
    assert (part.transcript, part.transcription_status) == ("Hello there", "completed")
    assert part.transcription_usage.seconds == 1.5


def test_transcription_before_its_item_is_kept_and_applied_when_it_comes() -> None:
    early = run(_transcription("completed", "u1", transcript="Early bird"))
    assert "u1" in early.pending_transcriptions
    assert early.violations == ()
    state = reduce(early, _user_audio("u1"))
    assert state.item("u1").content[0].transcript == "Early bird"
    assert dict(state.pending_transcriptions) == {}


def test_late_and_out_of_order_transcriptions_land_on_their_items() -> None:
    chunks = [s.pcm(10)]
    state = run(
        _user_audio("u1"),
        *s.assistant_audio_turn("resp_1", "a1", ["ok"], chunks),
        _user_audio("u2", "a1"),
        *s.assistant_audio_turn("resp_2", "a2", ["sure"], chunks),
        _transcription("completed", "u2", transcript="second"),
        _transcription("completed", "u1", transcript="first"),
    )
    assert [i.id for i in state.items] == ["u1", "a1", "u2", "a2"]
    assert state.item("u1").content[0].transcript == "first"
    assert state.item("u2").content[0].transcript == "second"
    assert state.violations == ()


def test_transcription_that_never_finds_its_item_stays_pending() -> None:
    state = run(_transcription("delta", "u9", delta="hi"), _user_audio("u1"))
    assert list(state.pending_transcriptions) == ["u9"]
    assert state.violations == ()


def test_completed_transcriptions_are_logged_even_if_the_item_is_deleted() -> None:
    usage = {"type": "tokens", "total_tokens": 9, "input_tokens": 7, "output_tokens": 2}
    deleted = {"type": "conversation.item.deleted", "event_id": s.eid(), "item_id": "item_u"}
    state = run(
        s.session_created(),
        _transcription("completed", "item_early", transcript="Before.", usage=usage),
        _user_audio("item_u"),
        _transcription("completed", "item_u", transcript="Hello.", usage=usage),
        deleted,
    )
    records = state.transcriptions
    assert [(r.index, r.item_id, r.content_index) for r in records] == [
        (1, "item_early", 0),
        (3, "item_u", 0),
    ]
    assert records[1].usage.total_tokens == 9
    assert records[1].session is state.session
    assert state.item("item_u") is None


def test_failed_transcription_and_segments() -> None:
    failed = run(
        _user_audio("u1"),
        _transcription(
            "failed",
            "u1",
            error={"type": "transcription_error", "code": "audio_unintelligible", "message": "no"},
        ),
    )
    part = failed.item("u1").content[0]
    assert part.transcription_status == "failed"
    assert part.transcription_error.code == "audio_unintelligible"
    seg = run(
        _user_audio("u1"),
        _transcription("segment", "u1", text="Hi", id="seg_1", speaker="A", start=0.0, end=0.5),
    )
    assert [x.speaker for x in seg.item("u1").content[0].transcription_segments] == ["A"]


def test_empty_delta_changes_nothing_and_late_delta_never_undoes_completion() -> None:
    state = run(
        _user_audio("u1"),
        _transcription("completed", "u1", transcript="Done."),
        _transcription("delta", "u1", delta=" extra"),
        _transcription("delta", "u1"),
    )
    assert state.item("u1").content[0].transcript == "Done."


# --- input and output audio buffers ---------------------------------------------------------


def test_vad_turn_state() -> None:
    started = run(
        {
            "type": "input_audio_buffer.speech_started",
            "event_id": "e1",
            "audio_start_ms": 3796,
            "item_id": "u1",
        }
    )
    buf = started.input_audio
    assert (buf.speaking, buf.audio_start_ms, buf.item_id) == (True, 3796, "u1")
    stopped = reduce(
        started,
        {
            "type": "input_audio_buffer.speech_stopped",
            "event_id": "e2",
            "audio_end_ms": 4960,
            "item_id": "u1",
        },
    )
    assert (stopped.input_audio.speaking, stopped.input_audio.audio_end_ms) == (False, 4960)
    committed = reduce(
        stopped,
        {
            "type": "input_audio_buffer.committed",
            "event_id": "e3",
            "item_id": "u1",
            "previous_item_id": None,
        },
    )
    assert committed.input_audio.committed_item_ids == ("u1",)
    cleared = reduce(committed, {"type": "input_audio_buffer.cleared", "event_id": "e4"})
    assert (cleared.input_audio.cleared, cleared.input_audio.item_id) == (1, None)


def test_timeout_dtmf_and_output_audio_buffer_events() -> None:
    state = run(
        {
            "type": "input_audio_buffer.timeout_triggered",
            "event_id": "e1",
            "audio_start_ms": 0,
            "audio_end_ms": 5000,
            "item_id": "u1",
        },
        {"type": "input_audio_buffer.dtmf_event_received", "event": "4", "received_at": 1},
        {
            "type": "output_audio_buffer.started",
            "event_id": "event_93602a8f5f804efd",
            "response_id": "r",
        },
        {"type": "output_audio_buffer.cleared", "event_id": "e3", "response_id": "r"},
    )
    assert state.input_audio.timeouts == 1
    assert state.input_audio.dtmf == ("4",)
    assert state.event_count == 4
    assert state.output_audio_buffer == OutputAudioBufferState(phase="cleared", response_id="r")
    assert not state.output_audio_buffer.playing


def test_output_audio_buffer_follows_the_last_event() -> None:
    assert run().output_audio_buffer is None  # WebSocket sessions never get these events
    started = {"type": "output_audio_buffer.started", "event_id": "e1", "response_id": "r"}
    state = run(started)
    assert state.output_audio_buffer is not None and state.output_audio_buffer.playing
    stopped = reduce(state, {**started, "type": "output_audio_buffer.stopped"})
    assert stopped.output_audio_buffer == OutputAudioBufferState(phase="stopped", response_id="r")
    assert not stopped.output_audio_buffer.playing


# --- responses ------------------------------------------------------------------------------


def test_response_lifecycle_usage_and_active_response() -> None:
    item = s.message("a1", "assistant", {"type": "output_text", "text": "ok"})
    created = run(s.response_created("resp_1"))
    assert created.active_response_id == "resp_1"
    assert created.responses["resp_1"].status == "in_progress"
    done = run(
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, item),
        s.response_done("resp_1", [item], use=s.usage(inp=100, out=20, cached=40, audio_out=15)),
        s.response_created("resp_2"),
        s.response_done(
            "resp_2",
            [],
            status="cancelled",
            details={"type": "cancelled", "reason": "turn_detected"},
            use=s.usage(inp=10, out=0),
        ),
    )
    assert done.active_response_id is None
    r1, r2 = done.responses["resp_1"], done.responses["resp_2"]
    assert (r1.status, r1.output_item_ids, r1.usage.total_tokens) == ("completed", ("a1",), 120)
    assert (r2.status, r2.status_details.reason, r2.output_item_ids) == (
        "cancelled",
        "turn_detected",
        (),
    )
    u = done.usage
    assert (u.input_tokens, u.output_tokens, u.total_tokens, u.cached_tokens) == (110, 20, 130, 40)
    assert (u.output_audio_tokens, u.output_text_tokens, u.input_text_tokens) == (15, 5, 110)


def test_response_done_reconciles_output_items_not_seen() -> None:
    item = s.message("a1", "assistant", {"type": "output_text", "text": "ok"})
    state = run(s.response_created("resp_1"), s.response_done("resp_1", [item]))
    assert state.responses["resp_1"].output_item_ids == ("a1",)
    assert state.item("a1").content[0].text == "ok"
    assert [i.id for i in state.items] == ["a1"]


def test_response_done_without_created_is_recorded_from_the_payload() -> None:
    state = run(s.response_done("resp_x", []), policy="lenient")
    assert state.responses["resp_x"].status == "completed"
    assert [v.code for v in state.violations] == ["unknown_response"]
    with pytest.raises(ProtocolViolation):
        run(s.response_done("resp_x", []), policy="strict")


def test_out_of_band_response_items_are_tracked_but_not_in_the_conversation() -> None:
    oob = s.message("oob_item", "assistant", status="in_progress")
    state = run(
        s.response_created("resp_main"),
        s.response_created("resp_oob", out_of_band=True),
        s.output_item("added", "resp_oob", 0, oob),
        s.part_event("added", "resp_oob", "oob_item", {"type": "text", "text": ""}),
        s.part_stream("output_text.delta", "resp_oob", "oob_item", delta="summary"),
    )
    assert state.active_response_id == "resp_main"
    assert state.responses["resp_oob"].out_of_band is True
    assert state.item("oob_item").content[0].text == "summary"
    assert state.item("oob_item").in_conversation is False
    assert state.items == ()


# --- rate limits and errors -----------------------------------------------------------------


def test_rate_limits_are_replaced() -> None:
    state = run(
        {
            "type": "rate_limits.updated",
            "event_id": "e1",
            "rate_limits": [
                {"name": "requests", "limit": 1000, "remaining": 999, "reset_seconds": 0.06},
                {"name": "tokens", "limit": 50000, "remaining": 49000, "reset_seconds": 2.265},
            ],
        },
        {
            "type": "rate_limits.updated",
            "event_id": "e2",
            "rate_limits": [
                {"name": "tokens", "limit": 50000, "remaining": 48000, "reset_seconds": 0.003}
            ],
        },
    )
    assert list(state.rate_limits) == ["tokens"]
    tokens = state.rate_limits["tokens"]
    assert (tokens.limit, tokens.remaining, tokens.reset_seconds) == (50000, 48000, 0.003)
    assert (
        dict(run({"type": "rate_limits.updated", "event_id": "e", "rate_limits": []}).rate_limits)
        == {}
    )


def test_errors_are_kept_in_order_with_the_client_event_id() -> None:
    state = run(
        {
            "type": "error",
            "event_id": "e1",
            "error": {
                "type": "invalid_request_error",
                "code": "response_cancel_not_active",
                "message": "Cancellation failed: no active response found",
                "param": None,
                "event_id": "client_7",
            },
        },
        s.session_created(),
        {
            "type": "error",
            "event_id": "e3",
            "error": {"type": "invalid_request_error", "message": "bad", "event_id": None},
        },
    )
    first, second = state.errors
    assert (first.index, first.code, first.event_id, first.server_event_id) == (
        0,
        "response_cancel_not_active",
        "client_7",
        "e1",
    )
    assert (second.index, second.event_id, second.message) == (2, None, "bad")


def test_mcp_list_tools_and_call_are_tracked() -> None:
    tools = {"id": "mcp_l", "type": "mcp_list_tools", "server_label": "docs", "tools": []}
    call = {
        "id": "mcp_c",
        "type": "mcp_call",
        "server_label": "docs",
        "name": "search",
        "arguments": "",
    }
    state = run(
        s.item_added(tools, None),
        {"type": "mcp_list_tools.in_progress", "event_id": "e", "item_id": "mcp_l"},
        {"type": "mcp_list_tools.completed", "event_id": "e", "item_id": "mcp_l"},
        s.item_added(
            dict(tools, tools=[{"name": "search", "input_schema": {"type": "object"}}]),
            "mcp_l",
            kind="conversation.item.done",
        ),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, call),
        {
            "type": "response.mcp_call_arguments.delta",
            "event_id": "e",
            "response_id": "resp_1",
            "item_id": "mcp_c",
            "output_index": 0,
            "delta": '{"q":',
        },
        {
            "type": "response.mcp_call_arguments.delta",
            "event_id": "e",
            "response_id": "resp_1",
            "item_id": "mcp_c",
            "output_index": 0,
            "delta": '"x"}',
        },
        {
            "type": "response.mcp_call.in_progress",
            "event_id": "e",
            "item_id": "mcp_c",
            "output_index": 0,
        },
        {
            "type": "response.mcp_call.completed",
            "event_id": "e",
            "item_id": "mcp_c",
            "output_index": 0,
        },
        s.output_item("done", "resp_1", 0, dict(call, arguments='{"q":"x"}', output="found")),
    )
    listing = state.item("mcp_l")
    assert (listing.status, listing.server_label, [t.name for t in listing.tools]) == (
        "completed",
        "docs",
        ["search"],
    )
    mcp = state.item("mcp_c")
    assert (mcp.status, mcp.arguments, mcp.output) == ("completed", '{"q":"x"}', "found")


# --- replay ---------------------------------------------------------------------------------


def test_replay_upto_and_policy() -> None:
    events = [json.dumps(s.session_created()), json.dumps(s.response_created("r"))]
    assert replay(events, upto=1).event_count == 1
    assert replay(events, upto=1) == replay(events[:1])
    assert replay(events, policy="strict").policy == "strict"


def test_replay_upto_never_reads_past_the_events_it_needs() -> None:
    read: list[int] = []

    def live() -> Any:
        for i, event in enumerate([s.session_created(), s.response_created("r"), {}]):
            read.append(i)
            yield json.dumps(event)

    assert replay(live(), upto=2).event_count == 2
    assert read == [0, 1]  # the third (and invalid) event was never pulled
    read.clear()
    assert replay(live(), upto=0) == SessionState()
    assert read == []
    with pytest.raises(ValueError, match="upto"):
        replay([], upto=-1)


def test_out_of_band_item_stays_out_after_its_done_events() -> None:
    done_item = s.message("oob_item", "assistant", {"type": "output_text", "text": "summary"})
    state = run(
        s.response_created("resp_oob", out_of_band=True),
        s.output_item(
            "added", "resp_oob", 0, s.message("oob_item", "assistant", status="in_progress")
        ),
        s.output_item("done", "resp_oob", 0, done_item),
        s.response_done("resp_oob", [done_item], out_of_band=True),
    )
    assert state.items == ()
    assert state.item("oob_item").in_conversation is False
    placed = reduce(state, s.item_added(done_item, None))
    assert [i.id for i in placed.items] == ["oob_item"]
    assert placed.item("oob_item").in_conversation is True


def test_rate_limits_keep_the_server_order_and_responses_come_in_stream_order() -> None:
    limits = {
        "type": "rate_limits.updated",
        "event_id": s.eid(),
        "rate_limits": [
            {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.01},
            {"name": "tokens", "limit": 40000, "remaining": 39000, "reset_seconds": 1.5},
        ],
    }
    ids = [f"resp_{n:02d}" for n in range(12)]
    events = [s.session_created(), limits]
    for rid in ids:
        events += [s.response_created(rid), s.response_done(rid, [])]
    state = run(*events)
    assert list(state.rate_limits) == ["requests", "tokens"]
    assert [r.id for r in state.responses_in_order] == ids


# --- odd but decodable events (found by review) -----------------------------------------------


def _started_message(response_id: str = "resp_1", item_id: str = "item_a") -> list[dict[str, Any]]:
    return [
        s.response_created(response_id),
        s.output_item(
            "added", response_id, 0, s.message(item_id, "assistant", status="in_progress")
        ),
    ]


def test_transcription_with_a_negative_or_far_content_index_is_refused() -> None:
    user = s.item_added(s.message("item_u", "user", {"type": "input_text", "text": "typed"}))
    for index in (-1, 5):
        event = _transcription("completed", "item_u", transcript="hijack", content_index=index)
        state = run(user, event, policy="lenient")
        assert [v.code for v in state.violations] == ["content_index_out_of_range"]
        assert state.item("item_u").content[0].text == "typed"
        assert state.item("item_u").content[0].transcript is None
        assert state.transcriptions == ()
    with pytest.raises(ProtocolViolation):
        run(user, _transcription("delta", "item_u", delta="x", content_index=-1))


def test_a_far_content_index_allocates_nothing() -> None:
    delta = s.part_stream("output_text.delta", "resp_1", "item_a", index=2_000_000, delta="x")
    state = run(*_started_message(), delta, policy="lenient")
    assert [v.code for v in state.violations] == ["content_index_out_of_range"]
    assert state.item("item_a").content == ()


def test_a_deleted_item_never_comes_back() -> None:
    final = s.message("item_a", "assistant", {"type": "output_text", "text": "Hi"})
    deleted = {"type": "conversation.item.deleted", "event_id": s.eid(), "item_id": "item_a"}
    state = run(
        *_started_message(),
        deleted,
        s.output_item("done", "resp_1", 0, final),
        s.response_done("resp_1", [final]),
        policy="lenient",
    )
    assert state.items == () and state.item("item_a") is None
    assert state.responses["resp_1"].output_item_ids == ("item_a",)


def test_a_negative_truncation_is_refused() -> None:
    turn = s.assistant_audio_turn("resp_1", "item_a", ["x"], [s.pcm(10)])
    state = run(s.session_created(), *turn, _truncate("item_a", -5), policy="lenient")
    assert [v.code for v in state.violations] == ["invalid_truncation"]
    part = state.item("item_a").content[0]
    assert (part.audio, part.truncated_at_ms) == (s.pcm(10), None)


def test_mcp_status_events_never_move_a_final_status_back() -> None:
    call = {"id": "m1", "type": "mcp_call", "server_label": "s", "name": "n", "arguments": ""}
    status = [
        {
            "type": f"response.mcp_call.{kind}",
            "event_id": s.eid(),
            "item_id": "m1",
            "output_index": 0,
        }
        for kind in ("completed", "in_progress")
    ]
    state = run(s.response_created("resp_1"), s.output_item("added", "resp_1", 0, call), *status)
    assert state.item("m1").status == "completed"


def test_a_long_state_pickles_and_deep_copies() -> None:
    error = {"type": "error", "event_id": "e", "error": {"type": "x", "message": "m"}}
    state = run(*[error] * 3000, policy="lenient")
    assert pickle.loads(pickle.dumps(state)) == state
    assert copy.deepcopy(state).errors == state.errors


def test_a_repeated_transcription_completion_is_not_billed_twice() -> None:
    done = _transcription(
        "completed", "item_u", transcript="hi", usage={"type": "duration", "seconds": 3}
    )
    state = run(_user_audio("item_u"), done, done, policy="lenient")
    assert len(state.transcriptions) == 1
    assert [v.code for v in state.violations] == ["duplicate_done"]
    early = run(done, done, _user_audio("item_u"), policy="lenient")  # held before the item
    assert len(early.transcriptions) == 1
    assert [v.code for v in early.violations] == ["duplicate_done"]


def test_response_done_without_status_is_completed() -> None:
    done = {
        "type": "response.done",
        "event_id": s.eid(),
        "response": {"id": "resp_1", "output": []},
    }
    state = run(s.response_created("resp_1"), done)
    response = state.responses["resp_1"]
    assert (response.status, response.phase) == ("completed", "completed")


def test_arguments_events_for_an_item_that_is_not_a_call_are_refused() -> None:
    delta = {
        "type": "response.function_call_arguments.delta",
        "event_id": s.eid(),
        "response_id": "resp_1",
        "item_id": "item_a",
        "output_index": 0,
        "call_id": "c",
        "delta": "{}",
    }
    state = run(*_started_message(), delta, policy="lenient")
    assert [v.code for v in state.violations] == ["not_a_call"]
    assert state.item("item_a").arguments is None
