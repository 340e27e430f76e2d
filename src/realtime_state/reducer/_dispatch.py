"""``reduce``, ``replay`` and ``history``: the fold, and the table of which handler serves
which event class."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import attrs

from .. import events as ev
from ..decoding import Event, RawEvent, decode, is_sdk_event
from ..envelopes import INVALID_SERVER_EVENT, Envelope, decode_entry
from ..errors import DecodeError, ProtocolViolation
from ..state import (
    LENIENT,
    STRICT,
    AudioRetention,
    ErrorRecord,
    SessionState,
    Violation,
    _Conversation,
)
from ._archive import ARCHIVING, archive
from ._channels import (
    AUDIO,
    TEXT,
    TRANSCRIPT,
    on_arguments_delta,
    on_arguments_done,
    on_channel,
)
from ._common import Changes, Found, evolve_state, settled
from ._conversation import on_conversation_item, on_deleted, on_item_status, on_truncated
from ._input import (
    on_cleared,
    on_committed,
    on_dtmf,
    on_speech_started,
    on_speech_stopped,
    on_timeout,
    on_transcription,
)
from ._pending import confirming, on_client_event
from ._responses import (
    on_content_part_added,
    on_content_part_done,
    on_output_audio_buffer,
    on_output_item,
    on_response_created,
    on_response_done,
)
from ._retention import RETAINING, retain
from ._session import on_error, on_rate_limits, on_session
from ._timing import STAMPS, UNTIMED_STAMPS


def on_nothing(state: SessionState, event: Any, found: Found) -> Changes:
    """Events that change no state (they are counted)."""
    return {}


_text_delta, _text_done = on_channel(TEXT, "delta"), on_channel(TEXT, "done")
_audio_delta, _audio_done = on_channel(AUDIO, "delta"), on_channel(AUDIO, "done")
_transcript_delta = on_channel(TRANSCRIPT, "delta")
_transcript_done = on_channel(TRANSCRIPT, "done")

HANDLERS: dict[type, Callable[[SessionState, Any, Found], Changes]] = {
    ev.SessionCreated: on_session,
    ev.SessionUpdated: on_session,
    ev.TranscriptionSessionCreated: on_session,
    ev.TranscriptionSessionUpdated: on_session,
    ev.ConversationCreated: on_nothing,
    ev.ConversationItemCreated: confirming(on_conversation_item),
    ev.ConversationItemAdded: confirming(on_conversation_item),
    ev.ConversationItemDone: on_conversation_item,
    ev.ConversationItemRetrieved: on_conversation_item,
    ev.ConversationItemTruncated: confirming(on_truncated),
    ev.ConversationItemDeleted: confirming(on_deleted),
    ev.InputAudioTranscriptionDelta: on_transcription,
    ev.InputAudioTranscriptionCompleted: on_transcription,
    ev.InputAudioTranscriptionFailed: on_transcription,
    ev.InputAudioTranscriptionSegment: on_transcription,
    ev.InputAudioBufferSpeechStarted: on_speech_started,
    ev.InputAudioBufferSpeechStopped: on_speech_stopped,
    ev.InputAudioBufferCommitted: on_committed,
    ev.InputAudioBufferCleared: on_cleared,
    ev.InputAudioBufferTimeoutTriggered: on_timeout,
    ev.InputAudioBufferDtmfEventReceived: on_dtmf,
    ev.OutputAudioBufferStarted: on_output_audio_buffer("started"),
    ev.OutputAudioBufferStopped: on_output_audio_buffer("stopped"),
    ev.OutputAudioBufferCleared: on_output_audio_buffer("cleared"),
    ev.ResponseCreated: confirming(on_response_created),
    ev.ResponseDone: on_response_done,
    ev.ResponseOutputItemAdded: on_output_item,
    ev.ResponseOutputItemDone: on_output_item,
    ev.ResponseContentPartAdded: on_content_part_added,
    ev.ResponseContentPartDone: on_content_part_done,
    ev.ResponseTextDelta: _text_delta,
    ev.ResponseOutputTextDelta: _text_delta,
    ev.ResponseTextDone: _text_done,
    ev.ResponseOutputTextDone: _text_done,
    ev.ResponseAudioDelta: _audio_delta,
    ev.ResponseOutputAudioDelta: _audio_delta,
    ev.ResponseAudioDone: _audio_done,
    ev.ResponseOutputAudioDone: _audio_done,
    ev.ResponseAudioTranscriptDelta: _transcript_delta,
    ev.ResponseOutputAudioTranscriptDelta: _transcript_delta,
    ev.ResponseAudioTranscriptDone: _transcript_done,
    ev.ResponseOutputAudioTranscriptDone: _transcript_done,
    ev.ResponseFunctionCallArgumentsDelta: on_arguments_delta,
    ev.ResponseFunctionCallArgumentsDone: on_arguments_done,
    ev.ResponseMcpCallArgumentsDelta: on_arguments_delta,
    ev.ResponseMcpCallArgumentsDone: on_arguments_done,
    ev.ResponseMcpCallInProgress: on_item_status("in_progress"),
    ev.ResponseMcpCallCompleted: on_item_status("completed"),
    ev.ResponseMcpCallFailed: on_item_status("failed"),
    ev.McpListToolsInProgress: on_item_status("in_progress"),
    ev.McpListToolsCompleted: on_item_status("completed"),
    ev.McpListToolsFailed: on_item_status("failed"),
    ev.RateLimitsUpdated: on_rate_limits,
    ev.Error: confirming(on_error),
    ev.UnknownEvent: on_nothing,
    ev.UnknownClientEvent: on_client_event,
    **dict.fromkeys(ev.CLIENT_EVENT_CLASSES.values(), on_client_event),
}
"""Event class -> handler ``(state, event, found) -> changed attributes``. A handler reads
the event's index as ``state.event_count``."""


