"""What every handler shares: the problems found, the changes made, fast evolvers, and
:func:`step`, the one place the reducer asks a lifecycle table whether a trigger is legal."""

from __future__ import annotations

import binascii
import sys
from typing import Any, TypeAlias

import pybase64

from .. import events as ev
from .. import lifecycles as lc
from .._archive import KeptMap
from .._persistent import Chunks, make_evolver
from ..state import (
    InputAudioState,
    ItemState,
    PartState,
    ResponseState,
    SessionState,
    _Conversation,
)

Found = list[tuple[str, str, tuple[str, ...]]]
"""Problems a handler found, as ``(code, message, ids)``, in the order found (``ids``: the
ids of the objects concerned)."""
Changes = dict[str, Any]
"""The attributes of :class:`SessionState` a handler changes."""
Responses: TypeAlias = "KeptMap[ResponseState]"

ServerEvent = ev.ServerEventClass
"""Any known server event (violations name its ``type``)."""
PartEvent = (
    ev.ResponseContentPartAdded
    | ev.ResponseContentPartDone
    | ev.ResponseTextDelta
    | ev.ResponseTextDone
    | ev.ResponseOutputTextDelta
    | ev.ResponseOutputTextDone
    | ev.ResponseAudioDelta
    | ev.ResponseAudioDone
    | ev.ResponseOutputAudioDelta
    | ev.ResponseOutputAudioDone
    | ev.ResponseAudioTranscriptDelta
    | ev.ResponseAudioTranscriptDone
    | ev.ResponseOutputAudioTranscriptDelta
    | ev.ResponseOutputAudioTranscriptDone
)
"""Events that name a part of an output item (response, item, output and content index)."""
StreamedEvent = (
    PartEvent
    | ev.ResponseFunctionCallArgumentsDelta
    | ev.ResponseFunctionCallArgumentsDone
    | ev.ResponseMcpCallArgumentsDelta
    | ev.ResponseMcpCallArgumentsDone
)
"""Events that stream into an output item (response, item and output index)."""
OutputEvent = StreamedEvent | ev.ResponseOutputItemAdded | ev.ResponseOutputItemDone
"""Events that name a response and an output index."""

evolve_state = make_evolver(SessionState)
evolve_conv = make_evolver(_Conversation)
evolve_item = make_evolver(ItemState)
evolve_part = make_evolver(PartState)
evolve_response = make_evolver(ResponseState)
evolve_input = make_evolver(InputAudioState)


def step(
    lifecycle: lc.Lifecycle,
    phase: str,
    trigger: str,
    found: Found,
    event: ServerEvent,
    subject: str,
    *args: object,
) -> str | None:
    """Fire ``trigger`` in ``phase``: the destination when legal; when refused, record the
    violation and return the lenient recovery (``None``: the event is ignored).

    ``subject`` names the object, as a :meth:`str.format` template filled with ``args``
    only when a violation is recorded (the legal path formats nothing).
    """
    answer = lifecycle.steps[trigger][phase]
    code = answer.code
    if code is not None:
        what = subject.format(*args) if args else subject
        ids = tuple(arg for arg in args if arg.__class__ is str)
        found.append((code, lc.message(code, event=event.type, subject=what, phase=phase), ids))
    return answer.dest


def report(found: Found, code: str, template: str | None = None, **fields: object) -> None:
    """Record a violation found by a check that is not a transition (its message from
    ``lifecycles.MESSAGES[template or code]``)."""
    ids = tuple(v for k, v in fields.items() if k.endswith("_id") and v.__class__ is str)
    found.append((code, lc.message(template or code, **fields), ids))


def unknown_item(found: Found, event: ServerEvent, item_id: str) -> None:
    """The event names an item the state does not hold."""
    report(found, lc.Code.UNKNOWN_ITEM, event=event.type, item_id=item_id)


def part_out_of_range(
    found: Found, event: ServerEvent, item_id: str, index: int, count: int | None
) -> None:
    """The event names a part the item (with ``count`` parts; ``None``: not present yet)
    does not have, would leave a gap, or a negative index."""
    report(
        found,
        lc.Code.CONTENT_INDEX_OUT_OF_RANGE,
        "content_index_negative" if count is None else None,
        event=event.type,
        item_id=item_id,
        index=index,
        count=count,
    )


