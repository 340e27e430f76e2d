"""Example sessions bundled with the package (real recordings, one event per line).

* ``ga_tool_call_round.jsonl``: a GA session (``gpt-realtime``, 2026) with a function call.
* ``ga_voice_interruption.jsonl``: a GA voice session over WebSocket (100 ms PCM16 audio
  deltas) whose first answer the user interrupts; written from ``EVENTS.md`` (it is
  ``tests/logs/ga_interruption.jsonl`` of the repository).
* ``beta_webrtc_interrupt_truncate.jsonl``: a beta WebRTC session (2025) with a VAD
  interruption that the server answers with ``conversation.item.truncated``.

The sources of the recordings are listed in ``tests/recordings/README.md`` of the repository.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["EXAMPLES", "DESCRIPTIONS", "example_lines"]

EXAMPLES = ("ga_tool_call_round", "ga_voice_interruption", "beta_webrtc_interrupt_truncate")
"""Names of the bundled example sessions, GA first."""

DESCRIPTIONS = {
    "ga_tool_call_round": "GA, recorded (gpt-realtime, 2026): a user question, a function call "
    "with streamed arguments, its output, and the answer.",
    "ga_voice_interruption": "GA, written from EVENTS.md: two voice turns over WebSocket with "
    "100 ms PCM16 audio deltas; the user barges in and the server truncates the first answer.",
    "beta_webrtc_interrupt_truncate": "Beta, recorded (WebRTC, 2025-05): a voice answer, a VAD "
    "interruption with server-sent truncation, late input transcription, a second answer.",
}
"""One line per example: what it holds."""


def example_lines(name: str = EXAMPLES[0]) -> list[str]:
    """The JSON lines of a bundled example session."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; choose one of {', '.join(EXAMPLES)}")
    text = resources.files(__name__).joinpath(f"{name}.jsonl").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]
