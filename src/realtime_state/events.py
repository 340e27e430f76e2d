"""Typed, immutable models of every OpenAI Realtime server event (beta and GA dialects).

Every class here is a frozen, slotted ``attrs`` class. Attribute names are the wire field
names; collections are tuples; arbitrary JSON (tool parameter schemas, metadata, ...) is held
as :data:`Json`, a deep-frozen value (objects become :class:`immutabledict.immutabledict`,
arrays become tuples).

Two attributes are common to every model and are not wire fields:

``extra``
    The fields the server sent that this version of the model does not declare, as a
    read-only mapping (wire name -> frozen JSON value). Nothing is dropped.
``explicit_nulls``
    The names of optional fields that arrived as JSON ``null`` rather than being absent.
    Both read as ``None``; :func:`realtime_state.encode` uses this set to give back exactly
    what arrived.

Optional fields default to ``None``, which stands for "absent or null". Events carry their
wire name in the class variable ``type`` (``ResponseDone.type == "response.done"``).

The models know nothing about JSON: :mod:`realtime_state.decoding` owns decoding and
encoding. String enumerations (statuses, reasons, roles, ...) are kept as plain strings so
that a value introduced by a newer server still decodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, NewType, Union

import attrs
from immutabledict import immutabledict

__all__ = [
    # shared
    "Json",
    "EMPTY_EXTRA",
    "Model",
    "ServerEvent",
    "ServerEventClass",
    "UnknownEvent",
    "SERVER_EVENT_CLASSES",
    "ClientEvent",
    "ClientEventClass",
    "UnknownClientEvent",
    "CLIENT_EVENT_CLASSES",
    # nested objects
    "AudioFormat",
    "NoiseReduction",
    "AudioTranscriptionConfig",
    "TurnDetection",
    "Tool",
    "SessionAudioInput",
    "SessionAudioOutput",
    "SessionAudio",
    "BetaSession",
    "BetaTranscriptionSession",
    "RealtimeSession",
    "TranscriptionSession",
    "Session",
    "ConversationRef",
    "ContentPart",
    "MessageItem",
    "FunctionCallItem",
    "FunctionCallOutputItem",
    "McpTool",
    "McpListToolsItem",
    "McpError",
    "McpCallItem",
    "McpApprovalRequestItem",
    "McpApprovalResponseItem",
    "UnknownObject",
    "Item",
    "CachedTokensDetails",
    "InputTokenDetails",
    "OutputTokenDetails",
    "Usage",
    "StatusError",
    "StatusDetails",
    "ResponseAudioOutput",
    "ResponseAudio",
    "Response",
    "RateLimit",
    "ErrorDetails",
    "TranscriptionError",
    "LogProb",
    "TranscriptionLanguage",
    "TranscriptionTokenDetails",
    "TranscriptionUsageTokens",
    "TranscriptionUsageDuration",
    "TranscriptionUsage",
    # events
    "SessionCreated",
    "SessionUpdated",
    "TranscriptionSessionCreated",
    "TranscriptionSessionUpdated",
    "ConversationCreated",
    "ConversationItemCreated",
    "ConversationItemAdded",
    "ConversationItemDone",
    "ConversationItemRetrieved",
    "ConversationItemTruncated",
    "ConversationItemDeleted",
    "InputAudioTranscriptionDelta",
    "InputAudioTranscriptionCompleted",
    "InputAudioTranscriptionFailed",
    "InputAudioTranscriptionSegment",
    "InputAudioBufferSpeechStarted",
    "InputAudioBufferSpeechStopped",
    "InputAudioBufferCommitted",
    "InputAudioBufferCleared",
    "InputAudioBufferTimeoutTriggered",
    "InputAudioBufferDtmfEventReceived",
    "OutputAudioBufferStarted",
    "OutputAudioBufferStopped",
    "OutputAudioBufferCleared",
    "ResponseCreated",
    "ResponseDone",
    "ResponseOutputItemAdded",
    "ResponseOutputItemDone",
    "ResponseContentPartAdded",
    "ResponseContentPartDone",
    "ResponseTextDelta",
    "ResponseTextDone",
    "ResponseOutputTextDelta",
    "ResponseOutputTextDone",
    "ResponseAudioDelta",
    "ResponseAudioDone",
    "ResponseOutputAudioDelta",
    "ResponseOutputAudioDone",
    "ResponseAudioTranscriptDelta",
    "ResponseAudioTranscriptDone",
    "ResponseOutputAudioTranscriptDelta",
    "ResponseOutputAudioTranscriptDone",
    "ResponseFunctionCallArgumentsDelta",
    "ResponseFunctionCallArgumentsDone",
    "ResponseMcpCallArgumentsDelta",
    "ResponseMcpCallArgumentsDone",
    "ResponseMcpCallInProgress",
    "ResponseMcpCallCompleted",
    "ResponseMcpCallFailed",
    "McpListToolsInProgress",
    "McpListToolsCompleted",
    "McpListToolsFailed",
    "RateLimitsUpdated",
    "Error",
]

Json = NewType("Json", object)
"""A deep-frozen JSON value: ``None``, bool, int, float, str, tuple or immutabledict."""

EMPTY_EXTRA: Mapping[str, Json] = immutabledict()
"""The ``extra`` of a model that received no unknown field."""

_NO_NULLS: frozenset[str] = frozenset()


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class Model:
    """Base of every model: keeps unknown fields and the optional fields sent as null."""

    extra: Mapping[str, Json] = attrs.field(default=EMPTY_EXTRA, repr=False)
    """Fields the server sent that the model does not declare (wire name -> frozen JSON)."""

    explicit_nulls: frozenset[str] = attrs.field(default=_NO_NULLS, repr=False)
    """Names of optional fields that arrived as ``null`` (``None`` alone means absent)."""


# --------------------------------------------------------------------------------------------
# Session configuration
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class AudioFormat(Model):
    """GA audio format: ``{"type": "audio/pcm", "rate": 24000}``, ``audio/pcmu``, ``audio/pcma``."""

    type: str | None = None
    rate: int | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class NoiseReduction(Model):
    """Input noise reduction: ``near_field`` or ``far_field``."""

    type: str | None = None
    strength: float | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class AudioTranscriptionConfig(Model):
    """Input transcription settings (beta ``input_audio_transcription``, GA ``transcription``)."""

    model: str | None = None
    language: str | None = None
    languages: tuple[str, ...] | None = None
    prompt: str | None = None
    keywords: tuple[str, ...] | None = None
    delay: Json | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class TurnDetection(Model):
    """Voice activity detection settings (``server_vad`` or ``semantic_vad``)."""

    type: str | None = None
    threshold: float | None = None
    prefix_padding_ms: int | None = None
    silence_duration_ms: int | None = None
    idle_timeout_ms: int | None = None
    create_response: bool | None = None
    interrupt_response: bool | None = None
    eagerness: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class Tool(Model):
    """A tool offered to the model: a ``function`` (name, description, JSON-schema
    ``parameters``) or, in GA, an ``mcp`` server (its settings are kept as given)."""

    type: str | None = None
    name: str | None = None
    description: str | None = None
    parameters: Json | None = None
    server_label: str | None = None
    server_url: str | None = None
    server_description: str | None = None
    connector_id: str | None = None
    authorization: str | None = None
    headers: Json | None = None
    allowed_tools: Json | None = None
    require_approval: Json | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class SessionAudioInput(Model):
    """GA ``session.audio.input``: format, transcription, noise reduction, turn detection."""

    format: AudioFormat | None = None
    transcription: AudioTranscriptionConfig | None = None
    noise_reduction: NoiseReduction | None = None
    turn_detection: TurnDetection | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class SessionAudioOutput(Model):
    """GA ``session.audio.output``: format, voice (a name or ``{"id": ...}``) and speed."""

    format: AudioFormat | None = None
    voice: Json | None = None
    speed: float | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class SessionAudio(Model):
    """GA ``session.audio``."""

    input: SessionAudioInput | None = None
    output: SessionAudioOutput | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class BetaSession(Model):
    """Beta session object (flat keys); every key is optional."""

    id: str | None = None
    object: str | None = None
    expires_at: int | None = None
    model: str | None = None
    modalities: tuple[str, ...] | None = None
    instructions: str | None = None
    voice: Json | None = None
    input_audio_format: str | None = None
    output_audio_format: str | None = None
    input_audio_transcription: AudioTranscriptionConfig | None = None
    input_audio_noise_reduction: NoiseReduction | None = None
    turn_detection: TurnDetection | None = None
    tools: tuple[Tool, ...] | None = None
    tool_choice: Json | None = None
    temperature: float | None = None
    max_response_output_tokens: int | str | None = None
    speed: float | None = None
    tracing: Json | None = None
    prompt: Json | None = None
    include: tuple[str, ...] | None = None
    client_secret: Json | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class BetaTranscriptionSession(Model):
    """Beta transcription session (``transcription_session.created/updated``)."""

    id: str | None = None
    object: str | None = None
    expires_at: int | None = None
    modalities: tuple[str, ...] | None = None
    input_audio_format: str | None = None
    input_audio_transcription: AudioTranscriptionConfig | None = None
    input_audio_noise_reduction: NoiseReduction | None = None
    turn_detection: TurnDetection | None = None
    include: tuple[str, ...] | None = None
    client_secret: Json | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class RealtimeSession(Model):
    """GA realtime session (``session.type == "realtime"``)."""

    type: ClassVar[str] = "realtime"
    id: str | None = None
    object: str | None = None
    model: str | None = None
    output_modalities: tuple[str, ...] | None = None
    instructions: str | None = None
    tools: tuple[Tool, ...] | None = None
    tool_choice: Json | None = None
    max_output_tokens: int | str | None = None
    tracing: Json | None = None
    truncation: Json | None = None
    prompt: Json | None = None
    expires_at: int | None = None
    include: tuple[str, ...] | None = None
    reasoning: Json | None = None
    parallel_tool_calls: bool | None = None
    audio: SessionAudio | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class TranscriptionSession(Model):
    """GA transcription session (``session.type == "transcription"``)."""

    type: ClassVar[str] = "transcription"
    id: str | None = None
    object: str | None = None
    expires_at: int | None = None
    include: tuple[str, ...] | None = None
    audio: SessionAudio | None = None


Session = Union[RealtimeSession, TranscriptionSession, BetaSession]
"""The session of ``session.created/updated``: GA sessions are told apart by ``type``; a
session without ``type`` is a beta session."""


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationRef(Model):
    """The conversation of ``conversation.created``."""

    id: str | None = None
    object: str | None = None


# --------------------------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ContentPart(Model):
    """One content part of a message (and the ``part`` of ``response.content_part.*``).

    ``type`` is ``input_text``, ``input_audio``, ``input_image`` or ``item_reference`` for
    user/system content, ``text``/``audio`` (beta, and GA content-part events) or
    ``output_text``/``output_audio`` (GA items) for assistant content. ``audio`` is the
    base64 text as sent (only ``conversation.item.retrieved`` carries it).
    """

    type: str | None = None
    text: str | None = None
    audio: str | None = None
    transcript: str | None = None
    id: str | None = None
    image_url: str | None = None
    detail: str | None = None
    format: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class MessageItem(Model):
    """A ``message`` item: ``role`` is ``user``, ``assistant`` or ``system``."""

    type: ClassVar[str] = "message"
    id: str | None = None
    object: str | None = None
    status: str | None = None
    role: str | None = None
    content: tuple[ContentPart, ...] | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class FunctionCallItem(Model):
    """A ``function_call`` item: the model asks the client to run ``name(arguments)``."""

    type: ClassVar[str] = "function_call"
    id: str | None = None
    object: str | None = None
    status: str | None = None
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class FunctionCallOutputItem(Model):
    """A ``function_call_output`` item: the client's result for ``call_id``."""

    type: ClassVar[str] = "function_call_output"
    id: str | None = None
    object: str | None = None
    status: str | None = None
    call_id: str | None = None
    output: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class McpTool(Model):
    """One tool listed by an MCP server."""

    name: str
    input_schema: Json
    description: str | None = None
    annotations: Json | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class McpListToolsItem(Model):
    """An ``mcp_list_tools`` item (GA): the tools an MCP server offers."""

    type: ClassVar[str] = "mcp_list_tools"
    server_label: str
    tools: tuple[McpTool, ...]
    id: str | None = None
    object: str | None = None
    status: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class McpError(Model):
    """Error of an MCP call: ``protocol_error``/``http_error`` (with ``code``) or
    ``tool_execution_error``."""

    type: str
    message: str
    code: int | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class McpCallItem(Model):
    """An ``mcp_call`` item (GA): a call of an MCP tool, with its output or error."""

    type: ClassVar[str] = "mcp_call"
    id: str
    server_label: str
    name: str
    arguments: str
    approval_request_id: str | None = None
    output: str | None = None
    error: McpError | None = None
    object: str | None = None
    status: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class McpApprovalRequestItem(Model):
    """An ``mcp_approval_request`` item (GA)."""

    type: ClassVar[str] = "mcp_approval_request"
    id: str
    server_label: str
    name: str
    arguments: str
    object: str | None = None
    status: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class McpApprovalResponseItem(Model):
    """An ``mcp_approval_response`` item (GA)."""

    type: ClassVar[str] = "mcp_approval_response"
    id: str
    approval_request_id: str
    approve: bool
    reason: str | None = None
    object: str | None = None
    status: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class UnknownObject:
    """A nested object of a kind this version does not know, kept whole: an item or a
    transcription usage whose ``type`` is new (or missing)."""

    payload: Mapping[str, Json]
    """The object as received, deep-frozen."""

    @property
    def type(self) -> str | None:
        """The object's ``type`` as sent, or ``None``."""
        value = self.payload.get("type")
        return value if isinstance(value, str) else None

    @property
    def id(self) -> str | None:
        """The object's ``id`` as sent, or ``None``."""
        value = self.payload.get("id")
        return value if isinstance(value, str) else None


