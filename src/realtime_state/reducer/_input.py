"""The user's side: the input audio buffer and VAD turn, and input transcription.

Input transcription runs asynchronously: its events may come before the item they name
(held in ``conversation.pending`` and applied when the item arrives, whenever that is),
during or after the response. Its lifecycle is ``lifecycles.TRANSCRIPTION``; for an item not
present yet, the phase is read from the events held for it.
"""

from __future__ import annotations

from .. import events as ev
from .. import lifecycles as lc
from .._persistent import Chunks
from ..formats import input_spec
from ..lifecycles import (
    CONTENT_PART,
    INPUT_TURN,
    TRANSCRIBABLE_PART_TYPES,
    TRANSCRIPTION,
    Entry,
    Phase,
    Subject,
)
from ..state import (
    InputAudioState,
    ItemState,
    PartState,
    SessionState,
    TranscriptionRecord,
    _Conversation,
    _StreamingPart,
)
from ._common import (
    SWITCHES,
    Changes,
    Found,
    canonical,
    evolve_conv,
    evolve_input,
    evolve_item,
    evolve_part,
    part_out_of_range,
    report,
    settled,
    staying,
    step,
    streaming_run,
)

TranscriptionEvent = (
    ev.InputAudioTranscriptionDelta
    | ev.InputAudioTranscriptionCompleted
    | ev.InputAudioTranscriptionFailed
    | ev.InputAudioTranscriptionSegment
)

_TRIGGERS: dict[type, str] = {
    ev.InputAudioTranscriptionDelta: "delta",
    ev.InputAudioTranscriptionCompleted: "complete",
    ev.InputAudioTranscriptionFailed: "fail",
    ev.InputAudioTranscriptionSegment: "segment",
}


_NEW_INPUT_AUDIO_PART = PartState(
    type="input_audio", status="done", phase=CONTENT_PART.enter(Entry.FINAL)
)
"""The part a user item gets when transcription or turn audio names the part after its last
(user parts arrive final: nothing streams into them)."""


def _trigger(event: TranscriptionEvent) -> str | None:
    """The TRANSCRIPTION trigger an event fires (an empty delta fires none)."""
    if isinstance(event, ev.InputAudioTranscriptionDelta) and not event.delta:
        return None
    return _TRIGGERS[event.__class__]


def _position(event: TranscriptionEvent) -> int:
    return event.content_index if event.content_index is not None else 0


def _held_phase(held: tuple[TranscriptionEvent, ...], index: int) -> str:
    """The transcription phase of part ``index`` of an item not present, from its held events."""
    phase = Phase.ABSENT
    for event in held:
        trigger = _trigger(event)
        if trigger is not None and _position(event) == index:
            answer = TRANSCRIPTION.step(phase, trigger)
            if answer.legal:
                phase = answer.dest or phase
    return phase


def _not_input_audio(item: ItemState, index: int) -> str | None:
    """What part ``index`` of ``item`` is when it is not user input audio (else ``None``)."""
    if item.type != "message":
        return f"part of a {item.type} item"
    if item.role != "user":
        return f"part of a {item.role} message"
    kind = item.content[index].type if index < len(item.content) else None
    if kind not in TRANSCRIBABLE_PART_TYPES:
        return f"a {kind} part"
    return None


def _refuse_target(found: Found, event: TranscriptionEvent, item: ItemState, index: int) -> bool:
    """Report a transcription aimed at something other than user input audio."""
    what = _not_input_audio(item, index)
    if what is None:
        return False
    report(
        found,
        lc.Code.NOT_INPUT_AUDIO,
        event=event.type,
        index=index,
        item_id=item.id,
        what=what,
    )
    return True


def apply_transcription(
    conv: _Conversation, event: TranscriptionEvent, found: Found
) -> _Conversation:
    """Apply an input transcription event held for an item that has now arrived."""
    item = conv.items[event.item_id]
    index = _position(event)
    if index < 0 or index > len(item.content):  # held before the item came: it does not fit
        part_out_of_range(found, event, item.id, index, len(item.content))
        return conv
    if _refuse_target(found, event, item, index):  # held before the item came: not user audio
        return conv
    return _apply(conv, item, event, index, _trigger(event))


