"""Carrying a conversation into a new session: client events, and the server's confirmations
of them rebuilding the same conversation."""

from __future__ import annotations

import base64
import copy
import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types.realtime import ConversationItemCreateEvent

from helpers import streams as s
from helpers.readside import (
    ALL_LINES,
    ga_session,
    log,
    recording,
    run,
    transcription,
    user_audio,
    user_text,
)
from realtime_state import CarryOver, SessionState, Turn, carry_over, replay

# --- helpers ----------------------------------------------------------------------------------


def validate(events: list[dict[str, Any]]) -> None:
    """Every event validates against the openai package's client-event model, and every key
    we send is one the model declares (the models accept extra keys silently)."""
    for event in events:
        parsed = ConversationItemCreateEvent.model_validate(event)
        assert set(event) <= set(ConversationItemCreateEvent.model_fields)
        item = parsed.item
        assert set(event["item"]) <= set(type(item).model_fields), type(item).__name__
        for wire, part in zip(
            event["item"].get("content", ()), getattr(item, "content", ()), strict=True
        ):
            assert set(wire) <= set(type(part).model_fields)


def confirmations(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The GA server's answer to each ``conversation.item.create`` in a fresh session:
    ``conversation.item.added`` then ``.done``, with the item as the server echoes it (no
    ``object`` key, status ``completed`` except on outputs, no audio bytes)."""
    out: list[dict[str, Any]] = []
    previous: str | None = None
    for event in events:
        item = copy.deepcopy(event["item"])
        if item["type"] != "function_call_output":
            item["status"] = "completed"
        for part in item.get("content", ()):
            part.pop("audio", None)
        anchor = event.get("previous_item_id", previous)
        for kind in ("conversation.item.added", "conversation.item.done"):
            out.append(
                {"type": kind, "event_id": s.eid(), "previous_item_id": anchor, "item": item}
            )
        previous = item["id"]
    return out


def rebuilt(events: list[dict[str, Any]]) -> SessionState:
    """A fresh session's state after the server confirmed ``events``."""
    return replay([ga_session(), *confirmations(events)], policy="strict")


def view(turn: Turn) -> tuple[Any, ...]:
    return (
        turn.item_id,
        turn.role,
        turn.kind,
        turn.name,
        turn.call_id,
        turn.arguments,
        turn.output,
    )


def check_round_trip(state: SessionState, carried: CarryOver) -> None:
    """The rebuilt conversation has the carried items with the same roles, texts, calls and
    outputs (a cut turn's text being what was heard)."""
    events = list(carried.events)
    validate(events)
    if events:
        assert "previous_item_id" not in events[0]
        for before, event in itertools.pairwise(events):
            assert event["previous_item_id"] == before["item"]["id"]
    original = state.transcript()
    again = rebuilt(events).transcript()
    assert [t.item_id for t in again] == list(carried.item_ids)
    for new in again:
        old = original.turn(new.item_id)
        assert old is not None
        assert view(new) == view(old)
        if old.interrupted:
            expected = old.heard_text_estimate
        elif "input_audio" in old.content_types:
            expected = old.text.strip()  # a transcription's stray newline is dropped
        else:
            expected = old.text  # text is carried exactly
        if old.kind == "message":
            assert new.text == expected, (new.item_id, new.text, expected)
    skipped = {entry.item_id for entry in carried.skipped if entry.content_index is None}
    parts = {entry.item_id for entry in carried.skipped if entry.content_index is not None}
    assert skipped.isdisjoint(carried.item_ids)
    assert parts <= set(carried.item_ids)  # parts are reported only for items carried
    assert skipped | set(carried.item_ids) == {t.item_id for t in original}


# --- scenarios --------------------------------------------------------------------------------


def test_ga_tool_call_round_carries_everything() -> None:
    state = replay(recording("ga_tool_call_round"))
    carried = carry_over(state)
    assert carried.item_ids == tuple(i.id for i in state.items)
    assert carried.skipped == ()
    user, call, output, answer = carried.events
    assert user == {
        "type": "conversation.item.create",
        "item": {
            "id": state.items[0].id,
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "What is the weather in London?"}],
        },
    }
    assert call["item"] == {
        "id": state.items[1].id,
        "type": "function_call",
        "call_id": state.items[1].call_id,
        "name": "get_weather",
        "arguments": state.items[1].arguments,
    }
    assert output["item"]["output"] == "It is foggy and 12 degrees in London."
    assert answer["item"]["content"] == [
        {"type": "output_text", "text": "It is foggy and 12 degrees in London."}
    ]
    check_round_trip(state, carried)


