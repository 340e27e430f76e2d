"""Streamed content: the text, audio and audio transcript of a part, and a call's arguments.

One handler serves the deltas of every channel and one the dones (GA and beta names alike):
each checks the response, the output item, the output index and the part the event names,
fires the part's ``delta`` trigger and the channel's own (``lifecycles.STREAM``), and hands
the payload to its :class:`Channel`, which knows how that channel accumulates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from .. import events as ev
from .. import lifecycles as lc
from .._persistent import Chunks
from ..formats import output_spec
from ..lifecycles import CONTENT_PART, FUNCTION_CALL, STREAM, Phase, Subject
from ..state import (
    ItemState,
    PartState,
    SessionState,
    _StreamingArguments,
    _StreamingPart,
)
from ._common import (
    SWITCHES,
    Changes,
    Found,
    PartEvent,
    Responses,
    b64,
    changes,
    evolve_item,
    evolve_part,
    put_item,
    report,
    set_part,
    settled,
    staying,
    step,
    streaming_run,
)
from ._merge import CALL_TYPES, merge_text
from ._responses import part_target, streamed_item

Handler = Callable[[SessionState, Any, Found], Changes]
PartDelta = (
    ev.ResponseTextDelta
    | ev.ResponseOutputTextDelta
    | ev.ResponseAudioDelta
    | ev.ResponseOutputAudioDelta
    | ev.ResponseAudioTranscriptDelta
    | ev.ResponseOutputAudioTranscriptDelta
)
"""The delta events of a part's channels (GA and beta names)."""
PartDone = (
    ev.ResponseTextDone
    | ev.ResponseOutputTextDone
    | ev.ResponseAudioDone
    | ev.ResponseOutputAudioDone
    | ev.ResponseAudioTranscriptDone
    | ev.ResponseOutputAudioTranscriptDone
)
"""The ``*.done`` events of a part's channels (GA and beta names)."""


def _mismatch(found: Found, code: str, event: PartEvent, streamed: str, final: str) -> None:
    report(
        found,
        code,
        event=event.type,
        index=event.content_index,
        item_id=event.item_id,
        final_len=len(final),
        streamed_len=len(streamed),
        streamed=lc.excerpt(streamed),
        final=lc.excerpt(final),
    )


Phases = tuple[str, str]
"""The part's new phase and the channel's."""

# Each channel function returns the part after the event, given the part's and the channel's
# new phases (keywords are passed to the evolver directly: evolving with ``**changes`` costs
# twice as much on this hot path).


def _check_final(
    found: Found, code: str, event: PartEvent, old: Chunks[str] | None, final: str, before: str
) -> str | None:
    """Compare a ``*.done``'s final value with the deltas joined (reported as ``code`` when
    deltas came and differ); return the deltas joined (``None`` when none came)."""
    streamed = None if old is None else old.value()
    if before == Phase.STREAMING and streamed != final:
        _mismatch(found, code, event, streamed or "", final)
    return streamed


def compact(chunks: Chunks[str] | None) -> Chunks[str] | None:
    """A finished channel's text as one piece (the value its deltas joined to, which the
    done's check has just computed): the final state keeps one string instead of a node and
    a string per delta; earlier states keep their own chains."""
    return chunks if chunks is None or chunks.prev is None else Chunks.of(chunks.value())


def _text_delta(
    state: SessionState, part: PartState, event: Any, found: Found, to: Phases
) -> PartState:
    phase, channel = to
    old = part.text_chunks
    text = Chunks.of(event.delta) if old is None else old.append(event.delta)
    return evolve_part(part, phase=phase, text_phase=channel, text_chunks=text)


def _text_done(
    state: SessionState, part: PartState, event: Any, found: Found, to: Phases
) -> PartState:
    phase, channel = to
    old = part.text_chunks
    _check_final(found, lc.Code.TEXT_MISMATCH, event, old, event.text, part.text_phase)
    text = compact(merge_text(old, event.text)) or Chunks.of("")
    return evolve_part(part, phase=phase, text_phase=channel, text_chunks=text)