Item = Union[
    MessageItem,
    FunctionCallItem,
    FunctionCallOutputItem,
    McpListToolsItem,
    McpCallItem,
    McpApprovalRequestItem,
    McpApprovalResponseItem,
    UnknownObject,
]
"""A conversation item, told apart by ``type``."""


# --------------------------------------------------------------------------------------------
# Responses, usage, errors, transcription details
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class CachedTokensDetails(Model):
    """Cached input tokens by modality."""

    text_tokens: int | None = None
    audio_tokens: int | None = None
    image_tokens: int | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputTokenDetails(Model):
    """Input tokens by modality; ``cached_tokens`` is a subset of the input tokens."""

    cached_tokens: int | None = None
    text_tokens: int | None = None
    audio_tokens: int | None = None
    image_tokens: int | None = None
    cached_tokens_details: CachedTokensDetails | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class OutputTokenDetails(Model):
    """Output tokens by modality."""

    text_tokens: int | None = None
    audio_tokens: int | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class Usage(Model):
    """Token usage of one response."""

    total_tokens: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    input_token_details: InputTokenDetails | None = None
    output_token_details: OutputTokenDetails | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class StatusError(Model):
    """Error behind a ``failed`` response."""

    type: str | None = None
    code: str | None = None
    message: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class StatusDetails(Model):
    """Why a response ended the way it did (``type``, ``reason``, ``error``)."""

    type: str | None = None
    reason: str | None = None
    error: StatusError | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseAudioOutput(Model):
    """GA ``response.audio.output``: format and voice."""

    format: AudioFormat | None = None
    voice: Json | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseAudio(Model):
    """GA ``response.audio``."""

    output: ResponseAudioOutput | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class Response(Model):
    """The response object of ``response.created`` and ``response.done`` (both dialects).

    ``conversation_id`` is ``None`` and listed in ``explicit_nulls`` for an out-of-band
    response (created with ``conversation: "none"``); absent in early beta.
    """

    id: str | None = None
    object: str | None = None
    status: str | None = None
    status_details: StatusDetails | None = None
    output: tuple[Item, ...] | None = None
    usage: Usage | None = None
    conversation_id: str | None = None
    metadata: Json | None = None
    max_output_tokens: int | str | None = None
    # beta
    modalities: tuple[str, ...] | None = None
    voice: Json | None = None
    output_audio_format: str | None = None
    temperature: float | None = None
    # GA
    output_modalities: tuple[str, ...] | None = None
    audio: ResponseAudio | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class RateLimit(Model):
    """One rate limit (``requests`` or ``tokens``); ``reset_seconds`` is fractional."""

    name: str | None = None
    limit: int | None = None
    remaining: int | None = None
    reset_seconds: float | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ErrorDetails(Model):
    """The ``error`` of an ``error`` event; ``event_id`` names the client event at fault."""

    type: str
    message: str
    code: str | None = None
    param: str | None = None
    event_id: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class TranscriptionError(Model):
    """The ``error`` of ``conversation.item.input_audio_transcription.failed``."""

    type: str | None = None
    code: str | None = None
    message: str | None = None
    param: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class LogProb(Model):
    """Log probability of one token of an input transcription."""

    token: str
    logprob: float
    bytes: tuple[int, ...]


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class TranscriptionLanguage(Model):
    """A language detected in an input transcription."""

    code: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class TranscriptionTokenDetails(Model):
    """Input token details of a token-billed transcription."""

    text_tokens: int | None = None
    audio_tokens: int | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class TranscriptionUsageTokens(Model):
    """Token-billed transcription usage (``type == "tokens"``)."""

    type: ClassVar[str] = "tokens"
    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: TranscriptionTokenDetails | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class TranscriptionUsageDuration(Model):
    """Duration-billed transcription usage (``type == "duration"``), in seconds."""

    type: ClassVar[str] = "duration"
    seconds: float