STREAMING_DELTAS = frozenset(
    {
        *(c for c, h in HANDLERS.items() if h in (_text_delta, _audio_delta, _transcript_delta)),
        ev.InputAudioTranscriptionDelta,
        ev.ResponseFunctionCallArgumentsDelta,
        ev.ResponseMcpCallArgumentsDelta,
    }
)
"""Events whose handler may leave a part or a call's arguments streaming outside its item
(:class:`~realtime_state.state._StreamingConversation`)."""

BLIND_TO_THE_CONVERSATION = frozenset(
    cls for cls, h in HANDLERS.items() if h in (on_client_event, on_rate_limits, on_nothing)
)
"""Events whose handler never reads the conversation (what the app sends, rate limits, the
events that change nothing): they leave a streaming part as it is, so that the user's
microphone (``input_audio_buffer.append`` ten times a second) does not end every run of the
assistant's audio deltas."""

KEEPS_STREAMING = STREAMING_DELTAS | BLIND_TO_THE_CONVERSATION
"""Every other event's handler reads the state with the streaming part folded into its item
(``reduce`` folds it first, :func:`._common.settled`)."""


NEW_SESSION = frozenset({ev.SessionCreated, ev.TranscriptionSessionCreated})
"""Events that open a session: on a stream that already holds one, they start a new state."""


@attrs.frozen(slots=True)
class _Extras:
    """What ``reduce`` does for an event class besides its handler (looked up once)."""

    new_session: bool
    stamp: Any
    untimed: Any
    retaining: bool
    archiving: bool


EXTRAS: dict[type, _Extras] = {
    cls: _Extras(
        new_session=cls in NEW_SESSION,
        stamp=STAMPS.get(cls),
        untimed=UNTIMED_STAMPS.get(cls),
        retaining=cls in RETAINING,
        archiving=cls in ARCHIVING,
    )
    for cls in (*NEW_SESSION, *STAMPS, *UNTIMED_STAMPS, *RETAINING, *ARCHIVING)
}
"""Event class -> the extras of ``reduce`` (a new session, time stamps, audio retention,
archiving); absent for the classes that have none."""


def as_event(event: Event | RawEvent | Envelope, index: int) -> Any:
    """A decoded event or envelope: raw JSON (text, bytes, mapping; a bare event or an
    envelope line) and ``openai`` event objects are decoded, naming ``index`` in the error;
    anything else is returned as it is."""
    if (
        isinstance(event, (str, bytes, bytearray, memoryview))
        or hasattr(event, "keys")
        or is_sdk_event(event)
    ):
        try:
            return decode_entry(event)  # type: ignore[arg-type]
        except DecodeError as exc:
            raise exc.at_index(index) from None
    return event


def _bad_frame(state: SessionState, frame: str, time: float | None) -> SessionState:
    """A server frame that could not be decoded (an envelope's ``raw``): recorded as an
    error entry, in any policy; the frame holds an index like any event."""
    index = state.event_count
    try:
        event = decode(frame)
        if isinstance(event, (ev.ClientEvent, ev.UnknownClientEvent)):
            raise DecodeError(
                "a server frame whose type is a client event's", event_type=event.type
            )
    except DecodeError as exc:
        record = ErrorRecord(
            index=index,
            type=INVALID_SERVER_EVENT,
            code=None,
            message=str(exc.at_index(index)),
            param=None,
            event_id=None,
            frame=frame,
            time=time,
        )
        return evolve_state(
            state, error_log=state.error_log.append(record), event_count=index + 1, time=time
        )
    return reduce(state, event, time=time)  # a frame this version can read after all