def b64(text: str, found: Found, item_id: str, index: int) -> bytes:
    """Decoded audio of part ``index`` of item ``item_id``; invalid base64 is reported
    (``invalid_audio``) and gives no bytes."""
    try:
        return pybase64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        where = f"item {item_id} part {index}"
        report(found, lc.Code.INVALID_AUDIO, where=where, error=exc, item_id=item_id)
        return b""


def canonical(text: Any) -> Any:
    """One shared object for each id and each enumerated value (``"completed"``,
    ``"assistant"``, ...) the state keeps for the session's length: each event decodes a new
    copy of every string it carries, and a long session would otherwise hold an id once per
    event that named it (``sys.intern``; anything but a ``str`` is returned as it is)."""
    return sys.intern(text) if text.__class__ is str else text


def chunks(text: str | None) -> Chunks[str] | None:
    """A text as one-piece chunks (``None`` stays ``None``)."""
    return None if text is None else Chunks.of(text)


class Switches:
    """What the tests may turn off, read at call time."""

    fast_path = True
    """Whether a delta continuing a streaming part may take its fast path (the tests turn
    it off to compare both paths)."""


SWITCHES = Switches()


def staying(lifecycle: lc.Lifecycle, trigger: str) -> frozenset[str]:
    """The phases in which ``trigger`` is legal and leaves the phase as it is (read from the
    lifecycle's table, so that a fast path follows the tables)."""
    answers = lifecycle.steps[trigger]
    return frozenset(
        phase for phase, answer in answers.items() if answer.code is None and answer.dest == phase
    )


def settled(state: SessionState) -> SessionState:
    """``state`` with its streaming part folded into its item (a plain conversation): what
    every handler reads, except the fast path of a delta continuing that part."""
    conv: Any = state.conversation
    if conv.__class__ is not _Conversation:  # a _StreamingConversation
        return evolve_state(state, conversation=conv.fold())
    return state


def streaming_run(
    state: SessionState, kind: Any, item_id: str, index: int | None = None
) -> tuple[Any, _Conversation, ItemState | None]:
    """What a delta for item ``item_id`` (part ``index``; ``None`` for a call's arguments)
    continues: ``(run, conversation, item)``.

    When the state's conversation is a streaming run of ``kind`` (a
    :class:`~realtime_state.state._StreamingConversation` subclass) into that same item and
    part, ``run`` is it, ``conversation`` its base and ``item`` the item as the base holds
    it. Otherwise ``run`` is ``None`` and ``conversation`` is the state's, folded, with the
    item it holds (``None``: absent).
    """
    conv: Any = state.conversation
    if conv.__class__ is not _Conversation:
        if (
            conv.__class__ is kind
            and conv.item.id == item_id
            and (index is None or conv.index == index)
        ):
            return conv, conv.base, conv.item  # the same run again: no fold
        conv = conv.fold()
    return None, conv, conv.items.get(item_id)


def put_item(conv: _Conversation, item: ItemState) -> _Conversation:
    """The conversation with ``item`` stored (placement unchanged)."""
    return evolve_conv(conv, items=conv.items.set(item.id, item))


def with_part(item: ItemState, index: int, part: PartState) -> ItemState:
    """``item`` with part ``index`` replaced."""
    content = item.content
    return evolve_item(item, content=(*content[:index], part, *content[index + 1 :]))


def set_part(conv: _Conversation, item: ItemState, index: int, part: PartState) -> _Conversation:
    """The conversation with part ``index`` of ``item`` replaced."""
    return put_item(conv, with_part(item, index, part))


def changes(
    state: SessionState, conv: _Conversation, responses: Responses, response_id: str
) -> Changes:
    """The changes of a handler that touched the conversation and maybe the responses.

    A response that lenient policy just recreated from an event naming it (its
    ``response.created`` was missed) is running: it becomes the active response when none is
    (the ``unknown_response`` violation recorded for it excuses a second running one).
    """
    out: Changes = {"conversation": conv}
    if responses is not state.responses:
        out["responses"] = responses
        if state.active_response_id is None and response_id not in state.responses:
            recovered = responses.get(response_id)
            if recovered is not None and recovered.phase == lc.Phase.IN_PROGRESS:
                out["active_response_id"] = response_id
    return out
