"""The session state: immutable values that :func:`realtime_state.reduce` produces.

Every class here is frozen. Collections that grow with the session are persistent
(``immutables.Map`` for keyed collections, cons lists for logs and streamed text/audio), so a
new state shares almost everything with the one before it and keeping every intermediate
state is cheap. Read the state through the documented attributes and methods; names starting
with an underscore are internal.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import immutables
from immutabledict import immutabledict

from . import events as ev
from ._archive import ArchivedMap, KeptMap
from ._persistent import EMPTY_LOG, Chunks, Log, make_evolver
from .formats import PCM16_24K, AudioSpec

if TYPE_CHECKING:
    from .cost import SessionCost
    from .prices import ModelPrice, PriceTable
    from .timings import Timings
    from .transcript import Transcript

__all__ = [
    "STRICT",
    "LENIENT",
    "POLICIES",
    "PartState",
    "ItemState",
    "ResponseState",
    "InputAudioState",
    "OutputAudioBufferState",
    "TurnTimes",
    "AudioRetention",
    "ArchivedMap",
    "RateLimitState",
    "UsageTotals",
    "ErrorRecord",
    "TranscriptionRecord",
    "ClientEventRecord",
    "PendingWork",
    "ClientSide",
    "Violation",
    "SessionState",
]

AnySession = (
    ev.RealtimeSession | ev.TranscriptionSession | ev.BetaSession | ev.BetaTranscriptionSession
)
"""Any session object: GA realtime or transcription, beta, or beta transcription."""

STRICT = "strict"
LENIENT = "lenient"
POLICIES = (STRICT, LENIENT)


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class PartState:
    """One content part of an item; its position in ``item.content`` is the wire
    ``content_index``.

    ``text`` and ``transcript`` accumulate from deltas and are finalised by the ``*.done``
    events; ``audio`` is the decoded PCM (or G.711) bytes received over this connection.
    For a user ``input_audio`` part, ``transcript`` is the input transcription.
    """

    type: str | None = None
    """Wire content type (``input_text``, ``input_audio``, ``text``, ``audio``, ``output_text``,
    ``output_audio``, ...)."""
    status: str = "in_progress"
    """``in_progress`` while streaming, ``done`` once a ``*.done`` (or a final item) closed it."""
    phase: str = "absent"
    """Position in the content-part lifecycle (``absent``, ``added``, ``streaming``, ``done``;
    see :data:`realtime_state.lifecycles.CONTENT_PART`)."""
    text_phase: str = "open"
    """Lifecycle of the text channel (``open``, ``streaming``, ``done``)."""
    audio_phase: str = "open"
    """Lifecycle of the audio channel (``open``, ``streaming``, ``done``)."""
    transcript_phase: str = "open"
    """Lifecycle of the audio-transcript channel (``open``, ``streaming``, ``done``)."""
    text_chunks: Chunks[str] | None = attrs.field(default=None, repr=False)
    transcript_chunks: Chunks[str] | None = attrs.field(default=None, repr=False)
    audio_chunks: Chunks[bytes] | None = attrs.field(default=None, repr=False)
    truncated_at_ms: int | None = None
    """Where ``conversation.item.truncated`` cut the audio, or ``None``."""
    transcript_before_truncation: str | None = None
    """The transcript streamed before the cut (the server clears ``transcript``)."""
    audio_spec: AudioSpec | None = attrs.field(default=None, repr=False)
    """The format the part's audio arrived in: the session's output format when the first
    delta came, or, for audio inside an item payload, the session's input format (user audio)
    or output format (the rest) when it arrived; ``None`` when the part holds no audio."""
    audio_bytes_before_truncation: int | None = None
    """Audio bytes received before the first cut (only those up to the cut are kept), or
    ``None`` when the part was never cut."""
    transcription_status: str | None = None
    """Input transcription: ``None``, ``in_progress``, ``completed`` or ``failed``."""
    transcription_error: ev.TranscriptionError | None = None
    transcription_usage: ev.TranscriptionUsageTokens | ev.TranscriptionUsageDuration | None = None
    transcription_logprobs: tuple[ev.LogProb, ...] | None = None
    transcription_segments: tuple[ev.InputAudioTranscriptionSegment, ...] = ()
    image_url: str | None = None
    detail: str | None = None
    reference_id: str | None = None
    """``id`` of an ``item_reference`` part."""

    @property
    def text(self) -> str:
        """The text of the part (``""`` when it has none)."""
        return "" if self.text_chunks is None else self.text_chunks.value()

    @property
    def transcript(self) -> str | None:
        """Audio transcript (assistant) or input transcription (user), ``None`` if none yet."""
        return None if self.transcript_chunks is None else self.transcript_chunks.value()

    @property
    def audio(self) -> bytes:
        """The decoded audio bytes received (``b""`` when none came over this connection)."""
        return b"" if self.audio_chunks is None else self.audio_chunks.value()

    @property
    def audio_bytes(self) -> int:
        """Number of audio bytes received, without joining them."""
        return 0 if self.audio_chunks is None else self.audio_chunks.size

    @property
    def duration_ms(self) -> float:
        """Milliseconds of audio held, in the format the audio arrived in (``audio_spec``:
        the session's format when the first delta came, or when the item payload that carried
        the audio arrived); PCM16 at 24 kHz only for a part that holds no audio. Never joins
        the audio."""
        spec = self.audio_spec
        return (PCM16_24K if spec is None else spec).duration_ms(self.audio_bytes)


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class ItemState:
    """A conversation item as the stream has built it so far.

    Fields that do not apply to the item's type are ``None`` (``role`` for non-messages,
    ``name``/``arguments`` for non-calls, ...).
    """

    id: str
    type: str | None = None
    """``message``, ``function_call``, ``function_call_output``, ``mcp_call``, ..."""
    role: str | None = None
    status: str | None = None
    content: tuple[PartState, ...] = ()
    phase: str = "absent"
    """Position in the output-item lifecycle (``absent`` for items no
    ``response.output_item.added`` announced, then ``added``, ``streaming``, ``done``)."""
    call_phase: str | None = None
    """Function/MCP calls: ``open``, ``streaming``, ``arguments_done``, ``answered``;
    ``None`` for other items."""
    name: str | None = None
    call_id: str | None = None
    arguments_chunks: Chunks[str] | None = attrs.field(default=None, repr=False)
    output: str | None = None
    server_label: str | None = None
    tools: tuple[ev.McpTool, ...] | None = None
    approval_request_id: str | None = None
    approve: bool | None = None
    reason: str | None = None
    error: ev.McpError | None = None
    response_id: str | None = None
    """The response that produced the item, or ``None`` (user and client items)."""
    in_conversation: bool = True
    """False for the items of an out-of-band response not placed in the conversation."""
    unknown: ev.UnknownObject | None = attrs.field(default=None, repr=False)
    """The payload of an item of a type this version does not know."""

    @property
    def arguments(self) -> str | None:
        """Function/MCP call arguments: the accumulated JSON text, also while streaming."""
        return None if self.arguments_chunks is None else self.arguments_chunks.value()

    @property
    def text(self) -> str:
        """All text parts joined (convenience for messages)."""
        return "".join(p.text for p in self.content)


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class ResponseState:
    """One response: status, details, the ids of its output items, usage."""

    id: str
    status: str | None = None
    phase: str = "in_progress"
    """Position in the response lifecycle: ``in_progress``, then ``completed``,
    ``cancelled``, ``failed`` or ``incomplete``."""
    status_details: ev.StatusDetails | None = None
    output_item_ids: tuple[str, ...] = ()
    usage: ev.Usage | None = None
    conversation_id: str | None = None
    out_of_band: bool = False
    """True when the response object says ``conversation_id: null`` (``conversation: "none"``)."""
    metadata: ev.Json | None = None
    created_index: int | None = None
    """Index of the ``response.created`` event, or ``None`` if it was not seen."""
    done_index: int | None = None
    """Index of the ``response.done`` event, or ``None`` while the response runs."""
    created_at: float | None = None
    """Time of ``response.created`` (seconds since the epoch), when the log carries times."""
    first_audio_at: float | None = None
    """Time of the response's first audio delta, when the log carries times."""
    done_at: float | None = None
    """Time of ``response.done``, when the log carries times."""
    speech_stopped_at: float | None = None
    """Time the user stopped speaking (``speech_stopped``) in the turn this in-conversation
    response answers: the last speech stop before ``response.created`` that no earlier
    response answered; ``None`` when the response followed no timed speech."""

    @property
    def done(self) -> bool:
        """Whether ``response.done`` has been seen."""
        return self.done_index is not None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class TurnTimes:
    """When a user turn's speech started, stopped and was committed (seconds since the
    epoch; ``None`` when that event did not come or carried no time)."""

    speech_started_at: float | None = None
    speech_stopped_at: float | None = None
    committed_at: float | None = None