def _audio_delta(
    state: SessionState, part: PartState, event: Any, found: Found, to: Phases
) -> PartState:
    phase, channel = to
    data = b64(event.delta, found, event.item_id, event.content_index)
    if part.truncated_at_ms is not None:
        # In flight when the cut came: received, never heard; the kept audio stays as cut.
        before = part.audio_bytes_before_truncation or 0
        return evolve_part(
            part, phase=phase, audio_phase=channel, audio_bytes_before_truncation=before + len(data)
        )
    old = part.audio_chunks
    return evolve_part(
        part,
        phase=phase,
        audio_phase=channel,
        audio_chunks=Chunks.of(data) if old is None else old.append(data),
        audio_spec=output_spec(state.session) if part.audio_spec is None else part.audio_spec,
    )


def _audio_done(
    state: SessionState, part: PartState, event: Any, found: Found, to: Phases
) -> PartState:
    phase, channel = to
    return evolve_part(part, phase=phase, audio_phase=channel)


def _transcript_delta(
    state: SessionState, part: PartState, event: Any, found: Found, to: Phases
) -> PartState:
    phase, channel = to
    if part.truncated_at_ms is not None:
        # In flight when the cut came: said, never heard; the transcript stays cleared.
        said = (part.transcript_before_truncation or "") + event.delta
        return evolve_part(
            part, phase=phase, transcript_phase=channel, transcript_before_truncation=said
        )
    old = part.transcript_chunks
    transcript = Chunks.of(event.delta) if old is None else old.append(event.delta)
    return evolve_part(part, phase=phase, transcript_phase=channel, transcript_chunks=transcript)


def _transcript_done(
    state: SessionState, part: PartState, event: Any, found: Found, to: Phases
) -> PartState:
    phase, channel = to
    old = part.transcript_chunks
    if part.truncated_at_ms is None:  # else the server cleared it: the done does not restore it
        final = event.transcript
        code = lc.Code.TRANSCRIPT_MISMATCH
        if _check_final(found, code, event, old, final, part.transcript_phase) != final:
            old = Chunks.of(final)
        else:
            old = compact(old)
    return evolve_part(part, phase=phase, transcript_phase=channel, transcript_chunks=old)


Apply = Callable[[SessionState, PartState, Any, Found, Phases], PartState]
Extend = Callable[[PartState, Any, Any, Found], Any]
"""``(part, chain, delta event, found) -> the chain after the delta``, or ``None`` when the
delta needs :attr:`Channel.delta` (it changes more of the part than its chain)."""

# A delta that continues a streaming part (see on_channel's fast path) extends one chain of
# the part and changes nothing else; these say how, or decline.


def _extend_text(part: PartState, chain: Any, event: Any, found: Found) -> Any:
    return Chunks.of(event.delta) if chain is None else chain.append(event.delta)


def _extend_audio(part: PartState, chain: Any, event: Any, found: Found) -> Any:
    if part.truncated_at_ms is not None or part.audio_spec is None:
        return None  # a cut part counts what it drops; a first audio delta sets the format
    data = b64(event.delta, found, event.item_id, event.content_index)
    return Chunks.of(data) if chain is None else chain.append(data)


def _extend_transcript(part: PartState, chain: Any, event: Any, found: Found) -> Any:
    if part.truncated_at_ms is not None:
        return None  # said after the cut: kept apart
    return Chunks.of(event.delta) if chain is None else chain.append(event.delta)


