"""Barge-in: ``state.truncation_events(played_ms)``, checked against every log and recording cut
after every event, with the server's answers fed back into the state."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types.beta import realtime as beta_types
from openai.types.realtime import RealtimeClientEvent
from pydantic import TypeAdapter

from helpers.readside import ALL_LINES, log, recording
from realtime_state import SessionState, estimate_heard_text, history, reduce, replay
from realtime_state import events as ev
from realtime_state.barge_in import playing_part, truncation_events
from realtime_state.testing.wire import WireBuilder

GA_EVENTS: TypeAdapter[Any] = TypeAdapter(RealtimeClientEvent)
BETA_EVENTS: TypeAdapter[Any] = TypeAdapter(beta_types.RealtimeClientEvent)

SERVER_CUT_MS = 1234
"""Where the WebRTC server says it cut the audio after ``output_audio_buffer.clear``."""


def is_beta(state: SessionState) -> bool:
    return isinstance(state.session, (ev.BetaSession, ev.BetaTranscriptionSession))


def validate(state: SessionState, events: list[dict[str, Any]]) -> None:
    """Every event validates against the openai client-event model of the session's dialect,
    declares only keys the model knows, and carries no ``event_id``."""
    adapter = BETA_EVENTS if is_beta(state) else GA_EVENTS
    for event in events:
        parsed = adapter.validate_python(event)
        assert set(event) <= set(type(parsed).model_fields), event
        assert "event_id" not in event


def answers(state: SessionState, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The server's answer to ``events``, in the session's dialect."""
    wire = WireBuilder("beta" if is_beta(state) else "ga")
    out: list[dict[str, Any]] = []
    for event in events:
        kind = event["type"]
        if kind == "response.cancel":
            response = wire.response(event["response_id"], "cancelled", reason="client_cancelled")
            out.append(wire.response_done(response))
        elif kind == "conversation.item.truncate":
            out.append(
                wire.conversation_item_truncated(
                    event["item_id"], event["audio_end_ms"], event["content_index"]
                )
            )
        elif kind == "conversation.item.delete":
            out.append(wire.conversation_item_deleted(event["item_id"]))
        elif kind == "output_audio_buffer.clear":
            buffer = state.output_audio_buffer
            assert buffer is not None and buffer.response_id is not None
            out.append(wire.output_audio_buffer("cleared", buffer.response_id))
            found = playing_part(state)
            assert found is not None
            item, index, _ = found
            out.append(wire.conversation_item_truncated(item.id, SERVER_CUT_MS, index))
        else:  # pragma: no cover - truncation_events sends nothing else
            raise AssertionError(kind)
    return out


def send_and_answer(state: SessionState, events: list[dict[str, Any]]) -> SessionState:
    """``state`` after the client sent ``events`` and the server answered them."""
    for event in [*events, *answers(state, events)]:
        state = reduce(state, event)
    return state


def received_ms(state: SessionState, item_id: str) -> float:
    found = playing_part(state, item_id)
    assert found is not None
    return found[2].duration_ms


def check(state: SessionState, played_ms: float, *, cancel: bool = True) -> list[str]:
    """Check one barge-in on ``state``; return the event types sent."""
    events = state.truncation_events(played_ms, cancel=cancel)
    assert events == truncation_events(state, played_ms, cancel=cancel)
    validate(state, events)
    kinds = [event["type"] for event in events]
    # 1. cancel first, only for the running in-conversation response, never with cancel=False
    running = state.active_response_id
    if cancel and running is not None:
        assert events[0] == {"type": "response.cancel", "response_id": running}
    else:
        assert "response.cancel" not in kinds
    assert len(kinds) <= 2 and len(set(kinds)) == len(kinds)
    cuts = [e for e in events if e["type"] != "response.cancel"]
    found = playing_part(state)
    if cuts:
        assert found is not None
        item, index, part = found
        assert item.role == "assistant" and part.truncated_at_ms is None
    before = {v.code for v in state.violations}
    after = send_and_answer(state, events)
    assert {v.code for v in after.violations} == before  # nothing new
    assert after.pending.truncations == () and after.pending.deletions == ()
    assert after.active_response_id is None if cancel or running is None else True
    for cut in cuts:
        item_id = cut.get("item_id")
        if cut["type"] == "conversation.item.delete":
            assert found is not None and found[2].audio_bytes == 0
            assert after.item(item_id) is None
            continue
        if cut["type"] == "conversation.item.truncate":
            received = received_ms(state, item_id)
            end = cut["audio_end_ms"]
            assert isinstance(end, int) and 0 <= end <= received
            assert end == math.floor(min(played_ms, received))
            assert cut["content_index"] == index
            expected_audio: float | None = received
        else:  # WebRTC: the server cuts by itself
            assert cut == {"type": "output_audio_buffer.clear"}
            assert state.output_audio_buffer is not None and state.output_audio_buffer.playing
            assert found is not None and found[2].audio_bytes == 0
            item_id, end, expected_audio = found[0].id, SERVER_CUT_MS, None
        cut_part = after.item(item_id).content[index]  # type: ignore[union-attr]
        assert cut_part.truncated_at_ms == end
        turn = after.transcript().turn(item_id)
        assert turn is not None and turn.interrupted and turn.text == ""
        assert (turn.heard_ms, turn.audio_ms) == (end, expected_audio)
        assert turn.heard_text_estimate == estimate_heard_text(turn.said_text, end, turn.audio_ms)
        # the part is cut now: nothing more to send for it
        assert truncation_events(after, played_ms, cancel=False, item_id=item_id) == []
    return kinds