TranscriptionUsage = Union[TranscriptionUsageTokens, TranscriptionUsageDuration, UnknownObject]
"""Usage of an input transcription, told apart by ``type``."""


# --------------------------------------------------------------------------------------------
# Server events
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ServerEvent(Model):
    """Base of every known server event. ``type`` is the wire name of the event class."""

    type: ClassVar[str]
    event_id: str


# Session ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class SessionCreated(ServerEvent):
    """``session.created``: the first event of a connection, with the server defaults."""

    type: ClassVar[str] = "session.created"
    session: Session


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class SessionUpdated(ServerEvent):
    """``session.updated``: the whole session after a ``session.update``."""

    type: ClassVar[str] = "session.updated"
    session: Session


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class TranscriptionSessionCreated(ServerEvent):
    """``transcription_session.created`` (beta transcription intent)."""

    type: ClassVar[str] = "transcription_session.created"
    session: BetaTranscriptionSession


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class TranscriptionSessionUpdated(ServerEvent):
    """``transcription_session.updated`` (beta transcription intent)."""

    type: ClassVar[str] = "transcription_session.updated"
    session: BetaTranscriptionSession


# Conversation and items ---------------------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationCreated(ServerEvent):
    """``conversation.created`` (listed by both dialects, not seen in recordings)."""

    type: ClassVar[str] = "conversation.created"
    conversation: ConversationRef


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationItemCreated(ServerEvent):
    """``conversation.item.created`` (beta): an item entered the conversation."""

    type: ClassVar[str] = "conversation.item.created"
    item: Item
    previous_item_id: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationItemAdded(ServerEvent):
    """``conversation.item.added`` (GA): an item entered the conversation (may be partial)."""

    type: ClassVar[str] = "conversation.item.added"
    item: Item
    previous_item_id: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationItemDone(ServerEvent):
    """``conversation.item.done`` (GA): the item is final (never with audio bytes)."""

    type: ClassVar[str] = "conversation.item.done"
    item: Item
    previous_item_id: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationItemRetrieved(ServerEvent):
    """``conversation.item.retrieved``: the server's full copy of an item, audio included."""

    type: ClassVar[str] = "conversation.item.retrieved"
    item: Item


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationItemTruncated(ServerEvent):
    """``conversation.item.truncated``: assistant audio cut at ``audio_end_ms``."""

    type: ClassVar[str] = "conversation.item.truncated"
    item_id: str
    content_index: int
    audio_end_ms: int


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationItemDeleted(ServerEvent):
    """``conversation.item.deleted``."""

    type: ClassVar[str] = "conversation.item.deleted"
    item_id: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioTranscriptionDelta(ServerEvent):
    """``conversation.item.input_audio_transcription.delta``: a piece of a user transcript."""

    type: ClassVar[str] = "conversation.item.input_audio_transcription.delta"
    item_id: str
    content_index: int | None = None
    delta: str | None = None
    logprobs: tuple[LogProb, ...] | None = None
    obfuscation: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioTranscriptionCompleted(ServerEvent):
    """``conversation.item.input_audio_transcription.completed``: the whole user transcript.

    ``usage`` is absent in beta-era recordings.
    """

    type: ClassVar[str] = "conversation.item.input_audio_transcription.completed"
    item_id: str
    content_index: int
    transcript: str
    usage: TranscriptionUsage | None = None
    logprobs: tuple[LogProb, ...] | None = None
    languages: tuple[TranscriptionLanguage, ...] | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioTranscriptionFailed(ServerEvent):
    """``conversation.item.input_audio_transcription.failed``."""

    type: ClassVar[str] = "conversation.item.input_audio_transcription.failed"
    item_id: str
    content_index: int
    error: TranscriptionError


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioTranscriptionSegment(ServerEvent):
    """``conversation.item.input_audio_transcription.segment`` (GA, diarisation)."""

    type: ClassVar[str] = "conversation.item.input_audio_transcription.segment"
    item_id: str
    content_index: int
    text: str
    id: str
    speaker: str
    start: float
    end: float


