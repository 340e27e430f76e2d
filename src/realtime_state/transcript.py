"""Transcript snapshots: the conversation as turns, with what was said and what was heard.

:func:`transcript_of` (``state.transcript()``) reads ``state.items`` once and returns an
immutable :class:`Transcript`: one :class:`Turn` per item, in conversation order. It never
changes the state and costs O(items): streamed text is joined once per chunk list (and
memoised by the state), audio is never joined (durations come from byte counts), function
calls and their outputs are paired through one dictionary.

A turn cut by ``conversation.item.truncated`` has ``text == ""``, as the server now holds it;
``said_text`` keeps the transcript streamed (deltas still in flight at the cut included),
``heard_ms`` the cut, ``audio_ms`` all the audio received, and ``heard_text_estimate`` the
leading words of ``said_text`` in proportion to ``heard_ms / audio_ms`` (an estimate: speech
is not spoken at a constant rate of characters; ``None`` when ``audio_ms`` is). Renderers
mark such turns ``[interrupted at 1.86 s of 4.20 s]``, or ``[interrupted at 1.86 s]`` when
no audio came over this connection.

``Transcript.to_dict()`` gives the JSON-ready form ``{"schema":
"realtime-state/transcript@1", "turns": [...]}``; every turn object has the same keys
(``null`` where a key does not apply). ``Transcript.from_dict`` reads it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, overload

import attrs

from ._render import markdown_block, parse_arguments, text_line
from .audio import part_spec, received_audio_bytes

if TYPE_CHECKING:
    from .state import ItemState, PartState, SessionState

__all__ = [
    "SCHEMA",
    "TURN_KEYS",
    "Turn",
    "TurnError",
    "Transcript",
    "transcript_of",
    "estimate_heard_text",
]

SCHEMA = "realtime-state/transcript@1"
"""The ``schema`` value of :meth:`Transcript.to_dict`; bumped on any incompatible change."""

_WORD = re.compile(r"\S+")


@attrs.frozen(slots=True)
class TurnError:
    """An error attached to a turn: an MCP call's error or a failed input transcription."""

    type: str | None = None
    code: str | int | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form: ``{"type", "code", "message"}``."""
        return {"type": self.type, "code": self.code, "message": self.message}


@attrs.frozen(slots=True, kw_only=True)
class Turn:
    """One conversation item, as a reader wants it.

    Every attribute is present on every turn; those that do not apply are ``None`` (or
    empty).
    """

    item_id: str
    """The item's id."""
    role: str | None
    """``user``, ``assistant``, ``system``, or ``None`` for non-messages."""
    kind: str | None
    """The item type: ``message``, ``function_call``, ``function_call_output``,
    ``mcp_call``, ``mcp_list_tools``, ``mcp_approval_request``, ``mcp_approval_response``, or
    the wire type of an item this version does not know."""
    text: str
    """The words: text parts joined, else the audio transcript(s), else the input
    transcription; ``""`` when there are none yet, and for a turn cut by truncation."""
    status: str | None
    """The item's status (``completed``, ``incomplete``, ``in_progress``, ...)."""
    response_id: str | None = None
    """The response that produced the item, or ``None`` (user and client items)."""
    truncated_at_ms: int | None = None
    """Where ``conversation.item.truncated`` cut the audio, or ``None``."""
    said_text: str | None = None
    """For a cut turn: the transcript streamed, deltas in flight at the cut included (what
    was said); else ``None``."""
    heard_ms: int | None = None
    """For a cut turn: how much the user heard (the cut, in ms); else ``None``."""
    audio_ms: float | None = None
    """Milliseconds of audio received over this connection (for a cut turn, all that came,
    also after the cut, though the state keeps only the audio up to it), ``None`` when none
    came (WebRTC, SIP)."""
    heard_text_estimate: str | None = None
    """For a cut turn whose ``audio_ms`` is known: the leading words of ``said_text`` in
    proportion to ``heard_ms / audio_ms`` (an estimate; ``""`` for a cut at 0 ms). ``None``
    whenever ``audio_ms`` is ``None``."""
    name: str | None = None
    """Function or MCP tool name (also on a ``function_call_output``, from its call)."""
    call_id: str | None = None
    """The function call id (``function_call`` and ``function_call_output``)."""
    arguments: str | None = None
    """The call's arguments as the model wrote them (raw JSON text)."""
    output: str | None = None
    """A call's output: joined from the ``function_call_output`` with the same ``call_id``
    (for a function call), the item's own output (output items, MCP calls)."""
    paired_item_id: str | None = None
    """For a function call, the id of its output item; for an output, its call's."""
    server_label: str | None = None
    """MCP server label."""
    tools: tuple[str, ...] | None = None
    """Tool names listed by an ``mcp_list_tools`` item."""
    approval_request_id: str | None = None
    """MCP approval request id (approval responses and calls that needed one)."""
    approve: bool | None = None
    """MCP approval response: whether the call was approved."""
    error: TurnError | None = None
    """An MCP call's error, or a failed input transcription's error."""
    content_types: tuple[str, ...] = ()
    """The wire types of the item's content parts, in order."""
    transcription_status: str | None = None
    """For user audio: ``in_progress``, ``completed``, ``failed``, or ``None``."""

    @property
    def parsed_arguments(self) -> Any:
        """``arguments`` as a JSON value (parsed afresh on each access, so changing it never
        changes the turn), or ``None`` when absent or not valid JSON."""
        return parse_arguments(self.arguments)

    @property
    def interrupted(self) -> bool:
        """Whether the turn was cut by ``conversation.item.truncated``."""
        return self.truncated_at_ms is not None

    @property
    def marker(self) -> str | None:
        """``[interrupted at 1.86 s of 4.20 s]`` (or ``[interrupted at 1.86 s]`` when the
        audio received is unknown) for a cut turn, else ``None``."""
        if self.truncated_at_ms is None:
            return None
        heard = f"{self.truncated_at_ms / 1000:.2f} s"
        if self.audio_ms is None:
            return f"[interrupted at {heard}]"
        return f"[interrupted at {heard} of {self.audio_ms / 1000:.2f} s]"

    def to_dict(self) -> dict[str, Any]:
        """The turn as a JSON-ready dict with every key of :data:`TURN_KEYS`."""
        return {
            "item_id": self.item_id,
            "role": self.role,
            "kind": self.kind,
            "text": self.text,
            "status": self.status,
            "response_id": self.response_id,
            "truncated_at_ms": self.truncated_at_ms,
            "said_text": self.said_text,
            "heard_ms": self.heard_ms,
            "audio_ms": self.audio_ms,
            "heard_text_estimate": self.heard_text_estimate,
            "name": self.name,
            "call_id": self.call_id,
            "arguments": self.arguments,
            "parsed_arguments": self.parsed_arguments,
            "output": self.output,
            "paired_item_id": self.paired_item_id,
            "server_label": self.server_label,
            "tools": None if self.tools is None else list(self.tools),
            "approval_request_id": self.approval_request_id,
            "approve": self.approve,
            "error": None if self.error is None else self.error.to_dict(),
            "content_types": list(self.content_types),
            "transcription_status": self.transcription_status,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Turn:
        """Read a turn written by :meth:`to_dict` (missing optional keys read as ``None``;
        ``parsed_arguments`` is not read: it is derived from ``arguments``)."""
        missing = [key for key in ("item_id", "kind", "text") if key not in data]
        if missing:
            raise ValueError(f"a transcript turn needs {', '.join(missing)}")
        error = data.get("error")
        tools = data.get("tools")
        return cls(
            item_id=data["item_id"],
            role=data.get("role"),
            kind=data["kind"],
            text=data["text"],
            status=data.get("status"),
            response_id=data.get("response_id"),
            truncated_at_ms=data.get("truncated_at_ms"),
            said_text=data.get("said_text"),
            heard_ms=data.get("heard_ms"),
            audio_ms=data.get("audio_ms"),
            heard_text_estimate=data.get("heard_text_estimate"),
            name=data.get("name"),
            call_id=data.get("call_id"),
            arguments=data.get("arguments"),
            output=data.get("output"),
            paired_item_id=data.get("paired_item_id"),
            server_label=data.get("server_label"),
            tools=None if tools is None else tuple(tools),
            approval_request_id=data.get("approval_request_id"),
            approve=data.get("approve"),
            error=None if error is None else TurnError(**error),
            content_types=tuple(data.get("content_types") or ()),
            transcription_status=data.get("transcription_status"),
        )


TURN_KEYS = tuple(Turn(item_id="", role=None, kind=None, text="", status=None).to_dict())
"""The keys of every turn object in ``to_dict()``, in order."""


@attrs.frozen(slots=True)
class Transcript:
    """An immutable snapshot of the conversation: ``turns`` in conversation order.

    Iterate it, index it, or look a turn up by item id with :meth:`turn`; render it with
    :meth:`to_text`, :meth:`to_markdown` or :meth:`to_dict`.
    """

    turns: tuple[Turn, ...] = ()

    def __len__(self) -> int:
        return len(self.turns)

    def __iter__(self) -> Iterator[Turn]:
        return iter(self.turns)

    @overload
    def __getitem__(self, index: int) -> Turn: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Turn, ...]: ...
    def __getitem__(self, index: int | slice) -> Turn | tuple[Turn, ...]:
        return self.turns[index]

    def turn(self, item_id: str) -> Turn | None:
        """The turn of the item with this id, or ``None``."""
        for turn in self.turns:
            if turn.item_id == item_id:
                return turn
        return None

    def to_dict(self) -> dict[str, Any]:
        """``{"schema": "realtime-state/transcript@1", "turns": [...]}``, ready for JSON."""
        return {"schema": SCHEMA, "turns": [turn.to_dict() for turn in self.turns]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Transcript:
        """Read a transcript written by :meth:`to_dict`; the ``schema`` must match."""
        schema = data.get("schema")
        if schema != SCHEMA:
            raise ValueError(f"expected schema {SCHEMA!r}, got {schema!r}")
        return cls(tuple(Turn.from_dict(turn) for turn in data.get("turns", ())))

    def to_text(self) -> str:
        """Plain text, one line per turn (``user: ...``, ``assistant: ...``,
        ``function_call get_weather({...})``, ...); cut turns carry their marker. A text
        that spans lines continues on lines indented by two spaces."""
        return "\n".join(text_line(turn).replace("\n", "\n  ") for turn in self.turns)

    def to_markdown(self) -> str:
        """Markdown: a bold speaker per message, calls and outputs as fenced code blocks.

        Whatever a speaker said renders as that text inside the speaker's one paragraph, in
        CommonMark and in Python-Markdown (``docs/transcript.md`` says exactly how); user audio
        carries the same transcription markers as :meth:`to_text`."""
        return "\n\n".join(markdown_block(turn) for turn in self.turns)


# ---------------------------------------------------------------------------------------------
# Building turns
# ---------------------------------------------------------------------------------------------


def estimate_heard_text(said_text: str, heard_ms: float, audio_ms: float | None) -> str | None:
    """The leading words of ``said_text`` that fit in the first ``heard_ms / audio_ms`` of its
    characters (whole words only); ``None`` when ``audio_ms`` is unknown or zero (whatever
    ``heard_ms``: no estimate without the audio received); ``""`` when ``heard_ms`` is 0.

    An estimate: it assumes the characters were spoken at an even pace over the audio.
    """
    if audio_ms is None or audio_ms <= 0:
        return None
    if heard_ms <= 0:
        return ""
    ratio = min(1.0, max(0.0, heard_ms / audio_ms))
    if ratio >= 1.0:
        return said_text.strip()
    text = said_text.strip()
    limit = ratio * len(text)
    end = 0
    for word in _WORD.finditer(text):
        if word.end() > limit:
            break
        end = word.end()
    return text[:end]


def _message_turn(session: Any, item: ItemState) -> Turn:
    texts: list[str] = []
    transcripts: list[str] = []
    said: list[str] = []
    truncated_at: int | None = None
    audio_ms: float | None = 0.0
    transcription_status: str | None = None
    error: TurnError | None = None
    for part in item.content:
        text = part.text
        if text:
            texts.append(text)
        transcript = part.transcript
        if transcript:
            transcripts.append(transcript)
        if part.transcription_status is not None:
            transcription_status = part.transcription_status
            if part.transcription_error is not None:
                failure = part.transcription_error
                error = TurnError(failure.type, failure.code, failure.message)
        if part.truncated_at_ms is not None:
            if truncated_at is None:
                truncated_at = part.truncated_at_ms
            if part.transcript_before_truncation:
                said.append(part.transcript_before_truncation)
        audio_ms = _add_audio(audio_ms, session, item, part)
    if audio_ms is not None and audio_ms <= 0:
        audio_ms = None
    said_text: str | None = None
    estimate: str | None = None
    if truncated_at is not None:
        said_text = " ".join(said)
        estimate = estimate_heard_text(said_text, truncated_at, audio_ms)
    return Turn(
        item_id=item.id,
        role=item.role,
        kind=item.type,
        text="".join(texts) if texts else " ".join(transcripts),
        status=item.status,
        response_id=item.response_id,
        truncated_at_ms=truncated_at,
        said_text=said_text,
        heard_ms=truncated_at,
        audio_ms=audio_ms,
        heard_text_estimate=estimate,
        error=error,
        content_types=tuple(part.type or "" for part in item.content),
        transcription_status=transcription_status,
    )


def _add_audio(total: float | None, session: Any, item: ItemState, part: PartState) -> float | None:
    """Add one part's received audio to ``total``; ``None`` once any amount is unknown."""
    if total is None:
        return None
    if not part.audio_bytes and part.truncated_at_ms is None:
        return total
    spec = part_spec(session, item, part)
    received = received_audio_bytes(part, spec)
    if received is None:
        return None if part.audio_bytes or part.truncated_at_ms else total
    return total + spec.duration_ms(received)


def _status(item: ItemState) -> str | None:
    """The item's status; for an item of a type this version does not know, the ``status``
    its payload carries."""
    status = item.status
    if status is None and item.unknown is not None:
        value = item.unknown.payload.get("status")
        if isinstance(value, str):
            return value
    return status


def _other_turn(
    item: ItemState,
    calls: Mapping[str, ItemState],
    outputs: Mapping[str, ItemState],
) -> Turn:
    kind = item.type
    arguments = item.arguments
    common: dict[str, Any] = {
        "item_id": item.id,
        "role": item.role,
        "kind": kind,
        "text": "",
        "status": _status(item),
        "response_id": item.response_id,
    }
    if kind == "function_call":
        answer = outputs.get(item.call_id) if item.call_id is not None else None
        return Turn(
            **common,
            name=item.name,
            call_id=item.call_id,
            arguments=arguments,
            output=None if answer is None else answer.output,
            paired_item_id=None if answer is None else answer.id,
        )
    if kind == "function_call_output":
        call = calls.get(item.call_id) if item.call_id is not None else None
        return Turn(
            **common,
            name=None if call is None else call.name,
            call_id=item.call_id,
            output=item.output,
            paired_item_id=None if call is None else call.id,
        )
    mcp_error = item.error
    return Turn(
        **common,
        name=item.name,
        arguments=arguments,
        output=item.output,
        server_label=item.server_label,
        tools=None if item.tools is None else tuple(tool.name for tool in item.tools),
        approval_request_id=item.approval_request_id,
        approve=item.approve,
        error=None
        if mcp_error is None
        else TurnError(mcp_error.type, mcp_error.code, mcp_error.message),
    )


def transcript_of(state: SessionState) -> Transcript:
    """The :class:`Transcript` of ``state``: one turn per item of ``state.items``.

    O(items); the state is not changed; audio is never joined.
    """
    items = tuple(state.iter_items())
    calls: dict[str, ItemState] = {}
    outputs: dict[str, ItemState] = {}
    for item in items:
        call_id = item.call_id
        if call_id is None:
            continue
        if item.type == "function_call":
            calls.setdefault(call_id, item)
        elif item.type == "function_call_output":
            outputs.setdefault(call_id, item)
    session = state.session
    return Transcript(
        tuple(
            _message_turn(session, item)
            if item.type == "message"
            else _other_turn(item, calls, outputs)
            for item in items
        )
    )


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------
