"""The state's value classes (``realtime_state.state``): defaults, policy, look-ups, order,
usage totals and the part's derived properties."""

from __future__ import annotations

import attrs
import pytest

from realtime_state import decode, replay
from realtime_state._persistent import Chunks
from realtime_state.audio import AudioSpec
from realtime_state.state import (
    LENIENT,
    POLICIES,
    STRICT,
    InputAudioState,
    ItemState,
    PartState,
    RateLimitState,
    ResponseState,
    SessionState,
    UsageTotals,
)
from realtime_state.testing.wire import WireBuilder

# --- defaults ------------------------------------------------------------------------------------


def test_the_empty_state() -> None:
    state = SessionState()
    assert state.policy == LENIENT
    assert state.event_count == 0
    assert state.session is None
    assert state.items == ()
    assert list(state.iter_items()) == []
    assert len(state.responses) == 0
    assert state.active_response_id is None
    assert state.active_response is None
    assert state.conversation_phase == "idle"
    assert state.responses_in_order == ()
    assert state.input_audio == InputAudioState()
    assert dict(state.rate_limits) == {}
    assert state.usage == UsageTotals()
    assert state.errors == ()
    assert state.violations == ()
    assert state.transcriptions == ()
    assert len(state.pending_transcriptions) == 0


def test_value_class_defaults() -> None:
    part = PartState()
    assert (part.type, part.status, part.phase) == (None, "in_progress", "absent")
    assert (part.text_phase, part.audio_phase, part.transcript_phase) == ("open", "open", "open")
    assert part.truncated_at_ms is None
    assert part.transcript_before_truncation is None
    assert part.transcription_status is None
    assert part.transcription_segments == ()
    item = ItemState(id="item_1")
    assert (item.type, item.role, item.status, item.content) == (None, None, None, ())
    assert (item.phase, item.call_phase, item.in_conversation) == ("absent", None, True)
    assert item.arguments is None
    assert item.text == ""
    response = ResponseState(id="resp_1")
    assert (response.status, response.phase, response.output_item_ids) == (None, "in_progress", ())
    assert (response.out_of_band, response.created_index, response.done_index) == (
        False,
        None,
        None,
    )
    assert response.done is False
    assert attrs.evolve(response, done_index=0).done is True
    turn = InputAudioState()
    assert (turn.phase, turn.speaking, turn.item_id) == ("idle", False, None)
    assert (turn.audio_start_ms, turn.audio_end_ms) == (None, None)
    assert (turn.committed_item_ids, turn.cleared, turn.timeouts, turn.dtmf) == ((), 0, 0, ())
    limit = RateLimitState()
    assert (limit.name, limit.limit, limit.remaining, limit.reset_seconds) == (None,) * 4
    assert all(value == 0 for value in attrs.asdict(UsageTotals()).values())


def test_value_classes_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        SessionState().event_count = 1  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        PartState().status = "done"  # type: ignore[misc]


# --- policy --------------------------------------------------------------------------------------


def test_policies() -> None:
    assert POLICIES == (STRICT, LENIENT) == ("strict", "lenient")
    assert SessionState(policy="strict").policy == "strict"
    assert SessionState(policy="lenient").policy == "lenient"


@pytest.mark.parametrize("policy", ["STRICT", "", "relaxed", None])
def test_an_unknown_policy_is_refused(policy: object) -> None:
    with pytest.raises(ValueError, match="policy must be 'strict' or 'lenient'"):
        SessionState(policy=policy)  # type: ignore[arg-type]


# --- items, look-ups and order -------------------------------------------------------------------


def _three_items() -> tuple[WireBuilder, list[dict[str, object]]]:
    wire = WireBuilder()
    events = [
        wire.session_created(),
        *wire.user_text_turn("one", item_id="item_c"),
        *wire.user_text_turn("two", item_id="item_a"),
        # placed first: previous_item_id null
        *wire.place(wire.message("system", [wire.input_text("zero")], item_id="item_b"), None),
    ]
    return wire, events


def test_items_and_iter_items_give_server_order() -> None:
    _, events = _three_items()
    state = replay(events, policy="strict")
    assert [i.id for i in state.items] == ["item_b", "item_c", "item_a"]
    assert [i.id for i in state.iter_items()] == ["item_b", "item_c", "item_a"]
    assert [i.text for i in state.items] == ["zero", "one", "two"]
    assert isinstance(state.items, tuple)


def test_item_finds_an_item_and_returns_none_for_unknown_or_deleted() -> None:
    wire, events = _three_items()
    state = replay(events, policy="strict")
    found = state.item("item_a")
    assert found is not None and found.text == "two"
    assert state.item("item_zzz") is None
    state = replay([*events, wire.conversation_item_deleted("item_a")], policy="strict")
    assert state.item("item_a") is None
    assert [i.id for i in state.items] == ["item_b", "item_c"]


