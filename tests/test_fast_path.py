"""The fast path of a delta that continues a streaming part gives exactly the state the full
path gives: on every recording and written log, and on generated legal and faulty streams."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from helpers.data import HERE, RECORDING_FILES, read_lines
from realtime_state import SessionState, history, reduce
from realtime_state.reducer._common import SWITCHES, settled
from realtime_state.state import _StreamingArguments, _StreamingConversation, _StreamingPart
from realtime_state.testing.strategies import faulty_streams, legal_streams

LOGS = RECORDING_FILES + sorted((HERE / "logs").glob("*.jsonl"))


@contextmanager
def slow_path() -> Iterator[None]:
    SWITCHES.fast_path = False
    try:
        yield
    finally:
        SWITCHES.fast_path = True


def _states(events: list[Any]) -> list[Any]:
    return [state for _, _, state in history(events)]


def _same(events: list[Any]) -> None:
    fast = _states(events)
    with slow_path():
        slow = _states(events)
    assert fast == slow
    assert [s.violations for s in fast] == [s.violations for s in slow]


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_every_log_gives_the_same_states(path: Any) -> None:
    _same(read_lines(path))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(legal_streams(dialect="ga"))
def test_generated_legal_streams(events: list[Any]) -> None:
    _same(events)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(faulty_streams())
def test_generated_faulty_streams(stream: Any) -> None:
    events = stream[0] if isinstance(stream, tuple) else stream
    _same(list(events))


# --- the streaming part kept outside its item -------------------------------------------------


def _streaming(state: Any) -> bool:
    return isinstance(state.conversation, _StreamingConversation)


def _plain(state: Any) -> Any:
    return settled(state)


def _checked(path: Any) -> int:
    """Every state of ``path`` reads the same through its streaming part as folded; returns
    how many states held a streaming part."""
    held = 0
    for _, _, state in history(read_lines(path)):
        if not _streaming(state):
            continue
        held += 1
        plain = _plain(state)
        assert not _streaming(plain)
        conv = state.conversation
        assert conv == plain.conversation and plain.conversation == conv
        assert state == plain and plain == state
        assert state.items == plain.items
        assert [i.id for i in state.iter_items()] == [i.id for i in plain.iter_items()]
        assert all(state.item(i.id) == i for i in plain.items)
        assert state.item("item_nobody") is None
        streaming_item = state.item(conv.item.id)
        assert streaming_item == plain.item(conv.item.id)
        if isinstance(conv, _StreamingPart):
            assert streaming_item.content[conv.index] == conv.current()
        else:
            assert isinstance(conv, _StreamingArguments)
            assert streaming_item.arguments == conv.arguments.value()
        assert state.transcript() == plain.transcript()
        assert pickle.loads(pickle.dumps(state)) == plain
    return held


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_a_streaming_part_reads_as_folded(path: Any) -> None:
    _checked(path)


def test_deltas_continuing_a_part_keep_it_outside_its_item() -> None:
    # The recordings stream audio, transcripts, text, input transcriptions and call
    # arguments: each kind of delta must take the fast path there (if none did, memory per
    # state would double).
    kinds = {
        event.type
        for path in LOGS
        for _, event, state in history(read_lines(path))
        if _streaming(state)  # only the fast path leaves a streaming conversation
    }
    assert {
        "response.output_audio.delta",
        "response.output_audio_transcript.delta",
        "response.audio.delta",
        "response.audio_transcript.delta",
        "conversation.item.input_audio_transcription.delta",
    } <= kinds
    assert {"response.text.delta", "response.output_text.delta"} & kinds
    assert {"response.function_call_arguments.delta", "response.mcp_call_arguments.delta"} <= kinds


def test_reading_a_held_state_does_not_change_what_follows() -> None:
    # Reading items folds the streaming part once and keeps the result: a later event must
    # give the same state whether or not an earlier state was read.
    lines = read_lines(HERE / "logs" / "ga_audio_turn.jsonl")
    untouched = [state for _, _, state in history(lines)]
    read = []
    state = SessionState()
    for line in lines:
        state = reduce(state, line)
        state.items  # noqa: B018  (fills the memo)
        read.append(state)
    assert read == untouched
    assert [pickle.dumps(s) for s in read] == [pickle.dumps(s) for s in untouched]


@pytest.mark.parametrize("retention", ["none", 1, 30])
@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_retention_sees_the_streaming_part(path: Any, retention: Any) -> None:
    lines = read_lines(path)
    fast = [s for _, _, s in history(lines, audio_retention=retention)]
    with slow_path():
        slow = [s for _, _, s in history(lines, audio_retention=retention)]
    assert fast == slow
    assert [s.audio_retention.held_ms for s in fast] == [s.audio_retention.held_ms for s in slow]
    assert [s.audio_retention.dropped for s in fast] == [s.audio_retention.dropped for s in slow]
