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

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs

from .. import _archive
from .. import events as ev
from .._persistent import DroppedChunks, Log, pack_log
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


def _moved(
    entries: Any,
    order: Callable[[], Iterable[str]],
    may_archive: Callable[[Any], bool],
    policy: _archive.ArchivePolicy,
) -> Any:
    """``entries`` after a pass: a plain map stays as it is until it holds a block more than
    the policy keeps live, then becomes an ``ArchivedMap`` (its keys queued in ``order()``);
    an ``ArchivedMap`` checks its own queue (one comparison when nothing is due)."""
    if entries.__class__ is not _archive.ArchivedMap:
        if len(entries) < policy.keep + policy.block:
            return entries
        entries = _archive.archived(entries, order)
    return entries.archive_oldest(may_archive, policy)


def _packed(log: Log, packed: int, policy: _archive.ArchivePolicy) -> tuple[Log, int]:
    """``log`` packed (and how many of its entries are packed), walked only once a block is
    due past the ``packed`` entries the retention's bookkeeping noted."""
    if log.size - packed < policy.keep + policy.block:
        return log, packed
    return pack_log(log, policy.keep, policy.block)


def archive(state: SessionState, changes: Changes) -> None:
    """Move the oldest finished entries of the state's growing maps into archive blocks, and
    pack the old entries of its growing logs."""
    policy = _archive.POLICY
    conv: Any = changes.get("conversation", state.conversation)
    if conv.__class__ is not _Conversation:
        conv = conv.fold()

    def in_order() -> Iterator[str]:
        return _conversation_order(conv)

    maps = {
        "items": _moved(conv.items, in_order, _holds_no_audio, policy),
        "links": _moved(conv.links, in_order, _always, policy),
        "calls": _moved(conv.calls, lambda: _calls_order(conv), _always, policy),
        "deleted": _moved(conv.deleted, lambda: sorted(conv.deleted), _always, policy),
    }
    if any(moved is not getattr(conv, name) for name, moved in maps.items()):
        changes["conversation"] = evolve_conv(conv, **maps)
    responses: Any = changes.get("responses", state.responses)
    kept = _moved(responses, lambda: _creation_order(responses), _is_done, policy)
    if kept is not responses:
        changes["responses"] = kept

    retention: AudioRetention = changes.get("audio_retention") or state.audio_retention  # type: ignore[assignment]
    buf: InputAudioState = changes.get("input_audio", state.input_audio)
    turn_times = _moved(buf.turn_times, buf.committed_log.to_tuple, _always, policy)
    committed = _moved(buf.committed, buf.committed_log.to_tuple, _always, policy)
    committed_log, commits = _packed(buf.committed_log, retention.packed_commits, policy)
    if (
        turn_times is not buf.turn_times
        or committed is not buf.committed
        or committed_log is not buf.committed_log
    ):
        changes["input_audio"] = evolve_input(
            buf, turn_times=turn_times, committed=committed, committed_log=committed_log
        )
    log = changes.get("transcription_log", state.transcription_log)
    packed, transcriptions = _packed(log, retention.packed_transcriptions, policy)
    if packed is not log:
        changes["transcription_log"] = packed
    client = changes.get("client", state.client)
    ids = _moved(client.ids, lambda: sorted(client.ids), _always, policy)
    client_log, client_events = _packed(client.log, retention.packed_client_events, policy)
    if ids is not client.ids or client_log is not client.log:
        changes["client"] = attrs.evolve(client, ids=ids, log=client_log)
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
