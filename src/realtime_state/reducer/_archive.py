"""Archiving: under an audio retention window, old items, responses and turns are held
compressed (:class:`~realtime_state._archive.ArchivedMap`), so that a long session's memory
stops growing with its history while every entry stays readable.

Runs after the handler and audio retention, only when the state has an ``audio_retention``
window, at the two events that end a turn (``response.done``,
``input_audio_buffer.committed``). Each map that grows with the session becomes an
``ArchivedMap`` once it holds a block more than the policy keeps live, its keys queued in the
session's order (conversation order for items, their links and their call ids; creation
order for responses; commit order for turns; the rest, deleted item ids and client event
ids, by id); a pass then moves the oldest entries into a block. The logs of committed
turns, of transcriptions and of client events pack their old entries the same way
(:func:`~realtime_state._persistent.pack_log`). An item is archived only once it holds no
audio (retention dropped it, or it had none), a response once it is done; the rest wait.
With full retention nothing is archived: the audio would dominate anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from .. import _archive
from .. import events as ev
from .._persistent import DroppedChunks, pack_log
from ..state import (
    AudioRetention,
    InputAudioState,
    ItemState,
    ResponseState,
    SessionState,
    _Conversation,
)
from ._common import Changes, evolve_conv, evolve_input

ARCHIVING = frozenset({ev.ResponseDone, ev.InputAudioBufferCommitted})
"""The events after which a pass may run (the end of a turn, on either side)."""


def _holds_no_audio(item: ItemState) -> bool:
    for part in item.content:
        chunks = part.audio_chunks
        if chunks is not None and chunks.size and chunks.__class__ is not DroppedChunks:
            return False
    return True


def _is_done(response: ResponseState) -> bool:
    return response.done


def _always(_value: Any) -> bool:
    return True


def _conversation_order(conv: _Conversation) -> Iterator[str]:
    key, links, seen = conv.head, conv.links, 0
    while key is not None and seen <= len(links):
        yield key
        key = links[key][1] if key in links else None
        seen += 1


def _calls_order(conv: _Conversation) -> list[str]:
    position = {item_id: n for n, item_id in enumerate(_conversation_order(conv))}
    return sorted(conv.calls, key=lambda call_id: position.get(conv.calls[call_id], -1))


def _creation_order(responses: Any) -> list[str]:
    by_creation = sorted(
        responses.values(), key=lambda r: (r.created_index is None, r.created_index or 0)
    )
    return [response.id for response in by_creation]


def _due(entries: Any, policy: _archive.ArchivePolicy) -> bool:
    if entries.__class__ is _archive.ArchivedMap:
        return True  # the map checks its own queue, at the cost of one comparison
    return len(entries) >= policy.keep + policy.block


def archive(state: SessionState, changes: Changes) -> None:
    """Move the oldest finished entries of the state's growing maps into archive blocks, and
    pack the old entries of its growing logs."""
    policy = _archive.POLICY
    _conversation_pass(state, changes, policy)
    responses: Any = changes.get("responses", state.responses)
    if _due(responses, policy):
        kept = _archive.archived(responses, lambda: _creation_order(responses))
        kept = kept.archive_oldest(_is_done, policy)
        if kept is not responses:
            changes["responses"] = kept
    buf: InputAudioState = changes.get("input_audio", state.input_audio)
    if _due(buf.turn_times, policy) or _due(buf.committed, policy):
        turn_times = _archive.archived(buf.turn_times, buf.committed_log.to_tuple)
        committed = _archive.archived(buf.committed, buf.committed_log.to_tuple)
        turn_times = turn_times.archive_oldest(_always, policy)
        committed = committed.archive_oldest(_always, policy)
        if turn_times is not buf.turn_times or committed is not buf.committed:
            changes["input_audio"] = evolve_input(buf, turn_times=turn_times, committed=committed)
    client = changes.get("client", state.client)
    if _due(client.ids, policy):
        ids = _archive.archived(client.ids, lambda: sorted(client.ids))
        ids = ids.archive_oldest(_always, policy)
        if ids is not client.ids:
            changes["client"] = client = attrs.evolve(client, ids=ids)
    _logs_pass(state, changes, policy)


def _conversation_pass(
    state: SessionState, changes: Changes, policy: _archive.ArchivePolicy
) -> None:
    conv: Any = changes.get("conversation", state.conversation)
    if conv.__class__ is not _Conversation:
        conv = conv.fold()
    maps = {"items": conv.items, "links": conv.links, "calls": conv.calls, "deleted": conv.deleted}
    if not any(_due(entries, policy) for entries in maps.values()):
        return

    def in_order() -> Iterator[str]:
        return _conversation_order(conv)

    moved = {
        "items": _archive.archived(conv.items, in_order).archive_oldest(_holds_no_audio, policy),
        "links": _archive.archived(conv.links, in_order).archive_oldest(_always, policy),
        "calls": _archive.archived(conv.calls, lambda: _calls_order(conv)).archive_oldest(
            _always, policy
        ),
        "deleted": _archive.archived(conv.deleted, lambda: sorted(conv.deleted)).archive_oldest(
            _always, policy
        ),
    }
    if any(moved[name] is not maps[name] for name in maps):
        changes["conversation"] = evolve_conv(conv, **moved)


def _logs_pass(state: SessionState, changes: Changes, policy: _archive.ArchivePolicy) -> None:
    """Pack the logs of commits, transcriptions and client events; each is walked only once
    a block is due past what the retention's bookkeeping noted as packed."""
    retention: AudioRetention = changes.get("audio_retention") or state.audio_retention  # type: ignore[assignment]
    due = policy.keep + policy.block
    buf: InputAudioState = changes.get("input_audio", state.input_audio)
    commits = retention.packed_commits
    if buf.committed_log.size - commits >= due:
        log, commits = pack_log(buf.committed_log, policy.keep, policy.block)
        if log is not buf.committed_log:
            changes["input_audio"] = evolve_input(buf, committed_log=log)
    transcriptions = retention.packed_transcriptions
    log = changes.get("transcription_log", state.transcription_log)
    if log.size - transcriptions >= due:
        packed, transcriptions = pack_log(log, policy.keep, policy.block)
        if packed is not log:
            changes["transcription_log"] = packed
    client_events = retention.packed_client_events
    client = changes.get("client", state.client)
    if client.log.size - client_events >= due:
        packed, client_events = pack_log(client.log, policy.keep, policy.block)
        if packed is not client.log:
            changes["client"] = attrs.evolve(client, log=packed)
    counts = (commits, transcriptions, client_events)
    if counts != (
        retention.packed_commits,
        retention.packed_transcriptions,
        retention.packed_client_events,
    ):
        changes["audio_retention"] = attrs.evolve(
            retention,
            packed_commits=commits,
            packed_transcriptions=transcriptions,
            packed_client_events=client_events,
        )