def test_item_finds_out_of_band_items_outside_the_conversation() -> None:
    wire = WireBuilder()
    response = wire.response("resp_x", out_of_band=True, audio=False)
    start = wire.message("assistant", item_id="item_x", status="in_progress")
    state = replay(
        [
            wire.session_created(),
            wire.response_created(response),
            wire.output_item_added("resp_x", start),
        ],
        policy="strict",
    )
    found = state.item("item_x")
    assert found is not None and found.in_conversation is False
    assert state.items == ()


# --- responses -----------------------------------------------------------------------------------


def test_responses_in_order_follow_the_stream_not_the_ids() -> None:
    wire = WireBuilder()
    events = [
        wire.session_created(),
        *wire.assistant_text_turn("first", response_id="resp_z"),
        *wire.assistant_text_turn("second", response_id="resp_a"),
        *wire.assistant_text_turn("third", response_id="resp_m"),
    ]
    state = replay(events, policy="strict")
    assert [r.id for r in state.responses_in_order] == ["resp_z", "resp_a", "resp_m"]
    created = [r.created_index for r in state.responses_in_order]
    assert created == sorted(created)


def test_a_response_never_created_is_ordered_by_its_done_event() -> None:
    wire = WireBuilder()
    events = [
        wire.session_created(),
        *wire.assistant_text_turn("first", response_id="resp_z"),
        wire.response_done(wire.response("resp_0", "completed", usage=wire.usage())),
        *wire.assistant_text_turn("later", response_id="resp_a"),
    ]
    state = replay(events)  # lenient: response.done without response.created
    assert [v.code for v in state.violations] == ["unknown_response"]
    assert [r.id for r in state.responses_in_order] == ["resp_z", "resp_0", "resp_a"]
    assert state.responses["resp_0"].created_index is None


def test_conversation_phase_and_active_response() -> None:
    wire = WireBuilder()
    turn = wire.assistant_text_turn("hi", response_id="resp_1")
    created_at = next(i for i, e in enumerate(turn) if e["type"] == "response.created")
    done_at = next(i for i, e in enumerate(turn) if e["type"] == "response.done")
    running = replay([wire.session_created(), *turn[: created_at + 1]], policy="strict")
    assert running.conversation_phase == "responding"
    assert running.active_response_id == "resp_1"
    active = running.active_response
    assert active is not None and active.id == "resp_1"
    finished = replay([wire.session_created(), *turn[: done_at + 1]], policy="strict")
    assert finished.conversation_phase == "idle"
    assert finished.active_response is None


# --- usage totals --------------------------------------------------------------------------------


def _usage(**details: int) -> object:
    wire = WireBuilder()
    usage = {
        "total_tokens": details.get("total", 0),
        "input_tokens": details.get("input", 0),
        "output_tokens": details.get("output", 0),
        "input_token_details": {
            "cached_tokens": details.get("cached", 0),
            "text_tokens": details.get("in_text", 0),
            "audio_tokens": details.get("in_audio", 0),
            "image_tokens": details.get("in_image", 0),
            "cached_tokens_details": {
                "text_tokens": details.get("cached_text", 0),
                "audio_tokens": details.get("cached_audio", 0),
                "image_tokens": details.get("cached_image", 0),
            },
        },
        "output_token_details": {
            "text_tokens": details.get("out_text", 0),
            "audio_tokens": details.get("out_audio", 0),
        },
    }
    event = decode(wire.response_done(wire.response("resp_1", "completed", usage=usage)))
    return event.response.usage  # type: ignore[attr-defined]


# (wire detail, UsageTotals field): each is summed on its own
FIELDS = [
    ("input", "input_tokens"),
    ("output", "output_tokens"),
    ("total", "total_tokens"),
    ("cached", "cached_tokens"),
    ("in_text", "input_text_tokens"),
    ("in_audio", "input_audio_tokens"),
    ("in_image", "input_image_tokens"),
    ("cached_text", "cached_text_tokens"),
    ("cached_audio", "cached_audio_tokens"),
    ("cached_image", "cached_image_tokens"),
    ("out_text", "output_text_tokens"),
    ("out_audio", "output_audio_tokens"),
]


def test_every_usage_field_is_covered() -> None:
    assert {field for _, field in FIELDS} == {f.name for f in attrs.fields(UsageTotals)}


@pytest.mark.parametrize(("wire_name", "field"), FIELDS)
def test_usage_plus_sums_each_field(wire_name: str, field: str) -> None:
    start = UsageTotals(**{f.name: 100 for f in attrs.fields(UsageTotals)})
    total = start.plus(_usage(**{wire_name: 7}))  # type: ignore[arg-type]
    for other in attrs.fields(UsageTotals):
        expected = 107 if other.name == field else 100
        assert getattr(total, other.name) == expected, other.name
    again = total.plus(_usage(**{wire_name: 5}))  # type: ignore[arg-type]
    assert getattr(again, field) == 112


