"""Carry a conversation into a new session: the client events that rebuild it.

A Realtime session ends (the 60-minute cap, a dropped connection, a model change); the
conversation does not have to. :func:`carry_over` (``state.to_client_events()`` for the
events alone) turns the conversation into ``conversation.item.create`` client events (GA
shape) that rebuild it in a fresh session:

* each event keeps its item's original ``id`` (a fresh session holds no ids yet, and old and
  new items can be matched); the first event has no ``previous_item_id`` (the server appends
  it), each later one names the item before it;
* messages keep their text: user and system text as ``input_text``, assistant text and
  assistant audio as ``output_text`` (audio output cannot be re-sent, so its transcript is
  used), user audio as its input transcription (``input_text``), or its bytes when asked
  (``user_audio="audio"``); user images keep their ``image_url``;
* an assistant turn cut by ``conversation.item.truncated`` carries its
  ``heard_text_estimate`` (what the user probably heard); when there is none (no audio came
  over this connection, e.g. WebRTC) it is left out, because its full transcript would put
  words in the model's mouth the user never heard; a turn cut at 0 ms is left out too;
* function calls and their outputs are carried in pairs (``include_function_calls``); a call
  without an output, or an output whose call is not carried, is left out (a fresh session
  would reject or misread it);
* MCP items are carried only with ``include_mcp=True`` (the new session must configure the
  same MCP servers);
* ``max_items`` keeps the last N items carried (the most recent context).

Everything left out is listed in :attr:`CarryOver.skipped` with the reason: whole items, and
the parts of a carried message that could not be carried (``Skipped.content_index`` names the
part; e.g. a user message's audio without a transcription, carried with its text alone).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import attrs

from .transcript import Turn, transcript_of

if TYPE_CHECKING:
    from .state import ItemState, SessionState

__all__ = ["CarryOver", "Skipped", "carry_over", "to_client_events", "session_update"]

USER_AUDIO_MODES = ("transcript", "audio")


@attrs.frozen(slots=True)
class Skipped:
    """An item left out of the carried conversation, or one part of a carried message left
    out of its event, and why."""

    item_id: str
    kind: str | None
    """The item's type (``message``, ``function_call``, ...)."""
    reason: str
    content_index: int | None = None
    """The part left out of a carried message, or ``None`` when the whole item is."""


@attrs.frozen(slots=True)
class CarryOver:
    """The client events that rebuild a conversation, and what was left out."""

    events: tuple[dict[str, Any], ...]
    """``conversation.item.create`` events, in conversation order."""
    skipped: tuple[Skipped, ...] = ()

    @property
    def item_ids(self) -> tuple[str, ...]:
        """The ids of the items the events create, in order."""
        return tuple(event["item"]["id"] for event in self.events)


def _text_part(kind: str, text: str) -> dict[str, Any]:
    return {"type": kind, "text": text}


Dropped = list[tuple[int, str]]
"""Parts of a message left out of its event: ``(content index, reason)``."""


def _user_content(item: ItemState, user_audio: str, dropped: Dropped) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = []
    for index, part in enumerate(item.content):
        kind = part.type
        if kind == "input_text" or (kind is None and part.text):
            if part.text:
                content.append(_text_part("input_text", part.text))
            else:
                dropped.append((index, f"part {index} is an empty input_text"))
        elif kind == "input_audio":
            transcript = (part.transcript or "").strip()
            if user_audio == "audio" and part.audio_bytes:
                audio_part: dict[str, Any] = {
                    "type": "input_audio",
                    "audio": base64.b64encode(part.audio).decode("ascii"),
                }
                if transcript:
                    audio_part["transcript"] = transcript
                content.append(audio_part)
            elif transcript:
                content.append(_text_part("input_text", transcript))
            else:
                status = part.transcription_status
                why = {
                    "failed": "its transcription failed",
                    "in_progress": "its transcription has not completed",
                }.get(status or "", "it has no transcription (input transcription off?)")
                dropped.append((index, f"part {index} is user audio and {why}"))
        elif kind == "input_image":
            if part.image_url:
                image: dict[str, Any] = {"type": "input_image", "image_url": part.image_url}
                if part.detail is not None:
                    image["detail"] = part.detail
                content.append(image)
            else:
                dropped.append((index, f"part {index} is an input_image without image_url"))
        else:
            dropped.append((index, f"part {index} of type {kind!r} cannot be re-created"))
    return content


def _system_content(item: ItemState, dropped: Dropped) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = []
    for index, part in enumerate(item.content):
        if part.text:
            content.append(_text_part("input_text", part.text))
        elif part.type in (None, "input_text", "text"):
            dropped.append((index, f"part {index} is an empty {part.type or 'text'} part"))
        else:
            dropped.append((index, f"part {index} of type {part.type!r} has no text to re-create"))
    return content


