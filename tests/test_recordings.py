"""Replays of the real recordings: end states as their README states them, and purity."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.data import RECORDING_FILES, RECORDINGS, read_lines
from realtime_state import SessionState, decode, history, reduce, replay


def lines(name: str) -> list[str]:
    return read_lines(RECORDINGS / f"{name}.jsonl")


def statuses(state: SessionState) -> Counter[str | None]:
    return Counter(r.status for r in state.responses.values())


def assert_order_follows_previous_item_id(path: Path, state: SessionState) -> None:
    """Items whose placing event named a known anchor sit right after it."""
    order = [i.id for i in state.items]
    placed: set[str] = set()
    for line in read_lines(path):
        event = decode(line)
        item = getattr(event, "item", None)
        if (
            event.type.startswith("conversation.item.")
            and item is not None
            and item.id not in placed
        ):
            placed.add(item.id)
            prev = getattr(event, "previous_item_id", None)
            if prev in order and item.id in order:
                assert order.index(item.id) == order.index(prev) + 1, (item.id, prev)
        elif event.type.startswith("response.output_item.") and item is not None:
            placed.add(item.id)


def test_ga_tool_call_round() -> None:
    state = replay(lines("ga_tool_call_round"), policy="strict")
    assert [(i.type, i.role) for i in state.items] == [
        ("message", "user"),
        ("function_call", None),
        ("function_call_output", None),
        ("message", "assistant"),
    ]
    user, call, output, answer = state.items
    assert user.content[0].text == "What is the weather in London?"
    assert call.name == "get_weather"
    assert call.arguments.replace(" ", "").replace("\n", "") == '{"city":"London"}'
    assert output.call_id == call.call_id
    assert answer.content[0].text == "It is foggy and 12 degrees in London."
    assert statuses(state) == {"completed": 2}
    assert state.active_response_id is None
    assert state.session.output_modalities == ("text",)
    assert state.violations == ()
    assert state.usage.total_tokens == sum(r.usage.total_tokens for r in state.responses.values())


def test_beta_webrtc_interrupt_truncate() -> None:
    state = replay(lines("beta_webrtc_interrupt_truncate"), policy="strict")
    assert [(i.role, i.status) for i in state.items] == [
        ("user", "completed"),
        ("assistant", "completed"),
        ("user", "completed"),
        ("assistant", "completed"),
    ]
    assert state.items[0].id == "simulated-user-1748035262335"
    first_answer = state.items[1].content[0]
    assert first_answer.truncated_at_ms == 1860
    assert first_answer.transcript == ""
    assert first_answer.transcript_before_truncation
    assert first_answer.audio == b""  # WebRTC: audio travels outside the data channel
    assert state.items[2].content[0].transcript == "Bye.\n"
    assert statuses(state) == {"completed": 2}
    assert set(state.rate_limits) == {"requests", "tokens"}
    assert state.violations == ()


def test_beta_webrtc_function_call_cancellations() -> None:
    state = replay(lines("beta_webrtc_function_call_cancellations"), policy="strict")
    assert len(state.items) == 21
    assert len(state.responses) == 12
    assert statuses(state) == {"completed": 4, "cancelled": 8}
    outputs = Counter(len(r.output_item_ids) for r in state.responses.values())
    assert outputs == {0: 4, 1: 7, 2: 1}
    cancelled_with_item = [
        state.item(r.output_item_ids[0]).status
        for r in state.responses.values()
        if r.status == "cancelled" and r.output_item_ids
    ]
    assert sorted(cancelled_with_item) == ["completed", "incomplete", "incomplete", "incomplete"]
    cuts = [
        p.truncated_at_ms for i in state.items for p in i.content if p.truncated_at_ms is not None
    ]
    assert sorted(cuts) == [0, 20, 1680, 2460, 4000]
    call = next(i for i in state.items if i.type == "function_call")
    assert call.name == "transferToSupervisor"
    assert call.arguments.startswith("{") and call.arguments.endswith("}")
    users = [i for i in state.items if i.role == "user" and i.content[0].type == "input_audio"]
    assert len(users) == 11
    assert all(u.content[0].transcription_status == "completed" for u in users)
    assert dict(state.pending_transcriptions) == {}
    assert state.violations == ()


def test_beta_webrtc_sdk_normalized() -> None:
    state = replay(lines("beta_webrtc_sdk_normalized"), policy="strict")
    assert len(state.items) == 6
    assert statuses(state) == {"completed": 3, "cancelled": 1}
    assert state.items[0].role == "assistant"  # the greeting came first
    assert state.violations == ()


def test_beta_text_response_fragment() -> None:
    state = replay(lines("beta_text_response_fragment"), policy="strict")
    (item,) = state.items
    text = item.content[0].text
    assert text.startswith("{") and '"word": "pending"' in text
    assert statuses(state) == {"completed": 1}
    assert state.usage.total_tokens == 151
    assert state.session is None


def test_beta_transcription_fragment_reports_only_its_dangling_anchor() -> None:
    state = replay(lines("beta_transcription_fragment"), policy="lenient")
    (item,) = state.items
    assert item.content[0].transcript.startswith("Esta es una prueba")
    assert item.content[0].transcription_status == "completed"
    assert [(v.code, v.index) for v in state.violations] == [("unknown_anchor", 3)]
    assert "item_BK4ZnE1K1NP0YgOYLMJ35" in state.violations[0].message
    assert state.input_audio.committed_item_ids == (item.id,)


def test_item_order_follows_previous_item_id_in_every_recording() -> None:
    for path in RECORDING_FILES:
        assert_order_follows_previous_item_id(path, replay(read_lines(path)))


def test_history_is_lazy_and_matches_replay() -> None:
    source = lines("ga_tool_call_round")
    consumed = []

    def feed():  # type: ignore[no-untyped-def]
        for line in source:
            consumed.append(line)
            yield line

    steps = history(feed())
    index, event, state = next(steps)
    assert (index, event.type, state.event_count, len(consumed)) == (0, "session.created", 1, 1)
    rest = list(steps)
    assert rest[-1][2] == replay(source)
    assert all(st.event_count == i + 1 for i, _, st in rest)


# --- purity ---------------------------------------------------------------------------------

ALL_LINES = {path.stem: read_lines(path) for path in RECORDING_FILES}


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(ALL_LINES)).flatmap(
        lambda name: st.lists(
            st.sampled_from(range(len(ALL_LINES[name]))), unique=True, max_size=60
        ).map(lambda picks: [ALL_LINES[name][i] for i in sorted(picks)])
    )
)
def test_property_held_states_never_change(stream: list[str]) -> None:
    """Keep every state of a (possibly broken) stream; each still equals a fresh replay of
    its prefix, and reducing is deterministic."""
    events = [decode(line) for line in stream]
    held = []
    state = SessionState()
    for event in events:
        state = reduce(state, event)
        held.append((state, pickle.dumps(state)))
    for n, (kept, frozen) in enumerate(held, 1):
        assert kept == replay(events[:n])
        assert pickle.dumps(kept) == frozen
    assert replay(events) == replay(stream)
