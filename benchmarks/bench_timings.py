"""What ``state.timings()`` costs against replaying the log it reads.

Usage (from the repository root)::

    python benchmarks/bench_timings.py [--minutes 30] [--seed 0] [--repeat 5] [--json]

Builds the synthetic GA voice session as envelope lines with its simulated times
(``synthetic.ga_voice_envelopes``: every response has ``created_at``, ``first_audio_at`` and
``done_at``; user turns have their speech stops), then times, best of ``--repeat`` with the
garbage collector off:

1. the replay: decode + reduce of every line from ``SessionState()``
   (``state = reduce(state, decode_entry(line))``, what ``replay`` does);
2. ``state.timings()`` on the final state (each call a fresh computation: nothing is cached),
   and ``timings().to_dict()`` (what ``replay --format json`` adds);

and reports the ratio of each to the replay. The target: ``timings()`` under 5 % of the
replay. ``timings()`` reads the times kept on each response and sorts the responses once; it
never touches the audio the state holds.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402  (found through the line above)
import synthetic  # noqa: E402  (found through the line above)

TARGET = 0.05


def best_of(repeat: int, run: Callable[[], Any], inner: int = 1) -> float:
    """The fastest of ``repeat`` timings of ``inner`` calls of ``run``, per call (seconds)."""
    best = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(inner):
                run()
            best = min(best, (time.perf_counter() - start) / inner)
    finally:
        if enabled:
            gc.enable()
    return best


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the session, time the replay and the timings, return the figures."""
    try:
        from realtime_state.envelopes import decode_entry
        from realtime_state.reducer import reduce
        from realtime_state.state import SessionState
        from realtime_state.timings import MEASURES
    except ImportError:
        sys.path.insert(0, str(HERE.parent / "src"))
        from realtime_state.envelopes import decode_entry
        from realtime_state.reducer import reduce
        from realtime_state.state import SessionState
        from realtime_state.timings import MEASURES

    lines = synthetic.ga_voice_envelopes(args.minutes, args.seed)
    final: list[SessionState] = []

    def replay() -> None:
        state = SessionState()
        for line in lines:
            state = reduce(state, decode_entry(line))
        final[:] = [state]

    replay_s = best_of(args.repeat, replay)
    state = final[0]
    timings = state.timings()
    assert timings.measured and not state.violations
    inner = 20
    timings_s = best_of(args.repeat, state.timings, inner)
    to_dict_s = best_of(args.repeat, lambda: state.timings().to_dict(), inner)
    measures = {name: getattr(timings, name).to_dict() for name in MEASURES}
    return {
        "python": platform.python_version(),
        "minutes": args.minutes,
        "seed": args.seed,
        "events": len(lines),
        "responses": len(timings.responses),
        "repeat": args.repeat,
        "replay_seconds": replay_s,
        "timings_seconds": timings_s,
        "timings_to_dict_seconds": to_dict_s,
        "timings_over_replay": timings_s / replay_s,
        "timings_to_dict_over_replay": to_dict_s / replay_s,
        "target": TARGET,
        "measures": measures,
    }


def render(result: dict[str, Any]) -> str:
    """The human-readable table."""
    ratio = result["timings_over_replay"]
    verdict = "target met" if ratio < TARGET else "TARGET MISSED"
    rows = [
        f"{result['minutes']:g}-minute session (seed {result['seed']}): {result['events']:,} "
        f"envelope lines, {result['responses']} responses; best of {result['repeat']}",
        f"{'':<26}{'ms':>10}{'of replay':>11}",
        f"{'replay (decode + reduce)':<26}{result['replay_seconds'] * 1e3:>10.1f}{'100 %':>11}",
        f"{'timings()':<26}{result['timings_seconds'] * 1e3:>10.3f}{ratio:>11.3%}",
        f"{'timings().to_dict()':<26}{result['timings_to_dict_seconds'] * 1e3:>10.3f}"
        f"{result['timings_to_dict_over_replay']:>11.3%}",
        f"timings() / replay: {ratio:.3%} (target < {TARGET:.0%}: {verdict})",
    ]
    for name, stats in result["measures"].items():
        rows.append(
            f"  {name}: n={stats['count']} p50={stats['p50']:.0f} ms p95={stats['p95']:.0f} ms"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="simulated session length")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (the best is kept)")
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    args = parser.parse_args(argv)
    result = run(args)
    return _report.emit(render(result), result, args.json)


if __name__ == "__main__":
    sys.exit(main())