def _cut(turn: Turn) -> str:
    return (turn.marker or "[interrupted]").strip("[]")


def _message(
    item: ItemState, turn: Turn, user_audio: str, dropped: Dropped
) -> dict[str, Any] | str:
    """The item payload of a message, or the reason it is left out; parts left out of a
    carried message are added to ``dropped``."""
    role = item.role
    base: dict[str, Any] = {"id": item.id, "type": "message", "role": role}
    if role in ("user", "system"):
        parts: Dropped = []
        if role == "user":
            content = _user_content(item, user_audio, parts)
        else:
            content = _system_content(item, parts)
        if not content:
            return "; ".join(reason for _, reason in parts) or f"the {role} message has no text"
        dropped.extend(parts)
        return {**base, "content": content}
    if role == "assistant":
        if turn.interrupted:
            estimate = turn.heard_text_estimate
            if estimate == "" or turn.truncated_at_ms == 0:
                return f"{_cut(turn)} before a whole word was heard"
            if estimate is None:
                return (
                    f"{_cut(turn)} and how much the user heard is unknown (no "
                    "audio came over this connection): its full transcript would be words "
                    "the user never heard"
                )
            text = estimate
        else:
            text = turn.text
            if any(part.text for part in item.content):  # text parts win over transcripts
                dropped.extend(
                    (index, f"part {index} is audio whose transcript is not carried (the text is)")
                    for index, part in enumerate(item.content)
                    if part.transcript and not part.text
                )
        if not text:
            return "the assistant message has no text or transcript"
        return {**base, "content": [_text_part("output_text", text)]}
    return f"a message with role {role!r} cannot be re-created"


def _mcp(item: ItemState) -> dict[str, Any]:
    kind = item.type
    payload: dict[str, Any] = {"id": item.id, "type": kind}
    if kind == "mcp_list_tools":
        tools = []
        for tool in item.tools or ():
            entry: dict[str, Any] = {"name": tool.name, "input_schema": tool.input_schema}
            if tool.description is not None:
                entry["description"] = tool.description
            if tool.annotations is not None:
                entry["annotations"] = tool.annotations
            tools.append(entry)
        payload.update(server_label=item.server_label, tools=tools)
    elif kind in ("mcp_call", "mcp_approval_request"):
        payload.update(
            server_label=item.server_label, name=item.name, arguments=item.arguments or ""
        )
        if kind == "mcp_call":
            if item.approval_request_id is not None:
                payload["approval_request_id"] = item.approval_request_id
            if item.output is not None:
                payload["output"] = item.output
            if item.error is not None:
                error: dict[str, Any] = {"type": item.error.type, "message": item.error.message}
                if item.error.code is not None:
                    error["code"] = item.error.code
                payload["error"] = error
    else:  # mcp_approval_response
        payload.update(approval_request_id=item.approval_request_id, approve=bool(item.approve))
        if item.reason is not None:
            payload["reason"] = item.reason
    return payload


_MCP_KINDS = frozenset(
    {"mcp_list_tools", "mcp_call", "mcp_approval_request", "mcp_approval_response"}
)


def _payload(
    item: ItemState, turn: Turn, dropped: Dropped, *, calls: bool, mcp: bool, user_audio: str
) -> dict[str, Any] | str:
    kind = item.type
    if kind == "message":
        return _message(item, turn, user_audio, dropped)
    if kind == "function_call":
        if not calls:
            return "function calls are not carried (include_function_calls=False)"
        if item.name is None or item.call_id is None:
            return "the function call has no name or call_id yet"
        return {
            "id": item.id,
            "type": "function_call",
            "call_id": item.call_id,
            "name": item.name,
            "arguments": item.arguments or "",
        }
    if kind == "function_call_output":
        if not calls:
            return "function calls are not carried (include_function_calls=False)"
        if item.call_id is None:
            return "the function call output has no call_id"
        return {
            "id": item.id,
            "type": "function_call_output",
            "call_id": item.call_id,
            "output": item.output or "",
        }
    if kind in _MCP_KINDS:
        if not mcp:
            return (
                "MCP items are carried only with include_mcp=True (the new session must "
                "configure the same MCP server)"
            )
        return _mcp(item)
    return f"an item of type {kind!r} cannot be re-created"