@pytest.mark.parametrize("name", sorted(ALL_LINES))
def test_every_recording_and_log_round_trips(name: str) -> None:
    state = replay(ALL_LINES[name])
    check_round_trip(state, carry_over(state))
    check_round_trip(state, carry_over(state, include_mcp=True))


def test_assistant_audio_becomes_its_transcript_and_user_audio_its_transcription() -> None:
    state = replay(log("ga_audio_turn"), policy="strict")
    user, answer = state.to_client_events()
    assert user["item"]["content"] == [
        {"type": "input_text", "text": "What time does the museum open tomorrow?"}
    ]
    assert answer["item"]["content"] == [
        {
            "type": "output_text",
            "text": "The museum opens at nine tomorrow morning and closes at six.",
        }
    ]


def test_user_audio_without_transcription_is_left_out_with_a_note() -> None:
    carried = carry_over(replay(log("ga_interruption"), policy="strict"))
    assert [(e.kind, e.reason.split(" and ")[0]) for e in carried.skipped] == [
        ("message", "part 0 is user audio"),
        ("message", "part 0 is user audio"),
    ]
    assert "input transcription off" in carried.skipped[0].reason
    assert len(carried.events) == 2  # both answers; the cut one with what was heard


def test_a_part_left_out_of_a_carried_message_is_reported() -> None:
    """A user message with text and audio that has no transcription: the text is carried,
    and the audio part is named in ``skipped`` rather than dropped silently."""
    item = s.message(
        "item_u",
        "user",
        {"type": "input_text", "text": "look at this"},
        {"type": "input_audio", "transcript": None},
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
    )
    state = run(
        ga_session(),
        s.item_added(item, None),
        s.item_added(item, None, kind="conversation.item.done"),
    )
    carried = carry_over(state)
    (event,) = carried.events
    assert event["item"]["content"] == [
        {"type": "input_text", "text": "look at this"},
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
    ]
    (part,) = carried.skipped
    assert (part.item_id, part.kind, part.content_index) == ("item_u", "message", 1)
    assert part.reason == (
        "part 1 is user audio and it has no transcription (input transcription off?): "
        "the message is carried without it"
    )
    check_round_trip(state, carried)
    # a part is reported only when its message is carried
    later = run(
        ga_session(),
        s.item_added(item, None),
        *user_text("item_v", "next", previous="item_u"),
    )
    assert [(e.item_id, e.content_index) for e in carry_over(later, max_items=1).skipped] == [
        ("item_u", None)
    ]


def test_an_assistant_transcript_behind_text_parts_is_reported() -> None:
    both = s.message(
        "item_a",
        "assistant",
        {"type": "output_text", "text": "Written."},
        {"type": "output_audio", "transcript": "Spoken."},
    )
    carried = carry_over(run(ga_session(), s.item_added(both, None), policy="lenient"))
    assert carried.events[0]["item"]["content"] == [{"type": "output_text", "text": "Written."}]
    assert [(e.content_index, e.reason.split(" (")[0]) for e in carried.skipped] == [
        (1, "part 1 is audio whose transcript is not carried")
    ]


def test_cut_turn_carries_what_was_heard() -> None:
    state = replay(log("ga_interruption"), policy="strict")
    cut_id = state.items[1].id
    carried = carry_over(state)
    (event,) = [e for e in carried.events if e["item"]["id"] == cut_id]
    assert event["item"]["content"] == [{"type": "output_text", "text": "Sure! There are three"}]
    check_round_trip(state, carried)


def test_cut_at_zero_ms_is_left_out() -> None:
    """WebRTC: the estimate is unknown (no audio came), but at 0 ms nothing was heard."""
    carried = carry_over(replay(recording("beta_webrtc_function_call_cancellations")))
    reasons = [e.reason for e in carried.skipped if e.kind == "message"]
    assert "interrupted at 0.00 s before a whole word was heard" in reasons


def test_unanswered_call_and_orphan_output_are_left_out() -> None:
    carried = carry_over(replay(recording("beta_webrtc_function_call_cancellations")))
    assert carried.skipped[-1].kind == "function_call"
    assert carried.skipped[-1].reason == "no function_call_output answers this call"


