"""Every legal lifecycle of the Realtime protocol, as tables.

Theory of operation
-------------------
A Realtime session is a set of small, independent state machines that the server drives with
its events. This module holds all of them, as data, and nothing else decides what is legal:

* ``RESPONSE``: one per response (``response.created`` ... ``response.done``).
* ``CONVERSATION``: one per session; at most one in-conversation response runs at a time
  (out-of-band responses, ``conversation_id: null``, run alongside and are not counted).
* ``OUTPUT_ITEM``: one per item a response produces (``response.output_item.added`` ...
  ``.done``).
* ``CONTENT_PART``: one per content part of such an item (``response.content_part.added``
  ... ``.done``).
* ``STREAM``: one per streamed channel of a part (its text, its audio, its audio transcript):
  deltas, then one ``*.done``.
* ``FUNCTION_CALL``: one per function or MCP call item: arguments stream, are done, and (for
  function calls) an output item answers the call.
* ``INPUT_TURN``: one per session: the input audio buffer as VAD and the client drive it.
* ``TRANSCRIPTION``: one per user audio part: the input transcription's deltas, then its
  completion or failure (they may come before the item itself: the reducer holds them).

Each lifecycle lists its states, the triggers that the reducer fires (and which wire events
fire them), the legal ``(source, trigger) -> destination`` rules, and for every pair that is
*not* legal the stable violation code to report. Every ``(state, trigger)`` pair is therefore
either a rule or a refusal; a test checks that the tables are total.

A lifecycle can also name a **recovery**: where lenient policy puts the object after a
refused trigger so that the event can still be applied (a ``response.done`` for a response
that was never created still records the response as done, from its payload). A refusal
without a recovery is ignored in lenient policy (the event changes nothing but
``event_count`` and ``violations``); in strict policy every refusal raises and the state
passed in is kept.

The phase of every object lives in the session state (``ResponseState.phase``,
``ItemState.phase``, ``ItemState.call_phase``, ``PartState.phase``,
``PartState.text_phase`` / ``audio_phase`` / ``transcript_phase``,
``InputAudioState.phase``; the conversation's is ``SessionState.conversation_phase``). The
reducer never runs a state machine object on its hot path: it uses the ``(source ->
destination)`` dictionaries that :func:`compile_rules` builds from these same tables, one
dictionary look-up per check. :func:`machine` builds the equivalent ``transitions`` machine
once per process; a test asserts that machine and dictionaries agree on every
``(state, trigger)`` pair, and :mod:`realtime_state.diagrams` draws the docs' diagrams
with ``transitions`` from the same tables.

Objects do not always enter a lifecycle through its initial state: a call that first
arrives complete starts at ``arguments_done``, a part that arrives inside a finished item is
``done`` from the start. Those ways in are part of each table (``Lifecycle.entries``).

Everything else that decides what is legal lives here too, so that this module is the one
place to read (h11's rule): the statuses a response ends with (:data:`FINAL_STATUSES`), the
call phases whose arguments are final (:data:`ARGUMENTS_FINAL`), the ranking that keeps a
later copy of an item from lowering its status (:data:`STATUS_RANK`, :func:`better_status`),
and every violation: its stable code (:class:`Code`), what it means
(:data:`VIOLATION_CODES`) and how its message reads (:data:`MESSAGES`, :func:`message`).
Checks that are not transitions (an event naming an item, part or output index that does
not exist; ``*.done`` text that differs from the deltas) are made by the reducer with these
codes and messages.

How a table is represented and compiled (:class:`Rule`, :class:`Step`, :class:`Lifecycle`,
:func:`compile_rules`, :func:`machine`) is generic and lives in
:mod:`realtime_state._lifecycle`; it knows no lifecycle. The reducer asks one question per
lifecycle check, :meth:`Lifecycle.step`: "``trigger`` in
``phase``?" The answer, a :class:`Step` compiled once per ``(trigger, phase)`` pair, holds
the destination of a legal transition, or the violation code and the lenient recovery of a
refused one (like h2's ``process_input``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ._lifecycle import (
    ANY,
    Lifecycle,
    Rule,
    Step,
    compile_rules,
    machine,
    transitions_spec,
)

__all__ = [
    "Code",
    "Phase",
    "Entry",
    "Subject",
    "FINAL_ROLES",
    "CALL_IDENTITY_FIELDS",
    "TRANSCRIBABLE_PART_TYPES",
    "Rule",
    "Step",
    "Lifecycle",
    "RESPONSE",
    "CONVERSATION",
    "OUTPUT_ITEM",
    "CONTENT_PART",
    "STREAM",
    "FUNCTION_CALL",
    "INPUT_TURN",
    "TRANSCRIPTION",
    "LIFECYCLES",
    "FINAL_STATUSES",
    "ARGUMENTS_FINAL",
    "STATUS_RANK",
    "better_status",
    "VIOLATION_CODES",
    "MESSAGES",
    "message",
    "compile_rules",
    "machine",
    "transitions_spec",
]


class Phase:
    """The names of lifecycle states, for code and tests that name a phase."""

    ABSENT = "absent"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    INCOMPLETE = "incomplete"
    IDLE = "idle"
    RESPONDING = "responding"
    ADDED = "added"
    STREAMING = "streaming"
    DONE = "done"
    OPEN = "open"
    ARGUMENTS_DONE = "arguments_done"
    ANSWERED = "answered"
    SPEAKING = "speaking"
    STOPPED = "stopped"
    COMMITTED = "committed"
    CLEARED = "cleared"


class Code:
    """Every violation code, as a named constant (the values are the stable strings)."""

    UNKNOWN_RESPONSE = "unknown_response"
    DUPLICATE_RESPONSE = "duplicate_response"
    RESPONSE_ALREADY_ACTIVE = "response_already_active"
    DELTA_AFTER_DONE = "delta_after_done"
    EVENT_AFTER_DONE = "event_after_done"
    DUPLICATE_DONE = "duplicate_done"
    OUTPUT_ITEM_ALREADY_ADDED = "output_item_already_added"
    OUTPUT_ITEM_NOT_ADDED = "output_item_not_added"
    PART_ALREADY_ADDED = "part_already_added"
    PART_NOT_ADDED = "part_not_added"
    OUTPUT_BEFORE_ARGUMENTS_DONE = "output_before_arguments_done"
    SPEECH_ALREADY_STARTED = "speech_already_started"
    SPEECH_NOT_STARTED = "speech_not_started"
    UNKNOWN_ITEM = "unknown_item"
    UNKNOWN_ANCHOR = "unknown_anchor"
    UNKNOWN_CALL = "unknown_call"
    CONTENT_INDEX_OUT_OF_RANGE = "content_index_out_of_range"
    OUTPUT_INDEX_OUT_OF_RANGE = "output_index_out_of_range"
    OUTPUT_INDEX_MISMATCH = "output_index_mismatch"
    ARGUMENTS_MISMATCH = "arguments_mismatch"
    TEXT_MISMATCH = "text_mismatch"
    TRANSCRIPT_MISMATCH = "transcript_mismatch"
    NOT_A_CALL = "not_a_call"
    CALL_MISMATCH = "call_mismatch"
    NOT_INPUT_AUDIO = "not_input_audio"
    INVALID_AUDIO_FORMAT = "invalid_audio_format"
    ITEM_OF_ANOTHER_RESPONSE = "item_of_another_response"
    DUPLICATE_CALL_ID = "duplicate_call_id"
    INVALID_TRUNCATION = "invalid_truncation"
    INVALID_AUDIO = "invalid_audio"
    MISSING_ITEM_ID = "missing_item_id"
    MISSING_RESPONSE_ID = "missing_response_id"


class Entry:
    """The names of the ways into a lifecycle other than its initial state (``entries``)."""

    STREAMING = "streaming"
    FINAL = "final"
    RECOVERED = "recovered"
    ANNOUNCED = "announced"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"


class Subject:
    """How a violation names the object refused (:meth:`str.format` templates of its ids)."""

    RESPONSE = "response {}"
    ITEM = "item {}"
    PART = "part {} of item {}"
    ARGUMENTS = "the arguments of call {} (item {})"
    CALL = "call {} (item {})"
    TRANSCRIPTION = "the transcription of part {} of item {}"
    SECOND_RESPONSE = "response {} while response {} is still in progress"

    @staticmethod
    def channel(name: str) -> str:
        """The template naming one streamed channel (``text``, ``audio``, ``transcript``)."""
        return f"the {name} of part {{}} of item {{}}"


FINAL_ROLES: frozenset[str] = frozenset({"user", "system"})
"""Roles whose message parts are final as soon as the item arrives (nothing streams into them)."""

CALL_IDENTITY_FIELDS: frozenset[str] = frozenset({"call_id", "name"})
"""Fields that say which call an item is: a later copy never changes them (``call_mismatch``)."""

TRANSCRIBABLE_PART_TYPES: frozenset[str | None] = frozenset({None, "input_audio"})
"""Part types input transcription may write into (in user messages only; else
``not_input_audio``)."""


_FINAL_RESPONSE = ("completed", "cancelled", "failed", "incomplete")

FINAL_STATUSES: frozenset[str] = frozenset(_FINAL_RESPONSE)
"""The statuses a response (and an item) ends with; the final states of ``RESPONSE``."""

DONE_TRIGGERS: Mapping[str, str] = {status: f"done_{status}" for status in _FINAL_RESPONSE}
"""``response.done``'s status -> the ``RESPONSE`` trigger it fires (``completed`` when the
status is missing or not known)."""

RESPONSE = Lifecycle(
    name="response",
    title="Response",
    summary=(
        "A response is created, streams its output, and ends with exactly one "
        "`response.done` whose status is its final state."
    ),
    states=("absent", "in_progress", *_FINAL_RESPONSE),
    initial="absent",
    triggers={
        "create": "`response.created`",
        "output": "`response.output_item.added/done`, `response.content_part.added/done` "
        "naming the response",
        "delta": "text, audio, transcript and arguments deltas and their `*.done`, naming the "
        "response",
        "done_completed": "`response.done` with status `completed`",
        "done_cancelled": "`response.done` with status `cancelled`",
        "done_failed": "`response.done` with status `failed`",
        "done_incomplete": "`response.done` with status `incomplete`",
    },
    rules=(
        Rule("create", ("absent",), "in_progress"),
        Rule("output", ("in_progress",), "in_progress"),
        Rule("delta", ("in_progress",), "in_progress"),
        *(Rule(f"done_{status}", ("in_progress",), status) for status in _FINAL_RESPONSE),
    ),
    refusals={
        "create": {ANY: "duplicate_response"},
        "output": {"absent": "unknown_response", ANY: "event_after_done"},
        "delta": {"absent": "unknown_response", ANY: "delta_after_done"},
        **{
            f"done_{status}": {"absent": "unknown_response", ANY: "duplicate_done"}
            for status in _FINAL_RESPONSE
        },
    },
    recoveries={
        "output": {"absent": "in_progress"},
        "delta": {"absent": "in_progress"},
        **{f"done_{status}": {"absent": status} for status in _FINAL_RESPONSE},
    },
)

CONVERSATION = Lifecycle(
    name="conversation",
    title="Conversation (active response)",
    summary=(
        "At most one in-conversation response runs at a time. Out-of-band responses "
        "(`conversation_id: null`) do not fire these triggers."
    ),
    states=("idle", "responding"),
    initial="idle",
    triggers={
        "response_created": "`response.created` of an in-conversation response",
        "response_done": "`response.done` of the running in-conversation response",
    },
    rules=(
        Rule("response_created", ("idle",), "responding"),
        Rule("response_done", ("responding",), "idle"),
        Rule("response_done", ("idle",), "idle"),
    ),
    refusals={
        "response_created": {"responding": "response_already_active"},
        "response_done": {},
    },
    recoveries={"response_created": {"responding": "responding"}},
)

OUTPUT_ITEM = Lifecycle(
    name="output_item",
    title="Output item",
    summary=(
        "An item a response produces is announced by `response.output_item.added`, streams "
        "its parts, and is closed by `response.output_item.done`. An item first seen another "
        "way (a client item, a user item) stays `absent` here."
    ),
    states=("absent", "added", "streaming", "done"),
    initial="absent",
    triggers={
        "add": "`response.output_item.added`",
        "part": "`response.content_part.added/done` for the item",
        "delta": "text, audio, transcript and arguments deltas and their `*.done` for the item",
        "finish": "`response.output_item.done`",
    },
    rules=(
        Rule("add", ("absent",), "added"),
        Rule("part", ("added", "streaming"), "streaming"),
        Rule("delta", ("added", "streaming"), "streaming"),
        Rule("finish", ("added", "streaming"), "done"),
    ),
    refusals={
        "add": {ANY: "output_item_already_added"},
        "part": {"absent": "output_item_not_added", "done": "event_after_done"},
        "delta": {"absent": "output_item_not_added", "done": "delta_after_done"},
        "finish": {"absent": "output_item_not_added", "done": "duplicate_done"},
    },
    recoveries={
        "part": {"absent": "streaming"},
        "delta": {"absent": "streaming"},
        "finish": {"absent": "done"},
    },
)

CONTENT_PART = Lifecycle(
    name="content_part",
    title="Content part",
    summary=(
        "A part of an output item is announced by `response.content_part.added`, receives "
        "deltas, and is closed by `response.content_part.done`. A part that first arrives "
        "inside a finished item is `done` from the start."
    ),
    states=("absent", "added", "streaming", "done"),
    initial="absent",
    triggers={
        "add": "`response.content_part.added`",
        "delta": "text, audio and transcript deltas and their `*.done` for the part",
        "finish": "`response.content_part.done`",
    },
    rules=(
        Rule("add", ("absent",), "added"),
        Rule("delta", ("added", "streaming"), "streaming"),
        Rule("finish", ("added", "streaming"), "done"),
    ),
    refusals={
        "add": {ANY: "part_already_added"},
        "delta": {"absent": "part_not_added", "done": "delta_after_done"},
        "finish": {"absent": "part_not_added", "done": "duplicate_done"},
    },
    recoveries={
        "delta": {"absent": "streaming"},
        "finish": {"absent": "done"},
    },
    entries={
        Entry.STREAMING: "absent",  # inside an item still in progress: announced later
        Entry.FINAL: "done",  # inside a finished item (or a user or system message)
        Entry.RECOVERED: "added",  # lenient: a delta for a part never announced creates it
    },
)

STREAM = Lifecycle(
    name="stream",
    title="Streamed channel (text, audio, transcript of a part)",
    summary=(
        "Each channel of a part streams deltas and is closed by its own `*.done` "
        "(`response.output_text.done`, `response.output_audio.done`, "
        "`response.output_audio_transcript.done`, or the beta names). The final text or "
        "transcript must equal the deltas joined (`text_mismatch`, `transcript_mismatch`)."
    ),
    states=("open", "streaming", "done"),
    initial="open",
    triggers={
        "delta": "`*.delta` of the channel",
        "done": "`*.done` of the channel",
    },
    rules=(
        Rule("delta", ("open", "streaming"), "streaming"),
        Rule("done", ("open", "streaming"), "done"),
    ),
    refusals={
        "delta": {"done": "delta_after_done"},
        "done": {"done": "duplicate_done"},
    },
)

FUNCTION_CALL = Lifecycle(
    name="function_call",
    title="Function call",
    summary=(
        "A function (or MCP) call's arguments stream, are done, and a `function_call_output` "
        "item with the same `call_id` answers it. A call that first arrives complete (a client "
        "item, a finished copy) starts at `arguments_done`. The final arguments must equal "
        "the deltas joined (`arguments_mismatch`)."
    ),
    states=("open", "streaming", "arguments_done", "answered"),
    initial="open",
    triggers={
        "delta": "`response.function_call_arguments.delta` "
        "(or `response.mcp_call_arguments.delta`)",
        "done": "`response.function_call_arguments.done` (or `response.mcp_call_arguments.done`)",
        "item_done": "a finished copy of the call item (`response.output_item.done`, "
        "`conversation.item.done`, `response.done`)",
        "output": "a `function_call_output` item naming the call's `call_id`",
    },
    rules=(
        Rule("delta", ("open", "streaming"), "streaming"),
        Rule("done", ("open", "streaming"), "arguments_done"),
        Rule("item_done", ("open", "streaming", "arguments_done"), "arguments_done"),
        Rule("item_done", ("answered",), "answered"),
        Rule("output", ("arguments_done", "answered"), "answered"),
    ),
    refusals={
        "delta": {ANY: "delta_after_done"},
        "done": {ANY: "duplicate_done"},
        "item_done": {},
        "output": {ANY: "output_before_arguments_done"},
    },
    recoveries={"output": {ANY: "answered"}},
    entries={
        Entry.ANNOUNCED: "open",  # response.output_item.added: the arguments will stream
        Entry.IN_PROGRESS: "open",  # a copy with status in_progress
        Entry.COMPLETE: "arguments_done",  # a client item, a finished copy
    },
)

ARGUMENTS_FINAL: frozenset[str] = frozenset({"arguments_done", "answered"})
"""The ``FUNCTION_CALL`` states in which the arguments are final: a later copy that
contradicts them is ``arguments_mismatch`` and the final value is kept."""

INPUT_TURN = Lifecycle(
    name="input_turn",
    title="Input turn (input audio buffer)",
    summary=(
        "Server VAD announces speech and its end; the buffer is then committed (by VAD, by "
        "the idle timeout or by the client) or cleared. A client may commit or clear at any "
        "time."
    ),
    states=("idle", "speaking", "stopped", "committed", "cleared"),
    initial="idle",
    triggers={
        "speech_started": "`input_audio_buffer.speech_started`",
        "speech_stopped": "`input_audio_buffer.speech_stopped`",
        "timeout": "`input_audio_buffer.timeout_triggered`",
        "commit": "`input_audio_buffer.committed`",
        "clear": "`input_audio_buffer.cleared`",
    },
    rules=(
        Rule("speech_started", ("idle", "stopped", "committed", "cleared"), "speaking"),
        Rule("speech_stopped", ("speaking",), "stopped"),
        Rule("timeout", ("idle", "speaking", "stopped", "committed", "cleared"), "stopped"),
        Rule("commit", ("idle", "speaking", "stopped", "committed", "cleared"), "committed"),
        Rule("clear", ("idle", "speaking", "stopped", "committed", "cleared"), "cleared"),
    ),
    refusals={
        "speech_started": {"speaking": "speech_already_started"},
        "speech_stopped": {ANY: "speech_not_started"},
        "timeout": {},
        "commit": {},
        "clear": {},
    },
    recoveries={
        "speech_started": {"speaking": "speaking"},
        "speech_stopped": {ANY: "stopped"},
    },
)

_TRANSCRIPTION_STATES = ("absent", "in_progress", "completed", "failed")

TRANSCRIPTION = Lifecycle(
    name="transcription",
    title="Input transcription (of a user audio part)",
    summary=(
        "Deltas of a user audio part's transcription stream until it is completed (billed "
        "once) or fails. Late deltas after a completion or failure change nothing; a second "
        "completion is a duplicate and is not billed twice. The events may come before the "
        "item: they are held and applied when it arrives (the phase is then read from them)."
    ),
    states=_TRANSCRIPTION_STATES,
    initial="absent",
    triggers={
        "delta": "`conversation.item.input_audio_transcription.delta` with a non-empty `delta`",
        "complete": "`conversation.item.input_audio_transcription.completed`",
        "fail": "`conversation.item.input_audio_transcription.failed`",
        "segment": "`conversation.item.input_audio_transcription.segment`",
    },
    rules=(
        Rule("delta", ("absent", "in_progress"), "in_progress"),
        # a late delta never undoes a completion or a failure
        Rule("delta", ("completed",), "completed"),
        Rule("delta", ("failed",), "failed"),
        Rule("complete", ("absent", "in_progress", "failed"), "completed"),
        Rule("fail", _TRANSCRIPTION_STATES, "failed"),
        *(Rule("segment", (state,), state) for state in _TRANSCRIPTION_STATES),
    ),
    refusals={
        "delta": {},
        "complete": {"completed": "duplicate_done"},
        "fail": {},
        "segment": {},
    },
)

LIFECYCLES: tuple[Lifecycle, ...] = (
    RESPONSE,
    CONVERSATION,
    OUTPUT_ITEM,
    CONTENT_PART,
    STREAM,
    FUNCTION_CALL,
    INPUT_TURN,
    TRANSCRIPTION,
)
"""Every lifecycle, in the order the docs present them."""

VIOLATION_CODES: Mapping[str, str] = {
    # lifecycle refusals
    "unknown_response": "an event names a response that was never created (`response.created` "
    "missing, or the log starts after it); lenient policy records the response from what "
    "the event says",
    "duplicate_response": "`response.created` for a response that already exists",
    "response_already_active": "`response.created` of an in-conversation response while another "
    "in-conversation response is still running",
    "delta_after_done": "a delta (or its `*.done`) for a response, item, part, channel or call "
    "arguments already done",
    "event_after_done": "`response.output_item.*` or `response.content_part.*` after the response "
    "or item it belongs to is done",
    "duplicate_done": "a second `*.done` for the same response, item, part, channel or arguments "
    "(or a second input transcription `completed` for a part)",
    "output_item_already_added": "`response.output_item.added` for an item already announced",
    "output_item_not_added": "a part, delta or `response.output_item.done` for an item that "
    "`response.output_item.added` never announced",
    "part_already_added": "`response.content_part.added` for a part already announced",
    "part_not_added": "a delta or `response.content_part.done` for a part that "
    "`response.content_part.added` never announced",
    "output_before_arguments_done": "a `function_call_output` for a call whose arguments are still "
    "streaming",
    "speech_already_started": "`input_audio_buffer.speech_started` while speech is already "
    "going on",
    "speech_not_started": "`input_audio_buffer.speech_stopped` without speech having started",
    # reference and content checks made by the reducer
    "unknown_item": "an event names an item the state does not hold (never created, or deleted)",
    "unknown_anchor": "an item's `previous_item_id` names an item the state does not hold; the "
    "item is placed at the end",
    "unknown_call": "a `function_call_output` whose `call_id` matches no function call seen",
    "content_index_out_of_range": "a `content_index` beyond the parts the item has (or leaving a "
    "gap)",
    "output_index_out_of_range": "an `output_index` beyond the output items of the response",
    "output_index_mismatch": "an `output_index` that points at another item of the response",
    "item_of_another_response": "an output event (`response.output_item.*`, a content part, a "
    "delta, `response.done`'s output) names an item that another response produced; the item "
    "stays with its response and the event (or that output entry) is ignored",
    "arguments_mismatch": "the `arguments` of `*_arguments.done` differ from the deltas joined, "
    "or a later copy of the call (`response.output_item.done`, `conversation.item.done`, "
    "`response.done`) contradicts its final arguments (the final value is kept)",
    "text_mismatch": "the `text` of `response.output_text.done` differs from the deltas joined, "
    "or a later copy of the part contradicts its final text (the final value is kept)",
    "transcript_mismatch": "the `transcript` of `response.output_audio_transcript.done` differs "
    "from the deltas joined, or a later copy of the part contradicts its final transcript (the "
    "final value is kept)",
    "not_a_call": "a function-call or MCP arguments event for an item that is not a call",
    "duplicate_call_id": "a function call item uses a `call_id` another call item already has; "
    "the first call keeps it (outputs answer the first)",
    "call_mismatch": "a later copy of a call or call output (`conversation.item.done`, "
    "`response.output_item.done`, `response.done`) names another `call_id` or `name` than the "
    "item has; the first value is kept",
    "not_input_audio": "an input transcription event names a part that is not user input audio "
    "(an assistant item, or a part of another type); nothing changes",
    "invalid_truncation": "`conversation.item.truncated` with a negative `audio_end_ms`",
    "invalid_audio": "an audio delta or part that is not valid base64",
    "invalid_audio_format": "a session event whose audio format cannot be used (a PCM `rate` "
    "that is not an integer from 1 to 192000); the session event is not applied",
    "missing_item_id": "an item without an `id`",
    "missing_response_id": "a response without an `id`",
}
"""Every violation code the reducer reports, with what it means."""


STATUS_RANK: Mapping[str | None, int] = {
    None: 0,
    "in_progress": 1,
    "incomplete": 2,
    "failed": 2,
    "completed": 3,
}
"""How final an item's status is. A later copy of an item (``conversation.item.done``,
``response.output_item.done``, ``response.done``) never lowers it: ``completed`` stays
``completed``; ``in_progress`` does not overwrite a final status. A status not listed ranks
with ``incomplete``; equal ranks take the newer value."""


def better_status(old: str | None, new: str | None) -> str | None:
    """The status an item keeps when a copy says ``new`` after ``old`` (see STATUS_RANK)."""
    if new is None:
        return old
    return new if STATUS_RANK.get(new, 2) >= STATUS_RANK.get(old, 2) else old


MESSAGES: Mapping[str, str] = {
    # lifecycle refusals: {event} is the event type, {subject} names the object and its ids,
    # {phase} is the object's state
    "unknown_response": "{event} names {subject}, which was never created",
    "duplicate_response": "{event} for {subject}, which already exists (state {phase!r})",
    "response_already_active": "{event} starts {subject}",
    "delta_after_done": "{event} for {subject} after it was done (state {phase!r})",
    "event_after_done": "{event} for {subject} after it was done (state {phase!r})",
    "duplicate_done": "{event} for {subject}, which was already done (state {phase!r})",
    "output_item_already_added": "{event} announces {subject} again (state {phase!r})",
    "output_item_not_added": "{event} for {subject}, which no response.output_item.added announced",
    "part_already_added": "{event} announces {subject} again (state {phase!r})",
    "part_not_added": "{event} for {subject}, which no response.content_part.added announced",
    "output_before_arguments_done": "{event} answers {subject} while its arguments are still "
    "{phase}",
    "speech_already_started": "{event} for {subject} while speech is already going on",
    "speech_not_started": "{event} for {subject}, but speech never started (the input buffer "
    "is {phase})",
    # checks made by the reducer
    "unknown_item": "{event} for item {item_id}, which is not known",
    "unknown_anchor": "item {item_id} names previous_item_id {anchor}, which the conversation "
    "does not hold; it is placed at the end",
    "unknown_call": "{event} carries the output of call {call_id}, which matches no function "
    "call seen",
    "content_index_out_of_range": "{event} for item {item_id} names content_index {index}, but "
    "the item has {count} part(s)",
    "content_index_negative": "{event} for item {item_id} names content_index {index}, which is "
    "negative",
    "output_index_out_of_range": "{event} for item {item_id} names output_index {index}, but "
    "response {response_id} has {count} output item(s)",
    "output_index_mismatch": "{event} for item {item_id} names output_index {index}, which is "
    "{other} in response {response_id}",
    "arguments_mismatch": "{event} for call {call_id} (item {item_id}) gives arguments {final} "
    "that differ from the deltas joined {streamed}",
    "text_mismatch": "{event} for part {index} of item {item_id} gives a text of {final_len} "
    "characters that differs from the {streamed_len} characters the deltas carried "
    "({streamed} vs {final})",
    "transcript_mismatch": "{event} for part {index} of item {item_id} gives a transcript of "
    "{final_len} characters that differs from the {streamed_len} characters the deltas carried "
    "({streamed} vs {final})",
    "copy_mismatch": "a later copy of {where} carries the {what} {copy}, which differs from its "
    "final {what} {final}; the final {what} is kept",
    "not_a_call": "{event} for item {item_id}, which is a {kind}, not a call",
    "duplicate_call_id": "{event} gives item {item_id} the call_id {call_id}, which item "
    "{other_id} already has; outputs answer {other_id}",
    "item_of_another_response": "{event} names item {item_id} as output of response "
    "{response_id}, but response {owner_id} produced it; it stays there",
    "call_mismatch": "a later copy of item {item_id} carries the {field} {copy}, which differs "
    "from its {field} {final}; the first {field} is kept",
    "not_input_audio": "{event} for part {index} of item {item_id}, which is {what}, not user "
    "input audio; nothing changes",
    "invalid_truncation": "{event} for item {item_id} cuts at audio_end_ms {audio_end_ms}, "
    "which is negative",
    "invalid_audio": "audio of {where} is not valid base64 ({error})",
    "invalid_audio_format": "{event} sets {field} to {value!r}, which is not a usable sample "
    "rate (1 to {max_rate} Hz); the session event is not applied",
    "missing_item_id": "an item of type {kind!r} came without an id",
    "missing_response_id": "{event} carries a response without an id",
}
"""How each violation's message reads, by template name: the code, or ``copy_mismatch`` for a
later copy contradicting a final text, transcript or arguments, or
``content_index_negative`` for a negative index of an item not present yet."""


def message(template: str, **fields: object) -> str:
    """The message of a violation: ``MESSAGES[template]`` filled with ``fields``."""
    return MESSAGES[template].format(**fields)


def excerpt(text: str, width: int = 40) -> str:
    """``text`` quoted for a message, shortened to ``width`` characters."""
    return repr(text if len(text) <= width else text[: width - 3] + "...")