def _apply(
    conv: _Conversation,
    item: ItemState,
    event: TranscriptionEvent,
    index: int,
    trigger: str | None,
) -> _Conversation:
    """Apply an input transcription event to part ``index`` of ``item`` (checked before)."""
    content = item.content
    part = _NEW_INPUT_AUDIO_PART if index == len(content) else content[index]
    before = part
    dest = None
    if trigger is not None:
        answer = TRANSCRIPTION.steps[trigger][part.transcription_status or Phase.ABSENT]
        dest = answer.dest if answer.code is None else None
    if dest is None:
        pass  # an empty delta, or refused
    elif trigger == "delta":
        if dest == Phase.IN_PROGRESS:  # a late delta never undoes a completion
            delta = event.delta or ""  # type: ignore[union-attr]
            old = part.transcript_chunks
            part = evolve_part(
                part,
                transcript_chunks=Chunks.of(delta) if old is None else old.append(delta),
                transcription_status=dest,
                transcription_logprobs=event.logprobs or part.transcription_logprobs,  # type: ignore[union-attr]
            )
    elif isinstance(event, ev.InputAudioTranscriptionCompleted):
        part = evolve_part(
            part,
            transcript_chunks=Chunks.of(event.transcript),
            transcription_status=dest,
            transcription_usage=event.usage,
            transcription_logprobs=event.logprobs or part.transcription_logprobs,
        )
    elif isinstance(event, ev.InputAudioTranscriptionFailed):
        part = evolve_part(part, transcription_status=dest, transcription_error=event.error)
    else:
        part = evolve_part(part, transcription_segments=(*part.transcription_segments, event))
    if part is before and index < len(content):
        return conv
    new = (*content[:index], part, *content[index + 1 :])
    item = evolve_item(item, content=new)
    return evolve_conv(conv, items=conv.items.set(item.id, item))


_DELTA_CONTINUES = Phase.IN_PROGRESS in staying(TRANSCRIPTION, "delta")
"""Whether the table lets a delta continue a transcription in progress, unchanged."""


def _continuing(state: SessionState, event: TranscriptionEvent) -> Changes | None:
    """The fast path of a transcription delta that continues the transcript of a user part
    already in progress (its item present, no log probabilities): only the part's transcript
    chain grows, kept outside the item like a streaming output part
    (:class:`~realtime_state.state._StreamingPart`); ``None`` for anything else."""
    if event.__class__ is not ev.InputAudioTranscriptionDelta or not _DELTA_CONTINUES:
        return None
    delta = event.delta
    if not delta or event.logprobs:
        return None
    index = _position(event)
    run, conv, item = streaming_run(state, _StreamingPart, event.item_id, index)
    if item is None:
        return None
    if run is not None:
        part, text, chain, audio = run.part, run.text, run.transcript, run.audio
    elif 0 <= index < len(item.content):
        part = item.content[index]
        text, chain, audio = part.text_chunks, part.transcript_chunks, part.audio_chunks
    else:
        return None
    if part.transcription_status != Phase.IN_PROGRESS or _not_input_audio(item, index):
        return None
    chain = Chunks.of(delta) if chain is None else chain.append(delta)
    return {"conversation": _StreamingPart(conv, item, index, part, text, chain, audio)}


def on_transcription(state: SessionState, event: TranscriptionEvent, found: Found) -> Changes:
    """``conversation.item.input_audio_transcription.*``: apply to the item, or hold it."""
    if SWITCHES.fast_path:
        fast = _continuing(state, event)
        if fast is not None:
            return fast
    state = settled(state)
    conv = state.conversation
    index = _position(event)
    item = conv.items.get(event.item_id)
    # content_index (0 when absent) must not be negative, and for an item present it must be
    # a part it has or the next one
    if item is not None:
        if not 0 <= index <= len(item.content):
            part_out_of_range(found, event, item.id, index, len(item.content))
            return {}
        if _refuse_target(found, event, item, index):
            return {}
    elif index < 0:
        part_out_of_range(found, event, event.item_id, index, None)
        return {}
    held = conv.pending.get(event.item_id, ())
    trigger = _trigger(event)
    if trigger is not None:
        if item is None:
            phase = _held_phase(held, index)
        elif index < len(item.content):
            phase = item.content[index].transcription_status or Phase.ABSENT
        else:
            phase = Phase.ABSENT
        subject = Subject.TRANSCRIPTION
        if step(TRANSCRIPTION, phase, trigger, found, event, subject, index, event.item_id) is None:
            return {}  # a second completion: ignored, and not billed twice
    if item is not None:
        conv = _apply(conv, item, event, index, trigger)
    else:
        conv = evolve_conv(conv, pending=conv.pending.set(event.item_id, (*held, event)))
    out: Changes = {"conversation": conv}
    if isinstance(event, ev.InputAudioTranscriptionCompleted):
        record = TranscriptionRecord(
            index=state.event_count,
            item_id=canonical(event.item_id),
            content_index=index,
            usage=event.usage,
            session=state.session,
        )
        out["transcription_log"] = state.transcription_log.append(record)
    return out


# --- the input audio buffer -----------------------------------------------------------------


BufferEvent = (
    ev.InputAudioBufferSpeechStarted
    | ev.InputAudioBufferSpeechStopped
    | ev.InputAudioBufferCommitted
    | ev.InputAudioBufferCleared
    | ev.InputAudioBufferTimeoutTriggered
)
"""The events that drive the input turn."""


def _buffer(
    state: SessionState, event: BufferEvent, trigger: str, found: Found, **fields: object
) -> Changes:
    """Fire ``trigger`` of the input turn and set the buffer's ``fields``."""
    item_id = getattr(event, "item_id", None)
    phase = step(INPUT_TURN, state.input_audio.phase, trigger, found, event, Subject.ITEM, item_id)
    assert phase is not None  # every refusal of the input turn recovers
    return {"input_audio": evolve_input(state.input_audio, phase=phase, **fields)}


