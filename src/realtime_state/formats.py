"""Audio formats: what one millisecond of a session's input or output audio weighs.

This is the one place that knows the Realtime API's audio formats. The reducer cuts
truncated audio with it, the read side turns bytes into milliseconds and WAV files with it,
and the invariants check cuts with it; nothing else works out bytes per millisecond.

A session says its formats in two dialects: GA ``session.audio.input.format`` /
``session.audio.output.format`` (``{"type": "audio/pcm", "rate": 24000}``,
``{"type": "audio/pcmu"}``, ``{"type": "audio/pcma"}``) and beta ``input_audio_format`` /
``output_audio_format`` (``"pcm16"``, ``"g711_ulaw"``, ``"g711_alaw"``). Without a session
event, or a format, both are PCM16 (16-bit little-endian mono) at 24 kHz, the server default:
48 bytes per millisecond. G.711 (mu-law or A-law) is 8 kHz, one byte per sample: 8 bytes per
millisecond.

This module depends on :mod:`realtime_state.events` only.
"""

from __future__ import annotations

from typing import Any

import attrs

from . import events as ev

__all__ = [
    "AudioSpec",
    "PCM16_24K",
    "G711_ULAW",
    "G711_ALAW",
    "input_spec",
    "output_spec",
    "output_bytes_per_ms",
    "MAX_RATE",
    "unusable_formats",
]

MAX_RATE = 192_000
"""The highest sample rate accepted (Hz); a session format outside ``1..MAX_RATE`` is
unusable (the server only sends 24000 for ``audio/pcm``)."""

_SAMPLE_WIDTH = {"pcm16": 2, "g711_ulaw": 1, "g711_alaw": 1}


@attrs.frozen(slots=True)
class AudioSpec:
    """An audio format: ``encoding`` (``pcm16``, ``g711_ulaw``, ``g711_alaw``, or the wire
    name of a format this version does not know) and ``rate`` in samples per second."""

    encoding: str
    rate: int

    @property
    def sample_width(self) -> int:
        """Bytes per sample: 2 for PCM16, 1 for G.711 (and for encodings not known)."""
        return _SAMPLE_WIDTH.get(self.encoding, 1)

    @property
    def bytes_per_ms(self) -> float:
        """Bytes per millisecond of mono audio (48 for PCM16 at 24 kHz, 8 for G.711)."""
        return self.rate * self.sample_width / 1000

    @property
    def is_pcm16(self) -> bool:
        """Whether the audio is PCM16, the only encoding WAV export writes."""
        return self.encoding == "pcm16"

    def duration_ms(self, n_bytes: int) -> float:
        """Milliseconds of audio in ``n_bytes`` bytes of this format."""
        return n_bytes / self.bytes_per_ms

    def bytes_for_ms(self, ms: int) -> int:
        """Bytes of the first ``ms`` milliseconds: whole samples, rounded down (what a
        ``conversation.item.truncated`` at ``audio_end_ms = ms`` keeps)."""
        return ms * self.rate // 1000 * self.sample_width

    def describe(self) -> str:
        """A short human name, e.g. ``PCM16 at 24000 Hz`` or ``G.711 mu-law``."""
        names = {"pcm16": "PCM16", "g711_ulaw": "G.711 mu-law", "g711_alaw": "G.711 A-law"}
        name = names.get(self.encoding, repr(self.encoding))
        return f"{name} at {self.rate} Hz" if self.is_pcm16 else name


PCM16_24K = AudioSpec("pcm16", 24000)
"""The server default for input and output audio."""
G711_ULAW = AudioSpec("g711_ulaw", 8000)
"""G.711 mu-law (GA ``audio/pcmu``, beta ``g711_ulaw``)."""
G711_ALAW = AudioSpec("g711_alaw", 8000)
"""G.711 A-law (GA ``audio/pcma``, beta ``g711_alaw``)."""

_BETA_FORMATS = {"pcm16": PCM16_24K, "g711_ulaw": G711_ULAW, "g711_alaw": G711_ALAW}
_GA_G711 = {"audio/pcmu": G711_ULAW, "audio/pcma": G711_ALAW}


def _from_beta(name: str | None) -> AudioSpec:
    if name is None:
        return PCM16_24K
    return _BETA_FORMATS.get(name, AudioSpec(name, 24000))


def _from_ga(fmt: ev.AudioFormat | None) -> AudioSpec:
    if fmt is None or fmt.type is None:
        return PCM16_24K
    if fmt.type == "audio/pcm":
        rate = fmt.rate or 24000
        # One shared value for the usual rate: every part holds its format for its life.
        return PCM16_24K if rate == 24000 else AudioSpec("pcm16", rate)
    g711 = _GA_G711.get(fmt.type)
    if g711 is not None:
        return g711
    return AudioSpec(fmt.type, fmt.rate or 24000)


def input_spec(session: Any) -> AudioSpec:
    """The format of user (input) audio for a session object, or the default for ``None``."""
    if isinstance(session, (ev.BetaSession, ev.BetaTranscriptionSession)):
        return _from_beta(session.input_audio_format)
    if isinstance(session, (ev.RealtimeSession, ev.TranscriptionSession)):
        audio = session.audio
        return _from_ga(audio.input.format if audio and audio.input else None)
    return PCM16_24K


def output_spec(session: Any) -> AudioSpec:
    """The format of assistant (output) audio for a session object, or the default."""
    if isinstance(session, ev.BetaSession):
        return _from_beta(session.output_audio_format)
    if isinstance(session, ev.RealtimeSession):
        audio = session.audio
        return _from_ga(audio.output.format if audio and audio.output else None)
    return PCM16_24K


def output_bytes_per_ms(session: Any) -> float:
    """Bytes per millisecond of a session's output audio (48 for PCM16 at 24 kHz, the
    default; 8 for G.711)."""
    return output_spec(session).bytes_per_ms


def unusable_formats(session: Any) -> list[tuple[str, object]]:
    """The audio format fields of a session object that no audio can be read with, as
    ``(field path, value)``: a rate that is not an integer from 1 to :data:`MAX_RATE` (G.711
    formats are 8 kHz whatever their ``rate`` says)."""
    if not isinstance(session, (ev.RealtimeSession, ev.TranscriptionSession)):
        return []  # beta formats are names: one this version does not know is kept by name
    audio = session.audio
    found: list[tuple[str, object]] = []
    for side in ("input", "output"):
        direction = getattr(audio, side, None) if audio is not None else None
        fmt = direction.format if direction is not None else None
        rate = fmt.rate if fmt is not None else None
        usable = rate is None or 1 <= rate <= MAX_RATE
        if not usable and fmt is not None and fmt.type not in _GA_G711:  # G.711 is 8 kHz
            found.append((f"session.audio.{side}.format.rate", rate))
    return found