# Input audio buffer -------------------------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioBufferSpeechStarted(ServerEvent):
    """``input_audio_buffer.speech_started``: VAD heard speech; ``item_id`` is the item to be."""

    type: ClassVar[str] = "input_audio_buffer.speech_started"
    audio_start_ms: int
    item_id: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioBufferSpeechStopped(ServerEvent):
    """``input_audio_buffer.speech_stopped``."""

    type: ClassVar[str] = "input_audio_buffer.speech_stopped"
    audio_end_ms: int
    item_id: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioBufferCommitted(ServerEvent):
    """``input_audio_buffer.committed``: the buffer becomes user item ``item_id``."""

    type: ClassVar[str] = "input_audio_buffer.committed"
    item_id: str
    previous_item_id: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioBufferCleared(ServerEvent):
    """``input_audio_buffer.cleared``."""

    type: ClassVar[str] = "input_audio_buffer.cleared"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioBufferTimeoutTriggered(ServerEvent):
    """``input_audio_buffer.timeout_triggered`` (GA, server VAD ``idle_timeout_ms``)."""

    type: ClassVar[str] = "input_audio_buffer.timeout_triggered"
    audio_start_ms: int
    audio_end_ms: int
    item_id: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioBufferDtmfEventReceived(Model):
    """``input_audio_buffer.dtmf_event_received`` (GA, SIP): a key press. It has no
    ``event_id`` on the wire; the attribute is ``None`` unless a server sends one."""

    type: ClassVar[str] = "input_audio_buffer.dtmf_event_received"
    event: str
    received_at: int
    event_id: str | None = None