def reduce(
    state: SessionState, event: Event | RawEvent | Envelope, *, time: float | None = None
) -> SessionState:
    """Return the state after ``event``; ``state`` itself never changes.

    ``event`` is a decoded event, an :class:`~realtime_state.envelopes.Envelope`, or raw JSON
    (``str``, ``bytes``, mapping: a bare event or an envelope line). ``time`` (seconds since
    the epoch; an envelope brings its own) is kept where later timing needs it. A raw event
    that cannot be decoded raises :class:`~realtime_state.DecodeError` naming the event's
    index; an envelope's ``raw`` frame is recorded as an error entry instead. In strict
    policy a protocol violation raises :class:`ProtocolViolation`; in lenient policy it is
    recorded in ``state.violations`` and the event is applied as far as is safe.
    """
    handler = HANDLERS.get(event.__class__)
    if handler is None:
        if event.__class__ is Envelope:
            env: Envelope = event
            if env.event is None:
                return _bad_frame(state, env.raw or "", env.time)
            return reduce(state, env.event, time=env.time)
        decoded = as_event(event, state.event_count)
        if decoded is event:
            raise TypeError(f"reduce() expects an event or its JSON, got {type(event).__name__}")
        return reduce(state, decoded, time=time)
    if time != state.time:
        state = evolve_state(state, time=time)
    conv: Any = state.conversation
    if conv.__class__ is not _Conversation and event.__class__ not in KEEPS_STREAMING:
        state = settled(state)
    extras = EXTRAS.get(event.__class__)  # None for most events: nothing more to do
    if extras is not None and extras.new_session and state.session is not None:
        retention = state.audio_retention
        state = SessionState(
            policy=state.policy,
            event_count=state.event_count,
            time=time,
            previous_session=state,
            audio_retention=None
            if retention is None
            else AudioRetention(seconds=retention.seconds),
        )
    found: Found = []
    changes = handler(state, event, found)
    if extras is not None:
        if time is not None:
            if extras.stamp is not None:
                extras.stamp(state, event, changes, time)
        elif extras.untimed is not None:  # an untimed line still moves the speech stop along
            extras.untimed(state, event, changes, None)
        if state.audio_retention is not None:
            if extras.retaining:
                retain(state, event, changes)
            if extras.archiving:
                archive(state, changes)
    index = state.event_count
    if found:
        violations = [
            Violation(
                index=index,
                event_type=event.type,  # type: ignore[union-attr]
                event_id=event.event_id,  # type: ignore[union-attr]
                code=code,
                message=message,
                ids=ids,
            )
            for code, message, ids in found
        ]
        if state.policy == STRICT:
            raise ProtocolViolation(violations[0])
        log = state.violation_log
        for violation in violations:
            log = log.append(violation)
        changes["violation_log"] = log
    changes["event_count"] = index + 1
    return evolve_state(state, **changes)


def replay(
    events: Iterable[Event | RawEvent | Envelope],
    policy: str = LENIENT,
    *,
    upto: int | None = None,
    audio_retention: Any = None,
) -> SessionState:
    """Fold a stream of events (decoded or raw) into a state, from an empty one.

    ``upto=N`` stops after the first ``N`` events, without reading further (so it never
    blocks on, or consumes, event ``N`` of a live stream). ``audio_retention``: which audio
    bytes to keep (``"all"``, the default; ``"none"``; or seconds; see
    :class:`~realtime_state.state.AudioRetention`).
    """
    if upto is not None:
        if upto < 0:
            raise ValueError(f"upto must be >= 0, not {upto}")
        events = itertools.islice(events, upto)
    state = SessionState(policy=policy, audio_retention=audio_retention)
    for event in events:
        state = reduce(state, event)
    return state


def history(
    events: Iterable[Event | RawEvent | Envelope],
    policy: str = LENIENT,
    *,
    audio_retention: Any = None,
) -> Iterator[tuple[int, Any, SessionState]]:
    """Lazily yield ``(index, event, state)`` with ``state`` the state right after the event.

    ``event`` is the decoded event (an envelope's event; ``None`` for an envelope's ``raw``
    frame, whose error entry the state holds); the envelope's time is ``state.time``.
    """
    state = SessionState(policy=policy, audio_retention=audio_retention)
    for index, event in enumerate(events):
        decoded = as_event(event, index)
        state = reduce(state, decoded)
        yield index, decoded.event if decoded.__class__ is Envelope else decoded, state


async def areplay(
    events: AsyncIterable[Event | RawEvent | Envelope],
    policy: str = LENIENT,
    *,
    upto: int | None = None,
    audio_retention: Any = None,
) -> SessionState:
    """:func:`replay` for an async iterable of events or lines (a live feed, an async
    reader of a log): the state after all of them, or after the first ``upto``."""
    if upto is not None and upto < 0:
        raise ValueError(f"upto must be >= 0, not {upto}")
    state = SessionState(policy=policy, audio_retention=audio_retention)
    if upto == 0:
        return state
    async for event in events:
        state = reduce(state, event)
        if upto is not None and state.event_count >= upto:
            break
    return state


async def ahistory(
    events: AsyncIterable[Event | RawEvent | Envelope],
    policy: str = LENIENT,
    *,
    audio_retention: Any = None,
) -> AsyncIterator[tuple[int, Any, SessionState]]:
    """:func:`history` for an async iterable: yields ``(index, event, state)`` as each event
    arrives."""
    state = SessionState(policy=policy, audio_retention=audio_retention)
    index = 0
    async for event in events:
        decoded = as_event(event, index)
        state = reduce(state, decoded)
        yield index, decoded.event if decoded.__class__ is Envelope else decoded, state
        index += 1
