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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from ..errors import InvariantError
from ..formats import output_spec
from ..state import ItemState, PartState, SessionState, UsageTotals

__all__ = [
    "INVARIANTS",
    "CROSS_STATE_INVARIANTS",
    "InvariantFailure",
    "InvariantError",
    "check_invariants",
    "check_invariants_over",
    "assert_invariants",
    "assert_invariants_over",
]


@attrs.frozen(slots=True)
class InvariantFailure:
    """One broken invariant: its ``name``, a sentence saying what is wrong, the ids involved,
    and the index of the event that broke it when that is known (else ``None``)."""

    name: str
    """The invariant's name (a key of :data:`INVARIANTS` or :data:`CROSS_STATE_INVARIANTS`)."""
    message: str
    """What is wrong, naming the ids involved."""
    ids: tuple[str, ...] = ()
    """Item, response and call ids involved."""
    index: int | None = None
    """0-based index of the event that broke the invariant, when known."""

    def __str__(self) -> str:
        text = f"{self.name}: {self.message}"
        if self.ids:
            text += f" [ids: {', '.join(self.ids)}]"
        if self.index is not None:
            text += f" (event #{self.index})"
        return text


# ---------------------------------------------------------------------------------------------
# Single-state checks
# ---------------------------------------------------------------------------------------------

Failures = Iterator[InvariantFailure]


@attrs.define(slots=True)
class _Seen:
    """What a walk over a history has seen so far (for checks that need the past)."""

    ever_held: set[str] = attrs.field(factory=set)
    """Ids of every item held by some state seen so far."""
    excused: set[str] = attrs.field(factory=set)
    """Output ids already missing in the first state (deleted before the history we see)."""


def _walk_order(state: SessionState) -> tuple[list[str], list[InvariantFailure]]:
    """The conversation order, walked defensively (a broken list must not loop or raise)."""
    conv = state.conversation
    links = conv.links
    problems: list[InvariantFailure] = []
    order: list[str] = []
    name = "conversation_order_consistent"
    key = conv.head
    previous: str | None = None
    while key is not None:
        if len(order) > len(links):
            problems.append(InvariantFailure(name, "the conversation order loops", (key,)))
            break
        link = links.get(key)
        if link is None:
            problems.append(
                InvariantFailure(name, f"the order reaches {key}, which has no link", (key,))
            )
            break
        if link[0] != previous:
            problems.append(
                InvariantFailure(
                    name,
                    f"item {key} links back to {link[0]}, but it follows {previous}",
                    (key,),
                )
            )
        order.append(key)
        previous = key
        key = link[1]
    return order, problems


def _conversation_order(
    state: SessionState, order: list[str], walk: list[InvariantFailure]
) -> Failures:
    conv = state.conversation
    name = "conversation_order_consistent"
    yield from walk
    if (order[-1] if order else None) != conv.tail:
        yield InvariantFailure(
            name, f"the order ends at {order[-1] if order else None} but tail is {conv.tail}"
        )
    if conv.size != len(order) or len(conv.links) != len(order):
        yield InvariantFailure(
            name,
            f"the order holds {len(order)} item(s), but size is {conv.size} and "
            f"{len(conv.links)} item(s) are linked",
        )
    linked = set(order)
    for key in order:
        item = conv.items.get(key)
        if item is None:
            yield InvariantFailure(
                name, f"item {key} is in the order, but the state does not hold it", (key,)
            )
        elif not item.in_conversation:
            yield InvariantFailure(
                name, f"item {key} is in the order, but marked out of the conversation", (key,)
            )
    for key, item in conv.items.items():
        if item.in_conversation and key not in linked:
            yield InvariantFailure(
                name,
                f"item {key} is marked in the conversation, but state.items does not list it",
                (key,),
            )


def _never_held(item_id: str, seen: _Seen) -> bool:
    return item_id not in seen.ever_held and item_id not in seen.excused


