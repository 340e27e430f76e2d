"""Single-state invariants: the checks that read one :class:`~realtime_state.SessionState`.

Each check is a small generator ``(state, ...) -> InvariantFailure*``; :data:`CHECKS` names
them in the order of :data:`realtime_state.testing._invariants.INVARIANTS` (which describes
each), and :func:`check_state` runs them all on one state. The public entry points
(``check_invariants``, ``assert_invariants`` and the history walks) are in
:mod:`realtime_state.testing._invariants`; the checks between consecutive states are in
:mod:`realtime_state.testing._history_invariants`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import attrs

from ..formats import output_spec
from ..state import ItemState, PartState, SessionState, UsageTotals

__all__ = [
    "InvariantFailure",
    "Failures",
    "Seen",
    "CHECKS",
    "EXCUSES",
    "check_state",
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
    excusable: bool = attrs.field(default=True, eq=False, repr=False)
    """Whether a violation recorded for one of the ids may excuse it (:data:`EXCUSES`);
    ``False`` for failures no recovery produces, which always count."""

    def __str__(self) -> str:
        text = f"{self.name}: {self.message}"
        if self.ids:
            text += f" [ids: {', '.join(self.ids)}]"
        if self.index is not None:
            text += f" (event #{self.index})"
        return text


Failures = Iterator[InvariantFailure]
"""What a check yields: the failures it finds, none when its invariant holds."""


@attrs.define(slots=True)
class Seen:
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


def _never_held(item_id: str, seen: Seen) -> bool:
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
        found = None if item is None else state.item(item.id)
        # (an archived item is decoded on each read: an equal copy, not the same object)
        if item is not None and found is not item and found != item:
            yield InvariantFailure(
                name, f"state.item({item.id!r}) does not find the item listed there", (key,)
            )
    for key, item in items.items():
        if item.id != key:
            yield InvariantFailure(
                name, f"the item held under id {key} says its id is {item.id}", (key, item.id)
            )


def _response_outputs_exist(state: SessionState, seen: Seen | None) -> Failures:
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
                excusable=False,
            )
        elif active.out_of_band:
            yield InvariantFailure(
                name,
                f"active_response_id is {active_id}, an out-of-band response",
                (active_id,),
                active.created_index,
                excusable=False,
            )
        elif active.phase != "in_progress":
            yield InvariantFailure(
                name,
                f"active_response_id is {active_id}, which is already {active.phase}",
                (active_id,),
                active.done_index,
                excusable=False,
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


_Check = Callable[[SessionState, list[str], list[InvariantFailure], "Seen | None"], Failures]

CHECKS: tuple[tuple[str, _Check], ...] = (
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
"""Every single-state check, by name, in the order of ``INVARIANTS``."""


EXCUSES: Mapping[str, frozenset[str]] = {
    "at_most_one_active_response": frozenset(
        {"unknown_response", "response_already_active", "duplicate_response"}
    ),
    "response_outputs_exist": frozenset(
        {
            "unknown_response",
            "output_item_not_added",
            "output_index_out_of_range",
            "output_index_mismatch",
            "item_of_another_response",
            "missing_item_id",
        }
    ),
    "items_belong_to_their_response": frozenset(
        {
            "unknown_response",
            "output_item_not_added",
            "output_index_out_of_range",
            "output_index_mismatch",
            "item_of_another_response",
        }
    ),
    "function_call_outputs_answer_known_calls": frozenset({"unknown_call"}),
}
"""Invariant -> the violation codes that excuse it. A lenient recovery that cannot make the
state satisfy an invariant records a violation naming the objects concerned; with
``allow_violations=True`` a failure of the invariant is excused when a recorded violation
with one of these codes names one of the failure's ids (``Violation.ids``). Every other
invariant holds after every event, in either policy, violations or not."""


def _excused(state: SessionState) -> dict[str, set[str]]:
    """Object id -> the codes of the violations recorded for it."""
    codes: dict[str, set[str]] = {}
    for violation in state.violations:
        for object_id in violation.ids:
            codes.setdefault(object_id, set()).add(violation.code)
    return codes


def check_state(
    state: SessionState, allow_violations: bool, seen: Seen | None
) -> list[InvariantFailure]:
    """Run every check of :data:`CHECKS` on ``state``. With ``allow_violations``,
    ``no_violations`` is skipped and failures excused by :data:`EXCUSES` are dropped.
    ``seen``: what a walk over a history saw before (``None`` for one state). The failures of
    each check come sorted, so a message reads the same every run."""
    if not isinstance(state, SessionState):
        raise TypeError(f"expected a SessionState, got {type(state).__name__}")
    order, walk = _walk_order(state)
    failures: list[InvariantFailure] = []
    for name, check in CHECKS:
        if allow_violations and name == "no_violations":
            continue
        # maps iterate in hash order: sort so that a message reads the same in every run
        failures.extend(sorted(check(state, order, walk, seen), key=_order))
    if allow_violations and failures and state.violation_log.size:
        codes = _excused(state)
        failures = [
            f
            for f in failures
            if not f.excusable
            or not any(codes.get(i, set()) & EXCUSES.get(f.name, frozenset()) for i in f.ids)
        ]
    return failures


def _order(failure: InvariantFailure) -> tuple[int, tuple[str, ...], str]:
    return (-1 if failure.index is None else failure.index, failure.ids, failure.message)