def cut_points(lines: list[str], policy: str) -> list[SessionState]:
    return [state for _, _, state in history(lines, policy=policy)]


def strict_ok(lines: list[str]) -> bool:
    try:
        replay(lines, policy="strict")
    except Exception:  # the two fragments start mid-session
        return False
    return True


# --- every log and recording, cut after every event -----------------------------------------


@pytest.mark.parametrize("name", sorted(ALL_LINES))
def test_every_cut_of_every_log(name: str) -> None:
    lines = ALL_LINES[name]
    policies = ["lenient", "strict"] if strict_ok(lines) else ["lenient"]
    seen: set[str] = set()
    for policy in policies:
        for state in cut_points(lines, policy):
            found = playing_part(state)
            received = 0.0 if found is None else found[2].duration_ms
            for played in (0, 0.5, received / 2, received, received + 0.7, received + 250):
                seen.update(check(state, played))
            seen.update(check(state, received / 3, cancel=False))
    audio = "audio_turn" in name or "interruption" in name or "out_of_band" in name
    if audio and name.startswith("log:"):
        assert {"response.cancel", "conversation.item.truncate"} <= seen
        assert "conversation.item.delete" in seen  # before the first audio delta
    if "webrtc" in name:  # no audio bytes: never a truncate (deletes before playback began)
        assert "output_audio_buffer.clear" in seen
        assert "conversation.item.truncate" not in seen


# --- scenarios -------------------------------------------------------------------------------


def test_mid_stream_barge_in_on_ga_voice() -> None:
    lines = log("ga_audio_turn")
    state = replay(lines[:30])  # 3 audio deltas received: 300 ms
    item_id = "item_F3kSHX3yDoG815pG6n7xJ"
    assert received_ms(state, item_id) == 300
    assert state.truncation_events(120.9) == [
        {"type": "response.cancel", "response_id": "resp_F3kSHMbEDlbqpPaUPMhAa"},
        {
            "type": "conversation.item.truncate",
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": 120,
        },
    ]
    # played beyond what came (the wall clock ran on): cut at what was received
    assert state.truncation_events(5000, cancel=False) == [
        {
            "type": "conversation.item.truncate",
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": 300,
        }
    ]


def test_no_audio_yet_deletes_the_item() -> None:
    state = replay(log("ga_audio_turn")[:12])  # transcript deltas, no audio delta yet
    assert state.truncation_events(0, cancel=False) == [
        {"type": "conversation.item.delete", "item_id": "item_F3kSHX3yDoG815pG6n7xJ"}
    ]


def test_after_response_done_while_audio_still_plays() -> None:
    state = replay(log("ga_audio_turn"))  # done: 500 ms received
    assert state.active_response_id is None
    assert state.truncation_events(320) == [
        {
            "type": "conversation.item.truncate",
            "item_id": "item_F3kSHX3yDoG815pG6n7xJ",
            "content_index": 0,
            "audio_end_ms": 320,
        }
    ]
    # heard to the end: nothing to send
    assert state.truncation_events(500) == []
    assert state.truncation_events(10_000) == []


def test_a_cut_part_and_a_finished_heard_part_give_nothing() -> None:
    state = replay(log("ga_interruption"))
    assert state.truncation_events(10_000) == []  # the second answer was heard to the end
    cut = next(i for i in state.items if i.role == "assistant")
    assert cut.content[0].truncated_at_ms is not None
    assert truncation_events(state, 10, item_id=cut.id) == []
    # cut by the server at 150 ms while still streaming, before response.done
    for _, _, mid in history(log("ga_interruption")):
        found = playing_part(mid, cut.id)
        if found is not None and found[2].truncated_at_ms is not None:
            assert truncation_events(mid, 10, cancel=False, item_id=cut.id) == []
    beta = replay(log("beta_audio_turn"))
    assert beta.truncation_events(500) == []


def test_a_pending_truncate_is_not_sent_twice() -> None:
    state = replay(log("ga_audio_turn")[:30])
    first = state.truncation_events(100)
    for event in first:
        state = reduce(state, event)
    # response.cancel is not tracked as pending work: it would be sent again
    assert state.truncation_events(100, cancel=False) == []
    assert state.truncation_events(50, cancel=False) == []


def test_cancel_false_never_cancels() -> None:
    state = replay(log("ga_audio_turn")[:30])
    assert state.active_response_id is not None
    assert all(e["type"] != "response.cancel" for e in state.truncation_events(10, cancel=False))


