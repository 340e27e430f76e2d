"""The audio formats module: every figure pinned against the contract (CONTRACT.md,
"Truncation": PCM16 at the session rate, 24 kHz by default, is 48 bytes/ms; G.711 is 8)."""

from __future__ import annotations

import pytest

from realtime_state import decode
from realtime_state.formats import (
    G711_ALAW,
    G711_ULAW,
    PCM16_24K,
    AudioSpec,
    input_spec,
    output_bytes_per_ms,
    output_spec,
)


def _ga(output: dict[str, object] | None = None, input_: dict[str, object] | None = None) -> object:
    audio: dict[str, object] = {}
    if output is not None:
        audio["output"] = {"format": output}
    if input_ is not None:
        audio["input"] = {"format": input_}
    event = {
        "type": "session.created",
        "event_id": "event_1",
        "session": {"type": "realtime", "id": "sess_1", "audio": audio},
    }
    return decode(event).session  # type: ignore[attr-defined]


def _beta(output: str | None = None, input_: str | None = None) -> object:
    session: dict[str, object] = {"id": "sess_1", "object": "realtime.session"}
    if output is not None:
        session["output_audio_format"] = output
    if input_ is not None:
        session["input_audio_format"] = input_
    return decode({"type": "session.created", "event_id": "event_1", "session": session}).session  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("spec", "per_ms", "width"),
    [
        (PCM16_24K, 48, 2),
        (AudioSpec("pcm16", 16000), 32, 2),
        (AudioSpec("pcm16", 8000), 16, 2),
        (G711_ULAW, 8, 1),
        (G711_ALAW, 8, 1),
    ],
)
def test_bytes_per_millisecond(spec: AudioSpec, per_ms: int, width: int) -> None:
    assert spec.bytes_per_ms == per_ms
    assert spec.sample_width == width
    assert spec.bytes_for_ms(10) == 10 * per_ms
    assert spec.duration_ms(per_ms * 250) == 250


def test_bytes_for_ms_keeps_whole_samples() -> None:
    odd = AudioSpec("pcm16", 22050)  # 44.1 bytes/ms
    assert odd.bytes_for_ms(10) == 220 * 2  # 220.5 samples: the half sample is not kept
    assert odd.bytes_for_ms(1000) == 22050 * 2
    assert odd.bytes_for_ms(1) == 22 * 2
    assert PCM16_24K.bytes_for_ms(0) == 0


def test_defaults_are_pcm16_at_24_khz() -> None:
    assert AudioSpec("pcm16", 24000) == PCM16_24K
    assert input_spec(None) == output_spec(None) == PCM16_24K
    assert output_bytes_per_ms(None) == 48
    assert output_spec(_ga()) == input_spec(_ga()) == PCM16_24K
    assert output_spec(_beta()) == input_spec(_beta()) == PCM16_24K


@pytest.mark.parametrize(
    ("wire", "spec"),
    [
        ({"type": "audio/pcm", "rate": 24000}, PCM16_24K),
        ({"type": "audio/pcm", "rate": 16000}, AudioSpec("pcm16", 16000)),
        ({"type": "audio/pcm"}, PCM16_24K),
        ({"type": "audio/pcmu"}, AudioSpec("g711_ulaw", 8000)),
        ({"type": "audio/pcma"}, AudioSpec("g711_alaw", 8000)),
    ],
)
def test_ga_formats(wire: dict[str, object], spec: AudioSpec) -> None:
    assert output_spec(_ga(output=wire)) == spec
    assert input_spec(_ga(input_=wire)) == spec
    assert output_spec(_ga(input_=wire)) == PCM16_24K  # the other direction keeps the default


@pytest.mark.parametrize(
    ("wire", "spec"),
    [
        ("pcm16", PCM16_24K),
        ("g711_ulaw", AudioSpec("g711_ulaw", 8000)),
        ("g711_alaw", AudioSpec("g711_alaw", 8000)),
    ],
)
def test_beta_formats(wire: str, spec: AudioSpec) -> None:
    assert output_spec(_beta(output=wire)) == spec
    assert input_spec(_beta(input_=wire)) == spec
    assert output_bytes_per_ms(_beta(output=wire)) == spec.bytes_per_ms


def test_unknown_formats_are_kept_by_name() -> None:
    assert output_spec(_ga(output={"type": "audio/opus", "rate": 48000})) == AudioSpec(
        "audio/opus", 48000
    )
    assert output_spec(_beta(output="opus")).encoding == "opus"


def test_names() -> None:
    assert PCM16_24K.describe() == "PCM16 at 24000 Hz"
    assert G711_ULAW.describe() == "G.711 mu-law"
    assert G711_ALAW.describe() == "G.711 A-law"
    assert PCM16_24K.is_pcm16 and not G711_ULAW.is_pcm16
