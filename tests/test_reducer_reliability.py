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