NO_TURN_TIMES = TurnTimes()


def _log_of_ids(ids: Log | Iterable[str]) -> Log:
    """A log of item ids (given as a log, or any sequence of ids)."""
    if isinstance(ids, Log):
        return ids
    if isinstance(ids, str) or not isinstance(ids, Iterable):
        raise TypeError(f"committed_item_ids must be a sequence of item ids, not {ids!r}")
    log = EMPTY_LOG
    for item_id in ids:
        log = log.append(item_id)
    return log


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class InputAudioState:
    """The input audio buffer and the VAD turn."""

    phase: str = "idle"
    """Position in the input-turn lifecycle: ``idle``, ``speaking``, ``stopped``,
    ``committed``, ``cleared``."""
    speaking: bool = False
    """Between ``speech_started`` and ``speech_stopped``/``committed``/``cleared``."""
    audio_start_ms: int | None = None
    audio_end_ms: int | None = None
    item_id: str | None = None
    """The item being formed (announced by ``speech_started``)."""
    committed_log: Log = attrs.field(
        default=EMPTY_LOG, alias="committed_item_ids", converter=_log_of_ids, repr=False
    )
    """Ids of the committed user items, in order (read :attr:`committed_item_ids`; a log, so
    that a commit costs the same in the first minute and the tenth hour). The constructor
    takes them as ``committed_item_ids=`` (any sequence of ids)."""
    committed: KeptMap[int] = attrs.field(init=False, factory=immutables.Map, repr=False, eq=False)
    """Committed item id -> its first position in :attr:`committed_item_ids` (membership;
    derived from the log)."""
    cleared: int = 0
    """How many times the buffer was cleared."""
    timeouts: int = 0
    """How many ``input_audio_buffer.timeout_triggered`` events came."""
    dtmf: tuple[str, ...] = ()
    """Keys pressed (SIP ``input_audio_buffer.dtmf_event_received``), in order."""
    buffer_chunks: Chunks[bytes] | None = attrs.field(default=None, repr=False)
    """The user audio the app appended (``input_audio_buffer.append``) since the last commit
    or clear, decoded; ``None`` when none is buffered."""
    buffer_start_bytes: int = 0
    """Bytes of user audio appended in the session before the buffer starts (VAD's
    ``audio_start_ms``/``audio_end_ms`` count from the start of the session's audio)."""
    committed_audio: immutables.Map[str, Chunks[bytes]] = attrs.field(
        factory=immutables.Map, repr=False
    )
    """Audio of committed turns whose user item has not arrived yet, by item id."""
    turn_times: KeptMap[TurnTimes] = attrs.field(factory=immutables.Map, repr=False)
    """User item id -> :class:`TurnTimes` of its turn, for logs with times."""
    unanswered_stop_at: float | None = attrs.field(default=None, repr=False)
    """Time of the last speech stop that no response has answered yet (the next
    in-conversation ``response.created`` takes it as its ``speech_stopped_at``)."""

    def __repr__(self) -> str:
        # attrs' repr, but naming the committed ids as the constructor takes them, so that
        # the repr reads back as an equal value.
        fields = []
        for field in attrs.fields(InputAudioState):
            if field.name == "committed_log":
                fields.append(f"committed_item_ids={self.committed_item_ids!r}")
            elif field.repr:
                fields.append(f"{field.name}={getattr(self, field.name)!r}")
        return f"InputAudioState({', '.join(fields)})"

    def __attrs_post_init__(self) -> None:
        ids = self.committed_log.to_tuple()
        if ids:  # built by hand (the reducer's evolver keeps both up to date itself)
            by_id = immutables.Map({item_id: n for n, item_id in reversed(list(enumerate(ids)))})
            object.__setattr__(self, "committed", by_id)

    @property
    def committed_item_ids(self) -> tuple[str, ...]:
        """Ids of the user items committed so far (``input_audio_buffer.committed``), in
        order (O(turns) to build)."""
        ids: tuple[str, ...] = self.committed_log.to_tuple()
        return ids

    @property
    def buffered_bytes(self) -> int:
        """Bytes of user audio in the buffer (appended, not yet committed or cleared)."""
        return 0 if self.buffer_chunks is None else self.buffer_chunks.size


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class OutputAudioBufferState:
    """WebRTC and SIP only: the server's buffer of assistant audio, as the last
    ``output_audio_buffer.*`` event reported it (the audio itself goes over the media track,
    not the events). A WebSocket session never gets these events."""

    phase: str
    """``started`` (audio is playing), ``stopped`` (the buffer drained: heard to the end) or
    ``cleared`` (cut by VAD or by a client ``output_audio_buffer.clear``)."""
    response_id: str | None = None
    """The response whose audio the event names."""

    @property
    def playing(self) -> bool:
        """Whether audio is playing (``started`` came, and neither ``stopped`` nor
        ``cleared`` since)."""
        return self.phase == "started"


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class AudioRetention:
    """Which audio bytes a state keeps: ``SessionState(audio_retention=...)``.

    ``"all"`` (the default, ``None`` in the state) keeps every byte. A number of seconds keeps
    the audio of the last that many seconds of conversation (user and assistant audio parts,
    counted in their own formats); ``"none"`` (0 seconds) keeps only what is still
    streaming. Retention works part by part: a part is dropped whole, oldest first, once it
    is finished (its audio done, its response done, or a user turn's committed audio) and
    the parts after it hold the window; the part growing now is never dropped. A dropped
    part keeps everything but its bytes: byte count, duration, truncation point,
    transcript (see :class:`~realtime_state.errors.AudioDroppedError`).

    The state's value also carries the bookkeeping (a queue of the parts holding audio, the
    milliseconds they hold, how many were dropped); it is not part of equality.
    """

    seconds: float
    """The window kept, in seconds of audio."""
    queue: immutables.Map[int, tuple[str, int, float]] = attrs.field(
        factory=immutables.Map, repr=False, eq=False
    )
    """Sequence number -> ``(item_id, content_index, ms held)`` of each part holding audio,
    oldest first from ``head``."""
    slots: immutables.Map[tuple[str, int], int] = attrs.field(
        factory=immutables.Map, repr=False, eq=False
    )
    """``(item_id, content_index)`` -> its sequence number in ``queue``."""
    head: int = attrs.field(default=0, repr=False, eq=False)
    tail: int = attrs.field(default=0, repr=False, eq=False)
    held_ms: float = attrs.field(default=0.0, eq=False)
    """Milliseconds of audio the queued parts hold."""
    dropped: int = attrs.field(default=0, eq=False)
    """How many parts have had their bytes dropped."""
    packed_commits: int = attrs.field(default=0, repr=False, eq=False)
    """Entries of ``input_audio.committed_log`` packed (archiving; see ``reducer/_archive``)."""
    packed_transcriptions: int = attrs.field(default=0, repr=False, eq=False)
    """Entries of ``transcription_log`` packed."""
    packed_client_events: int = attrs.field(default=0, repr=False, eq=False)
    """Entries of ``client.log`` packed."""

    @classmethod
    def of(cls, value: Any) -> AudioRetention | None:
        """``"all"``/``None`` -> ``None`` (keep everything), ``"none"`` -> 0 s, a number of
        seconds -> that window; an :class:`AudioRetention` is kept as it is."""
        if value is None or value == "all":
            return None
        if isinstance(value, AudioRetention):
            return value
        if value == "none":
            return cls(seconds=0.0)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return cls(seconds=float(value))
        raise ValueError(
            f"audio_retention must be 'all', 'none' or a number of seconds >= 0, not {value!r}"
        )


