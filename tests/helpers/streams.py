"""Tiny builders of wire events for scenario tests (GA unless a beta name is given).

Each returns the JSON object a server sends; ids are short but realistic in shape. The events
come from :class:`realtime_state.testing.wire.WireBuilder` (the library's one wire builder);
these functions keep the terse signatures the scenario tests use: fixed ids (``sess_1``,
``conv_1``), responses in their minimal shape, and ``previous_item_id`` left out unless given.
"""

from __future__ import annotations

import base64
from typing import Any

from realtime_state.testing.wire import OMIT, SequentialIds, WireBuilder

IDS = SequentialIds()
"""The event ids of every stream built here (one counter)."""
WIRE = WireBuilder("ga", ids=IDS, session_id="sess_1", conversation_id="conv_1")
"""The GA builder behind these functions."""
BETA = WireBuilder("beta", ids=IDS, session_id="sess_1", conversation_id="conv_1")
"""The beta builder (event names of the beta dialect)."""


def eid() -> str:
    """A fresh event id."""
    return IDS("event")


def session_created(*, ga: bool = True, output_format: str | None = None) -> dict[str, Any]:
    """A short ``session.created``: the model and the output audio format only."""
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
    return WIRE.session_created(session)


def message(
    item_id: str, role: str, *parts: dict[str, Any], status: str = "completed"
) -> dict[str, Any]:
    return WIRE.message(role, parts, item_id=item_id, status=status)


def item_added(
    item: dict[str, Any], previous: Any = ..., kind: str = "conversation.item.added"
) -> dict[str, Any]:
    """``kind`` (``conversation.item.added``, ``.done``, ``.created``, ...) for ``item``;
    ``previous`` left as ``...``: no ``previous_item_id`` key."""
    anchor = OMIT if previous is ... else previous
    if kind == "conversation.item.added":
        return WIRE.conversation_item_added(item, anchor)
    if kind == "conversation.item.done":
        return WIRE.conversation_item_done(item, anchor)
    if kind == "conversation.item.created":
        return WIRE.conversation_item_created(item, anchor)
    if kind == "conversation.item.retrieved" and previous is ...:
        return WIRE.conversation_item_retrieved(item)
    event = WIRE.event(kind, item=item)  # any other kind, as the test names it
    if previous is not ...:
        event["previous_item_id"] = previous
    return event


def response_created(response_id: str, *, out_of_band: bool = False) -> dict[str, Any]:
    return WIRE.response_created(WIRE.response(response_id, out_of_band=out_of_band, minimal=True))


def usage(inp: int = 10, out: int = 5, cached: int = 0, audio_out: int = 0) -> dict[str, Any]:
    return WIRE.usage(
        input_text=inp,
        output_text=out - audio_out,
        output_audio=audio_out,
        cached_text=cached,
        image_tokens=OMIT,
    )


def response_done(
    response_id: str,
    output: list[dict[str, Any]],
    *,
    status: str = "completed",
    details: dict[str, Any] | None = None,
    use: dict[str, Any] | None = None,
    out_of_band: bool = False,
) -> dict[str, Any]:
    response = WIRE.response(
        response_id,
        status,
        output=output,
        usage=use if use is not None else usage(),
        status_details=details,
        out_of_band=out_of_band,
        minimal=True,
    )
    return WIRE.response_done(response)


def output_item(kind: str, response_id: str, index: int, item: dict[str, Any]) -> dict[str, Any]:
    if kind == "added":
        return WIRE.output_item_added(response_id, item, index)
    return WIRE.output_item_done(response_id, item, index)


def part_event(
    kind: str, response_id: str, item_id: str, part: dict[str, Any], index: int = 0
) -> dict[str, Any]:
    if kind == "added":
        return WIRE.content_part_added(response_id, item_id, part, content_index=index)
    return WIRE.content_part_done(response_id, item_id, part, content_index=index)


def part_stream(
    name: str, response_id: str, item_id: str, index: int = 0, **fields: Any
) -> dict[str, Any]:
    """``response.<name>`` with the usual ids, e.g. ``part_stream("output_text.delta", ...)``."""
    return WIRE.event(
        f"response.{name}",
        response_id=response_id,
        item_id=item_id,
        output_index=0,
        content_index=index,
        **fields,
    )


def pcm(ms: int, value: int = 1) -> bytes:
    """``ms`` milliseconds of 24 kHz PCM16 with a recognisable byte pattern."""
    return bytes([value % 256, (value // 256) % 256]) * (24 * ms)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def assistant_audio_turn(
    response_id: str, item_id: str, words: list[str], chunks: list[bytes], *, ga: bool = True
) -> list[dict[str, Any]]:
    """A complete assistant audio response in the dialect's order (EVENTS.md §4); no rate
    limits, minimal responses, items without ``object`` and without ``previous_item_id``."""
    wire = WIRE if ga else BETA
    in_progress = message(item_id, "assistant", status="in_progress")
    transcript = "".join(words)
    events = [
        response_created(response_id),
        output_item("added", response_id, 0, in_progress),
        item_added(
            in_progress, kind="conversation.item.added" if ga else "conversation.item.created"
        ),
        wire.content_part_added(response_id, item_id, "audio"),
    ]
    for i in range(max(len(words), len(chunks))):
        if i < len(chunks):
            events.append(wire.audio_delta(response_id, item_id, chunks[i]))
        if i < len(words):
            events.append(wire.transcript_delta(response_id, item_id, words[i]))
    final = message(item_id, "assistant", wire.output_audio(transcript))
    events += [
        wire.audio_done(response_id, item_id),
        wire.transcript_done(response_id, item_id, transcript),
        wire.content_part_done(response_id, item_id, {"type": "audio", "transcript": transcript}),
    ]
    if ga:
        events.append(item_added(final, kind="conversation.item.done"))
    events += [output_item("done", response_id, 0, final), response_done(response_id, [final])]
    return events