def on_speech_started(
    state: SessionState, event: ev.InputAudioBufferSpeechStarted, found: Found
) -> Changes:
    """VAD heard speech start."""
    return _buffer(
        state,
        event,
        "speech_started",
        found,
        speaking=True,
        audio_start_ms=event.audio_start_ms,
        audio_end_ms=None,
        item_id=event.item_id,
    )


def on_speech_stopped(
    state: SessionState, event: ev.InputAudioBufferSpeechStopped, found: Found
) -> Changes:
    """VAD heard speech stop."""
    return _buffer(
        state,
        event,
        "speech_stopped",
        found,
        speaking=False,
        audio_end_ms=event.audio_end_ms,
        item_id=event.item_id,
    )


def _split(
    buf: InputAudioState, end: int | None
) -> tuple[Chunks[bytes] | None, Chunks[bytes] | None, int]:
    """The buffer's first ``end`` bytes (all when ``None``), what stays, the new start."""
    chunks = buf.buffer_chunks
    start = buf.buffer_start_bytes
    if chunks is None:
        return None, None, start
    if end is None or end >= chunks.size:
        return chunks, None, start + chunks.size
    if end <= 0:
        return None, chunks, start
    # cut without joining: a turn's audio is many appends (a join would make one large
    # allocation per turn, which fragments the heap of a long session)
    return chunks.prefix(end), chunks.suffix(end), start + end


def on_committed(state: SessionState, event: ev.InputAudioBufferCommitted, found: Found) -> Changes:
    """The buffer became a user item: the audio the app appended for that turn (up to where
    VAD heard speech stop, or all of it for the client's own commit) becomes the item's."""
    buf = state.input_audio
    log, item_id = buf.committed_log, canonical(event.item_id)
    end = None
    if buf.audio_end_ms is not None and buf.item_id == item_id:
        spec = input_spec(state.session)
        end = spec.bytes_for_ms(buf.audio_end_ms) - buf.buffer_start_bytes
    audio, rest, start = _split(buf, end)
    held = buf.committed_audio
    if audio is not None:
        held = held.set(item_id, audio)
    return _buffer(
        state,
        event,
        "commit",
        found,
        speaking=False,
        item_id=item_id,
        committed_log=log.append(item_id),
        committed=buf.committed
        if item_id in buf.committed
        else buf.committed.set(item_id, log.size),
        buffer_chunks=rest,
        buffer_start_bytes=start,
        committed_audio=held,
    )


def drop_buffer(buf: InputAudioState) -> dict[str, object]:
    """The buffer fields after a clear: the appended audio is dropped."""
    size = 0 if buf.buffer_chunks is None else buf.buffer_chunks.size
    return {"buffer_chunks": None, "buffer_start_bytes": buf.buffer_start_bytes + size}


def attach_turn_audio(state: SessionState, conv: _Conversation, item_id: str) -> Changes:
    """The audio of a committed turn, held until its user item arrived, becomes the audio of
    the item's input audio part (in the session's input format)."""
    buf = state.input_audio
    audio = buf.committed_audio.get(item_id)
    item = conv.items.get(item_id)
    if audio is None or item is None:
        return {"conversation": conv}
    content = item.content
    index = next((i for i, p in enumerate(content) if p.type == "input_audio"), len(content))
    part = _NEW_INPUT_AUDIO_PART if index == len(content) else content[index]
    if part.audio_chunks is None:
        part = evolve_part(part, audio_chunks=audio, audio_spec=input_spec(state.session))
        item = evolve_item(item, content=(*content[:index], part, *content[index + 1 :]))
        conv = evolve_conv(conv, items=conv.items.set(item_id, item))
    held = buf.committed_audio.delete(item_id)
    return {"conversation": conv, "input_audio": evolve_input(buf, committed_audio=held)}


def on_cleared(state: SessionState, event: ev.InputAudioBufferCleared, found: Found) -> Changes:
    """The buffer was cleared."""
    buf = state.input_audio
    fields = drop_buffer(buf)
    return _buffer(
        state,
        event,
        "clear",
        found,
        speaking=False,
        item_id=None,
        cleared=buf.cleared + 1,
        **fields,
    )


def on_timeout(
    state: SessionState, event: ev.InputAudioBufferTimeoutTriggered, found: Found
) -> Changes:
    """The idle timeout ended the turn."""
    return _buffer(
        state,
        event,
        "timeout",
        found,
        speaking=False,
        audio_start_ms=event.audio_start_ms,
        audio_end_ms=event.audio_end_ms,
        item_id=event.item_id,
        timeouts=state.input_audio.timeouts + 1,
    )


def on_dtmf(
    state: SessionState, event: ev.InputAudioBufferDtmfEventReceived, found: Found
) -> Changes:
    """A key pressed on a SIP call."""
    buf = state.input_audio
    return {"input_audio": evolve_input(buf, dtmf=(*buf.dtmf, event.event))}