def _item_ids_unique(state: SessionState, order: list[str]) -> Failures:
    name = "item_ids_unique"
    items = state.conversation.items
    positions: dict[str, int] = {}
    for position, key in enumerate(order):
        if key in positions:
            yield InvariantFailure(
                name,
                f"item {key} appears twice in state.items (positions {positions[key]} and "
                f"{position})",
                (key,),
            )
            continue
        positions[key] = position
        item = items.get(key)
        if item is not None and state.item(item.id) is not item:
            yield InvariantFailure(
                name, f"state.item({item.id!r}) does not find the item listed there", (key,)
            )
    for key, item in items.items():
        if item.id != key:
            yield InvariantFailure(
                name, f"the item held under id {key} says its id is {item.id}", (key, item.id)
            )


def _response_outputs_exist(state: SessionState, seen: _Seen | None) -> Failures:
    name = "response_outputs_exist"
    for response in state.responses.values():
        listed: set[str] = set()
        where = response.done_index if response.done_index is not None else None
        for position, item_id in enumerate(response.output_item_ids):
            if item_id in listed:
                yield InvariantFailure(
                    name,
                    f"response {response.id} lists output item {item_id} twice",
                    (response.id, item_id),
                    where,
                )
                continue
            listed.add(item_id)
            item = state.item(item_id)
            if item is None:
                # Deleted, or never there: only a history can tell them apart.
                if seen is not None and _never_held(item_id, seen):
                    yield InvariantFailure(
                        name,
                        f"response {response.id} lists output item {item_id} (output_index "
                        f"{position}), which no state held (so it was not deleted either)",
                        (response.id, item_id),
                        where,
                    )
            elif item.response_id != response.id:
                yield InvariantFailure(
                    name,
                    f"response {response.id} lists output item {item_id}, which says it "
                    f"belongs to response {item.response_id}",
                    (response.id, item_id),
                    where,
                )


def _items_belong(state: SessionState) -> Failures:
    name = "items_belong_to_their_response"
    responses = state.responses
    for item in state.conversation.items.values():
        response_id = item.response_id
        if response_id is None:
            if not item.in_conversation:
                yield InvariantFailure(
                    name,
                    f"item {item.id} is outside the conversation but belongs to no response",
                    (item.id,),
                )
            continue
        response = responses.get(response_id)
        if response is None:
            yield InvariantFailure(
                name,
                f"item {item.id} names response {response_id}, which the state does not hold",
                (item.id, response_id),
            )
        elif item.id not in response.output_item_ids:
            yield InvariantFailure(
                name,
                f"item {item.id} names response {response_id}, which does not list it among "
                "its output items",
                (item.id, response_id),
            )
        elif not item.in_conversation and not response.out_of_band:
            yield InvariantFailure(
                name,
                f"item {item.id} is outside the conversation, but its response {response_id} "
                "is an in-conversation response",
                (item.id, response_id),
            )


def _one_active_response(state: SessionState) -> Failures:
    name = "at_most_one_active_response"
    running = sorted(
        (r for r in state.responses.values() if r.phase == "in_progress" and not r.out_of_band),
        key=lambda r: r.id,
    )
    if len(running) > 1:
        indices = [r.created_index for r in running if r.created_index is not None]
        yield InvariantFailure(
            name,
            f"{len(running)} in-conversation responses are in progress at once: "
            f"{', '.join(r.id for r in running)}",
            tuple(r.id for r in running),
            max(indices, default=None),
        )
    active_id = state.active_response_id
    if active_id is not None:
        active = state.responses.get(active_id)
        if active is None:
            yield InvariantFailure(
                name,
                f"active_response_id is {active_id}, which the state does not hold",
                (active_id,),
            )
        elif active.out_of_band:
            yield InvariantFailure(
                name,
                f"active_response_id is {active_id}, an out-of-band response",
                (active_id,),
                active.created_index,
            )
        elif active.phase != "in_progress":
            yield InvariantFailure(
                name,
                f"active_response_id is {active_id}, which is already {active.phase}",
                (active_id,),
                active.done_index,
            )
    for response in running:
        if response.id != active_id:
            yield InvariantFailure(
                name,
                f"response {response.id} is in progress in the conversation, but the active "
                f"response is {active_id}",
                (response.id,),
                response.created_index,
            )