# Output audio buffer (WebRTC / SIP) ---------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class OutputAudioBufferStarted(ServerEvent):
    """``output_audio_buffer.started``: the server began playing a response's audio."""

    type: ClassVar[str] = "output_audio_buffer.started"
    response_id: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class OutputAudioBufferStopped(ServerEvent):
    """``output_audio_buffer.stopped``: playback drained (comes after ``response.done``)."""

    type: ClassVar[str] = "output_audio_buffer.stopped"
    response_id: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class OutputAudioBufferCleared(ServerEvent):
    """``output_audio_buffer.cleared``: playback cut (the response may be done already)."""

    type: ClassVar[str] = "output_audio_buffer.cleared"
    response_id: str


# Response lifecycle -------------------------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseCreated(ServerEvent):
    """``response.created``."""

    type: ClassVar[str] = "response.created"
    response: Response


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseDone(ServerEvent):
    """``response.done``: always sent, whatever the outcome."""

    type: ClassVar[str] = "response.done"
    response: Response


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseOutputItemAdded(ServerEvent):
    """``response.output_item.added``."""

    type: ClassVar[str] = "response.output_item.added"
    response_id: str
    output_index: int
    item: Item


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseOutputItemDone(ServerEvent):
    """``response.output_item.done``."""

    type: ClassVar[str] = "response.output_item.done"
    response_id: str
    output_index: int
    item: Item


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class _ContentPartEvent(ServerEvent):
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ContentPart


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseContentPartAdded(_ContentPartEvent):
    """``response.content_part.added``."""

    type: ClassVar[str] = "response.content_part.added"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseContentPartDone(_ContentPartEvent):
    """``response.content_part.done``: ``part`` holds the final text or transcript."""

    type: ClassVar[str] = "response.content_part.done"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class _PartEvent(ServerEvent):
    response_id: str
    item_id: str
    output_index: int
    content_index: int


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class _PartDeltaEvent(_PartEvent):
    delta: str
    obfuscation: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class _TextDoneEvent(_PartEvent):
    text: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class _TranscriptDoneEvent(_PartEvent):
    transcript: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseTextDelta(_PartDeltaEvent):
    """``response.text.delta`` (beta name of ``response.output_text.delta``)."""

    type: ClassVar[str] = "response.text.delta"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseTextDone(_TextDoneEvent):
    """``response.text.done`` (beta name of ``response.output_text.done``)."""

    type: ClassVar[str] = "response.text.done"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseOutputTextDelta(_PartDeltaEvent):
    """``response.output_text.delta`` (GA)."""

    type: ClassVar[str] = "response.output_text.delta"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseOutputTextDone(_TextDoneEvent):
    """``response.output_text.done`` (GA): the whole text."""

    type: ClassVar[str] = "response.output_text.done"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseAudioDelta(_PartDeltaEvent):
    """``response.audio.delta`` (beta): ``delta`` is base64 audio."""

    type: ClassVar[str] = "response.audio.delta"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseAudioDone(_PartEvent):
    """``response.audio.done`` (beta)."""

    type: ClassVar[str] = "response.audio.done"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseOutputAudioDelta(_PartDeltaEvent):
    """``response.output_audio.delta`` (GA): ``delta`` is base64 audio."""

    type: ClassVar[str] = "response.output_audio.delta"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseOutputAudioDone(_PartEvent):
    """``response.output_audio.done`` (GA)."""

    type: ClassVar[str] = "response.output_audio.done"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseAudioTranscriptDelta(_PartDeltaEvent):
    """``response.audio_transcript.delta`` (beta)."""

    type: ClassVar[str] = "response.audio_transcript.delta"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseAudioTranscriptDone(_TranscriptDoneEvent):
    """``response.audio_transcript.done`` (beta); partial on interruption."""

    type: ClassVar[str] = "response.audio_transcript.done"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseOutputAudioTranscriptDelta(_PartDeltaEvent):
    """``response.output_audio_transcript.delta`` (GA)."""

    type: ClassVar[str] = "response.output_audio_transcript.delta"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseOutputAudioTranscriptDone(_TranscriptDoneEvent):
    """``response.output_audio_transcript.done`` (GA); partial on interruption."""

    type: ClassVar[str] = "response.output_audio_transcript.done"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseFunctionCallArgumentsDelta(ServerEvent):
    """``response.function_call_arguments.delta``: a chunk of the arguments' JSON text."""

    type: ClassVar[str] = "response.function_call_arguments.delta"
    response_id: str
    item_id: str
    output_index: int
    call_id: str
    delta: str
    obfuscation: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseFunctionCallArgumentsDone(ServerEvent):
    """``response.function_call_arguments.done``; ``name`` is sent by GA and by late beta."""

    type: ClassVar[str] = "response.function_call_arguments.done"
    response_id: str
    item_id: str
    output_index: int
    call_id: str
    arguments: str
    name: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseMcpCallArgumentsDelta(ServerEvent):
    """``response.mcp_call_arguments.delta`` (GA)."""

    type: ClassVar[str] = "response.mcp_call_arguments.delta"
    response_id: str
    item_id: str
    output_index: int
    delta: str
    obfuscation: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseMcpCallArgumentsDone(ServerEvent):
    """``response.mcp_call_arguments.done`` (GA)."""

    type: ClassVar[str] = "response.mcp_call_arguments.done"
    response_id: str
    item_id: str
    output_index: int
    arguments: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class _McpCallEvent(ServerEvent):
    item_id: str
    output_index: int


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseMcpCallInProgress(_McpCallEvent):
    """``response.mcp_call.in_progress`` (GA; no ``response_id``)."""

    type: ClassVar[str] = "response.mcp_call.in_progress"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseMcpCallCompleted(_McpCallEvent):
    """``response.mcp_call.completed`` (GA; the output sits in the ``mcp_call`` item)."""

    type: ClassVar[str] = "response.mcp_call.completed"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseMcpCallFailed(_McpCallEvent):
    """``response.mcp_call.failed`` (GA; the error sits in the ``mcp_call`` item)."""

    type: ClassVar[str] = "response.mcp_call.failed"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class _McpListToolsEvent(ServerEvent):
    item_id: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class McpListToolsInProgress(_McpListToolsEvent):
    """``mcp_list_tools.in_progress`` (GA)."""

    type: ClassVar[str] = "mcp_list_tools.in_progress"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class McpListToolsCompleted(_McpListToolsEvent):
    """``mcp_list_tools.completed`` (GA; the tools arrive in the item)."""

    type: ClassVar[str] = "mcp_list_tools.completed"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class McpListToolsFailed(_McpListToolsEvent):
    """``mcp_list_tools.failed`` (GA)."""

    type: ClassVar[str] = "mcp_list_tools.failed"