def test_usage_plus_none_and_missing_details() -> None:
    totals = UsageTotals(input_tokens=3)
    assert totals.plus(None) is totals
    wire = WireBuilder()
    bare = {"total_tokens": 9, "input_tokens": 4, "output_tokens": 5}
    usage = decode(wire.response_done(wire.response("r", "completed", usage=bare))).response.usage  # type: ignore[attr-defined]
    summed = totals.plus(usage)
    assert (summed.input_tokens, summed.output_tokens, summed.total_tokens) == (7, 5, 9)
    assert summed.cached_tokens == summed.input_text_tokens == summed.output_audio_tokens == 0


def test_usage_totals_over_a_replay_add_up() -> None:
    wire = WireBuilder()
    one = wire.usage(input_text=10, input_audio=2, output_text=3, output_audio=4, cached_text=5)
    two = wire.usage(input_text=1, output_text=1, cached_audio=2)
    events = [
        wire.session_created(),
        *wire.assistant_text_turn("a", usage=one),
        *wire.assistant_text_turn("b", usage=two),
    ]
    usage = replay(events, policy="strict").usage
    assert usage.input_tokens == 13
    assert usage.output_tokens == 8
    assert usage.total_tokens == 21
    assert (usage.cached_tokens, usage.cached_text_tokens, usage.cached_audio_tokens) == (7, 5, 2)


# --- parts ---------------------------------------------------------------------------------------


def test_part_properties_without_chunks() -> None:
    part = PartState()
    assert part.text == ""
    assert part.transcript is None
    assert part.audio == b""
    assert part.audio_bytes == 0
    assert part.duration_ms == 0


def test_part_properties_join_their_chunks() -> None:
    audio = Chunks.of(b"\x01" * 96).append(b"\x02" * 48)
    part = PartState(
        text_chunks=Chunks.of("Hel").append("lo"),
        transcript_chunks=Chunks.of("").append("Hi"),
        audio_chunks=audio,
    )
    assert part.text == "Hello"
    assert part.transcript == "Hi"
    assert part.audio == b"\x01" * 96 + b"\x02" * 48
    assert part.audio_bytes == 144
    assert part.duration_ms == 3.0  # PCM16 at 24 kHz when the part does not know its format
    g711 = attrs.evolve(part, audio_spec=AudioSpec("g711_ulaw", 8000))
    assert g711.duration_ms == 18.0
    pcm16k = attrs.evolve(part, audio_spec=AudioSpec("pcm16", 16000))
    assert pcm16k.duration_ms == 4.5


def test_item_text_and_arguments() -> None:
    parts = (
        PartState(text_chunks=Chunks.of("a")),
        PartState(),
        PartState(text_chunks=Chunks.of("b")),
    )
    assert ItemState(id="i", content=parts).text == "ab"
    call = ItemState(id="c", arguments_chunks=Chunks.of('{"a"').append(":1}"))
    assert call.arguments == '{"a":1}'


def test_a_finished_text_or_transcript_is_kept_as_one_piece() -> None:
    """At a channel's ``*.done`` the deltas' chain is replaced by the joined value (the final
    state keeps one string, not a node per delta); earlier states keep their chains."""
    from helpers.data import HERE, read_lines
    from realtime_state import history

    lines = read_lines(HERE / "logs" / "ga_audio_turn.jsonl")
    states = [state for _, _, state in history(lines)]
    final = states[-1]
    parts = [p for i in final.items if i.role == "assistant" for p in i.content]
    assert parts and all(p.transcript_chunks is not None for p in parts)
    assert all(p.transcript_chunks.prev is None for p in parts)  # type: ignore[union-attr]
    streaming = [
        p
        for s in states
        for i in s.items
        if i.role == "assistant"
        for p in i.content
        if p.transcript_chunks is not None and p.transcript_chunks.prev is not None
    ]
    assert streaming  # while streaming, a chain
    assert all(final.item(i.id).content[0].transcript for i in final.items if i.role == "assistant")  # type: ignore[union-attr]


def test_the_state_keeps_one_object_per_id_and_enumerated_value() -> None:
    # Every event decodes new copies of the ids and values it names; the state keeps one
    # (a long session would otherwise hold an id once per event that named it).
    import sys

    from helpers.data import HERE, read_lines

    state = replay(read_lines(HERE / "logs" / "ga_function_call.jsonl"))
    ids = {}
    for item in state.items:
        ids[item.id] = item.id
        assert item.id is sys.intern(item.id)
        for value in (item.type, item.role, item.status, item.call_id, item.name):
            assert value is None or value is sys.intern(value)
        for part in item.content:
            assert part.type is None or part.type is sys.intern(part.type)
    links = state.conversation.links
    for item_id, (before, after) in links.items():
        assert ids[item_id] is item_id
        assert before is None or before is ids[before]
        assert after is None or after is ids[after]
    for response in state.responses.values():
        assert response.status is None or response.status is sys.intern(response.status)
        assert all(ids.get(i, i) is i for i in response.output_item_ids)
    assert all(ids.get(i, i) is i for i in state.input_audio.committed_item_ids)
    assert all(ids.get(i, i) is i for i in state.input_audio.turn_times)