def _retention_of(value: Any) -> AudioRetention | None:
    """The converter of ``SessionState.audio_retention`` (see :meth:`AudioRetention.of`)."""
    return AudioRetention.of(value)


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class RateLimitState:
    """One rate limit as last reported."""

    name: str | None = None
    limit: int | None = None
    remaining: int | None = None
    reset_seconds: float | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class UsageTotals:
    """Session token totals, summed over every ``response.done``."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0
    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    input_image_tokens: int = 0
    cached_text_tokens: int = 0
    cached_audio_tokens: int = 0
    cached_image_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0

    def plus(self, usage: ev.Usage | None) -> UsageTotals:
        """These totals with one response's usage added."""
        if usage is None:
            return self
        inp = usage.input_token_details
        cached = inp.cached_tokens_details if inp is not None else None
        out = usage.output_token_details
        return UsageTotals(
            input_tokens=self.input_tokens + (usage.input_tokens or 0),
            output_tokens=self.output_tokens + (usage.output_tokens or 0),
            total_tokens=self.total_tokens + (usage.total_tokens or 0),
            cached_tokens=self.cached_tokens + ((inp.cached_tokens or 0) if inp else 0),
            input_text_tokens=self.input_text_tokens + ((inp.text_tokens or 0) if inp else 0),
            input_audio_tokens=self.input_audio_tokens + ((inp.audio_tokens or 0) if inp else 0),
            input_image_tokens=self.input_image_tokens + ((inp.image_tokens or 0) if inp else 0),
            cached_text_tokens=self.cached_text_tokens
            + ((cached.text_tokens or 0) if cached else 0),
            cached_audio_tokens=self.cached_audio_tokens
            + ((cached.audio_tokens or 0) if cached else 0),
            cached_image_tokens=self.cached_image_tokens
            + ((cached.image_tokens or 0) if cached else 0),
            output_text_tokens=self.output_text_tokens + ((out.text_tokens or 0) if out else 0),
            output_audio_tokens=self.output_audio_tokens + ((out.audio_tokens or 0) if out else 0),
        )


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class TranscriptionRecord:
    """An input transcription the server completed (and bills), kept even if its item is
    later deleted."""

    index: int
    """Position of the ``...input_audio_transcription.completed`` event in the stream."""
    item_id: str
    content_index: int
    usage: ev.TranscriptionUsageTokens | ev.TranscriptionUsageDuration | Any | None
    """The usage the event reports (tokens or seconds), or ``None``."""
    session: Any = attrs.field(default=None, repr=False, eq=False)
    """The session configuration in effect when it completed (its transcription model)."""


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class ErrorRecord:
    """A server ``error`` event."""

    index: int
    """Position of the ``error`` event in the stream."""
    type: str
    code: str | None
    message: str
    param: str | None
    event_id: str | None
    """The client event the server names as the cause, or ``None``."""
    server_event_id: str | None = None
    """The ``event_id`` of the ``error`` event itself."""
    client_event: ClientEventRecord | None = None
    """The client event the error refers to (the one whose ``event_id`` is ``event_id``), when
    the state has seen it; ``None`` otherwise."""
    frame: str | None = None
    """For an entry of type ``invalid_server_event`` (a server frame that could not be
    decoded): the frame's text, verbatim. ``None`` for server ``error`` events."""
    time: float | None = None
    """When the error came (seconds since the epoch), when the log carries times."""


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class ClientEventRecord:
    """A client event the state has seen (what the app sent), with its place in the stream."""

    index: int
    """Position of the event in the stream (client and server events share one index)."""
    event: ev.ClientEventClass | ev.UnknownClientEvent
    """The client event, typed."""
    time: float | None = None
    """When the app sent it (seconds since the epoch), when the log carries times."""
    count: int = 1
    """How many client events the record stands for: 1, except under an audio retention
    window, where a run of consecutive ``input_audio_buffer.append`` events (without
    ``event_id``) is kept as one record, the run's first append with its ``audio`` emptied
    (the bytes are in the input buffer and then the user's part, where the window governs
    them)."""


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class PendingWork:
    """What the app asked for and the server has not confirmed (nor refused) yet.

    Each entry is the :class:`ClientEventRecord` of the request. An item is confirmed by the
    ``conversation.item.created``/``added`` that carries it, a response by the next
    ``response.created``, a truncation by ``conversation.item.truncated`` and a deletion by
    ``conversation.item.deleted`` of the same item; an ``error`` whose ``event_id`` names the
    request refuses it. Both take it off this list.
    """

    items: tuple[ClientEventRecord, ...] = ()
    """``conversation.item.create`` requests not confirmed yet."""
    responses: tuple[ClientEventRecord, ...] = ()
    """``response.create`` requests whose response has not been created yet."""
    truncations: tuple[ClientEventRecord, ...] = ()
    """``conversation.item.truncate`` requests not confirmed yet."""
    deletions: tuple[ClientEventRecord, ...] = ()
    """``conversation.item.delete`` requests not confirmed yet."""

    @property
    def empty(self) -> bool:
        """Whether nothing is pending."""
        return not (self.items or self.responses or self.truncations or self.deletions)


