"""How ``realtime-state check`` scales with processes.

Usage (from the repository root)::

    python benchmarks/bench_check.py [--logs 300] [--minutes 2] [--jobs 1 2] [--repeat 3] [--json]

Writes ``--logs`` synthetic GA voice sessions (``synthetic.ga_voice_session``, different seeds)
as JSONL files in a temporary folder, then times ``logs.check_files`` over all of them with
each ``--jobs`` value (best of ``--repeat`` rounds that alternate the job counts), and
reports events/s and the speed-up of every job count over one job. The target on a 2-core
machine: 2 jobs reach at least 1.7x the events/s of 1 job.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402  (found through the line above)
import synthetic  # noqa: E402  (found through the line above)

TARGET = 1.7


def write_logs(folder: Path, count: int, minutes: float) -> tuple[list[str], int]:
    """Write ``count`` sessions; return their paths and the total number of events."""
    paths, events = [], 0
    for seed in range(count):
        lines = synthetic.ga_voice_session(minutes, seed)
        path = folder / f"session_{seed:05d}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(str(path))
        events += len(lines)
    return paths, events


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the logs, time every job count, return the figures."""
    try:
        from realtime_state.logs import check_files, summarize_checks
    except ImportError:
        sys.path.insert(0, str(HERE.parent / "src"))
        from realtime_state.logs import check_files, summarize_checks

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        paths, events = write_logs(Path(tmp), args.logs, args.minutes)
        generated = time.perf_counter() - started
        best = dict.fromkeys(args.jobs, float("inf"))
        # Rounds alternate the job counts, so a slow spell of a shared machine hits all alike.
        for _ in range(args.repeat):
            for jobs in args.jobs:
                start = time.perf_counter()
                reports = check_files(paths, jobs=jobs)
                best[jobs] = min(best[jobs], time.perf_counter() - start)
                summary = summarize_checks(reports)
                assert summary["events"] == events and summary["exit_code"] == 0, summary
        results: dict[str, Any] = {
            str(jobs): {"seconds": seconds, "events_per_s": events / seconds}
            for jobs, seconds in best.items()
        }
    base = results[str(args.jobs[0])]["events_per_s"]
    for figures in results.values():
        figures["speedup"] = figures["events_per_s"] / base
    return {
        "logs": args.logs,
        "minutes_per_log": args.minutes,
        "events": events,
        "cpu_count": os.cpu_count(),
        "generate_seconds": generated,
        "repeat": args.repeat,
        "jobs": results,
        "target_speedup_2_jobs": TARGET,
    }


def render(result: dict[str, Any]) -> str:
    """The human-readable table."""
    rows = [
        f"{result['logs']} logs x {result['minutes_per_log']:g} min = {result['events']:,} events; "
        f"{result['cpu_count']} CPUs; best of {result['repeat']}",
        f"{'jobs':>4} {'seconds':>9} {'events/s':>11} {'speed-up':>9}",
    ]
    for jobs, figures in result["jobs"].items():
        rows.append(
            f"{jobs:>4} {figures['seconds']:>9.2f} {figures['events_per_s']:>11,.0f} "
            f"{figures['speedup']:>8.2f}x"
        )
    two = result["jobs"].get("2")
    if two is not None and "1" in result["jobs"]:
        verdict = "target met" if two["speedup"] >= TARGET else "TARGET MISSED"
        rows.append(f"2 jobs / 1 job: {two['speedup']:.2f}x (target >= {TARGET}x: {verdict})")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--logs", type=int, default=300, help="number of logs")
    parser.add_argument("--minutes", type=float, default=2.0, help="simulated minutes per log")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="job counts to time")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (best kept per job count)")
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    args = parser.parse_args(argv)
    result = run(args)
    return _report.emit(render(result), result, args.json)


if __name__ == "__main__":
    sys.exit(main())
