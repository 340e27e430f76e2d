"""Where decode + reduce spend their time, by function and by event type.

Usage (from the repository root)::

    python benchmarks/profile_pipeline.py [--minutes 30] [--seed 0] [--top 25]
    python benchmarks/profile_pipeline.py --per-type [--minutes 30] [--repeat 5]
    python benchmarks/profile_pipeline.py --callgrind TYPE [--events 4000] [--reps 20]

* default: ``cProfile`` of ``state = reduce(state, decode(line))`` over the whole session
  (``synthetic.ga_voice_session``), the ``tottime`` table of the ``--top`` functions;
* ``--per-type``: wall-clock µs per event of ``decode`` and of ``reduce`` for each event
  type, garbage collector off, best of ``--repeat``. ``reduce`` is pure, so each event is
  reduced on the state it met in the stream (``reduce(states[i], events[i])``), which times
  one type at a time without replaying the rest;
* ``--compare``: in one run, µs per event of ``orjson.loads``, ``decode``, decode + reduce
  (text lines), the openai package's validation
  (``TypeAdapter(RealtimeServerEvent).validate_json``, every line) and the SDK's live
  ``parse_event`` (``bench_live.py``'s in-process part, frames as bytes), with the ratios
  openai / (decode + reduce) and parse_event / (decode + reduce);
* ``--callgrind TYPE``: instructions per ``reduce`` of one event type under callgrind
  (``PYTHONHASHSEED=0``), the same pairs ``--reps`` times, minus a run with no repetition;
  ``TYPE`` ``all`` takes every event once per repetition.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402  (found through the line above)
from bench_reduce import timed  # noqa: E402  (found through the line above)
from icount import callgrind_total  # noqa: E402  (found through the line above)


def _pairs(lines: list[str]) -> tuple[list[Any], list[Any], list[str]]:
    from realtime_state import SessionState, decode, reduce

    events = [decode(line) for line in lines]
    states, state = [], SessionState()
    for event in events:
        states.append(state)
        state = reduce(state, event)
    return events, states, [event.type for event in events]


def profile(args: argparse.Namespace) -> str:
    """The cProfile tottime table of decode + reduce over the session."""
    from realtime_state import SessionState, decode, reduce

    lines = synthetic.ga_voice_session(args.minutes, args.seed)
    state = SessionState()
    for line in lines:  # warm-up
        state = reduce(state, decode(line))
    profiler = cProfile.Profile()
    gc.disable()
    profiler.enable()
    state = SessionState()
    for line in lines:
        state = reduce(state, decode(line))
    profiler.disable()
    gc.enable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(args.top)
    return f"{len(lines)} events\n" + out.getvalue()


def per_type(args: argparse.Namespace) -> str:
    """µs per event of decode and reduce, by type."""
    from realtime_state import decode, reduce

    lines = synthetic.ga_voice_session(args.minutes, args.seed)
    events, states, types = _pairs(lines)
    by_type: dict[str, list[int]] = defaultdict(list)
    for i, type_ in enumerate(types):
        by_type[type_].append(i)
    rows = []
    total_decode = total_reduce = 0.0
    for type_, indices in sorted(by_type.items(), key=lambda kv: -len(kv[1])):
        sub_lines = [lines[i] for i in indices]
        sub = [(states[i], events[i]) for i in indices]
        best_d = best_r = float("inf")
        for _ in range(args.repeat):
            gc.disable()
            start = time.perf_counter()
            for line in sub_lines:
                decode(line)
            middle = time.perf_counter()
            for state, event in sub:
                reduce(state, event)
            end = time.perf_counter()
            gc.enable()
            best_d, best_r = min(best_d, middle - start), min(best_r, end - middle)
        total_decode += best_d
        total_reduce += best_r
        n = len(indices)
        rows.append((type_, n, best_d / n * 1e6, best_r / n * 1e6, best_d, best_r))
    out = [
        f"{len(lines)} events, best of {args.repeat}; share = of all decode / reduce time",
        f"{'type':<54} {'count':>6} {'decode µs':>10} {'reduce µs':>10} {'dec %':>6} {'red %':>6}",
    ]
    for type_, n, d_us, r_us, d, r in rows:
        out.append(
            f"{type_:<54} {n:>6} {d_us:>10.2f} {r_us:>10.2f} "
            f"{d / total_decode * 100:>6.1f} {r / total_reduce * 100:>6.1f}"
        )
    n_all = len(lines)
    out.append(
        f"{'all':<54} {n_all:>6} {total_decode / n_all * 1e6:>10.2f} "
        f"{total_reduce / n_all * 1e6:>10.2f}"
    )
    return "\n".join(out)


def compare(args: argparse.Namespace) -> str:
    """decode + reduce against the openai package's validation and the SDK's parse_event."""
    import orjson

    import bench_decode
    import bench_live
    import realtime_state as rs

    lines = synthetic.ga_voice_session(args.minutes, args.seed)
    frames = [line.encode() for line in lines]
    validate, note = bench_decode.load_openai()
    assert validate is not None, note

    def each(func: Any) -> Any:
        def body() -> None:
            for line in lines:
                func(line)

        return body

    def decode_reduce() -> None:
        state = rs.SessionState()
        for line in lines:
            state = rs.reduce(state, rs.decode(line))

    decode_reduce()
    each(validate)()
    us = {
        name: timed(body, args.repeat) / len(lines) * 1e6
        for name, body in (
            ("orjson", each(orjson.loads)),
            ("decode", each(rs.decode)),
            ("decode_reduce", decode_reduce),
            ("openai", each(validate)),
        )
    }
    live = bench_live.in_process(rs, frames, args.repeat)
    us["parse_event"] = live["parse_event"]["us_per_event"]
    us["decode_reduce_bytes"] = live["decode_reduce"]["us_per_event"]
    out = [f"{len(lines)} events ({args.minutes:g} min), best of {args.repeat}; {note}"]
    out += [f"  {name:<20} {value:>8.2f} µs/event" for name, value in us.items()]
    out.append(f"  decode / orjson                 {us['decode'] / us['orjson']:.2f}x")
    out.append(f"  openai / (decode+reduce)        {us['openai'] / us['decode_reduce']:.2f}x")
    out.append(
        f"  parse_event / (decode+reduce)   {us['parse_event'] / us['decode_reduce_bytes']:.2f}x"
    )
    return "\n".join(out)


def child(type_: str, path: str, reps: int) -> None:
    """Measured process of ``--callgrind``: set-up, then ``reps`` rounds of reduce."""
    from realtime_state import reduce

    lines = Path(path).read_text(encoding="utf-8").splitlines()
    events, states, types = _pairs(lines)
    pairs = [(s, e) for s, e, t in zip(states, events, types, strict=True) if type_ in ("all", t)]
    for _ in range(reps):
        for state, event in pairs:
            reduce(state, event)


def callgrind(args: argparse.Namespace) -> str:
    """Instructions per reduce of one event type."""
    lines = synthetic.ga_voice_session(args.minutes, args.seed)[: args.events]
    count = sum(1 for line in lines if args.callgrind == "all" or f'"{args.callgrind}"' in line)
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lines.jsonl")
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
        for reps in (0, args.reps):
            out = os.path.join(tmp, f"callgrind.{reps}")
            totals.append(callgrind_total(__file__, [args.callgrind, path, str(reps)], out))
    per = (totals[1] - totals[0]) / (count * args.reps)
    return f"{args.callgrind}: {count} events x {args.reps}: {per:,.0f} instructions per reduce"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2], int(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--per-type", action="store_true")
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--callgrind", metavar="TYPE")
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args(argv)
    if args.callgrind:
        if args.minutes == 30.0:
            args.minutes = 20.0
        print(callgrind(args))
    elif args.compare:
        print(compare(args))
    elif args.per_type:
        print(per_type(args))
    else:
        print(profile(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