NO_PENDING_WORK = PendingWork()


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class ClientSide:
    """What the state knows of the app's side: the client events in order, the ones that
    carried an ``event_id`` (for errors that name one), and the work still pending. One
    value, so a server event costs the state no more than it did before client events."""

    log: Log = attrs.field(default=EMPTY_LOG, repr=False)
    ids: KeptMap[ClientEventRecord] = attrs.field(factory=immutables.Map, repr=False)
    pending: PendingWork = NO_PENDING_WORK


NO_CLIENT_SIDE = ClientSide()


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class Violation:
    """A protocol violation found in the stream (recorded in lenient policy).

    ``index`` is the 0-based position of the offending event; ``code`` a stable identifier
    (see the docs for the list); ``message`` a sentence naming the ids involved; ``ids`` those
    ids (responses, items, calls), for tools that match violations to objects.
    """

    index: int
    event_type: str
    event_id: str | None
    code: str
    message: str
    ids: tuple[str, ...] = ()


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class _Conversation:
    """Items and their order: a doubly linked list kept in a persistent map."""

    items: KeptMap[ItemState] = attrs.field(factory=immutables.Map)
    links: KeptMap[tuple[str | None, str | None]] = attrs.field(factory=immutables.Map)
    head: str | None = None
    tail: str | None = None
    size: int = 0
    pending: immutables.Map[str, tuple[Any, ...]] = attrs.field(factory=immutables.Map)
    """Input transcription events for items not (yet) present, by item id."""
    deleted: KeptMap[str | None] = attrs.field(factory=immutables.Map)
    """Ids of deleted items (-> the event id of their ``conversation.item.deleted``): later
    copies of them never bring them back."""
    calls: KeptMap[str] = attrs.field(factory=immutables.Map)
    """``call_id`` -> id of the function-call item, for every call seen (deleted ones too)."""