def _responses_consistent(state: SessionState) -> Failures:
    name = "responses_consistent"
    for key, response in state.responses.items():
        if response.id != key:
            yield InvariantFailure(
                name, f"the response held under {key} says its id is {response.id}", (key,)
            )
        if response.done and response.phase == "in_progress":
            yield InvariantFailure(
                name,
                f"response {response.id} has its response.done but is still in progress",
                (response.id,),
                response.done_index,
            )
        if not response.done and response.phase != "in_progress":
            yield InvariantFailure(
                name,
                f"response {response.id} is {response.phase} without a response.done",
                (response.id,),
            )
        created, done = response.created_index, response.done_index
        if created is not None and done is not None and done <= created:
            yield InvariantFailure(
                name,
                f"response {response.id} was done at event #{done}, not after its "
                f"response.created at event #{created}",
                (response.id,),
                done,
            )


_USAGE_FIELDS = tuple(f.name for f in attrs.fields(UsageTotals))


def _usage_is_sum(state: SessionState) -> Failures:
    total = UsageTotals()
    done = sorted((r for r in state.responses.values() if r.done), key=lambda r: r.id)
    for response in done:
        total = total.plus(response.usage)
    if total == state.usage:
        return
    diffs = [
        f"{field} is {getattr(state.usage, field)}, the responses sum to {getattr(total, field)}"
        for field in _USAGE_FIELDS
        if getattr(state.usage, field) != getattr(total, field)
    ]
    last = max((r.done_index for r in done if r.done_index is not None), default=None)
    yield InvariantFailure(
        "usage_is_sum_over_responses",
        "state.usage is not the sum of the finished responses' usage: " + "; ".join(diffs),
        tuple(r.id for r in done),
        last,
    )


def _call_outputs(state: SessionState) -> Failures:
    name = "function_call_outputs_answer_known_calls"
    conv = state.conversation
    calls = conv.calls
    for item in conv.items.values():
        if item.type != "function_call_output":
            continue
        call_id = item.call_id
        if call_id is None:
            yield InvariantFailure(name, f"output {item.id} names no call_id", (item.id,))
            continue
        call_item_id = calls.get(call_id)
        if call_item_id is None:
            yield InvariantFailure(
                name,
                f"output {item.id} answers call {call_id}, which matches no function call seen",
                (item.id, call_id),
            )
            continue
        call = conv.items.get(call_item_id)
        if call is not None and call.call_phase != "answered":
            yield InvariantFailure(
                name,
                f"output {item.id} answers call {call_id}, but its call {call.id} is still "
                f"{call.call_phase}",
                (item.id, call_id, call.id),
            )
    for call_id, call_item_id in calls.items():
        call = conv.items.get(call_item_id)
        if call is not None and (call.type != "function_call" or call.call_id != call_id):
            yield InvariantFailure(
                name,
                f"call {call_id} is indexed to item {call_item_id}, a {call.type} with call_id "
                f"{call.call_id}",
                (call_id, call_item_id),
            )


def _truncated_parts(state: SessionState) -> Iterator[tuple[ItemState, int, PartState]]:
    for item in state.conversation.items.values():
        for index, part in enumerate(item.content):
            if part.truncated_at_ms is not None:
                yield item, index, part


