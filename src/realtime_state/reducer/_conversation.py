"""Conversation events: items created, added, done, retrieved, truncated and deleted, and the
status events of MCP items."""

from __future__ import annotations

from collections.abc import Callable

from .. import events as ev
from .. import lifecycles as lc
from .._persistent import Chunks
from ..formats import output_spec
from ..state import SessionState
from ._common import (
    Changes,
    Found,
    evolve_conv,
    evolve_item,
    evolve_part,
    part_out_of_range,
    put_item,
    report,
    set_part,
    unknown_item,
)
from ._input import attach_turn_audio
from ._merge import receive_item
from ._order import anchor, unlink

ItemEvent = (
    ev.ConversationItemCreated
    | ev.ConversationItemAdded
    | ev.ConversationItemDone
    | ev.ConversationItemRetrieved
)
"""The events that carry a conversation item."""
McpStatusEvent = (
    ev.ResponseMcpCallInProgress
    | ev.ResponseMcpCallCompleted
    | ev.ResponseMcpCallFailed
    | ev.McpListToolsInProgress
    | ev.McpListToolsCompleted
    | ev.McpListToolsFailed
)
"""The status events of MCP items."""


def on_conversation_item(state: SessionState, event: ItemEvent, found: Found) -> Changes:
    """An item the conversation holds: placed when new, merged when known."""
    conv = receive_item(
        state,
        event.item,
        anchor=anchor(event),
        response_id=None,
        final=isinstance(event, ev.ConversationItemDone),
        conversation_event=True,
        announced=False,
        found=found,
        event=event,
    )
    item_id = event.item.id
    if item_id is not None and item_id in state.input_audio.committed_audio:
        return attach_turn_audio(state, conv, item_id)
    return {"conversation": conv}


def on_truncated(state: SessionState, event: ev.ConversationItemTruncated, found: Found) -> Changes:
    """The audio of an assistant part was cut at ``audio_end_ms``; the transcript cleared."""
    conv = state.conversation
    if event.audio_end_ms < 0:
        report(
            found,
            lc.Code.INVALID_TRUNCATION,
            event=event.type,
            item_id=event.item_id,
            audio_end_ms=event.audio_end_ms,
        )
        return {}
    item = conv.items.get(event.item_id)
    if item is None:
        unknown_item(found, event, event.item_id)
        return {}
    index = event.content_index
    if not 0 <= index < len(item.content):
        part_out_of_range(found, event, item.id, index, len(item.content))
        return {}
    part = item.content[index]
    spec = output_spec(state.session) if part.audio_spec is None else part.audio_spec
    keep = spec.bytes_for_ms(event.audio_end_ms)
    audio_chunks = part.audio_chunks
    if audio_chunks is not None and audio_chunks.size > keep:
        audio_chunks = audio_chunks.prefix(keep)
    first_cut = part.truncated_at_ms is None
    part = evolve_part(
        part,
        audio_chunks=audio_chunks,
        transcript_chunks=Chunks.of(""),
        truncated_at_ms=event.audio_end_ms,
        transcript_before_truncation=(
            part.transcript if first_cut else part.transcript_before_truncation
        ),
        audio_bytes_before_truncation=(
            part.audio_bytes if first_cut else part.audio_bytes_before_truncation
        ),
    )
    return {"conversation": set_part(conv, item, index, part)}


def on_deleted(state: SessionState, event: ev.ConversationItemDeleted, found: Found) -> Changes:
    """The item leaves the conversation; later copies never bring it back."""
    conv = state.conversation
    item_id = event.item_id
    if item_id not in conv.items:
        unknown_item(found, event, item_id)
        return {}
    if item_id in conv.links:
        conv = unlink(conv, item_id)
    return {
        "conversation": evolve_conv(
            conv,
            items=conv.items.delete(item_id),
            deleted=conv.deleted.set(item_id, event.event_id),
        )
    }


def on_item_status(status: str) -> Callable[[SessionState, McpStatusEvent, Found], Changes]:
    """The handler of an MCP status event that says ``status``."""

    def handler(state: SessionState, event: McpStatusEvent, found: Found) -> Changes:
        item = state.conversation.items.get(event.item_id)
        if item is None:
            unknown_item(found, event, event.item_id)
            return {}
        better = lc.better_status(item.status, status)
        if better == item.status:
            return {}
        return {"conversation": put_item(state.conversation, evolve_item(item, status=better))}

    handler.__doc__ = f"An MCP item's status becomes {status!r} (never lowered)."
    return handler