_evolve_conversation = make_evolver(_Conversation)
_evolve_item = make_evolver(ItemState)
_evolve_part = make_evolver(PartState)


_MEMO_LOCK = threading.Lock()
"""Makes a streaming conversation's memo one value when threads read one state at once."""


class _StreamingConversation:
    """The conversation while something streams into one item: the conversation as the run
    began (``base``), the item as ``base`` holds it, and what streamed since, kept outside
    the item (see :class:`_StreamingPart` and :class:`_StreamingArguments`). A delta that
    continues the run makes a new one of these (a few slots) instead of a new item, map path
    and conversation.

    It reads like a :class:`_Conversation` (the same attributes; ``items`` folds what
    streamed into the item once and keeps the result, an invisible memo like
    :class:`~._persistent.Chunks`' joined value), compares equal to the folded conversation
    and pickles as it. The reducer folds it before any event other than a delta continuing
    the same run (``reducer._common.settled``). Never changed once built, but for the memo.
    """

    __slots__ = ("_current", "_folded", "base", "item")

    base: _Conversation
    item: ItemState
    _current: ItemState | None
    _folded: _Conversation | None

    def _fold_item(self) -> ItemState:
        """The item with what streamed in it (built anew)."""
        raise NotImplementedError

    def current_item(self) -> ItemState:
        """The streaming item as it is now (built once; :meth:`fold` holds this same
        value, so ``state.item(id)`` and ``state.conversation.items[id]`` are one object)."""
        current = self._current
        if current is None:
            built = self._fold_item()
            with _MEMO_LOCK:  # one value even when two threads read the same state
                current = self._current
                if current is None:
                    current = self._current = built
        return current

    def fold(self) -> _Conversation:
        """The conversation with what streamed in its item (built once)."""
        folded = self._folded
        if folded is None:
            item, base = self.current_item(), self.base
            built = _evolve_conversation(base, items=base.items.set(item.id, item))
            with _MEMO_LOCK:
                folded = self._folded
                if folded is None:
                    folded = self._folded = built
        return folded

    @property
    def items(self) -> KeptMap[ItemState]:
        """Item id -> item, the streaming item as it is now."""
        return self.fold().items

    @property
    def links(self) -> KeptMap[tuple[str | None, str | None]]:
        """As :attr:`_Conversation.links` (unchanged while an item streams)."""
        return self.base.links

    @property
    def head(self) -> str | None:
        """As :attr:`_Conversation.head`."""
        return self.base.head

    @property
    def tail(self) -> str | None:
        """As :attr:`_Conversation.tail`."""
        return self.base.tail

    @property
    def size(self) -> int:
        """As :attr:`_Conversation.size`."""
        return self.base.size

    @property
    def pending(self) -> immutables.Map[str, tuple[Any, ...]]:
        """As :attr:`_Conversation.pending`."""
        return self.base.pending

    @property
    def deleted(self) -> KeptMap[str | None]:
        """As :attr:`_Conversation.deleted`."""
        return self.base.deleted

    @property
    def calls(self) -> KeptMap[str]:
        """As :attr:`_Conversation.calls`."""
        return self.base.calls

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _StreamingConversation):
            other = other.fold()
        return self.fold() == other

    def __hash__(self) -> int:
        return hash(self.fold())

    def __reduce__(self) -> tuple[Any, tuple[_Conversation]]:
        # Pickled (and copied) as the folded conversation: the same bytes whether or not the
        # memo was filled.
        return (_folded_conversation, (self.fold(),))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(item={self.item.id!r})"