def _truncated_audio(state: SessionState) -> Failures:
    name = "truncated_audio_within_cut"
    session_spec = output_spec(state.session)
    for item, index, part in _truncated_parts(state):
        cut = part.truncated_at_ms
        assert cut is not None
        # the format the audio arrived in, as the reducer cuts it (formats.py is the one place
        # that knows what a millisecond weighs; tests pin its values against the contract)
        spec = session_spec if part.audio_spec is None else part.audio_spec
        received = part.audio_bytes_before_truncation
        if cut < 0:
            yield InvariantFailure(
                name, f"part {index} of item {item.id} was cut at {cut} ms", (item.id,)
            )
        elif part.audio_bytes > spec.bytes_for_ms(cut):
            yield InvariantFailure(
                name,
                f"part {index} of item {item.id} holds {part.audio_bytes} audio bytes "
                f"({spec.duration_ms(part.audio_bytes):g} ms of {spec.describe()}), more than "
                f"its cut at {cut} ms",
                (item.id,),
            )
        elif received is not None and part.audio_bytes > received:
            yield InvariantFailure(
                name,
                f"part {index} of item {item.id} keeps {part.audio_bytes} audio bytes after its "
                f"cut, more than the {received} received",
                (item.id,),
            )


def _truncated_transcript(state: SessionState) -> Failures:
    for item, index, part in _truncated_parts(state):
        if part.transcript:
            yield InvariantFailure(
                "truncated_transcript_cleared",
                f"part {index} of item {item.id} was cut at {part.truncated_at_ms} ms but its "
                f"transcript is {part.transcript!r}, not ''",
                (item.id,),
            )


def _pending(state: SessionState) -> Failures:
    items = state.conversation.items
    for item_id in state.conversation.pending:
        if item_id in items:
            yield InvariantFailure(
                "pending_transcriptions_for_absent_items",
                f"input transcription events for item {item_id} are held as pending, but the "
                "state holds the item",
                (item_id,),
            )


def _input_turn(state: SessionState) -> Failures:
    buffer = state.input_audio
    if buffer.speaking != (buffer.phase == "speaking"):
        yield InvariantFailure(
            "input_turn_consistent",
            f"input_audio.speaking is {buffer.speaking} while its phase is {buffer.phase!r}",
            (buffer.item_id,) if buffer.item_id else (),
        )


def _indices(state: SessionState) -> Failures:
    name = "indices_within_stream"
    count = state.event_count
    last = -1
    for violation in state.violations:
        if not 0 <= violation.index < count or violation.index < last:
            yield InvariantFailure(
                name,
                f"violation {violation.code} has index {violation.index} (after #{last}, "
                f"{count} events reduced)",
                index=violation.index,
            )
        last = max(last, violation.index)
    last = -1
    for error in state.errors:
        if not 0 <= error.index < count or error.index <= last:
            yield InvariantFailure(
                name,
                f"error {error.code} has index {error.index} (after #{last}, {count} events "
                "reduced)",
                index=error.index,
            )
        last = max(last, error.index)
    last = -1
    for record in state.transcriptions:
        if not 0 <= record.index < count or record.index <= last:
            yield InvariantFailure(
                name,
                f"the input transcription of item {record.item_id} has index {record.index} "
                f"(after #{last}, {count} events reduced)",
                (record.item_id,),
                record.index,
            )
        last = max(last, record.index)
    for response in state.responses.values():
        for label, value in (("created", response.created_index), ("done", response.done_index)):
            if value is not None and not 0 <= value < count:
                yield InvariantFailure(
                    name,
                    f"response {response.id} was {label} at event #{value}, but only {count} "
                    "events were reduced",
                    (response.id,),
                    value,
                )


def _no_violations(state: SessionState) -> Failures:
    for violation in state.violations:
        yield InvariantFailure(
            "no_violations",
            f"{violation.code} at {violation.event_type}: {violation.message}",
            index=violation.index,
        )


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


_Check = Callable[[SessionState, list[str], list[InvariantFailure], "_Seen | None"], Failures]

