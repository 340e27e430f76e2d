"""Tiny builders of wire events for scenario tests (GA unless a beta name is given).

Each returns the JSON object a server sends; ids are short but realistic in shape.
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

_ids = itertools.count(1)


def eid() -> str:
    """A fresh event id."""
    return f"event_{next(_ids):021d}"


def session_created(*, ga: bool = True, output_format: str | None = None) -> dict[str, Any]:
    if ga:
        fmt: dict[str, Any] = {"type": "audio/pcm", "rate": 24000}
        if output_format is not None:
            fmt = {"type": output_format}
        session: dict[str, Any] = {
            "type": "realtime",
            "object": "realtime.session",
            "id": "sess_1",
            "model": "gpt-realtime",
            "audio": {"output": {"format": fmt, "voice": "alloy"}},
        }
    else:
        session = {
            "id": "sess_1",
            "object": "realtime.session",
            "model": "gpt-4o-realtime-preview",
            "output_audio_format": output_format or "pcm16",
        }
    return {"type": "session.created", "event_id": eid(), "session": session}


def message(
    item_id: str, role: str, *parts: dict[str, Any], status: str = "completed"
) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": role,
        "content": list(parts),
    }


def item_added(
    item: dict[str, Any], previous: Any = ..., kind: str = "conversation.item.added"
) -> dict[str, Any]:
    event: dict[str, Any] = {"type": kind, "event_id": eid(), "item": item}
    if previous is not ...:
        event["previous_item_id"] = previous
    return event


def response_created(response_id: str, *, out_of_band: bool = False) -> dict[str, Any]:
    return {
        "type": "response.created",
        "event_id": eid(),
        "response": {
            "object": "realtime.response",
            "id": response_id,
            "status": "in_progress",
            "status_details": None,
            "output": [],
            "conversation_id": None if out_of_band else "conv_1",
            "usage": None,
        },
    }


def usage(inp: int = 10, out: int = 5, cached: int = 0, audio_out: int = 0) -> dict[str, Any]:
    return {
        "total_tokens": inp + out,
        "input_tokens": inp,
        "output_tokens": out,
        "input_token_details": {
            "text_tokens": inp,
            "audio_tokens": 0,
            "cached_tokens": cached,
            "cached_tokens_details": {"text_tokens": cached, "audio_tokens": 0},
        },
        "output_token_details": {"text_tokens": out - audio_out, "audio_tokens": audio_out},
    }


def response_done(
    response_id: str,
    output: list[dict[str, Any]],
    *,
    status: str = "completed",
    details: dict[str, Any] | None = None,
    use: dict[str, Any] | None = None,
    out_of_band: bool = False,
) -> dict[str, Any]:
    return {
        "type": "response.done",
        "event_id": eid(),
        "response": {
            "object": "realtime.response",
            "id": response_id,
            "status": status,
            "status_details": details,
            "output": output,
            "conversation_id": None if out_of_band else "conv_1",
            "usage": use if use is not None else usage(),
        },
    }


def output_item(kind: str, response_id: str, index: int, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": f"response.output_item.{kind}",
        "event_id": eid(),
        "response_id": response_id,
        "output_index": index,
        "item": item,
    }


def part_event(
    kind: str, response_id: str, item_id: str, part: dict[str, Any], index: int = 0
) -> dict[str, Any]:
    return {
        "type": f"response.content_part.{kind}",
        "event_id": eid(),
        "response_id": response_id,
        "item_id": item_id,
        "output_index": 0,
        "content_index": index,
        "part": part,
    }


def part_stream(
    name: str, response_id: str, item_id: str, index: int = 0, **fields: Any
) -> dict[str, Any]:
    """``response.<name>`` with the usual ids, e.g. ``part_stream("output_text.delta", ...)``."""
    return {
        "type": f"response.{name}",
        "event_id": eid(),
        "response_id": response_id,
        "item_id": item_id,
        "output_index": 0,
        "content_index": index,
        **fields,
    }


def pcm(ms: int, value: int = 1) -> bytes:
    """``ms`` milliseconds of 24 kHz PCM16 with a recognisable byte pattern."""
    return bytes([value % 256, (value // 256) % 256]) * (24 * ms)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def assistant_audio_turn(
    response_id: str, item_id: str, words: list[str], chunks: list[bytes], *, ga: bool = True
) -> list[dict[str, Any]]:
    """A complete assistant audio response in the dialect's order (EVENTS.md §4)."""
    audio_name = "output_audio" if ga else "audio"
    transcript_name = "output_audio_transcript" if ga else "audio_transcript"
    in_progress = message(item_id, "assistant", status="in_progress")
    transcript = "".join(words)
    events = [
        response_created(response_id),
        output_item("added", response_id, 0, in_progress),
        item_added(
            in_progress, kind="conversation.item.added" if ga else "conversation.item.created"
        ),
        part_event("added", response_id, item_id, {"type": "audio", "transcript": ""}),
    ]
    for i in range(max(len(words), len(chunks))):
        if i < len(chunks):
            events.append(
                part_stream(f"{audio_name}.delta", response_id, item_id, delta=b64(chunks[i]))
            )
        if i < len(words):
            events.append(
                part_stream(f"{transcript_name}.delta", response_id, item_id, delta=words[i])
            )
    final = message(
        item_id,
        "assistant",
        {"type": "output_audio" if ga else "audio", "transcript": transcript},
    )
    events += [
        part_stream(f"{audio_name}.done", response_id, item_id),
        part_stream(f"{transcript_name}.done", response_id, item_id, transcript=transcript),
        part_event("done", response_id, item_id, {"type": "audio", "transcript": transcript}),
    ]
    if ga:
        events.append(item_added(final, kind="conversation.item.done"))
    events += [output_item("done", response_id, 0, final), response_done(response_id, [final])]
    return events