class _StreamingPart(_StreamingConversation):
    """A part streaming outside its item: ``part`` is the item's part ``index`` as the run
    found it (its phases, cut and format do not change during a run) and ``text``,
    ``transcript``, ``audio`` are the part's three chains now (nine slots in all, where a
    new part, content tuple, item, map path and conversation took about 1 KB)."""

    __slots__ = ("audio", "index", "part", "text", "transcript")

    def __init__(
        self,
        base: _Conversation,
        item: ItemState,
        index: int,
        part: PartState,
        text: Chunks[str] | None,
        transcript: Chunks[str] | None,
        audio: Chunks[bytes] | None,
    ) -> None:
        self.base = base
        self.item = item
        self.index = index
        self.part = part
        self.text = text
        self.transcript = transcript
        self.audio = audio
        self._current = None
        self._folded = None

    @classmethod
    def of(
        cls, base: _Conversation, item: ItemState, index: int, part: PartState
    ) -> _StreamingPart:
        """``base`` with part ``index`` of ``item`` (as ``base`` holds it) replaced by
        ``part``, not folded yet."""
        return cls(
            base, item, index, part, part.text_chunks, part.transcript_chunks, part.audio_chunks
        )

    def current(self) -> PartState:
        """The streaming part as it is now."""
        part = self.part
        text, transcript, audio = self.text, self.transcript, self.audio
        if (
            text is part.text_chunks
            and transcript is part.transcript_chunks
            and audio is part.audio_chunks
        ):
            return part
        return _evolve_part(
            part, text_chunks=text, transcript_chunks=transcript, audio_chunks=audio
        )

    def _fold_item(self) -> ItemState:
        item, index = self.item, self.index
        content = item.content
        return _evolve_item(item, content=(*content[:index], self.current(), *content[index + 1 :]))

    def __repr__(self) -> str:
        return f"_StreamingPart(item={self.item.id!r}, index={self.index})"


class _StreamingArguments(_StreamingConversation):
    """A call's arguments streaming outside its item: ``arguments`` is the item's arguments
    chain now (its call phase does not change during a run)."""

    __slots__ = ("arguments",)

    def __init__(self, base: _Conversation, item: ItemState, arguments: Chunks[str]) -> None:
        self.base = base
        self.item = item
        self.arguments = arguments
        self._current = None
        self._folded = None

    def _fold_item(self) -> ItemState:
        return _evolve_item(self.item, arguments_chunks=self.arguments)


