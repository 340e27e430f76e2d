"""Regression tests for states that used to go wrong without a violation (issue 12)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from realtime_state import ProtocolViolation, replay
from realtime_state.lifecycles import Code
from realtime_state.testing import assert_invariants
from realtime_state.testing.wire import WireBuilder


def _lines(events: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(event) for event in events]


# --- point 1: input transcription applies to user input audio only ---------------------------


def _assistant_audio(wire: WireBuilder) -> tuple[list[dict[str, Any]], str]:
    events = wire.assistant_audio_turn("Hello there", [b"\x00\x01" * 2400])
    item_id = next(e["item"]["id"] for e in events if e["type"] == "response.output_item.added")
    return events, item_id


@pytest.mark.parametrize("kind", ["delta", "completed", "failed"])
def test_input_transcription_of_an_assistant_part_is_a_violation_and_changes_nothing(
    kind: str,
) -> None:
    wire = WireBuilder("ga")
    events, item_id = _assistant_audio(wire)
    before = replay(_lines(events), policy="strict")
    if kind == "delta":
        bad = wire.transcription_delta(item_id, "hijacked")
    elif kind == "completed":
        bad = wire.transcription_completed(item_id, "hijacked")
    else:
        bad = wire.transcription_failed(item_id)
    with pytest.raises(ProtocolViolation) as raised:
        replay(_lines([*events, bad]), policy="strict")
    assert raised.value.code == Code.NOT_INPUT_AUDIO
    after = replay(_lines([*events, bad]))
    assert [v.code for v in after.violations] == [Code.NOT_INPUT_AUDIO]
    assert after.item(item_id) == before.item(item_id)
    assert after.item(item_id).content[0].transcript == "Hello there"  # type: ignore[union-attr]
    assert after.transcriptions == before.transcriptions  # nothing billed
    assert_invariants(after, allow_violations=True)


def test_a_held_transcription_for_an_item_that_turns_out_assistant_is_refused_on_arrival() -> None:
    wire = WireBuilder("ga")
    early = wire.transcription_completed("item_future", "hijacked")
    events, _ = _assistant_audio(wire)
    events = [
        {**e, "item": {**e["item"], "id": "item_future"}}
        if e["type"].startswith(("response.output_item", "conversation.item"))
        else ({**e, "item_id": "item_future"} if "item_id" in e else e)
        for e in events
    ]
    state = replay(_lines([early, *events]))
    assert Code.NOT_INPUT_AUDIO in [v.code for v in state.violations]
    assert state.item("item_future").content[0].transcription_status is None  # type: ignore[union-attr]


def test_input_transcription_of_a_user_text_part_is_a_violation() -> None:
    wire = WireBuilder("ga")
    events = wire.user_text_turn("typed, not spoken")
    item_id = events[0]["item"]["id"]
    state = replay(_lines([*events, wire.transcription_completed(item_id, "x")]))
    assert [v.code for v in state.violations] == [Code.NOT_INPUT_AUDIO]
    assert state.item(item_id).content[0].text == "typed, not spoken"  # type: ignore[union-attr]


# --- point 2: a later copy never changes which call an item is ------------------------------


@pytest.mark.parametrize("field", ["call_id", "name"])
def test_a_later_copy_that_renames_a_call_is_a_violation_and_the_first_value_is_kept(
    field: str,
) -> None:
    wire = WireBuilder("ga")
    events = wire.function_call_round("lookup", '{"q": 1}', '{"a": 2}')
    call = next(
        e["item"]
        for e in events
        if e["type"] == "conversation.item.done" and e["item"]["type"] == "function_call"
    )
    copy = wire.conversation_item_done({**call, field: "other"})
    state = replay(_lines([*events, copy]))
    assert [v.code for v in state.violations] == [Code.CALL_MISMATCH]
    item = state.item(call["id"])
    assert item is not None and getattr(item, field) == call[field]
    assert state.conversation.calls[call["call_id"]] == call["id"]
    assert "other" not in state.conversation.calls
    assert item.call_phase == "answered"
    assert_invariants(state, allow_violations=True)
    with pytest.raises(ProtocolViolation) as raised:
        replay(_lines([*events, copy]), policy="strict")
    assert raised.value.code == Code.CALL_MISMATCH


# --- point 5: unusable audio formats are refused where they enter ---------------------------


def _session_with_rate(wire: WireBuilder, rate: object, side: str = "output") -> dict[str, Any]:
    event = wire.session_created()
    audio = event["session"].setdefault("audio", {})
    audio.setdefault(side, {})["format"] = {"type": "audio/pcm", "rate": rate}
    event["type"] = "session.updated"
    return event


@pytest.mark.parametrize("rate", [-24000, -1, 0, 192_001, 2**32, 10**18])
@pytest.mark.parametrize("side", ["input", "output"])
def test_an_unusable_rate_is_refused_and_every_export_still_works(rate: int, side: str) -> None:
    wire = WireBuilder("ga")
    first = wire.session_created()
    bad = _session_with_rate(wire, rate, side)
    pcm = bytes(range(256)) * 75  # 400 ms at 48 bytes per ms
    turn = wire.assistant_audio_turn("Hello there", [pcm])
    item_id = next(e["item"]["id"] for e in turn if e["type"] == "response.output_item.added")
    cut = wire.conversation_item_truncated(item_id, 100)
    lines = _lines([first, bad, *turn, cut])
    with pytest.raises(ProtocolViolation) as raised:
        replay(lines, policy="strict")
    assert raised.value.code == Code.INVALID_AUDIO_FORMAT and raised.value.index == 1
    assert f"session.audio.{side}.format.rate" in raised.value.message
    state = replay(lines)
    assert [v.code for v in state.violations] == [Code.INVALID_AUDIO_FORMAT]
    assert state.session == replay(lines[:1]).session  # the session before stays in effect
    assert state.audio(item_id) == pcm[: 100 * 48]  # cut in the format in effect
    assert state.wav(item_id)[24:28] == (24000).to_bytes(4, "little")
    assert state.conversation_wav()
    assert state.transcript()[0].audio_ms == 400.0
    assert_invariants(state, allow_violations=True)


def test_g711_formats_ignore_their_rate() -> None:
    wire = WireBuilder("ga")
    event = wire.session_created()
    event["session"].setdefault("audio", {})["output"] = {
        "format": {"type": "audio/pcmu", "rate": 0}
    }
    assert replay(_lines([event]), policy="strict").violations == ()


@pytest.mark.parametrize("rate", [0, -8000, 2**32, 10**18, 8000.5, True])
def test_pcm_to_wav_refuses_an_unusable_rate_with_the_documented_error(rate: Any) -> None:
    from realtime_state import UnsupportedAudioFormatError, pcm_to_wav

    with pytest.raises(UnsupportedAudioFormatError, match="rate"):
        pcm_to_wav(b"\x00\x00", rate)


def test_a_gap_too_long_to_hold_is_refused_with_value_error() -> None:
    wire = WireBuilder("ga")
    events = [wire.session_created(), *wire.assistant_audio_turn("Hi", [b"\x00\x01" * 480])]
    state = replay(_lines(events))
    with pytest.raises(ValueError, match="gap_ms"):
        state.conversation_wav(gap_ms=10**15)
    assert state.conversation_wav(gap_ms=60_000)


# --- point 3: the two recoveries that used to leave an inconsistent state --------------------


def test_a_lone_output_item_done_for_an_unknown_response_makes_it_the_active_one() -> None:
    wire = WireBuilder("ga")
    item = wire.message("assistant", [wire.output_text("Hi")], item_id="item_a")
    lone = wire.output_item_done("resp_lost", item)
    state = replay(_lines([wire.session_created(), lone]))
    codes = [v.code for v in state.violations]
    assert codes == [Code.UNKNOWN_RESPONSE, Code.OUTPUT_ITEM_NOT_ADDED]
    response = state.responses["resp_lost"]
    assert response.phase == "in_progress" and state.active_response_id == "resp_lost"
    assert response.output_item_ids == ("item_a",)
    assert state.item("item_a").response_id == "resp_lost"  # type: ignore[union-attr]
    assert_invariants(state, allow_violations=True)


def test_a_content_part_for_an_unknown_response_makes_the_item_its_own() -> None:
    wire = WireBuilder("ga")
    item = wire.message("assistant", [], item_id="item_a", status="in_progress")
    added = wire.conversation_item_added(item)
    part = wire.content_part_added("resp_lost", "item_a", "text")
    state = replay(_lines([wire.session_created(), added, part]))
    assert Code.UNKNOWN_RESPONSE in [v.code for v in state.violations]
    assert state.responses["resp_lost"].output_item_ids == ("item_a",)
    assert state.item("item_a").response_id == "resp_lost"  # type: ignore[union-attr]
    assert state.active_response_id == "resp_lost"
    assert_invariants(state, allow_violations=True)
