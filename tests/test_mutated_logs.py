"""After any event, in either policy, every invariant holds or is excused by a violation
recorded for the object concerned (``allow_violations=True``): mutated real logs (lines
dropped, duplicated, swapped, moved; ids and indices changed) never leave a state that is
inconsistent and says nothing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from helpers.mutations import LOGS, broken_states, mutate, mutated_logs
from realtime_state import replay
from realtime_state.lifecycles import VIOLATION_CODES
from realtime_state.testing import EXCUSES, INVARIANTS


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=mutated_logs())
def test_every_state_of_a_mutated_log_is_consistent_or_excused(events: list[Any]) -> None:
    for policy in ("lenient", "strict"):
        broken = next(broken_states(events, policy), None)
        assert broken is None, f"{policy}: after event #{broken[0]}: {broken[1]}"


def test_every_unmutated_log_is_consistent_at_every_state() -> None:
    for events in LOGS:
        for policy in ("lenient", "strict"):
            assert next(broken_states(events, policy), None) is None


def test_mutations_do_change_logs_and_yield_violations() -> None:
    events = LOGS[0]
    changed = [mutate(events, op, 3, 9, 5) for op in ("drop", "duplicate", "swap", "move")]
    assert all(c != events for c in changed)
    violations = sum(len(replay(c).violations) for c in changed)
    assert violations > 0


def test_excuses_name_documented_invariants_and_codes() -> None:
    assert set(EXCUSES) <= set(INVARIANTS)
    for codes in EXCUSES.values():
        assert codes <= set(VIOLATION_CODES)


@pytest.mark.parametrize("name", sorted(EXCUSES))
def test_excuses_are_documented(name: str) -> None:
    from helpers.data import HERE

    text = (HERE.parent / "docs" / "testing.md").read_text(encoding="utf-8")
    assert f"`{name}`" in text
    for code in EXCUSES[name]:
        assert f"`{code}`" in text