def test_max_items_keeps_the_last_items_and_never_splits_a_pair() -> None:
    state = replay(log("ga_function_call"), policy="strict")
    ids = [i.id for i in state.items]  # user, call, output, answer
    two = carry_over(state, max_items=2)
    # the last two are the output and the answer; the output's call is not carried, so the
    # output goes too
    assert two.item_ids == (ids[3],)
    assert [(e.item_id, e.reason) for e in two.skipped] == [
        (ids[0], "older than the last 2 items carried"),
        (ids[1], "older than the last 2 items carried"),
        (ids[2], "the function call it answers is not carried over"),
    ]
    assert carry_over(state, max_items=3).item_ids == tuple(ids[1:])
    assert carry_over(state, max_items=0).events == ()
    assert carry_over(state, max_items=10).item_ids == tuple(ids)
    first = carry_over(state, max_items=3).events[0]
    assert "previous_item_id" not in first
    with pytest.raises(ValueError, match="max_items"):
        carry_over(state, max_items=-1)


def test_without_function_calls() -> None:
    state = replay(log("ga_function_call"), policy="strict")
    events = state.to_client_events(include_function_calls=False)
    assert [e["item"]["type"] for e in events] == ["message", "message"]
    assert events[1]["previous_item_id"] == events[0]["item"]["id"]
    validate(events)


def test_mcp_items_only_when_asked() -> None:
    state = replay(log("ga_mcp"), policy="strict")
    default = carry_over(state)
    assert [e.kind for e in default.skipped] == ["mcp_list_tools", "mcp_call"]
    assert "include_mcp=True" in default.skipped[0].reason
    events = state.to_client_events(include_mcp=True)
    assert [e["item"]["type"] for e in events] == [
        "mcp_list_tools",
        "message",
        "mcp_call",
        "message",
    ]
    assert events[0]["item"]["tools"][1]["name"] == "ask_question"
    assert events[2]["item"]["output"].startswith("The realtime client")
    validate(events)


def test_user_audio_bytes_can_be_re_sent() -> None:
    pcm = s.pcm(100, 7)
    state = run(
        ga_session(transcription_model="gpt-4o-transcribe"),
        *user_audio("item_u", pcm, previous=None),
        transcription("completed", "item_u", transcript="hello there"),
    )
    (event,) = state.to_client_events(user_audio="audio")
    part = event["item"]["content"][0]
    assert part["type"] == "input_audio" and part["transcript"] == "hello there"
    assert base64.b64decode(part["audio"]) == pcm
    validate([event])
    (as_text,) = state.to_client_events()
    assert as_text["item"]["content"] == [{"type": "input_text", "text": "hello there"}]
    with pytest.raises(ValueError, match="user_audio"):
        state.to_client_events(user_audio="both")


def test_system_and_image_parts() -> None:
    state = run(
        ga_session(),
        s.item_added(
            s.message("item_s", "system", {"type": "input_text", "text": "Be brief."}), None
        ),
        *user_text("item_u", "look", previous="item_s"),
        s.item_added(
            s.message(
                "item_i",
                "user",
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
            ),
            "item_u",
        ),
    )
    system, _, image = state.to_client_events()
    assert system["item"]["content"] == [{"type": "input_text", "text": "Be brief."}]
    assert image["item"]["content"] == [
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"}
    ]
    validate(state.to_client_events())
    check_round_trip(state, carry_over(state))


def test_empty_state_gives_no_events() -> None:
    assert SessionState().to_client_events() == []
    assert carry_over(SessionState()) == CarryOver(events=())


# --- property ---------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from(sorted(ALL_LINES)).flatmap(
        lambda name: st.tuples(st.just(name), st.integers(0, len(ALL_LINES[name])))
    ),
    st.one_of(st.none(), st.integers(0, 12)),
    st.booleans(),
)
def test_property_any_state_round_trips(
    where: tuple[str, int], max_items: int | None, calls: bool
) -> None:
    """At any point of any session, the carried events validate and their confirmations
    rebuild the same roles, texts, calls and outputs."""
    name, upto = where
    state = replay(ALL_LINES[name], upto=upto)
    carried = carry_over(state, max_items=max_items, include_function_calls=calls)
    check_round_trip(state, carried)
    if max_items is None and calls:
        assert list(carried.events) == state.to_client_events()
    if max_items is not None:
        assert len(carried.events) <= max_items
