"""State at any event: ``replay(upto=N)`` is the replay of the first N events, and
``history`` yields every state lazily, so a user can find where something went wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.readside import ALL_LINES, recording
from realtime_state import DecodeError, ProtocolViolation, SessionState, history, replay


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(sorted(ALL_LINES)).flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.integers(0, len(ALL_LINES[name]) + 3),
            st.sampled_from(["lenient", "strict"]),
        )
    )
)
def test_property_upto_equals_the_replay_of_the_prefix(case: tuple[str, int, str]) -> None:
    name, n, policy = case
    lines = ALL_LINES[name]
    try:
        expected = replay(lines[:n], policy=policy)
    except ProtocolViolation as error:
        with pytest.raises(ProtocolViolation) as info:
            replay(lines, policy=policy, upto=n)
        assert info.value.index == error.index
        return
    state = replay(lines, policy=policy, upto=n)
    assert state == expected
    assert state.event_count == min(n, len(lines))
    assert state.transcript() == expected.transcript()


def test_upto_zero_and_beyond_the_end() -> None:
    lines = recording("ga_tool_call_round")
    assert replay(lines, upto=0) == SessionState()
    assert replay(lines, upto=10_000) == replay(lines)


def test_every_history_state_is_the_replay_of_its_prefix() -> None:
    for lines in ALL_LINES.values():
        for index, event, state in history(lines):
            assert state.event_count == index + 1
            assert event.type == json.loads(lines[index])["type"]
            assert state == replay(lines, upto=index + 1)


def _counting(lines: list[str], seen: list[int]) -> Iterator[str]:
    for index, line in enumerate(lines):
        seen.append(index)
        yield line


def test_history_is_lazy_in_both_policies() -> None:
    lines = recording("beta_webrtc_interrupt_truncate")
    for policy in ("lenient", "strict"):
        seen: list[int] = []
        steps = history(_counting(lines, seen), policy=policy)
        assert seen == []  # nothing is read before the first step is asked for
        index, event, state = next(steps)
        assert (index, event.type, state.event_count, seen) == (0, "session.created", 1, [0])
        next(steps)
        assert seen == [0, 1]
        assert state.policy == policy


def test_history_finds_where_something_went_wrong() -> None:
    """The fragment starts mid-session: its item names an anchor the state never saw."""
    lines = recording("beta_transcription_fragment")
    first_bad = next((index, event) for index, event, state in history(lines) if state.violations)
    index, event = first_bad
    assert event.type == "conversation.item.created"
    assert replay(lines).violations[0].index == index
    assert replay(lines, upto=index).violations == ()
    # strict: every state before the offending event is yielded, then it raises there
    yielded: list[int] = []
    with pytest.raises(ProtocolViolation) as info:
        for step, _, _ in history(lines, policy="strict"):
            yielded.append(step)
    assert info.value.index == index and yielded == list(range(index))


def test_history_stops_at_an_undecodable_event_with_its_index() -> None:
    lines = [*recording("ga_tool_call_round")[:3], "{not json", "never read"]
    yielded: list[int] = []
    with pytest.raises(DecodeError) as info:
        for step, _, _ in history(lines):
            yielded.append(step)
    assert info.value.index == 3 and yielded == [0, 1, 2]


def test_holding_every_state_keeps_each_one_intact() -> None:
    lines = recording("beta_webrtc_function_call_cancellations")
    held = [state for _, _, state in history(lines)]
    for n in (1, 50, 200, len(lines)):
        assert held[n - 1] == replay(lines, upto=n)
        assert held[n - 1].transcript() == replay(lines, upto=n).transcript()
    # consecutive states share what did not change (structural sharing)
    before, after = held[100], held[101]
    shared = set(before.conversation.items) & set(after.conversation.items)
    assert any(before.conversation.items[k] is after.conversation.items[k] for k in shared)
