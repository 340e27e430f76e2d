"""The truncated-audio invariant at its boundaries: mutants of its comparisons must fail here.

A GA voice session cut at 150 ms keeps 7200 bytes of PCM16 at 24 kHz (48 bytes per ms) out of
14400 received; the checks below move the cut and the received count one step either side.
"""

from __future__ import annotations

import attrs
import pytest

from helpers.data import HERE, read_lines
from realtime_state import SessionState, replay
from realtime_state.testing import check_invariants

CUT = replay(read_lines(HERE / "logs" / "ga_interruption.jsonl"), policy="strict")


def _cut_item() -> str:
    return next(i.id for i in CUT.items if any(p.truncated_at_ms is not None for p in i.content))


def _with_part(**changes: object) -> SessionState:
    conv = CUT.conversation
    item = conv.items[_cut_item()]
    parts = list(item.content)
    parts[0] = attrs.evolve(parts[0], **changes)
    item = attrs.evolve(item, content=tuple(parts))
    return attrs.evolve(CUT, conversation=attrs.evolve(conv, items=conv.items.set(item.id, item)))


def _audio_failures(state: SessionState) -> list[str]:
    return [f.message for f in check_invariants(state) if f.name == "truncated_audio_within_cut"]


def test_the_recorded_cut_is_exactly_at_its_bytes() -> None:
    part = CUT.item(_cut_item()).content[0]
    assert (part.truncated_at_ms, part.audio_bytes) == (150, 7200)
    assert part.audio_bytes_before_truncation == 14400
    assert tuple(check_invariants(CUT)) == ()


@pytest.mark.parametrize("cut", [150, 151, 10_000])
def test_a_cut_at_or_after_the_bytes_kept_holds(cut: int) -> None:
    assert _audio_failures(_with_part(truncated_at_ms=cut)) == []


def test_a_cut_one_ms_before_the_bytes_kept_fails() -> None:
    (message,) = _audio_failures(_with_part(truncated_at_ms=149))
    assert "holds 7200 audio bytes" in message and "cut at 149 ms" in message


@pytest.mark.parametrize("cut", [-1, -150])
def test_a_negative_cut_fails_as_negative(cut: int) -> None:
    (message,) = _audio_failures(_with_part(truncated_at_ms=cut))
    assert message.endswith(f"was cut at {cut} ms")


def test_a_cut_at_zero_with_no_audio_holds() -> None:
    assert _audio_failures(_with_part(truncated_at_ms=0, audio_chunks=None)) == []


@pytest.mark.parametrize(("received", "fails"), [(7199, True), (7200, False), (None, False)])
def test_a_cut_part_keeps_at_most_what_it_received(received: int | None, fails: bool) -> None:
    messages = _audio_failures(_with_part(audio_bytes_before_truncation=received))
    assert bool(messages) is fails
    if fails:
        assert "more than the 7199 received" in messages[0]
