"""Mutations of real logs: drop, duplicate, swap and move lines, change ids and indices.

Used by the property test that every state of every mutated log satisfies the invariants
(``allow_violations=True``) in both policies, and by ``tools/fuzz_logs.py`` to run many
more of them on demand.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

from helpers.data import HERE, read_lines
from realtime_state import DecodeError, ProtocolViolation, SessionState, reduce
from realtime_state.testing import check_invariants

LOG_FILES = sorted((HERE / "recordings").glob("*.jsonl")) + sorted((HERE / "logs").glob("*.jsonl"))
LOGS: list[list[dict[str, Any]]] = [
    [json.loads(line) for line in read_lines(path)] for path in LOG_FILES
]
ID_KEYS = ("id", "item_id", "response_id", "previous_item_id", "call_id")
INDEX_KEYS = ("output_index", "content_index", "audio_end_ms")
OPERATIONS = ("drop", "duplicate", "swap", "move", "change_id", "change_index")


def ids_in(value: Any) -> list[str]:
    """Every id-like string in ``value`` (sorted, no repeats)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, inner in node.items():
                if key in ID_KEYS and isinstance(inner, str):
                    found.add(inner)
                walk(inner)
        elif isinstance(node, list):
            for inner in node:
                walk(inner)

    walk(value)
    return sorted(found)


def _replace(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {k: _replace(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace(v, old, new) for v in node]
    return new if node == old else node


def mutate(
    events: list[dict[str, Any]], operation: str, at: int, to: int, pick: int
) -> list[dict[str, Any]]:
    """``events`` with one mutation applied (the input is not changed). ``at`` and ``to``
    choose lines, ``pick`` the id or value (all taken modulo what there is)."""
    out = copy.deepcopy(events)
    if len(out) < 2:
        return out
    i, j = at % len(out), to % len(out)
    if operation == "drop":
        del out[i]
    elif operation == "duplicate":
        out.insert(j, copy.deepcopy(out[i]))
    elif operation == "swap":
        out[i], out[j] = out[j], out[i]
    elif operation == "move":
        out.insert(j, out.pop(i))
    elif operation == "change_id":
        mine, every = ids_in(out[i]), [*ids_in(out), "ghost_id"]
        if mine:
            out[i] = _replace(out[i], mine[pick % len(mine)], every[(pick // 7) % len(every)])
    elif operation == "change_index":
        keys = [k for k in INDEX_KEYS if isinstance(out[i].get(k), int)]
        if keys:
            key = keys[pick % len(keys)]
            out[i][key] = [-1, 0, 1, 2, 7, out[i][key] + 1][(pick // 3) % 6]
    return out


@st.composite
def mutated_logs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A real log with one to four mutations."""
    events = LOGS[draw(st.integers(0, len(LOGS) - 1))]
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(OPERATIONS),
                st.integers(0, 10**6),
                st.integers(0, 10**6),
                st.integers(0, 10**6),
            ),
            min_size=1,
            max_size=4,
        )
    )
    for operation, at, to, pick in steps:
        events = mutate(events, operation, at, to, pick)
    return events


def broken_states(events: list[dict[str, Any]], policy: str) -> Iterator[tuple[int, Any]]:
    """Replay ``events`` in ``policy``, checking every state; yield ``(index, failures)`` for
    each state that breaks an invariant not excused by its violations. Strict policy stops at
    the first violation (the state before it is the last one)."""
    state = SessionState(policy=policy)
    for index, event in enumerate(events):
        try:
            state = reduce(state, event)
        except (ProtocolViolation, DecodeError):
            return
        failures = check_invariants(state, allow_violations=True)
        if failures:
            yield index, failures
