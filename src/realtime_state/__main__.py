"""``python -m realtime_state [LOG.jsonl ...]``: replay session logs and print what the state holds.

With no argument it replays the bundled example sessions. This is the interim command-line
entry point; reading files happens here, at the edge, never in the core.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from . import DecodeError, ProtocolViolation, SessionState, replay
from .examples import EXAMPLES, example_lines


def describe(name: str, state: SessionState) -> str:
    """A plain-text account of a replayed session."""
    out = [f"== {name}: {state.event_count} events"]
    session = state.session
    if session is not None:
        model = getattr(session, "model", None)
        out.append(f"session: {type(session).__name__}" + (f" model={model!r}" if model else ""))
    for item in state.items:
        who = item.role or item.type
        if item.type == "function_call":
            words = f"{item.name}({item.arguments})"
        elif item.type == "function_call_output":
            words = f"-> {item.output}"
        else:
            texts = []
            for part in item.content:
                if part.text:
                    texts.append(part.text)
                elif part.transcript:
                    texts.append(part.transcript)
                elif part.transcript_before_truncation and part.truncated_at_ms is not None:
                    texts.append(
                        f"{part.transcript_before_truncation} "
                        f"[interrupted at {part.truncated_at_ms / 1000:.2f} s]"
                    )
            words = " ".join(t.strip() for t in texts)
        out.append(f"  {who:>9} [{item.status}] {words}")
    counts = Counter(r.status for r in state.responses.values())
    out.append(f"responses: {dict(counts)}; tokens: {state.usage.total_tokens}")
    if state.rate_limits:
        limits = ", ".join(f"{k} {v.remaining}/{v.limit}" for k, v in state.rate_limits.items())
        out.append(f"rate limits: {limits}")
    out.append(f"errors: {len(state.errors)}; violations: {len(state.violations)}")
    out.extend(f"  ! #{v.index} {v.code}: {v.message}" for v in state.violations)
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Replay the given logs (or the bundled examples) and print a summary of each."""
    parser = argparse.ArgumentParser(prog="python -m realtime_state", description=__doc__)
    parser.add_argument("logs", nargs="*", type=Path, help="JSONL session logs")
    parser.add_argument("--policy", choices=("strict", "lenient"), default="lenient")
    args = parser.parse_args(argv)
    sources = (
        [(str(p), p.read_text(encoding="utf-8").splitlines()) for p in args.logs]
        if args.logs
        else [(f"example {name}", example_lines(name)) for name in EXAMPLES]
    )
    status = 0
    for name, lines in sources:
        try:
            state = replay([line for line in lines if line.strip()], policy=args.policy)
        except (DecodeError, ProtocolViolation) as exc:
            print(f"== {name}: {exc}", file=sys.stderr)
            status = 1
            continue
        print(describe(name, state))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