_CHECKS: tuple[tuple[str, _Check], ...] = (
    ("no_violations", lambda s, o, w, seen: _no_violations(s)),
    ("item_ids_unique", lambda s, o, w, seen: _item_ids_unique(s, o)),
    ("conversation_order_consistent", lambda s, o, w, seen: _conversation_order(s, o, w)),
    ("response_outputs_exist", lambda s, o, w, seen: _response_outputs_exist(s, seen)),
    ("items_belong_to_their_response", lambda s, o, w, seen: _items_belong(s)),
    ("at_most_one_active_response", lambda s, o, w, seen: _one_active_response(s)),
    ("responses_consistent", lambda s, o, w, seen: _responses_consistent(s)),
    ("usage_is_sum_over_responses", lambda s, o, w, seen: _usage_is_sum(s)),
    ("function_call_outputs_answer_known_calls", lambda s, o, w, seen: _call_outputs(s)),
    ("truncated_audio_within_cut", lambda s, o, w, seen: _truncated_audio(s)),
    ("truncated_transcript_cleared", lambda s, o, w, seen: _truncated_transcript(s)),
    ("pending_transcriptions_for_absent_items", lambda s, o, w, seen: _pending(s)),
    ("input_turn_consistent", lambda s, o, w, seen: _input_turn(s)),
    ("indices_within_stream", lambda s, o, w, seen: _indices(s)),
)
assert tuple(name for name, _ in _CHECKS) == tuple(INVARIANTS)


def _check_one(
    state: SessionState, allow_violations: bool, seen: _Seen | None
) -> list[InvariantFailure]:
    if not isinstance(state, SessionState):
        raise TypeError(f"expected a SessionState, got {type(state).__name__}")
    order, walk = _walk_order(state)
    failures: list[InvariantFailure] = []
    for name, check in _CHECKS:
        if allow_violations and name == "no_violations":
            continue
        # maps iterate in hash order: sort so that a message reads the same in every run
        failures.extend(sorted(check(state, order, walk, seen), key=_order))
    return failures


def _order(failure: InvariantFailure) -> tuple[int, tuple[str, ...], str]:
    return (-1 if failure.index is None else failure.index, failure.ids, failure.message)


def check_invariants(
    state: SessionState, *, allow_violations: bool = False
) -> tuple[InvariantFailure, ...]:
    """Every broken single-state invariant of ``state`` (empty when all hold).

    ``allow_violations=True`` skips ``no_violations`` (for logs that rightly record some,
    such as fragments that start mid-session). An output item a response lists but the state
    does not hold counts as deleted: one state cannot tell; :func:`check_invariants_over`
    can.
    """
    return tuple(_check_one(state, allow_violations, None))


def assert_invariants(state: SessionState, *, allow_violations: bool = False) -> None:
    """Raise :class:`InvariantError` (an ``AssertionError``) naming every broken invariant of
    ``state`` (see :data:`INVARIANTS`), the ids involved and, where known, the index of the
    event that broke it."""
    __tracebackhide__ = True
    failures = check_invariants(state, allow_violations=allow_violations)
    if failures:
        raise InvariantError(failures)


# ---------------------------------------------------------------------------------------------
# Cross-state checks
# ---------------------------------------------------------------------------------------------