def test_a_response_without_output_is_only_cancelled() -> None:
    lines = log("ga_cancelled_response")
    for state in cut_points(lines, "strict"):
        if state.active_response_id is not None and playing_part(state) is None:
            rid = state.active_response_id
            assert state.truncation_events(100) == [{"type": "response.cancel", "response_id": rid}]
            assert state.truncation_events(100, cancel=False) == []
            return
    raise AssertionError("no running response without output in the log")


def test_text_only_answers_are_never_cut() -> None:
    assert replay(log("ga_text_turn")).truncation_events(100) == []
    assert replay(recording("ga_tool_call_round")).truncation_events(100) == []


def test_item_id_names_the_part_being_played() -> None:
    state = replay(log("ga_out_of_band"))
    item_id = "item_F3kY83EceZDfdpcqZ6w7C"  # 300 ms
    assert truncation_events(state, 100.2, item_id=item_id) == [
        {
            "type": "conversation.item.truncate",
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": 100,
        }
    ]
    assert truncation_events(state, 100, item_id="item_unknown") == []
    # the out-of-band text item is not an audio part
    assert truncation_events(state, 100, item_id="item_F3kY8UQzryqvq3qNo13VD") == []


@pytest.mark.parametrize("fmt", ["g711_ulaw", "g711_alaw"])
@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_g711_counts_8_bytes_per_ms(fmt: str, dialect: str) -> None:
    wire = WireBuilder(dialect, output_format=fmt)
    chunks = [b"\xff" * 800] * 3  # 3 x 100 ms of G.711
    events = [wire.session_created(), *wire.user_text_turn("Hi")]
    events += wire.assistant_audio_turn(["Hello ", "there, ", "how are ", "you?"], chunks)
    done = next(i for i, e in enumerate(events) if e["type"].endswith("audio.done"))
    state = replay(events[:done], policy="strict")  # all audio received, more may come
    found = playing_part(state)
    assert found is not None and found[2].duration_ms == 300
    sent = state.truncation_events(2000)
    assert sent[-1]["audio_end_ms"] == 300  # not 2400 / 48 = 50
    assert state.truncation_events(150.5, cancel=False)[0]["audio_end_ms"] == 150
    check(state, 150.5)
    check(replay(events, policy="strict"), 299.9)


def test_webrtc_clears_the_buffer_and_the_server_cuts() -> None:
    lines = recording("beta_webrtc_interrupt_truncate")
    for _, _, state in history(lines):
        buffer = state.output_audio_buffer
        if buffer is not None and buffer.playing:
            events = state.truncation_events(700)
            assert events[-1] == {"type": "output_audio_buffer.clear"}
            assert not any(e["type"].startswith("conversation.item.") for e in events)
            break
    else:
        raise AssertionError("the buffer never played")
    end = replay(lines)
    assert end.output_audio_buffer is not None and not end.output_audio_buffer.playing
    assert end.truncation_events(700) == []  # the buffer stopped: heard to the end


def test_webrtc_before_any_buffer_event_is_treated_as_nothing_heard() -> None:
    wire = WireBuilder("ga")
    turn = wire.assistant_audio_turn(["Hello ", "there."])  # no audio deltas
    state = replay([wire.session_created(), *turn[:5]], policy="strict")
    assert state.output_audio_buffer is None
    kinds = [e["type"] for e in state.truncation_events(0)]
    assert kinds == ["response.cancel", "conversation.item.delete"]


@pytest.mark.parametrize("bad", [-1, -0.5, float("nan")])
def test_played_ms_must_be_a_number_of_ms(bad: float) -> None:
    state = replay(log("ga_audio_turn"))
    with pytest.raises(ValueError, match="played_ms"):
        state.truncation_events(bad)
    with pytest.raises(TypeError, match="played_ms"):
        state.truncation_events("100")  # type: ignore[arg-type]


def test_the_empty_state_sends_nothing() -> None:
    assert SessionState().truncation_events(0) == []


# --- properties ------------------------------------------------------------------------------

_GA_VOICE = cut_points(log("ga_audio_turn"), "strict")
_BETA_VOICE = cut_points(log("beta_interruption"), "strict")


@settings(max_examples=150, deadline=None)
@given(
    at=st.integers(min_value=0, max_value=len(_GA_VOICE) + len(_BETA_VOICE) - 1),
    played=st.floats(min_value=0, max_value=10_000, allow_nan=False),
    cancel=st.booleans(),
)
def test_audio_end_ms_is_a_whole_ms_within_what_came(at: int, played: float, cancel: bool) -> None:
    states = _GA_VOICE + _BETA_VOICE
    state = states[at]
    for event in state.truncation_events(played, cancel=cancel):
        if event["type"] == "conversation.item.truncate":
            end = event["audio_end_ms"]
            assert isinstance(end, int) and 0 <= end <= played
            assert end <= received_ms(state, event["item_id"])
    check(state, played, cancel=cancel)