# Misc ---------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class RateLimitsUpdated(ServerEvent):
    """``rate_limits.updated``: replaces the limits (beta after ``response.created``, GA after
    ``response.done``)."""

    type: ClassVar[str] = "rate_limits.updated"
    rate_limits: tuple[RateLimit, ...]


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class Error(ServerEvent):
    """``error``: most errors do not end the session."""

    type: ClassVar[str] = "error"
    error: ErrorDetails


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class UnknownEvent:
    """A server event whose ``type`` this version does not know, kept whole.

    ``encode`` gives back ``payload`` as it arrived.
    """

    type: str
    """The wire ``type``."""

    payload: Mapping[str, Json]
    """The whole event as received, deep-frozen (``type`` included)."""

    @property
    def event_id(self) -> str | None:
        """The event's ``event_id``, or ``None`` when it has none."""
        value = self.payload.get("event_id")
        return value if isinstance(value, str) else None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class UnknownClientEvent(UnknownEvent):
    """A client event whose ``type`` this version does not know (an envelope line with
    ``"source": "client"``), kept whole; it counts as a client event
    (``state.client_events``)."""


ServerEventClass = Union[
    SessionCreated,
    SessionUpdated,
    TranscriptionSessionCreated,
    TranscriptionSessionUpdated,
    ConversationCreated,
    ConversationItemCreated,
    ConversationItemAdded,
    ConversationItemDone,
    ConversationItemRetrieved,
    ConversationItemTruncated,
    ConversationItemDeleted,
    InputAudioTranscriptionDelta,
    InputAudioTranscriptionCompleted,
    InputAudioTranscriptionFailed,
    InputAudioTranscriptionSegment,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioBufferCommitted,
    InputAudioBufferCleared,
    InputAudioBufferTimeoutTriggered,
    InputAudioBufferDtmfEventReceived,
    OutputAudioBufferStarted,
    OutputAudioBufferStopped,
    OutputAudioBufferCleared,
    ResponseCreated,
    ResponseDone,
    ResponseOutputItemAdded,
    ResponseOutputItemDone,
    ResponseContentPartAdded,
    ResponseContentPartDone,
    ResponseTextDelta,
    ResponseTextDone,
    ResponseOutputTextDelta,
    ResponseOutputTextDone,
    ResponseAudioDelta,
    ResponseAudioDone,
    ResponseOutputAudioDelta,
    ResponseOutputAudioDone,
    ResponseAudioTranscriptDelta,
    ResponseAudioTranscriptDone,
    ResponseOutputAudioTranscriptDelta,
    ResponseOutputAudioTranscriptDone,
    ResponseFunctionCallArgumentsDelta,
    ResponseFunctionCallArgumentsDone,
    ResponseMcpCallArgumentsDelta,
    ResponseMcpCallArgumentsDone,
    ResponseMcpCallInProgress,
    ResponseMcpCallCompleted,
    ResponseMcpCallFailed,
    McpListToolsInProgress,
    McpListToolsCompleted,
    McpListToolsFailed,
    RateLimitsUpdated,
    Error,
]
"""Union of every known server event class (tagged by ``type``)."""