def _finished_parts(before: SessionState, after: SessionState, event_type: str | None) -> Failures:
    name = "finished_part_does_not_grow"
    old_items = before.conversation.items
    new_items = after.conversation.items
    if old_items is new_items:
        return
    retrieved = event_type == "conversation.item.retrieved"
    for item_id, new in new_items.items():
        old = old_items.get(item_id)
        if old is None or old is new:
            continue
        for index, (was, now) in enumerate(zip(old.content, new.content, strict=False)):
            if was is now:
                continue
            closed = was.phase == "done" or was.status == "done"
            where = f"part {index} of item {item_id}"
            if (closed or was.text_phase == "done") and now.text != was.text:
                yield InvariantFailure(
                    name,
                    f"the text of finished {where} changed from {_short(was.text)} to "
                    f"{_short(now.text)}",
                    (item_id,),
                )
            input_transcription = was.type == "input_audio" or now.transcription_status is not None
            if (
                (closed or was.transcript_phase == "done")
                and not input_transcription
                and now.transcript != was.transcript
                and not (now.truncated_at_ms is not None and now.transcript == "")
            ):
                yield InvariantFailure(
                    name,
                    f"the transcript of finished {where} changed from {_short(was.transcript)} "
                    f"to {_short(now.transcript)}",
                    (item_id,),
                )
            if (
                (closed or was.audio_phase == "done")
                and now.audio_bytes > was.audio_bytes
                and not (retrieved and was.audio_bytes == 0)
            ):
                yield InvariantFailure(
                    name,
                    f"the audio of finished {where} grew from {was.audio_bytes} to "
                    f"{now.audio_bytes} bytes",
                    (item_id,),
                )


def _short(text: str | None, width: int = 40) -> str:
    if text is None:
        return "None"
    return repr(text if len(text) <= width else text[: width - 3] + "...")


def _finished_responses(before: SessionState, after: SessionState) -> Failures:
    name = "finished_response_does_not_change"
    old, new = before.responses, after.responses
    if old is new:
        return
    for response_id, was in old.items():
        now = new.get(response_id)
        if now is None:
            yield InvariantFailure(name, f"response {response_id} disappeared", (response_id,))
        elif was.done and now is not was and now != was:
            changed = [
                field.name
                for field in attrs.fields(type(was))
                if getattr(was, field.name) != getattr(now, field.name)
            ]
            yield InvariantFailure(
                name,
                f"response {response_id} changed after its response.done: {', '.join(changed)}",
                (response_id,),
            )


def _is_prefix(old: Any, new: Any) -> bool:
    """Whether log ``old`` is a prefix of log ``new`` (by sharing, else by value)."""
    if old is new:
        return True
    if len(new) < len(old):
        return False
    node = new
    while node is not None and len(node) > len(old):
        node = node.prev
    if node is old:
        return True
    return bool(new.to_tuple()[: len(old)] == old.to_tuple())


def _logs(before: SessionState, after: SessionState) -> Failures:
    name = "logs_only_append"
    if after.event_count <= before.event_count:
        yield InvariantFailure(
            name, f"event_count went from {before.event_count} to {after.event_count}"
        )
    if not _is_prefix(before.violation_log, after.violation_log):
        yield InvariantFailure(name, "recorded violations were changed or removed")
    if not _is_prefix(before.error_log, after.error_log):
        yield InvariantFailure(name, "recorded errors were changed or removed")
    if not _is_prefix(before.transcription_log, after.transcription_log):
        yield InvariantFailure(name, "recorded input transcriptions were changed or removed")


def _removals(before: SessionState, after: SessionState, event: Any) -> Failures:
    old, new = before.conversation.items, after.conversation.items
    if old is new:
        return
    event_type = getattr(event, "type", None)
    deleted = getattr(event, "item_id", None) if event_type == "conversation.item.deleted" else None
    for item_id in old:
        if item_id not in new and item_id != deleted:
            yield InvariantFailure(
                "items_removed_only_by_deletion",
                f"item {item_id} disappeared at a {event_type} event",
                (item_id,),
            )


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
    seen = _Seen()
    previous: SessionState | None = None
    count = 0
    for index, event, state in _steps(steps):
        count += 1
        at = index if index is not None else state.event_count - 1
        if previous is None:
            held = set(state.conversation.items)
            for response in state.responses.values():
                seen.excused.update(i for i in response.output_item_ids if i not in held)
        failures = _check_one(state, allow_violations, seen)
        event_type = getattr(event, "type", None)
        if previous is not None:
            failures.extend(_finished_parts(previous, state, event_type))
            failures.extend(_finished_responses(previous, state))
            failures.extend(_logs(previous, state))
            if event is not None:
                failures.extend(_removals(previous, state, event))
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
