"""Named invariants of a :class:`~realtime_state.SessionState`, and of a sequence of states.

Theory of operation
-------------------
Every check is a small generator ``(state, ...) -> InvariantFailure*`` registered under a
stable name. :func:`check_invariants` runs the single-state checks (:data:`INVARIANTS`) on one
state; :func:`check_invariants_over` walks a sequence of states (or ``history()`` triples),
runs the single-state checks on each and the cross-state checks
(:data:`CROSS_STATE_INVARIANTS`) on each consecutive pair, and stops at the first state where
anything is broken. The ``assert_*`` functions raise :class:`InvariantError` (an
``AssertionError``) listing every broken invariant with the ids involved and, where the
state knows it, the index of the event that broke it.

Nothing here changes a state, and nothing is added to the reducer: every check reads the
state's documented attributes and its internal conversation (``state.conversation``). The
checks are O(items + parts + responses) per state; over a history, unchanged collections
are skipped by identity (states share structure), so checking every state of a stream is
cheap enough for property tests.

This module holds the public entry points and the two tables of names; the single-state
checks are in :mod:`realtime_state.testing._state_invariants` (with
:class:`InvariantFailure`), the cross-state ones in
:mod:`realtime_state.testing._history_invariants`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ..errors import InvariantError
from ..state import SessionState
from ._history_invariants import check_pair
from ._state_invariants import CHECKS, EXCUSES, InvariantFailure, Seen, check_state

__all__ = [
    "INVARIANTS",
    "CROSS_STATE_INVARIANTS",
    "EXCUSES",
    "InvariantFailure",
    "InvariantError",
    "check_invariants",
    "check_invariants_over",
    "assert_invariants",
    "assert_invariants_over",
]


INVARIANTS: Mapping[str, str] = {
    "no_violations": "the state records no protocol violation (skipped with allow_violations=True)",
    "item_ids_unique": "item ids are unique in state.items and state.item(id) finds each item",
    "conversation_order_consistent": "the conversation order is a well-formed list holding "
    "exactly the items marked in the conversation",
    "response_outputs_exist": "every output item a response lists is held by the state or was "
    "deleted, once per response, and names that response",
    "items_belong_to_their_response": "an item produced by a response names a known response "
    "that lists it; items outside the conversation belong to out-of-band responses",
    "at_most_one_active_response": "at most one in-conversation response is in progress, and "
    "it is active_response_id",
    "responses_consistent": "a response is in progress exactly until its response.done, which "
    "comes after its response.created",
    "usage_is_sum_over_responses": "state.usage is the sum of the usage of the finished responses",
    "function_call_outputs_answer_known_calls": "every function_call_output names the call_id "
    "of a function call seen, and that call (if still held) is answered",
    "truncated_audio_within_cut": "a truncated part holds no more audio than its cut "
    "(audio_end_ms in the format the audio came in) nor than it received",
    "truncated_transcript_cleared": "a truncated part's transcript is '' (as the server holds it)",
    "pending_transcriptions_for_absent_items": "input transcription is held as pending only "
    "for items the state does not hold",
    "input_turn_consistent": "input_audio.speaking is true exactly in the 'speaking' phase",
    "indices_within_stream": "recorded event indices (violations, errors, input "
    "transcriptions, responses) point into the events reduced, in order",
}
"""Invariants of one state: name -> what holds (in the order they are checked)."""

CROSS_STATE_INVARIANTS: Mapping[str, str] = {
    "finished_part_does_not_grow": "once a part (or one of its text, audio, transcript "
    "channels) is done, its text and transcript never change and its audio never grows "
    "(truncation may only cut)",
    "finished_response_does_not_change": "a response never disappears, and once done it never "
    "changes",
    "logs_only_append": "event_count grows, and the violations, errors and input "
    "transcriptions of a state are a prefix of those of every later state",
    "items_removed_only_by_deletion": "an item disappears only through a "
    "conversation.item.deleted naming it (checked when the events are known)",
}
"""Invariants between a state and a later one (checked by :func:`check_invariants_over`):
name -> what holds. ``response_outputs_exist`` is also strengthened there: an output item the
state does not hold must have been held by an earlier state (that is, deleted)."""

assert tuple(name for name, _ in CHECKS) == tuple(INVARIANTS)
assert set(EXCUSES) <= set(INVARIANTS)


def check_invariants(
    state: SessionState, *, allow_violations: bool = False
) -> tuple[InvariantFailure, ...]:
    """Every broken single-state invariant of ``state`` (empty when all hold).

    ``allow_violations=True`` skips ``no_violations`` (for logs that rightly record some,
    such as fragments that start mid-session). An output item a response lists but the state
    does not hold counts as deleted: one state cannot tell; :func:`check_invariants_over`
    can.
    """
    return tuple(check_state(state, allow_violations, None))


def assert_invariants(state: SessionState, *, allow_violations: bool = False) -> None:
    """Raise :class:`InvariantError` (an ``AssertionError``) naming every broken invariant of
    ``state`` (see :data:`INVARIANTS`), the ids involved and, where known, the index of the
    event that broke it."""
    __tracebackhide__ = True
    failures = check_invariants(state, allow_violations=allow_violations)
    if failures:
        raise InvariantError(failures)


def _steps(
    steps: Iterable[SessionState] | Iterable[tuple[int, Any, SessionState]],
) -> Iterator[tuple[int | None, Any, SessionState]]:
    for step in steps:
        if isinstance(step, SessionState):
            yield None, None, step
        elif isinstance(step, tuple) and len(step) == 3 and isinstance(step[2], SessionState):
            yield step[0], step[1], step[2]
        else:
            raise TypeError(
                "expected SessionState values or history() triples (index, event, state), "
                f"got {type(step).__name__}"
            )


def _over(
    steps: Iterable[SessionState] | Iterable[tuple[int, Any, SessionState]],
    allow_violations: bool,
) -> tuple[int, int | None, str | None, tuple[InvariantFailure, ...]]:
    """Walk ``steps``; return ``(states checked, index, event type, failures)``."""
    seen = Seen()
    previous: SessionState | None = None
    count = 0
    for index, event, state in _steps(steps):
        count += 1
        at = index if index is not None else state.event_count - 1
        if previous is None:
            held = set(state.conversation.items)
            for response in state.responses.values():
                seen.excused.update(i for i in response.output_item_ids if i not in held)
        failures = check_state(state, allow_violations, seen)
        event_type = getattr(event, "type", None)
        if previous is not None:
            failures.extend(check_pair(previous, state, event))
        if failures:
            stamped = tuple(
                f if f.index is not None else attrs.evolve(f, index=at) for f in failures
            )
            return count, at, event_type, stamped
        if previous is None or previous.conversation.items is not state.conversation.items:
            seen.ever_held.update(state.conversation.items)
        previous = state
    return count, None, None, ()


def check_invariants_over(
    steps: Iterable[SessionState] | Iterable[tuple[int, Any, SessionState]],
    *,
    allow_violations: bool = False,
) -> tuple[int | None, tuple[InvariantFailure, ...]]:
    """Check every state of a sequence, and every consecutive pair, in order.

    ``steps`` is an iterable of states (in stream order, not necessarily consecutive) or the
    ``(index, event, state)`` triples of :func:`realtime_state.history`, consumed lazily.
    Each state must satisfy :data:`INVARIANTS`; each pair :data:`CROSS_STATE_INVARIANTS`
    (``items_removed_only_by_deletion`` needs the events, so it runs on triples only).
    Stops at the first state where anything is broken and returns ``(index, failures)``,
    ``index`` being the index of that state's last event; returns ``(None, ())`` when
    everything holds. Failures without an index of their own get that index.
    """
    _, index, _, failures = _over(steps, allow_violations)
    return index, failures


def assert_invariants_over(
    steps: Iterable[SessionState] | Iterable[tuple[int, Any, SessionState]],
    *,
    allow_violations: bool = False,
) -> int:
    """Assert the invariants on every state of ``steps`` and between consecutive states.

    ``steps`` is what :func:`check_invariants_over` takes (states, or the triples of
    :func:`realtime_state.history`). Raises :class:`InvariantError` at the first state where
    anything is broken, naming the event after which it broke; otherwise returns how many
    states were checked.
    """
    __tracebackhide__ = True
    count, index, event_type, failures = _over(steps, allow_violations)
    if failures:
        raise InvariantError(failures, index, event_type)
    return count