SERVER_EVENT_CLASSES: Mapping[str, type[Any]] = immutabledict(
    {cls.type: cls for cls in ServerEventClass.__args__}  # type: ignore[attr-defined]
)
"""Wire ``type`` -> event class, for every known server event."""


# --------------------------------------------------------------------------------------------
# Client events (what the app sends)
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ClientEvent(Model):
    """Base of every known client event: ``event_id`` is optional (the server echoes it in
    ``error.event_id`` when the event fails)."""

    type: ClassVar[str]
    event_id: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class SessionUpdate(ClientEvent):
    """``session.update``: change the session configuration (GA or beta session object)."""

    type: ClassVar[str] = "session.update"
    session: Session


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class TranscriptionSessionUpdate(ClientEvent):
    """``transcription_session.update`` (beta): change a transcription session."""

    type: ClassVar[str] = "transcription_session.update"
    session: BetaTranscriptionSession


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationItemCreate(ClientEvent):
    """``conversation.item.create``: add an item (after ``previous_item_id``, or at the end)."""

    type: ClassVar[str] = "conversation.item.create"
    item: Item
    previous_item_id: str | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationItemTruncate(ClientEvent):
    """``conversation.item.truncate``: cut an assistant audio part at ``audio_end_ms``."""

    type: ClassVar[str] = "conversation.item.truncate"
    item_id: str
    content_index: int
    audio_end_ms: int


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationItemDelete(ClientEvent):
    """``conversation.item.delete``: remove an item."""

    type: ClassVar[str] = "conversation.item.delete"
    item_id: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ConversationItemRetrieve(ClientEvent):
    """``conversation.item.retrieve``: ask for the server's copy of an item."""

    type: ClassVar[str] = "conversation.item.retrieve"
    item_id: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioBufferAppend(ClientEvent):
    """``input_audio_buffer.append``: user audio (base64, in the session's input format)."""

    type: ClassVar[str] = "input_audio_buffer.append"
    audio: str


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioBufferCommit(ClientEvent):
    """``input_audio_buffer.commit``: make the buffered audio a user item."""

    type: ClassVar[str] = "input_audio_buffer.commit"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class InputAudioBufferClear(ClientEvent):
    """``input_audio_buffer.clear``: drop the buffered audio."""

    type: ClassVar[str] = "input_audio_buffer.clear"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class OutputAudioBufferClear(ClientEvent):
    """``output_audio_buffer.clear`` (WebRTC/SIP): stop the audio being played."""

    type: ClassVar[str] = "output_audio_buffer.clear"


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseCreate(ClientEvent):
    """``response.create``: ask for a response; ``response`` holds its parameters as sent
    (instructions, modalities, tools, ``conversation: "none"`` for out of band, ...)."""

    type: ClassVar[str] = "response.create"
    response: Json | None = None


@attrs.frozen(kw_only=True, slots=True, weakref_slot=False)
class ResponseCancel(ClientEvent):
    """``response.cancel``: cancel the running response (or ``response_id``)."""

    type: ClassVar[str] = "response.cancel"
    response_id: str | None = None


ClientEventClass = Union[
    SessionUpdate,
    TranscriptionSessionUpdate,
    ConversationItemCreate,
    ConversationItemTruncate,
    ConversationItemDelete,
    ConversationItemRetrieve,
    InputAudioBufferAppend,
    InputAudioBufferCommit,
    InputAudioBufferClear,
    OutputAudioBufferClear,
    ResponseCreate,
    ResponseCancel,
]
"""Union of every known client event class (tagged by ``type``)."""

CLIENT_EVENT_CLASSES: Mapping[str, type[Any]] = immutabledict(
    {cls.type: cls for cls in ClientEventClass.__args__}  # type: ignore[attr-defined]
)
"""Wire ``type`` -> event class, for every known client event (no ``type`` is both a client
and a server event's)."""
