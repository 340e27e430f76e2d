"""Cross-state invariants: the checks between a state and the next one of a history.

:func:`check_pair` runs them all on two consecutive states (the names and what each means are
:data:`realtime_state.testing._invariants.CROSS_STATE_INVARIANTS`); the walk over a history
that calls it is :func:`realtime_state.testing._invariants.check_invariants_over`. Unchanged
collections are skipped by identity (states share structure).
"""

from __future__ import annotations

from typing import Any

import attrs

from ..state import SessionState
from ._state_invariants import Failures, InvariantFailure

__all__ = ["check_pair"]


def _finished_parts(before: SessionState, after: SessionState, event_type: str | None) -> Failures:
    name = "finished_part_does_not_grow"
    old_items = before.conversation.items
    new_items = after.conversation.items
    if old_items is new_items:
        return
    retrieved = event_type == "conversation.item.retrieved"
    for item_id, new in new_items.items():
        old = old_items.get(item_id)
        if old is None or old is new:
            continue
        for index, (was, now) in enumerate(zip(old.content, new.content, strict=False)):
            if was is now:
                continue
            closed = was.phase == "done" or was.status == "done"
            where = f"part {index} of item {item_id}"
            if (closed or was.text_phase == "done") and now.text != was.text:
                yield InvariantFailure(
                    name,
                    f"the text of finished {where} changed from {_short(was.text)} to "
                    f"{_short(now.text)}",
                    (item_id,),
                )
            input_transcription = was.type == "input_audio" or now.transcription_status is not None
            if (
                (closed or was.transcript_phase == "done")
                and not input_transcription
                and now.transcript != was.transcript
                and not (now.truncated_at_ms is not None and now.transcript == "")
            ):
                yield InvariantFailure(
                    name,
                    f"the transcript of finished {where} changed from {_short(was.transcript)} "
                    f"to {_short(now.transcript)}",
                    (item_id,),
                )
            if (
                (closed or was.audio_phase == "done")
                and now.audio_bytes > was.audio_bytes
                and not (retrieved and was.audio_bytes == 0)
            ):
                yield InvariantFailure(
                    name,
                    f"the audio of finished {where} grew from {was.audio_bytes} to "
                    f"{now.audio_bytes} bytes",
                    (item_id,),
                )


def _short(text: str | None, width: int = 40) -> str:
    if text is None:
        return "None"
    return repr(text if len(text) <= width else text[: width - 3] + "...")


def _finished_responses(before: SessionState, after: SessionState) -> Failures:
    name = "finished_response_does_not_change"
    old, new = before.responses, after.responses
    if old is new:
        return
    for response_id, was in old.items():
        now = new.get(response_id)
        if now is None:
            yield InvariantFailure(name, f"response {response_id} disappeared", (response_id,))
        elif was.done and now is not was and now != was:
            changed = [
                field.name
                for field in attrs.fields(type(was))
                if getattr(was, field.name) != getattr(now, field.name)
            ]
            yield InvariantFailure(
                name,
                f"response {response_id} changed after its response.done: {', '.join(changed)}",
                (response_id,),
            )


def _is_prefix(old: Any, new: Any) -> bool:
    """Whether log ``old`` is a prefix of log ``new`` (by sharing, else by value)."""
    if old is new:
        return True
    if len(new) < len(old):
        return False
    node = new
    while node is not None and len(node) > len(old):
        node = node.prev
    if node is old:
        return True
    return bool(new.to_tuple()[: len(old)] == old.to_tuple())


def _logs(before: SessionState, after: SessionState) -> Failures:
    name = "logs_only_append"
    if after.event_count <= before.event_count:
        yield InvariantFailure(
            name, f"event_count went from {before.event_count} to {after.event_count}"
        )
    if not _is_prefix(before.violation_log, after.violation_log):
        yield InvariantFailure(name, "recorded violations were changed or removed")
    if not _is_prefix(before.error_log, after.error_log):
        yield InvariantFailure(name, "recorded errors were changed or removed")
    if not _is_prefix(before.transcription_log, after.transcription_log):
        yield InvariantFailure(name, "recorded input transcriptions were changed or removed")


def _removals(before: SessionState, after: SessionState, event: Any) -> Failures:
    old, new = before.conversation.items, after.conversation.items
    if old is new:
        return
    event_type = getattr(event, "type", None)
    deleted = getattr(event, "item_id", None) if event_type == "conversation.item.deleted" else None
    for item_id in old:
        if item_id not in new and item_id != deleted:
            yield InvariantFailure(
                "items_removed_only_by_deletion",
                f"item {item_id} disappeared at a {event_type} event",
                (item_id,),
            )


def check_pair(before: SessionState, after: SessionState, event: Any) -> Failures:
    """Every broken cross-state invariant between ``before`` and the later ``after``; the
    event that led to ``after`` (``None`` when unknown: ``items_removed_only_by_deletion``
    needs it, and is skipped)."""
    yield from _finished_parts(before, after, getattr(event, "type", None))
    yield from _finished_responses(before, after)
    yield from _logs(before, after)
    if event is not None:
        yield from _removals(before, after, event)