def _folded_conversation(conv: _Conversation) -> _Conversation:
    """Unpickle a :class:`_StreamingConversation` (pickled folded)."""
    return conv


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class SessionState:
    """Everything the event stream has established so far.

    ``SessionState(policy="lenient")`` (the default) is the empty state; ``policy="strict"``
    makes :func:`~realtime_state.reduce` raise on a protocol violation instead of recording
    it. Build later states with :func:`~realtime_state.reduce` or
    :func:`~realtime_state.replay`; a state never changes once built.
    """

    policy: str = attrs.field(default=LENIENT)
    event_count: int = 0
    """Number of events reduced so far (the 0-based index of the next event)."""
    session: (
        ev.RealtimeSession
        | ev.TranscriptionSession
        | ev.BetaSession
        | ev.BetaTranscriptionSession
        | None
    ) = None
    """The latest session configuration, or ``None`` before the first session event."""
    conversation: _Conversation = attrs.field(factory=_Conversation, repr=False)
    """Internal: the items and their order (read them through :meth:`item`,
    :meth:`iter_items` and :attr:`items`). While a part or a call's arguments stream this is
    a :class:`_StreamingConversation`, which reads and compares like a ``_Conversation``."""
    responses: KeptMap[ResponseState] = attrs.field(factory=immutables.Map)
    """Response id -> :class:`ResponseState`, for every response seen (a persistent map: its
    iteration order is not meaningful; :attr:`responses_in_order` gives stream order)."""
    active_response_id: str | None = None
    """The in-conversation response that is running, or ``None``."""
    input_audio: InputAudioState = attrs.field(factory=InputAudioState)
    output_audio_buffer: OutputAudioBufferState | None = None
    """WebRTC and SIP: the server's output audio buffer as the last ``output_audio_buffer.*``
    event reported it; ``None`` when no such event came (WebSocket sessions)."""
    rate_limits: Mapping[str, RateLimitState] = attrs.field(factory=immutabledict)
    """Limit name (``requests``, ``tokens``) -> :class:`RateLimitState`, as last reported, in
    the order the server listed them."""
    usage: UsageTotals = attrs.field(factory=UsageTotals)
    error_log: Log = attrs.field(default=EMPTY_LOG, repr=False)
    violation_log: Log = attrs.field(default=EMPTY_LOG, repr=False)
    transcription_log: Log = attrs.field(default=EMPTY_LOG, repr=False)
    client: ClientSide = attrs.field(default=NO_CLIENT_SIDE, repr=False)
    """The app's side: client events, their ids, pending work (read through
    :attr:`client_events` and :attr:`pending`)."""
    time: float | None = None
    """The time of the latest event (seconds since the epoch) when it came in an envelope
    that carried one, else ``None``."""
    audio_retention: AudioRetention | None = attrs.field(
        default=None, converter=_retention_of, repr=False
    )
    """Which audio bytes this state keeps (:class:`AudioRetention`; ``None``: all, the
    default). Pass ``"all"``, ``"none"`` or a number of seconds."""
    previous_session: SessionState | None = attrs.field(default=None, repr=False)
    """The state of the session before this one on the same stream: a second
    ``session.created`` (a log that concatenates two connections) starts a new state, which
    keeps the one before here. ``None`` for the first session."""

    @policy.validator
    def _check_policy(self, _attribute: Any, value: str) -> None:
        if value not in POLICIES:
            raise ValueError(f"policy must be 'strict' or 'lenient', not {value!r}")

    @property
    def items(self) -> tuple[ItemState, ...]:
        """Conversation items in server order (O(items) to build)."""
        return tuple(self.iter_items())

    def iter_items(self) -> Iterator[ItemState]:
        """Iterate over the conversation items in server order."""
        conv = self.conversation
        items, links = conv.items, conv.links
        key = conv.head
        while key is not None:
            yield items[key]
            key = links[key][1]

    def item(self, item_id: str) -> ItemState | None:
        """The item with this id (also out-of-band items), or ``None`` (unknown or deleted)."""
        conv: Any = self.conversation
        if conv.__class__ is not _Conversation:  # something streams: never fold to read
            if item_id == conv.item.id:
                streaming: ItemState = conv.current_item()
                return streaming
            conv = conv.base
        items: immutables.Map[str, ItemState] = conv.items
        return items.get(item_id)

    @property
    def sessions(self) -> tuple[SessionState, ...]:
        """Every session of the stream, oldest first, ending with this one (one, unless the
        stream held several ``session.created``)."""
        chain: list[SessionState] = []
        state: SessionState | None = self
        while state is not None:
            chain.append(state)
            state = state.previous_session
        return tuple(reversed(chain))

    @property
    def errors(self) -> tuple[ErrorRecord, ...]:
        """Server ``error`` events in order."""
        return self.error_log.to_tuple()

    @property
    def transcriptions(self) -> tuple[TranscriptionRecord, ...]:
        """Completed input transcriptions in stream order (what the server bills for them)."""
        return self.transcription_log.to_tuple()

    @property
    def client_events(self) -> tuple[ClientEventRecord, ...]:
        """Every client event the state has seen (what the app sent), in order."""
        return self.client.log.to_tuple()

    @property
    def pending(self) -> PendingWork:
        """What the app asked for that the server has not confirmed or refused yet."""
        return self.client.pending

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Protocol violations recorded so far (lenient policy), in order."""
        return self.violation_log.to_tuple()

    @property
    def pending_transcriptions(self) -> Mapping[str, tuple[Any, ...]]:
        """Input transcription events held for items that have not arrived (item id -> events)."""
        return self.conversation.pending

    @property
    def conversation_phase(self) -> str:
        """``responding`` while an in-conversation response runs, else ``idle``."""
        return "idle" if self.active_response_id is None else "responding"

    @property
    def responses_in_order(self) -> tuple[ResponseState, ...]:
        """Every response in the order the stream introduced it (``responses`` is a mapping
        whose iteration order is not meaningful)."""
        return tuple(
            sorted(
                self.responses.values(),
                key=lambda r: (
                    r.created_index if r.created_index is not None else r.done_index or 0,
                    r.id,
                ),
            )
        )

    @property
    def active_response(self) -> ResponseState | None:
        """The running in-conversation response, or ``None``."""
        rid = self.active_response_id
        return None if rid is None else self.responses.get(rid)

    # --- Read side: thin entry points into transcript, audio, cost, timings, carry, barge_in -----

    def transcript(self) -> Transcript:
        """An immutable :class:`~realtime_state.transcript.Transcript` of the conversation,
        one turn per item of :attr:`items` (O(items); audio is never joined)."""
        from .transcript import transcript_of

        return transcript_of(self)

    def audio(self, item_id: str, content_index: int = 0) -> bytes:
        """The audio bytes of one part, in the session's format (PCM16 or G.711); raises
        :class:`~realtime_state.audio.NoAudioError` when the part holds none."""
        from .audio import part_audio

        return part_audio(self, item_id, content_index)

    def wav(self, item_id: str, content_index: int = 0) -> bytes:
        """One part's audio as a WAV file (standard :mod:`wave`, PCM16 at the part's rate;
        G.711 is decoded to PCM16 at 8 kHz); a part without audio, or in an encoding this
        version does not know, raises a clear error."""
        from .audio import item_wav

        return item_wav(self, item_id, content_index)

    def conversation_wav(self, *, gap_ms: int = 0) -> bytes:
        """User and assistant audio in conversation order as one WAV file (``gap_ms`` of
        silence between parts)."""
        from .audio import conversation_wav

        return conversation_wav(self, gap_ms=gap_ms)

    def cost(
        self,
        prices: PriceTable | Mapping[str, ModelPrice | Mapping[str, Any]] | None = None,
        *,
        model: str | None = None,
        transcription_model: str | None = None,
    ) -> SessionCost:
        """What the session cost so far, per response and in total, input transcription
        included (:class:`~realtime_state.cost.SessionCost`, money as ``Decimal``)."""
        from .cost import session_cost

        return session_cost(self, prices, model=model, transcription_model=transcription_model)

    def timings(self) -> Timings:
        """How long each response of this session took to start speaking and to finish, and
        each measure's p50/p95 (:class:`~realtime_state.timings.Timings`, milliseconds;
        ``None`` where the log has no times). O(responses); audio is never touched."""
        from .timings import timings_of

        return timings_of(self)

    def to_client_events(
        self,
        *,
        max_items: int | None = None,
        include_function_calls: bool = True,
        include_mcp: bool = False,
        user_audio: str = "transcript",
    ) -> list[dict[str, Any]]:
        """``conversation.item.create`` client events that rebuild this conversation in a
        new session (see :func:`realtime_state.carry.carry_over` for what is left out)."""
        from .carry import to_client_events

        return to_client_events(
            self,
            max_items=max_items,
            include_function_calls=include_function_calls,
            include_mcp=include_mcp,
            user_audio=user_audio,
        )

    def truncation_events(
        self, played_ms: float, *, cancel: bool = True, item_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The client events to send when the user barges in after hearing ``played_ms`` ms of
        the assistant audio being played: ``response.cancel``, then a
        ``conversation.item.truncate`` cut to the audio received (or ``.delete``, or WebRTC's
        ``output_audio_buffer.clear``); see :func:`realtime_state.barge_in.truncation_events`."""
        from .barge_in import truncation_events

        return truncation_events(self, played_ms, cancel=cancel, item_id=item_id)
