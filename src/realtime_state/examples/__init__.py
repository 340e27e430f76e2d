"""Example sessions bundled with the package (real recordings, one event per line).

* ``ga_tool_call_round.jsonl``: a GA session (``gpt-realtime``, 2026) with a function call.
* ``beta_webrtc_interrupt_truncate.jsonl``: a beta WebRTC session (2025) with a VAD
  interruption that the server answers with ``conversation.item.truncated``.

Their sources are listed in ``tests/recordings/README.md`` of the repository.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["EXAMPLES", "example_lines"]

EXAMPLES = ("ga_tool_call_round", "beta_webrtc_interrupt_truncate")
"""Names of the bundled example sessions, GA first."""


def example_lines(name: str = EXAMPLES[0]) -> list[str]:
    """The JSON lines of a bundled example session."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; choose one of {', '.join(EXAMPLES)}")
    text = resources.files(__name__).joinpath(f"{name}.jsonl").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]
