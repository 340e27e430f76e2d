"""The wire builder: every event it builds decodes, validates with the openai package's
models of its dialect, and the whole exchanges replay strictly with no violation."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest

from realtime_state import decode, replay
from realtime_state.testing.wire import OMIT, SequentialIds, WireBuilder

openai_ga = pytest.importorskip("openai.types.realtime")
openai_beta = pytest.importorskip("openai.types.beta.realtime")

Event = dict[str, Any]

GA_ONLY = {
    "conversation.item.added",
    "conversation.item.done",
    "input_audio_buffer.timeout_triggered",
}


def _calls(w: WireBuilder) -> dict[str, Callable[[], Event | list[Event]]]:
    """One call of each method that builds events."""
    msg = w.message("user", [w.input_text("hi")], item_id="item_u")
    call = w.function_call("get_weather", '{"city":"Paris"}', item_id="item_c", call_id="call_1")
    done = w.response(
        "resp_1",
        "completed",
        output=[call],
        usage=w.usage(input_text=5, output_text=3, output_audio=6, cached_text=2),
    )
    return {
        "event": lambda: w.event("input_audio_buffer.cleared"),
        "session_created": w.session_created,
        "session_updated": lambda: w.session_updated(
            transcription_model="whisper-1",
            noise_reduction="near_field",
            output_format="g711_ulaw",
            tools=[w.function_tool("get_weather", "Weather.", {"type": "object"})],
        ),
        "conversation_item_added": lambda: w.conversation_item_added(msg),
        "conversation_item_done": lambda: w.conversation_item_done(msg, None),
        "conversation_item_created": lambda: w.conversation_item_created(msg, OMIT),
        "place": lambda: w.place(w.function_call_output("call_1", "{}")),
        "conversation_item_retrieved": lambda: w.conversation_item_retrieved(
            w.message("user", [w.input_audio("hello", b"\x00\x01")])
        ),
        "conversation_item_truncated": lambda: w.conversation_item_truncated("item_a", 120),
        "conversation_item_deleted": lambda: w.conversation_item_deleted("item_u"),
        "speech_started": lambda: w.speech_started("item_v", 300),
        "speech_stopped": lambda: w.speech_stopped("item_v", 900),
        "committed": lambda: w.committed("item_v"),
        "input_audio_cleared": w.input_audio_cleared,
        "timeout_triggered": lambda: w.timeout_triggered("item_v", 0, 6000),
        "transcription_delta": lambda: w.transcription_delta("item_v", "Hel", obfuscation="q1"),
        "transcription_completed": lambda: w.transcription_completed("item_v", "Hello"),
        "transcription_failed": lambda: w.transcription_failed("item_v"),
        "response_created": w.response_created,
        "response_done": lambda: w.response_done(done),
        "output_item_added": lambda: w.output_item_added("resp_1", call, 1),
        "output_item_done": lambda: w.output_item_done("resp_1", call, 1),
        "content_part_added": lambda: w.content_part_added("resp_1", "item_a", "text"),
        "content_part_done": lambda: w.content_part_done(
            "resp_1", "item_a", {"type": "audio", "transcript": "Hi"}
        ),
        "text_delta": lambda: w.text_delta("resp_1", "item_a", "Hi", obfuscation="q2"),
        "text_done": lambda: w.text_done("resp_1", "item_a", "Hi"),
        "audio_delta": lambda: w.audio_delta("resp_1", "item_a", b"\x00\x00"),
        "audio_done": lambda: w.audio_done("resp_1", "item_a"),
        "transcript_delta": lambda: w.transcript_delta("resp_1", "item_a", "Hi"),
        "transcript_done": lambda: w.transcript_done("resp_1", "item_a", "Hi"),
        "arguments_delta": lambda: w.arguments_delta("resp_1", "item_c", "call_1", '{"ci'),
        "arguments_done": lambda: w.arguments_done(
            "resp_1", "item_c", "call_1", '{"city":"Paris"}', "get_weather"
        ),
        "output_audio_buffer": lambda: w.output_audio_buffer("started", "resp_1"),
        "rate_limits_updated": w.rate_limits_updated,
        "error": lambda: w.error("Unknown parameter.", code="unknown_parameter", param="x"),
        "user_text_turn": lambda: w.user_text_turn("Hello"),
        "user_audio_turn": lambda: w.user_audio_turn(["Hel", "lo"]),
        "assistant_text_turn": lambda: w.assistant_text_turn(["Hi", " there"]),
        "assistant_audio_turn": lambda: w.assistant_audio_turn(["Hi"], [b"\x00" * 96]),
        "function_call_round": lambda: w.function_call_round(
            "get_weather", {"city": "Paris"}, "{}"
        ),
    }


def _event_methods() -> set[str]:
    """The public methods that return events (by their annotation)."""
    return {
        name
        for name, fn in inspect.getmembers(WireBuilder, inspect.isfunction)
        if not name.startswith("_")
        and inspect.signature(fn).return_annotation in ("Event", "list[Event]")
    }


def test_every_event_method_is_checked() -> None:
    assert set(_calls(WireBuilder())) == _event_methods()


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_every_event_decodes_and_validates_with_openai(dialect: str) -> None:
    from pydantic import TypeAdapter

    module = openai_ga if dialect == "ga" else openai_beta
    adapter: TypeAdapter[Any] = TypeAdapter(module.RealtimeServerEvent)
    w = WireBuilder(dialect)
    seen = set()
    for name, call in _calls(w).items():
        built = call()
        for event in built if isinstance(built, list) else [built]:
            assert decode(event).type == event["type"], name
            assert decode(json.dumps(event)).type == event["type"], name
            if dialect == "beta" and event["type"] in GA_ONLY:
                continue  # not in the beta union (the beta builder still writes them on request)
            theirs = adapter.validate_python(event)
            assert theirs.type == event["type"], name
            seen.add(event["type"])
    assert len(seen) >= 30


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_dialect_names_and_shapes(dialect: str) -> None:
    w = WireBuilder(dialect)
    ga = dialect == "ga"
    placed = w.place(w.message("user", [w.input_text("hi")]))
    assert [e["type"] for e in placed] == (
        ["conversation.item.added", "conversation.item.done"]
        if ga
        else ["conversation.item.created"]
    )
    assert ("object" in placed[0]["item"]) is not ga
    assert w.text_delta("r", "i", "x")["type"] == (
        "response.output_text.delta" if ga else "response.text.delta"
    )
    assert w.audio_done("r", "i")["type"] == (
        "response.output_audio.done" if ga else "response.audio.done"
    )
    assert w.transcript_done("r", "i", "x")["type"] == (
        "response.output_audio_transcript.done" if ga else "response.audio_transcript.done"
    )
    assert w.output_audio("x")["type"] == ("output_audio" if ga else "audio")
    assert w.output_text("x")["type"] == ("output_text" if ga else "text")
    usage = w.usage(input_text=3, input_audio=4, output_text=5, output_audio=6, cached_text=1)
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (7, 11, 18)
    assert ("image_tokens" in usage["input_token_details"]) is ga
    limits = w.rate_limits_updated()["rate_limits"]
    assert [r["name"] for r in limits] == (["tokens"] if ga else ["requests", "tokens"])
    turn = w.assistant_text_turn("Hi")
    kinds = [e["type"] for e in turn]
    assert kinds.index("rate_limits.updated") == (len(kinds) - 1 if ga else 1)


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_exchanges_replay_strictly_with_items_in_order(dialect: str) -> None:
    w = WireBuilder(dialect)
    events = [
        w.session_created(),
        *w.user_text_turn("What's the weather?"),
        *w.function_call_round("get_weather", {"city": "Paris"}, {"sunny": True}),
        *w.assistant_audio_turn(["Sunny", " today."], [b"\x01\x00" * 480] * 3),
        *w.user_audio_turn("Thanks!"),
        *w.assistant_text_turn(["You're", " welcome."]),
    ]
    state = replay(events, policy="strict")
    assert state.violations == ()
    assert [item.id for item in state.items] == w.conversation
    assert [item.type for item in state.items] == [
        "message", "function_call", "function_call_output", "message", "message", "message",
    ]  # fmt: skip
    assert state.items[3].content[0].transcript == "Sunny today."
    assert state.items[3].content[0].audio_bytes == 3 * 960
    assert state.items[5].content[0].text == "You're welcome."
    assert state.items[1].arguments == '{"city": "Paris"}'


def test_previous_item_id_tracks_the_conversation() -> None:
    w = WireBuilder()
    a, b = w.message("user", item_id="item_a"), w.message("user", item_id="item_b")
    assert w.conversation_item_added(a)["previous_item_id"] is None
    assert w.conversation_item_added(b)["previous_item_id"] == "item_a"
    assert w.conversation_item_done(b)["previous_item_id"] == "item_a"  # already placed
    assert "previous_item_id" not in w.conversation_item_done(a, OMIT)
    assert w.committed("item_c")["previous_item_id"] == "item_b"
    w.conversation_item_deleted("item_a")
    assert w.conversation == ["item_b"]
    oob = w.response_created(w.response("resp_x", out_of_band=True))
    assert oob["response"]["conversation_id"] is None
    w.output_item_added("resp_x", w.message("assistant", item_id="item_oob"))
    assert w.conversation == ["item_b"]


def test_sequential_ids() -> None:
    ids = SequentialIds(tag="G")
    assert ids("event") == "event_G" + "1".rjust(20, "0")
    assert ids("call") == "call_G" + "2".rjust(15, "0")
    assert ids("webrtc_event") == "event_" + f"{3:016x}"
    events = WireBuilder(ids=SequentialIds()).user_audio_turn("x")
    assert len({e["event_id"] for e in events}) == len(events)
