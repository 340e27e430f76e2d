"""Violation messages, recoveries and edge fields pinned exactly: mutants of the reducer's
checks (indices, messages, audio, transcription, input buffer) must fail here. See
docs/quality.md."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import streams as s
from realtime_state import SessionState, replay


def run(*events: dict[str, Any], policy: str = "lenient") -> SessionState:
    return replay([json.dumps(e) for e in events], policy=policy)


def found(state: SessionState) -> list[tuple[str, str]]:
    return [(v.code, v.message) for v in state.violations]


def _assistant(item_id: str) -> dict[str, Any]:
    return s.message(item_id, "assistant", status="in_progress")


_TWO = [
    s.response_created("resp_1"),
    s.output_item("added", "resp_1", 0, _assistant("item_a")),
    s.output_item("added", "resp_1", 1, _assistant("item_b")),
]
_OUT = "output_index_out_of_range"
_MIS = "output_index_mismatch"


@pytest.mark.parametrize(
    ("event", "code", "text", "ids"),
    [
        (
            s.output_item("added", "resp_1", 5, _assistant("item_c")),
            _OUT,
            "response.output_item.added for item item_c names output_index 5, but response "
            "resp_1 has 2 output item(s)",
            ("item_a", "item_b", "item_c"),
        ),
        (
            s.output_item("added", "resp_1", -1, _assistant("item_c")),
            _OUT,
            "response.output_item.added for item item_c names output_index -1, but response "
            "resp_1 has 2 output item(s)",
            ("item_a", "item_b", "item_c"),
        ),
        (
            s.output_item("added", "resp_1", 0, _assistant("item_c")),
            _MIS,
            "response.output_item.added for item item_c names output_index 0, which is item_a "
            "in response resp_1",
            ("item_a", "item_b", "item_c"),
        ),
        (
            s.output_item("done", "resp_1", 1, s.message("item_a", "assistant")),
            _MIS,
            "response.output_item.done for item item_a names output_index 1, which is item_b "
            "in response resp_1",
            ("item_a", "item_b"),
        ),
        (
            s.output_item("done", "resp_1", 2, s.message("item_a", "assistant")),
            _OUT,
            "response.output_item.done for item item_a names output_index 2, but response "
            "resp_1 has 2 output item(s)",
            ("item_a", "item_b"),
        ),
        (
            dict(
                s.part_event("added", "resp_1", "item_a", {"type": "text", "text": ""}),
                output_index=1,
            ),
            _MIS,
            "response.content_part.added for item item_a names output_index 1, which is item_b "
            "in response resp_1",
            ("item_a", "item_b"),
        ),
        (
            dict(
                s.part_event("added", "resp_1", "item_a", {"type": "text", "text": ""}),
                output_index=0,
            ),
            None,
            "",
            ("item_a", "item_b"),
        ),
        (
            dict(
                s.part_event("added", "resp_1", "item_a", {"type": "text", "text": ""}),
                output_index=2,
            ),
            _OUT,
            "response.content_part.added for item item_a names output_index 2, but response "
            "resp_1 has 2 output item(s)",
            ("item_a", "item_b"),
        ),
        (
            dict(
                s.part_event("added", "resp_1", "item_b", {"type": "text", "text": ""}),
                output_index=0,
            ),
            _MIS,
            "response.content_part.added for item item_b names output_index 0, which is item_a "
            "in response resp_1",
            ("item_a", "item_b"),
        ),
    ],
)
def test_output_index_checks_name_the_index_and_the_response(
    event: dict[str, Any], code: str | None, text: str, ids: tuple[str, ...]
) -> None:
    state = run(*_TWO, event)
    assert found(state) == ([] if code is None else [(code, text)])
    assert state.responses["resp_1"].output_item_ids == ids


# --- conversation.item.truncated / deleted ------------------------------------------------------


def _truncate(item_id: str, ms: int, index: int = 0) -> dict[str, Any]:
    return {
        "type": "conversation.item.truncated",
        "event_id": s.eid(),
        "item_id": item_id,
        "content_index": index,
        "audio_end_ms": ms,
    }


_TURN = [
    s.session_created(),
    *s.assistant_audio_turn("resp_1", "item_a", ["I was ", "saying"], [s.pcm(100)]),
]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            _truncate("item_x", 10),
            ("unknown_item", "conversation.item.truncated for item item_x, which is not known"),
        ),
        (
            _truncate("item_a", 10, 1),
            (
                "content_index_out_of_range",
                "conversation.item.truncated for item item_a names content_index 1, but the item "
                "has 1 part(s)",
            ),
        ),
        (
            _truncate("item_a", -5),
            (
                "invalid_truncation",
                "conversation.item.truncated for item item_a cuts at audio_end_ms -5, which is "
                "negative",
            ),
        ),
    ],
)
def test_a_refused_truncation_says_why(event: dict[str, Any], expected: tuple[str, str]) -> None:
    state = run(*_TURN, event)
    assert found(state) == [expected]
    part = state.item("item_a").content[0]
    assert (part.truncated_at_ms, len(part.audio)) == (None, 4800)


def test_a_second_cut_keeps_the_transcript_said_before_the_first() -> None:
    state = run(*_TURN, _truncate("item_a", 50), _truncate("item_a", 20))
    part = state.item("item_a").content[0]
    assert (part.transcript, part.transcript_before_truncation) == ("", "I was saying")
    assert (part.truncated_at_ms, len(part.audio), part.audio_bytes_before_truncation) == (
        20,
        960,
        4800,
    )


def test_a_cut_exactly_at_the_audio_received_keeps_it_all() -> None:
    state = run(*_TURN, _truncate("item_a", 100))
    part = state.item("item_a").content[0]
    assert (len(part.audio), part.audio_bytes_before_truncation, part.truncated_at_ms) == (
        4800,
        4800,
        100,
    )


def test_deleting_an_unknown_item_names_it() -> None:
    state = run({"type": "conversation.item.deleted", "event_id": "ev_d", "item_id": "nope"})
    assert found(state) == [
        ("unknown_item", "conversation.item.deleted for item nope, which is not known")
    ]


def test_deleting_the_first_item_moves_the_head() -> None:
    state = run(
        s.item_added(s.message("u1", "user", {"type": "input_text", "text": "a"}), None),
        s.item_added(s.message("u2", "user", {"type": "input_text", "text": "b"}), "u1"),
        s.item_added(s.message("u3", "user", {"type": "input_text", "text": "c"}), None),
        {"type": "conversation.item.deleted", "event_id": "ev_d", "item_id": "u3"},
        policy="strict",
    )
    assert [item.id for item in state.items] == ["u1", "u2"]
    assert (state.conversation.head, state.conversation.tail) == ("u1", "u2")
    assert dict(state.conversation.deleted) == {"u3": "ev_d"}


# --- error events -------------------------------------------------------------------------------


def test_an_error_keeps_its_type_and_param() -> None:
    error = {
        "type": "invalid_request_error",
        "code": "bad_voice",
        "message": "no such voice",
        "param": "session.voice",
        "event_id": "client_1",
    }
    state = run({"type": "error", "event_id": "e", "error": error})
    (record,) = state.errors
    assert (record.type, record.code, record.message, record.param, record.event_id) == (
        "invalid_request_error",
        "bad_voice",
        "no such voice",
        "session.voice",
        "client_1",
    )


# --- input transcription ------------------------------------------------------------------------


def _tr(kind: str, item_id: str = "u1", **fields: Any) -> dict[str, Any]:
    event = {
        "type": f"conversation.item.input_audio_transcription.{kind}",
        "event_id": s.eid(),
        "item_id": item_id,
    }
    event.update(fields)
    return event


_USER_AUDIO = s.item_added(
    s.message("u1", "user", {"type": "input_audio", "transcript": None}), None
)
_CI = "content_index_out_of_range"
_LOGPROBS = [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105]}]


def _parts(state: SessionState) -> list[tuple[Any, ...]]:
    return [(p.type, p.status, p.phase, p.transcript) for p in state.item("u1").content]


@pytest.mark.parametrize("held", [False, True])
def test_a_transcription_for_the_next_part_adds_an_input_audio_part(held: bool) -> None:
    completed = _tr("completed", content_index=1, transcript="x")
    events = [completed, _USER_AUDIO] if held else [_USER_AUDIO, completed]
    state = run(*events, policy="strict")
    assert _parts(state) == [
        ("input_audio", "done", "done", None),
        ("input_audio", "done", "done", "x"),
    ]
    assert state.item("u1").content[1].transcription_status == "completed"


def test_a_transcription_two_parts_away_is_refused() -> None:
    state = run(_USER_AUDIO, _tr("completed", content_index=2, transcript="x"))
    message = (
        "conversation.item.input_audio_transcription.completed for item u1 names "
        "content_index 2, but the item has 1 part(s)"
    )
    assert found(state) == [(_CI, message)]
    assert _parts(state) == [("input_audio", "done", "done", None)]


def test_a_held_transcription_two_parts_away_is_refused_when_the_item_comes() -> None:
    state = run(_tr("completed", content_index=2, transcript="x"), _USER_AUDIO)
    message = (
        "conversation.item.input_audio_transcription.completed for item u1 names "
        "content_index 2, but the item has 1 part(s)"
    )
    assert [(v.code, v.message, v.index) for v in state.violations] == [(_CI, message, 1)]
    assert _parts(state) == [("input_audio", "done", "done", None)]


@pytest.mark.parametrize(
    ("present", "why"), [(True, "but the item has 1 part(s)"), (False, "which is negative")]
)
def test_a_negative_transcription_index_is_refused(present: bool, why: str) -> None:
    completed = _tr("completed", content_index=-1, transcript="x")
    state = run(*([_USER_AUDIO] if present else []), completed)
    message = (
        "conversation.item.input_audio_transcription.completed for item u1 names "
        f"content_index -1, {why}"
    )
    assert found(state) == [(_CI, message)]
    assert dict(state.conversation.pending) == {}


def test_a_second_completion_names_the_part() -> None:
    state = run(
        _USER_AUDIO,
        _tr("completed", content_index=0, transcript="x"),
        _tr("completed", content_index=0, transcript="y"),
    )
    message = (
        "conversation.item.input_audio_transcription.completed for the transcription of part 0 "
        "of item u1, which was already done (state 'completed')"
    )
    assert found(state) == [("duplicate_done", message)]
    assert state.item("u1").content[0].transcript == "x"


def test_transcription_logprobs_are_kept_until_new_ones_come() -> None:
    state = run(
        _USER_AUDIO,
        _tr("delta", delta="Hi", logprobs=_LOGPROBS),
        _tr("delta", delta=" there"),
        policy="strict",
    )
    part = state.item("u1").content[0]
    assert part.transcript == "Hi there"
    assert [(p.token, p.logprob) for p in part.transcription_logprobs] == [("Hi", -0.1)]
    done = run(
        _USER_AUDIO,
        _tr("delta", delta="Hi", logprobs=_LOGPROBS),
        _tr("completed", content_index=0, transcript="Hi"),
        policy="strict",
    )
    assert [p.token for p in done.item("u1").content[0].transcription_logprobs] == ["Hi"]
    fresh = run(_USER_AUDIO, _tr("completed", content_index=0, transcript="Hi", logprobs=_LOGPROBS))
    assert [p.token for p in fresh.item("u1").content[0].transcription_logprobs] == ["Hi"]


def test_a_delta_without_text_or_index_goes_to_the_first_part() -> None:
    state = run(_USER_AUDIO, _tr("delta", delta="x"), _tr("delta", delta=None), policy="strict")
    assert _parts(state) == [("input_audio", "done", "done", "x")]
    empty = run(_USER_AUDIO, _tr("delta", delta=None), policy="strict")
    assert empty.item("u1").content[0].transcript in (None, "")


# --- text, audio and arguments channels ---------------------------------------------------------


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


def _started(part: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, _assistant("item_a")),
        s.part_event("added", "resp_1", "item_a", part),
    ]


_TEXT = _started({"type": "text", "text": ""})
_AUDIO = _started({"type": "audio", "transcript": ""})


@pytest.mark.parametrize("text", ["Hi", ""])
def test_a_text_done_without_deltas_gives_the_text(text: str) -> None:
    state = run(*_TEXT, _on_a("output_text.done", text=text), policy="strict")
    assert state.item("item_a").content[0].text == text


def test_a_text_mismatch_says_both_lengths_and_both_texts() -> None:
    state = run(
        *_TEXT, _on_a("output_text.delta", delta="Hello"), _on_a("output_text.done", text="Help")
    )
    message = (
        "response.output_text.done for part 0 of item item_a gives a text of 4 characters that "
        "differs from the 5 characters the deltas carried ('Hello' vs 'Help')"
    )
    assert found(state) == [("text_mismatch", message)]
    assert state.item("item_a").content[0].text == "Help"


@pytest.mark.parametrize(
    ("streamed", "final", "shown"),
    [
        ("x" * 40, "y" * 40, f"('{'x' * 40}' vs '{'y' * 40}')"),
        ("x" * 41, "y" * 50, f"('{'x' * 37}...' vs '{'y' * 37}...')"),
    ],
)
def test_a_long_mismatch_is_shortened_to_forty_characters(
    streamed: str, final: str, shown: str
) -> None:
    state = run(
        *_TEXT, _on_a("output_text.delta", delta=streamed), _on_a("output_text.done", text=final)
    )
    ((code, message),) = found(state)
    assert code == "text_mismatch"
    assert message.endswith(f"the {len(streamed)} characters the deltas carried {shown}")


@pytest.mark.parametrize("delta", ["!!!!AAAA", "AAA"])
def test_invalid_base64_audio_is_reported_and_gives_no_bytes(delta: str) -> None:
    state = run(*_AUDIO, _on_a("output_audio.delta", delta=delta))
    ((code, message),) = found(state)
    assert code == "invalid_audio"
    assert message.startswith("audio of item item_a part 0 is not valid base64 (")
    assert state.item("item_a").content[0].audio == b""


def test_audio_after_a_cut_with_no_audio_counts_from_zero() -> None:
    state = run(
        *_AUDIO, _truncate("item_a", 0), _on_a("output_audio.delta", delta=s.b64(s.pcm(10)))
    )
    part = state.item("item_a").content[0]
    assert part.audio_bytes_before_truncation == 480
    assert part.audio == b""


_CALL = {
    "id": "item_a",
    "type": "function_call",
    "status": "in_progress",
    "call_id": "call_1",
    "name": "first",
    "arguments": "",
}
_CALL_STARTED = [s.response_created("resp_1"), s.output_item("added", "resp_1", 0, _CALL)]


def _args(kind: str, **fields: Any) -> dict[str, Any]:
    event = _on_a(f"function_call_arguments.{kind}", call_id="call_1", **fields)
    del event["content_index"]
    return event


def test_arguments_done_without_deltas_keeps_the_name_first_given() -> None:
    state = run(*_CALL_STARTED, _args("done", arguments='{"a": 1}', name="second"), policy="strict")
    call = state.item("item_a")
    assert (call.arguments, call.name, call.call_phase) == ('{"a": 1}', "first", "arguments_done")


def test_an_arguments_mismatch_names_the_call_and_both_values() -> None:
    state = run(
        *_CALL_STARTED,
        _args("delta", delta='{"a": 1}'),
        _args("done", arguments='{"a": 2}'),
    )
    message = (
        "response.function_call_arguments.done for call call_1 (item item_a) gives arguments "
        "'{\"a\": 2}' that differ from the deltas joined '{\"a\": 1}'"
    )
    assert found(state) == [("arguments_mismatch", message)]
    assert state.item("item_a").arguments == '{"a": 2}'


def test_a_later_copy_contradicting_final_arguments_says_so() -> None:
    call = dict(_CALL, status="completed", arguments='{"a": 1}')
    state = run(
        s.item_added(call, None),
        s.item_added(dict(call, arguments='{"a": 2}'), None, kind="conversation.item.done"),
    )
    message = (
        "a later copy of item item_a carries the arguments '{\"a\": 2}', which differs from its "
        "final arguments '{\"a\": 1}'; the final arguments is kept"
    )
    assert found(state) == [("arguments_mismatch", message)]


# --- the input audio buffer ---------------------------------------------------------------------

_SPEECH = {
    "type": "input_audio_buffer.speech_started",
    "event_id": "e1",
    "audio_start_ms": 100,
    "item_id": "u0",
}


def test_a_timeout_while_speaking_ends_the_turn_with_its_times() -> None:
    timeout = {
        "type": "input_audio_buffer.timeout_triggered",
        "event_id": "e2",
        "audio_start_ms": 3000,
        "audio_end_ms": 5000,
        "item_id": "u1",
    }
    buf = run(_SPEECH, timeout, policy="strict").input_audio
    assert (buf.speaking, buf.audio_start_ms, buf.audio_end_ms, buf.item_id) == (
        False,
        3000,
        5000,
        "u1",
    )
    assert (buf.phase, buf.timeouts) == ("stopped", 1)


def test_clearing_while_speaking_stops_the_turn() -> None:
    cleared = {"type": "input_audio_buffer.cleared", "event_id": "e2"}
    buf = run(_SPEECH, cleared, policy="strict").input_audio
    assert (buf.speaking, buf.item_id, buf.cleared, buf.phase) == (False, None, 1, "cleared")
