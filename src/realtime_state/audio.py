"""Audio held by the state: raw bytes, durations and WAV files.

The state keeps audio exactly as it came over the connection, decoded from base64 but in the
session's format: PCM16 (16-bit little-endian mono, 24 kHz unless the session says another
rate) or G.711 (mu-law or A-law, 8 kHz, one byte per sample). Assistant parts use the
session's *output* format in effect when their first delta came (``PartState.audio_spec``:
a later ``session.updated`` that switches the format does not reinterpret bytes already
received); user ``input_audio`` parts the session's *input* format (GA
``session.audio.input.format``, beta ``input_audio_format``); with no session event yet, both
are PCM16 at 24 kHz, the server default.

What the state can hold:

* assistant audio streamed as ``response.output_audio.delta`` (``response.audio.delta`` in
  beta) over a WebSocket, cut at ``audio_end_ms`` when the item was truncated;
* user audio when the stream holds what the app sent (``input_audio_buffer.append``: each
  committed turn gets the audio appended for it), or when an item carried it
  (``conversation.item.retrieved``, a client item echoed with its bytes): the server does not
  echo the audio of VAD turns;
* nothing at all over WebRTC and SIP, where audio travels on the media track.

WAV export (:func:`pcm_to_wav`, :func:`item_wav`, :func:`conversation_wav`) uses the standard
library's :mod:`wave` and writes whole PCM16 samples (a trailing odd byte, which some recorders
leave when they cut deltas, is dropped). G.711 audio (what SIP and telephony calls carry) is
decoded to PCM16 at 8 kHz first (:func:`g711_to_pcm16`, with the 256-entry tables of ITU-T
G.711; no dependency on :mod:`audioop`, which Python 3.13 removed). An encoding this version
does not know is refused with :class:`UnsupportedAudioFormatError` rather than written as
noise. A part with no audio raises :class:`NoAudioError`, whatever its format. Nothing here
joins audio chunks except to return audio the caller asked for.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .errors import AudioError, NoAudioError, UnsupportedAudioFormatError
from .formats import MAX_RATE, PCM16_24K, AudioSpec, input_spec, output_spec

if TYPE_CHECKING:
    from .state import ItemState, PartState, SessionState

__all__ = [
    "AudioError",
    "NoAudioError",
    "UnsupportedAudioFormatError",
    "AudioSpec",
    "PCM16_24K",
    "input_spec",
    "output_spec",
    "part_spec",
    "part_duration_ms",
    "received_audio_bytes",
    "part_audio",
    "g711_to_pcm16",
    "pcm_to_wav",
    "item_wav",
    "conversation_wav",
]


def part_spec(session: Any, item: ItemState, part: PartState) -> AudioSpec:
    """The format of one part's audio: the format its deltas arrived in
    (``PartState.audio_spec``) when known, so a later ``session.updated`` never reinterprets
    bytes already received; else the session's input format for user audio and its output
    format for the rest."""
    if part.audio_spec is not None:
        return part.audio_spec
    if part.type == "input_audio" or item.role == "user":
        return input_spec(session)
    return output_spec(session)


def received_audio_bytes(part: PartState, spec: AudioSpec) -> int | None:
    """Bytes of audio that came over this connection for ``part``, or ``None`` when none came
    (WebRTC, SIP, user VAD turns).

    For a part cut by ``conversation.item.truncated`` the state keeps only the audio up to the
    cut; what came in all is ``PartState.audio_bytes_before_truncation``.
    """
    del spec  # the count is in bytes; the spec is kept for callers that convert
    before = part.audio_bytes_before_truncation
    if before is not None:
        return before or None
    return part.audio_bytes or None


def part_duration_ms(state: SessionState, item_id: str, content_index: int = 0) -> float:
    """Milliseconds of audio the state holds for one part, in its format (:func:`part_spec`)."""
    item, part = _find_part(state, item_id, content_index)
    return part_spec(state.session, item, part).duration_ms(part.audio_bytes)


def _find_part(
    state: SessionState, item_id: str, content_index: int
) -> tuple[ItemState, PartState]:
    item = state.item(item_id)
    if item is None:
        raise NoAudioError(f"no item {item_id!r} in this state (never seen, or deleted)")
    if not 0 <= content_index < len(item.content):
        count = len(item.content)
        raise NoAudioError(
            f"item {item_id} has {count} content part{'' if count == 1 else 's'}; "
            f"there is no part {content_index}"
        )
    return item, item.content[content_index]


def _no_audio_reason(item: ItemState, part: PartState) -> str:
    if part.truncated_at_ms == 0:
        return "it was truncated at 0 ms, so none of it was heard"
    if part.type == "input_audio" or item.role == "user":
        return (
            "the server does not echo user audio (only the app's input_audio_buffer.append "
            "events, conversation.item.retrieved or a client item sent with its bytes carry it)"
        )
    return (
        "none came over this connection (WebRTC and SIP carry audio on the media track, "
        "not in events)"
    )


def part_audio(state: SessionState, item_id: str, content_index: int = 0) -> bytes:
    """The audio bytes of one part, in the format they came in (PCM16 or G.711).

    Raises :class:`NoAudioError` naming the reason when the item or part is unknown or the
    part holds no audio.
    """
    item, part = _find_part(state, item_id, content_index)
    if not part.audio_bytes:
        raise NoAudioError(
            f"item {item_id} part {content_index} ({part.type or 'untyped'}) holds no audio: "
            + _no_audio_reason(item, part)
        )
    return part.audio


def _ulaw_sample(code: int) -> int:
    """ITU-T G.711 mu-law: one byte to a 16-bit linear sample."""
    code = ~code & 0xFF
    magnitude = (((code & 0x0F) << 3) + 0x84) << ((code >> 4) & 0x07)
    return 0x84 - magnitude if code & 0x80 else magnitude - 0x84


def _alaw_sample(code: int) -> int:
    """ITU-T G.711 A-law: one byte to a 16-bit linear sample."""
    code ^= 0x55
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    segment_base = 0x108 if exponent else 8  # the first segment has no implicit leading 1
    magnitude = ((mantissa << 4) + segment_base) << max(exponent - 1, 0)
    return magnitude if code & 0x80 else -magnitude


def _table(sample: Callable[[int], int]) -> tuple[bytes, ...]:
    return tuple(sample(code).to_bytes(2, "little", signed=True) for code in range(256))


_G711 = {"g711_ulaw": _table(_ulaw_sample), "g711_alaw": _table(_alaw_sample)}


def g711_to_pcm16(data: bytes, encoding: str) -> bytes:
    """G.711 bytes (``encoding`` ``g711_ulaw`` or ``g711_alaw``) as PCM16 little-endian: one
    16-bit sample per byte, at the same rate (8 kHz)."""
    table = _G711.get(encoding)
    if table is None:
        raise UnsupportedAudioFormatError(f"{encoding!r} is not a G.711 encoding")
    return b"".join(map(table.__getitem__, data))


def _require_exportable(spec: AudioSpec, where: str) -> None:
    """Refuse an encoding WAV export cannot write (neither PCM16 nor G.711)."""
    if not spec.is_pcm16 and spec.encoding not in _G711:
        raise UnsupportedAudioFormatError(
            f"{where} is {spec.describe()} audio; WAV export writes PCM16 and G.711 only. "
            "Use state.audio(...) for the raw bytes."
        )


def _pcm16(audio: bytes, spec: AudioSpec, where: str) -> bytes:
    """The audio of a part as PCM16 at ``spec.rate`` (G.711 is decoded; an encoding this
    version does not know is refused)."""
    _require_exportable(spec, where)
    return audio if spec.is_pcm16 else g711_to_pcm16(audio, spec.encoding)


MAX_GAP_MS = 60_000
"""The longest silence :func:`conversation_wav` puts between parts."""


def pcm_to_wav(pcm: bytes, rate: int = 24000) -> bytes:
    """A mono 16-bit WAV file holding ``pcm`` (PCM16 little-endian) at ``rate`` Hz.

    A trailing odd byte (half a sample) is dropped. A ``rate`` that is not an integer from 1
    to :data:`~realtime_state.formats.MAX_RATE` raises :class:`UnsupportedAudioFormatError`.
    """
    if isinstance(rate, bool) or not isinstance(rate, int) or not 1 <= rate <= MAX_RATE:
        raise UnsupportedAudioFormatError(
            f"cannot write a WAV file at rate {rate!r}: the rate must be an integer from 1 to "
            f"{MAX_RATE} Hz"
        )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm[: len(pcm) - len(pcm) % 2])
    return buffer.getvalue()


def item_wav(state: SessionState, item_id: str, content_index: int = 0) -> bytes:
    """One part's audio as a WAV file at its rate (:func:`part_spec`).

    G.711 audio is decoded to PCM16 (8 kHz). Raises :class:`NoAudioError` for a part without
    audio (whatever the format) and :class:`UnsupportedAudioFormatError` for an encoding this
    version does not know.
    """
    audio = part_audio(state, item_id, content_index)  # NoAudioError first
    item, part = _find_part(state, item_id, content_index)
    spec = part_spec(state.session, item, part)
    return pcm_to_wav(_pcm16(audio, spec, f"item {item_id} part {content_index}"), spec.rate)


def _conversation_parts(
    state: SessionState,
) -> Iterator[tuple[ItemState, int, PartState, AudioSpec]]:
    session = state.session
    for item in state.iter_items():
        for index, part in enumerate(item.content):
            if part.audio_bytes:
                yield item, index, part, part_spec(session, item, part)


def conversation_wav(state: SessionState, *, gap_ms: int = 0) -> bytes:
    """User and assistant audio in conversation order, as one WAV file.

    Every part the state holds audio for is written in conversation order (items of
    ``state.items``, parts in content order); truncated assistant parts end where the user
    stopped hearing them. ``gap_ms`` inserts that much silence between parts. Parts without
    audio are skipped; if none has audio, :class:`NoAudioError` says so. G.711 parts are
    decoded to PCM16; all parts must then have one rate (:class:`UnsupportedAudioFormatError`
    otherwise, and for an encoding this version does not know).
    """
    if gap_ms < 0:
        raise ValueError(f"gap_ms must be >= 0, not {gap_ms}")
    if gap_ms > MAX_GAP_MS:
        raise ValueError(f"gap_ms must be at most {MAX_GAP_MS} (one minute), not {gap_ms}")
    parts = list(_conversation_parts(state))
    if not parts:
        raise NoAudioError(
            "no item of the conversation holds audio: assistant audio comes only over a "
            "WebSocket (not WebRTC or SIP), and the server does not echo user audio"
        )
    rates = set()
    for item, index, _, spec in parts:
        _require_exportable(spec, f"item {item.id} part {index}")  # before joining any audio
        rates.add(spec.rate)
    if len(rates) > 1:
        raise UnsupportedAudioFormatError(
            f"the conversation mixes PCM16 rates {sorted(rates)}; one WAV file has one rate"
        )
    rate = rates.pop()
    silence = bytes(2 * (rate * gap_ms // 1000))
    chunks: list[bytes] = []
    for n, (item, index, part, spec) in enumerate(parts):
        if n and silence:
            chunks.append(silence)
        audio = _pcm16(part.audio, spec, f"item {item.id} part {index}")
        chunks.append(audio[: len(audio) - len(audio) % 2])
    return pcm_to_wav(b"".join(chunks), rate)
