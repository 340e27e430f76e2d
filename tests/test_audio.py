"""Audio read side: part bytes, durations, WAV export, formats and their errors."""

from __future__ import annotations

import io
import struct
import warnings
import wave

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import streams as s
from helpers.readside import ga_session, log, recording, run, truncate, user_audio
from realtime_state import (
    AudioSpec,
    NoAudioError,
    RealtimeStateError,
    UnsupportedAudioFormatError,
    decode,
    pcm_to_wav,
    replay,
)
from realtime_state.audio import (
    PCM16_24K,
    g711_to_pcm16,
    input_spec,
    output_spec,
    part_duration_ms,
)


def read_wav(data: bytes) -> tuple[int, int, int, bytes]:
    """``(channels, sample width, rate, frames)`` of a WAV file."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        return (
            wav.getnchannels(),
            wav.getsampwidth(),
            wav.getframerate(),
            wav.readframes(wav.getnframes()),
        )


# --- one part ---------------------------------------------------------------------------------


def test_ga_audio_turn_audio_wav_and_duration() -> None:
    state = replay(log("ga_audio_turn"), policy="strict")
    answer = state.items[1]
    pcm = state.audio(answer.id)
    assert len(pcm) == 24000 == answer.content[0].audio_bytes
    assert answer.content[0].duration_ms == 500.0
    assert part_duration_ms(state, answer.id) == 500.0
    assert read_wav(state.wav(answer.id)) == (1, 2, 24000, pcm)
    assert state.wav(answer.id, 0) == pcm_to_wav(pcm, 24000)


def test_truncated_part_keeps_the_audio_heard() -> None:
    state = replay(log("ga_interruption"), policy="strict")
    cut = state.items[1]
    assert len(state.audio(cut.id)) == 7200  # 150 of the 300 ms received
    channels, width, rate, frames = read_wav(state.wav(cut.id))
    assert (channels, width, rate, len(frames)) == (1, 2, 24000, 7200)


def test_part_without_audio_is_a_clear_error() -> None:
    state = replay(log("ga_audio_turn"))
    user = state.items[0]
    with pytest.raises(NoAudioError, match="does not echo user audio"):
        state.audio(user.id)
    with pytest.raises(NoAudioError, match="does not echo user audio"):
        state.wav(user.id)
    webrtc = replay(recording("beta_webrtc_interrupt_truncate"))
    with pytest.raises(NoAudioError, match="WebRTC and SIP carry audio on the media track"):
        webrtc.wav(webrtc.items[1].id)
    text_only = replay(recording("ga_tool_call_round"))
    with pytest.raises(NoAudioError, match="none came over this connection"):
        text_only.audio(text_only.items[3].id)


def test_unknown_item_or_part_is_a_clear_error() -> None:
    state = replay(log("ga_audio_turn"))
    with pytest.raises(NoAudioError, match="no item 'ghost'") as info:
        state.audio("ghost")
    assert isinstance(info.value, LookupError) and isinstance(info.value, RealtimeStateError)
    with pytest.raises(NoAudioError, match="has 1 content part; there is no part 3"):
        state.wav(state.items[1].id, 3)


def test_cut_at_zero_ms_has_no_audio_and_says_why() -> None:
    state = run(
        s.session_created(),
        *s.assistant_audio_turn("resp_1", "item_a", ["x"], [s.pcm(100)]),
        truncate("item_a", 0),
    )
    with pytest.raises(NoAudioError, match="truncated at 0 ms"):
        state.audio("item_a")


def test_trailing_odd_byte_is_dropped() -> None:
    odd = s.pcm(100) + b"\x07"
    state = run(s.session_created(), *s.assistant_audio_turn("resp_1", "item_a", ["x"], [odd]))
    assert state.audio("item_a") == odd  # the raw bytes stay as received
    frames = read_wav(state.wav("item_a"))[3]
    assert frames == odd[:-1] and len(frames) == 4800


# --- formats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session", "encoding"),
    [
        (s.session_created(output_format="audio/pcmu"), "g711_ulaw"),
        (s.session_created(output_format="audio/pcma"), "g711_alaw"),
        (s.session_created(ga=False, output_format="g711_ulaw"), "g711_ulaw"),
        (s.session_created(ga=False, output_format="g711_alaw"), "g711_alaw"),
    ],
)
def test_g711_output_is_exported_as_pcm16_at_8_khz(
    session: dict[str, object], encoding: str
) -> None:
    ga = session["session"].get("type") == "realtime"  # type: ignore[attr-defined]
    g711 = bytes(range(256)) * 8  # 256 ms at 8 bytes per ms
    state = run(session, *s.assistant_audio_turn("resp_1", "item_a", ["x"], [g711], ga=ga))
    assert state.audio("item_a") == g711  # raw bytes as they came
    pcm = g711_to_pcm16(g711, encoding)
    assert len(pcm) == 2 * len(g711)
    assert read_wav(state.wav("item_a")) == (1, 2, 8000, pcm)
    assert read_wav(state.conversation_wav(gap_ms=10)) == (1, 2, 8000, pcm)
    assert part_duration_ms(state, "item_a") == 256.0  # session-aware, unlike PartState's


def test_unknown_encodings_are_refused_with_a_clear_error() -> None:
    opus = {"type": "audio/opus", "rate": 48000}
    state = run(
        ga_session(output_format=opus),
        *s.assistant_audio_turn("resp_1", "item_a", ["x"], [b"\x01\x02" * 100]),
    )
    with pytest.raises(UnsupportedAudioFormatError, match="'audio/opus' audio; WAV export"):
        state.wav("item_a")
    with pytest.raises(UnsupportedAudioFormatError, match="audio/opus"):
        state.conversation_wav()
    with pytest.raises(UnsupportedAudioFormatError, match=r"not a G\.711 encoding"):
        g711_to_pcm16(b"\x00", "pcm16")


# ITU-T G.711 reference points: the extremes and the smallest magnitudes of each law.
_G711_POINTS = {
    "g711_ulaw": {0x00: -32124, 0x0F: -16764, 0x7E: -8, 0x7F: 0, 0x80: 32124, 0xFE: 8, 0xFF: 0},
    "g711_alaw": {0x00: -5504, 0x2A: -32256, 0x55: -8, 0x80: 5504, 0xAA: 32256, 0xD5: 8},
}


@pytest.mark.parametrize("encoding", ["g711_ulaw", "g711_alaw"])
def test_g711_tables_are_the_standard_ones(encoding: str) -> None:
    samples = struct.unpack("<256h", g711_to_pcm16(bytes(range(256)), encoding))
    for code, value in _G711_POINTS[encoding].items():
        assert samples[code] == value, hex(code)
    # both laws are odd-symmetric: flipping the sign bit negates the sample
    for code in range(128):
        assert samples[code] == -samples[code | 0x80] or {samples[code], samples[code | 0x80]} == {
            0
        }
    assert len(set(samples[0x80:])) == 128  # one distinct level per code in each half
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import audioop  # the C reference of Python <= 3.12
    except ImportError:  # pragma: no cover - Python 3.13 removed it
        pytest.skip("audioop is not available to compare every byte")
    reference = audioop.ulaw2lin if encoding == "g711_ulaw" else audioop.alaw2lin
    assert g711_to_pcm16(bytes(range(256)), encoding) == reference(bytes(range(256)), 2)


def _updated(**formats: dict[str, object]) -> dict[str, object]:
    event = ga_session(**formats)  # type: ignore[arg-type]
    event["type"] = "session.updated"
    return event


def test_a_later_format_switch_does_not_reinterpret_audio_already_received() -> None:
    """PCM16 audio came, then session.updated switched the output to G.711 mu-law: the bytes
    received stay PCM16 at 24 kHz (their duration, WAV export, the whole conversation)."""
    pcm = s.pcm(100, 1) + s.pcm(100, 2)
    turn = s.assistant_audio_turn("resp_1", "item_a", ["Hello ", "there"], [pcm[:4800], pcm[4800:]])
    state = run(ga_session(), *turn, _updated(output_format={"type": "audio/pcmu"}))
    assert output_spec(state.session) == AudioSpec("g711_ulaw", 8000)
    assert state.item("item_a").content[0].audio_spec == PCM16_24K
    assert state.transcript()[0].audio_ms == 200.0
    assert part_duration_ms(state, "item_a") == 200.0
    assert state.item("item_a").content[0].duration_ms == 200.0
    assert read_wav(state.wav("item_a")) == (1, 2, 24000, pcm)
    assert read_wav(state.conversation_wav()) == (1, 2, 24000, pcm)
    # a cut after the switch is measured in the format the audio came in (48 bytes per ms)
    cut = run(
        ga_session(), *turn, _updated(output_format={"type": "audio/pcmu"}), truncate("item_a", 50)
    )
    assert cut.audio("item_a") == pcm[:2400]
    assert cut.transcript()[0].audio_ms == 200.0
    assert read_wav(cut.wav("item_a"))[3] == pcm[:2400]


def test_a_switch_to_pcm16_does_not_make_g711_audio_play_as_pcm16() -> None:
    ulaw = bytes(range(200)) * 8
    state = run(
        ga_session(output_format={"type": "audio/pcmu"}),
        *s.assistant_audio_turn("resp_1", "item_a", ["x"], [ulaw]),
        _updated(),
    )
    assert part_duration_ms(state, "item_a") == 200.0
    assert state.transcript()[0].audio_ms == 200.0
    assert read_wav(state.wav("item_a")) == (1, 2, 8000, g711_to_pcm16(ulaw, "g711_ulaw"))


def test_g711_part_without_audio_is_no_audio_not_a_format_error() -> None:
    """SIP with G.711: the transcript came over the connection, the audio did not."""
    state = run(
        ga_session(output_format={"type": "audio/pcmu"}),
        *s.assistant_audio_turn("resp_1", "item_a", ["one ", "two"], []),
    )
    for export in (state.wav, state.audio):
        with pytest.raises(NoAudioError, match="WebRTC and SIP carry audio on the media track"):
            export("item_a")
    with pytest.raises(NoAudioError, match="no item of the conversation holds audio"):
        state.conversation_wav()


def test_session_formats() -> None:
    ga = decode(ga_session(input_format={"type": "audio/pcmu"})).session  # type: ignore[attr-defined]
    assert input_spec(ga) == AudioSpec("g711_ulaw", 8000)
    assert output_spec(ga) == PCM16_24K
    beta = decode(s.session_created(ga=False, output_format="g711_alaw")).session  # type: ignore[attr-defined]
    assert (input_spec(beta), output_spec(beta)) == (PCM16_24K, AudioSpec("g711_alaw", 8000))
    assert input_spec(None) == output_spec(None) == PCM16_24K
    stt = replay(log("beta_transcription_only")).session
    assert input_spec(stt) == PCM16_24K and output_spec(stt) == PCM16_24K
    ga_stt = replay(log("ga_transcription_only")).session
    assert input_spec(ga_stt) == PCM16_24K
    assert AudioSpec("pcm16", 16000).bytes_per_ms == 32
    assert AudioSpec("g711_ulaw", 8000).duration_ms(80) == 10
    assert AudioSpec("opus", 48000).describe() == "'opus'"


# --- the whole conversation --------------------------------------------------------------------


def test_conversation_wav_puts_user_and_assistant_audio_in_order() -> None:
    mine, yours, later = s.pcm(200, 3), s.pcm(300, 5), s.pcm(100, 9)
    state = run(
        ga_session(),
        *user_audio("item_u", mine, previous=None),
        *s.assistant_audio_turn("resp_1", "item_a", ["hi"], [yours[:7200], yours[7200:]]),
        *user_audio("item_v", later, previous="item_a"),
    )
    assert [i.id for i in state.items] == ["item_u", "item_a", "item_v"]
    assert read_wav(state.conversation_wav()) == (1, 2, 24000, mine + yours + later)
    gap = bytes(2 * 240)  # 10 ms of silence at 24 kHz
    assert read_wav(state.conversation_wav(gap_ms=10))[3] == mine + gap + yours + gap + later
    assert state.audio("item_u") == mine
    with pytest.raises(ValueError, match="gap_ms"):
        state.conversation_wav(gap_ms=-1)


def test_conversation_wav_skips_parts_without_audio_and_uses_what_was_heard() -> None:
    state = replay(log("ga_interruption"), policy="strict")
    frames = read_wav(state.conversation_wav())[3]
    first, second = state.items[1], state.items[3]
    assert frames == state.audio(first.id) + state.audio(second.id)
    assert len(frames) == 7200 + 9600


def test_conversation_wav_without_any_audio() -> None:
    with pytest.raises(NoAudioError, match="no item of the conversation holds audio"):
        replay(recording("beta_webrtc_interrupt_truncate")).conversation_wav()


def test_conversation_wav_refuses_mixed_rates() -> None:
    state = run(
        ga_session(input_format={"type": "audio/pcm", "rate": 16000}),
        *user_audio("item_u", s.pcm(10), previous=None),
        *s.assistant_audio_turn("resp_1", "item_a", ["hi"], [s.pcm(10)]),
    )
    with pytest.raises(UnsupportedAudioFormatError, match="mixes PCM16 rates"):
        state.conversation_wav()
    assert read_wav(state.wav("item_u"))[2] == 16000  # each part alone is fine


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=3000), min_size=1, max_size=8))
def test_property_wav_frames_equal_the_pcm(chunks: list[bytes]) -> None:
    """Whatever the deltas, the WAV holds exactly the PCM received (whole samples)."""
    state = run(s.session_created(), *s.assistant_audio_turn("resp_1", "item_a", ["x"], chunks))
    pcm = b"".join(chunks)
    assert state.audio("item_a") == pcm
    channels, width, rate, frames = read_wav(state.wav("item_a"))
    assert (channels, width, rate) == (1, 2, 24000)
    assert frames == pcm[: len(pcm) // 2 * 2]
    assert state.item("item_a").content[0].duration_ms == len(pcm) / 48
    assert read_wav(state.conversation_wav())[3] == frames


@pytest.mark.parametrize(
    ("input_format", "per_ms", "rate"),
    [
        ({"type": "audio/pcmu"}, 8, 8000),
        ({"type": "audio/pcma"}, 8, 8000),
        ({"type": "audio/pcm", "rate": 24000}, 48, 24000),
        ({"type": "audio/pcm", "rate": 16000}, 32, 16000),
    ],
)
def test_audio_inside_an_item_payload_knows_its_format(
    input_format: dict[str, object], per_ms: int, rate: int
) -> None:
    audio = bytes(range(200)) * 4  # 800 bytes
    state = run(ga_session(input_format=input_format), *user_audio("item_u", audio))
    part = state.item("item_u").content[0]
    assert part.audio_spec is not None and part.audio_spec.rate == rate
    assert part.duration_ms == len(audio) / per_ms  # the part alone knows, as the turn does
    assert part.duration_ms == part_duration_ms(state, "item_u")
    assert state.transcript()[0].audio_ms == part.duration_ms
    assert read_wav(state.wav("item_u"))[2] == rate