@attrs.frozen
class Channel:
    """One streamed channel of a part: its name (and phase attribute ``{name}_phase``), the
    part type a lenient recovery creates for it, and how a delta and a done change the part:
    ``(state, part, event, found, (part phase, channel phase)) -> the part after``; and how
    a delta continuing a streaming part extends the part's chain of this channel
    (:data:`Extend`)."""

    name: str
    part_type: str
    delta: Apply
    done: Apply
    extend: Extend
    phase_name: str = attrs.field(init=False)
    """The part's attribute that holds this channel's phase."""
    subject: str = attrs.field(init=False)
    """How a violation names the channel (a template of the part's index and item id)."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "phase_name", f"{self.name}_phase")
        object.__setattr__(self, "subject", Subject.channel(self.name))


TEXT = Channel("text", "text", _text_delta, _text_done, _extend_text)
AUDIO = Channel("audio", "audio", _audio_delta, _audio_done, _extend_audio)
TRANSCRIPT = Channel("transcript", "audio", _transcript_delta, _transcript_done, _extend_transcript)


def _channel_target(
    state: SessionState, event: PartEvent, found: Found, channel: Channel, trigger: str
) -> tuple[Responses, ItemState, PartState, str, str] | None:
    """Check everything a channel event names; return the responses, the item, the part,
    the part's new phase and the channel's new phase, or ``None`` when the event must be
    ignored."""
    got = part_target(state, event, found, "delta", channel.part_type)
    if got is None:
        return None
    responses, item, part = got
    index, item_id = event.content_index, event.item_id
    part_phase = step(CONTENT_PART, part.phase, "delta", found, event, Subject.PART, index, item_id)
    if part_phase is None:
        return None
    phase = getattr(part, channel.phase_name)
    channel_phase = step(STREAM, phase, trigger, found, event, channel.subject, index, item_id)
    if channel_phase is None:
        return None
    return responses, item, part, part_phase, channel_phase


_RESPONSE_STAYS = staying(lc.RESPONSE, "delta")
_ITEM_STAYS = staying(lc.OUTPUT_ITEM, "delta")
_PART_STAYS = staying(CONTENT_PART, "delta")
_STREAM_STAYS = staying(STREAM, "delta")


def _streams_on(state: SessionState, event: PartDelta | ArgumentsDelta, item: ItemState) -> bool:
    """Whether a delta continues ``item`` with nothing to check again: the item belongs to
    the event's response, listed at the event's output index, and the response's and the
    output item's lifecycles answer "legal, no change" (read from the tables)."""
    if item.response_id != event.response_id:
        return False
    response = state.responses.get(event.response_id)
    if response is None or response.phase not in _RESPONSE_STAYS or item.phase not in _ITEM_STAYS:
        return False
    ids, index = response.output_item_ids, event.output_index
    return 0 <= index < len(ids) and ids[index] == item.id


def on_channel(channel: Channel, trigger: str) -> Handler:
    """The handler of ``channel``'s deltas (``trigger`` ``delta``) or its ``*.done``
    (``done``).

    A delta that continues a part already streaming (its response running, its item listed
    at the event's output index, every lifecycle answering "legal, no change", per the
    tables) takes a fast path that skips asking each lifecycle again; anything else goes
    through every check.
    """
    apply = channel.delta if trigger == "delta" else channel.done
    phase_name, name, extend = channel.phase_name, channel.name, channel.extend

    def fast(state: SessionState, event: PartDelta) -> Changes | None:
        part_index = event.content_index
        hot, conv, item = streaming_run(state, _StreamingPart, event.item_id, part_index)
        if item is None or not _streams_on(state, event, item):
            return None
        if hot is not None:
            part = hot.part
        elif 0 <= part_index < len(item.content):
            part = item.content[part_index]
        else:
            return None
        phase = part.phase
        channel_phase = getattr(part, phase_name)
        if phase not in _PART_STAYS or channel_phase not in _STREAM_STAYS:
            return None
        found: Found = []
        if hot is not None:
            text, transcript, audio = hot.text, hot.transcript, hot.audio
            if name == "audio":
                audio = extend(part, audio, event, found)
                chain: Any = audio
            elif name == "text":
                text = chain = extend(part, text, event, found)
            else:
                transcript = chain = extend(part, transcript, event, found)
            if found:  # e.g. invalid audio: the full path reports it
                return None
            if chain is not None:
                # The part stays out of its item until another event comes (see
                # _StreamingPart): one small value per delta.
                return {
                    "conversation": _StreamingPart(
                        conv, item, part_index, part, text, transcript, audio
                    )
                }
            part = hot.current()
        part = apply(state, part, event, found, (phase, channel_phase))
        if found:
            return None
        return {"conversation": _StreamingPart.of(conv, item, part_index, part)}

    def handler(state: SessionState, event: PartDelta | PartDone, found: Found) -> Changes:
        if trigger == "delta" and SWITCHES.fast_path:
            out = fast(state, event)  # type: ignore[arg-type]
            if out is not None:
                return out
        state = settled(state)
        got = _channel_target(state, event, found, channel, trigger)
        if got is None:
            return {}
        responses, item, part, part_phase, channel_phase = got
        part = apply(state, part, event, found, (part_phase, channel_phase))
        conv = set_part(state.conversation, item, event.content_index, part)
        return changes(state, conv, responses, event.response_id)

    handler.__doc__ = f"The {channel.name} ``{trigger}`` events of a part."
    return handler


