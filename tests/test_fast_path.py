"""The fast path of a delta that continues a streaming part gives exactly the state the full
path gives: on every recording and written log, and on generated legal and faulty streams."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from helpers.data import HERE, RECORDING_FILES, read_lines
from realtime_state import history
from realtime_state.reducer import _channels
from realtime_state.testing.strategies import faulty_streams, legal_streams

LOGS = RECORDING_FILES + sorted((HERE / "logs").glob("*.jsonl"))


@contextmanager
def slow_path() -> Iterator[None]:
    _channels.FAST_PATH = False
    try:
        yield
    finally:
        _channels.FAST_PATH = True


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