def _pair(
    chosen: list[tuple[ItemState, dict[str, Any]]], skipped: list[Skipped]
) -> list[tuple[ItemState, dict[str, Any]]]:
    """Keep function calls and outputs only in pairs (a call before its output)."""
    calls_seen: set[str] = set()
    answered = {
        payload["call_id"] for _, payload in chosen if payload["type"] == "function_call_output"
    }
    kept: list[tuple[ItemState, dict[str, Any]]] = []
    for item, payload in chosen:
        kind = payload["type"]
        if kind == "function_call":
            if payload["call_id"] not in answered:
                skipped.append(Skipped(item.id, kind, "no function_call_output answers this call"))
                continue
            calls_seen.add(payload["call_id"])
        elif kind == "function_call_output" and payload["call_id"] not in calls_seen:
            skipped.append(
                Skipped(item.id, kind, "the function call it answers is not carried over")
            )
            continue
        kept.append((item, payload))
    return kept


def carry_over(
    state: SessionState,
    *,
    max_items: int | None = None,
    include_function_calls: bool = True,
    include_mcp: bool = False,
    user_audio: str = "transcript",
) -> CarryOver:
    """The client events that rebuild ``state``'s conversation in a new session, and what was
    left out (whole items, and parts of carried messages) with the reason.

    ``max_items`` keeps the last N items carried; ``include_function_calls`` carries calls
    and their outputs (in pairs); ``include_mcp`` carries MCP items; ``user_audio`` is
    ``"transcript"`` (user audio becomes its input transcription) or ``"audio"`` (re-send
    the bytes when the state holds them, with the transcript attached).
    """
    if max_items is not None and max_items < 0:
        raise ValueError(f"max_items must be >= 0 or None, not {max_items}")
    if user_audio not in USER_AUDIO_MODES:
        raise ValueError(f"user_audio must be 'transcript' or 'audio', not {user_audio!r}")
    items = tuple(state.iter_items())
    turns = transcript_of(state).turns
    skipped: list[Skipped] = []
    chosen: list[tuple[ItemState, dict[str, Any]]] = []
    parts_dropped: dict[str, Dropped] = {}
    for item, turn in zip(items, turns, strict=True):
        dropped: Dropped = []
        payload = _payload(
            item,
            turn,
            dropped,
            calls=include_function_calls,
            mcp=include_mcp,
            user_audio=user_audio,
        )
        if isinstance(payload, str):
            skipped.append(Skipped(item.id, item.type, payload))
        else:
            chosen.append((item, payload))
            if dropped:
                parts_dropped[item.id] = dropped
    chosen = _pair(chosen, skipped)
    if max_items is not None and len(chosen) > max_items:
        cut = len(chosen) - max_items
        skipped.extend(
            Skipped(item.id, item.type, f"older than the last {max_items} items carried")
            for item, _ in chosen[:cut]
        )
        chosen = _pair(chosen[cut:], skipped)
    for item, _ in chosen:  # parts left out of the items carried (not of those left out)
        skipped.extend(
            Skipped(
                item.id,
                item.type,
                f"{reason}: the message is carried without it",
                content_index=index,
            )
            for index, reason in parts_dropped.get(item.id, ())
        )
    events: list[dict[str, Any]] = []
    previous: str | None = None
    for _, payload in chosen:
        event: dict[str, Any] = {"type": "conversation.item.create"}
        if previous is not None:
            event["previous_item_id"] = previous
        event["item"] = payload
        events.append(event)
        previous = payload["id"]
    order = {item.id: n for n, item in enumerate(items)}
    skipped.sort(
        key=lambda entry: (
            order.get(entry.item_id, len(order)),
            -1 if entry.content_index is None else entry.content_index,
        )
    )
    return CarryOver(tuple(events), tuple(skipped))


def to_client_events(state: SessionState, **options: Any) -> list[dict[str, Any]]:
    """The events of :func:`carry_over` alone (same options)."""
    return list(carry_over(state, **options).events)


READ_ONLY_SESSION_KEYS = ("id", "object", "expires_at", "client_secret")
"""Keys of a session object the server sets and a ``session.update`` cannot."""


def session_update(state: SessionState) -> dict[str, Any] | None:
    """The ``session.update`` client event that gives a new session ``state``'s
    configuration (the session object as the server last echoed it, without the keys only the
    server sets, and without a null ``include``, which beta's update does not know); ``None``
    before any session event. Its dialect is the session's: GA ``session.update`` with
    ``session.type``, beta ``session.update``, beta ``transcription_session.update``."""
    from .decoding import encode_object
    from .events import BetaTranscriptionSession

    session = state.session
    if session is None:
        return None
    body = {
        key: value
        for key, value in encode_object(session).items()
        if key not in READ_ONLY_SESSION_KEYS and not (key == "include" and value is None)
    }
    kind = (
        "transcription_session.update"
        if isinstance(session, BetaTranscriptionSession)
        else "session.update"
    )
    return {"type": kind, "session": body}