# --- function and MCP call arguments --------------------------------------------------------

ArgumentsDelta = ev.ResponseFunctionCallArgumentsDelta | ev.ResponseMcpCallArgumentsDelta
ArgumentsDone = ev.ResponseFunctionCallArgumentsDone | ev.ResponseMcpCallArgumentsDone


def _call_target(
    state: SessionState, event: ArgumentsDelta | ArgumentsDone, found: Found, trigger: str
) -> tuple[Responses, ItemState, str, str] | None:
    """Check the response, item and call an arguments event names.

    Returns ``(responses, item, call phase before, call phase after)`` or ``None`` when the
    event must be ignored.
    """
    got = streamed_item(state, event, found, "delta", "delta")
    if got is None:
        return None
    responses, item = got
    if item.call_phase is None and item.type is not None and item.type not in CALL_TYPES:
        report(found, lc.Code.NOT_A_CALL, event=event.type, item_id=item.id, kind=item.type)
        return None
    phase = item.call_phase or FUNCTION_CALL.initial
    subject = Subject.ARGUMENTS
    dest = step(FUNCTION_CALL, phase, trigger, found, event, subject, item.call_id, item.id)
    if dest is None:
        return None
    return responses, item, phase, dest


_CALL_STAYS = staying(FUNCTION_CALL, "delta")


def _continuing_arguments(state: SessionState, event: ArgumentsDelta) -> Changes | None:
    """The fast path of an arguments delta that continues a call already streaming (its
    response running, its item listed at the event's output index, every lifecycle
    answering "legal, no change", per the tables): only the arguments chain grows, kept
    outside the item (:class:`~realtime_state.state._StreamingArguments`); ``None`` for
    anything else, which takes the full path."""
    run, conv, item = streaming_run(state, _StreamingArguments, event.item_id)
    if item is None or item.call_phase not in _CALL_STAYS or not _streams_on(state, event, item):
        return None
    chain = item.arguments_chunks if run is None else run.arguments
    if chain is None:
        return None
    return {"conversation": _StreamingArguments(conv, item, chain.append(event.delta))}


def on_arguments_delta(state: SessionState, event: ArgumentsDelta, found: Found) -> Changes:
    """A piece of a call's arguments."""
    if SWITCHES.fast_path:
        fast = _continuing_arguments(state, event)
        if fast is not None:
            return fast
    state = settled(state)
    got = _call_target(state, event, found, "delta")
    if got is None:
        return {}
    responses, item, _, dest = got
    old = item.arguments_chunks
    item = evolve_item(
        item,
        call_phase=dest,
        arguments_chunks=Chunks.of(event.delta) if old is None else old.append(event.delta),
    )
    return changes(state, put_item(state.conversation, item), responses, event.response_id)


def on_arguments_done(state: SessionState, event: ArgumentsDone, found: Found) -> Changes:
    """A call's final arguments (and, for function calls, its name)."""
    got = _call_target(state, event, found, "done")
    if got is None:
        return {}
    responses, item, before, dest = got
    old = item.arguments_chunks
    streamed = "" if old is None else old.value()
    out: dict[str, Any] = {"call_phase": dest}
    if streamed != event.arguments:
        if before == Phase.STREAMING:
            report(
                found,
                lc.Code.ARGUMENTS_MISMATCH,
                event=event.type,
                call_id=item.call_id,
                item_id=item.id,
                final=lc.excerpt(event.arguments),
                streamed=lc.excerpt(streamed),
            )
        out["arguments_chunks"] = Chunks.of(event.arguments)
    name = getattr(event, "name", None)
    if item.name is None and name is not None:
        out["name"] = name
    return changes(
        state, put_item(state.conversation, evolve_item(item, **out)), responses, event.response_id
    )
