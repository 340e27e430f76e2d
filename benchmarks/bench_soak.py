"""Soak: a long two-sided voice session replayed with audio retention, in bounded memory.

Usage (from the repository root)::

    python benchmarks/bench_soak.py [--hours 10] [--retention 60] [--seed 0]
                                    [--trace-minutes 60] [--full-minutes 60] [--json]

The session is ``synthetic.ga_voice_two_sided(hours * 60, seed)``: the GA voice session of
``synthetic.py`` (server events, as envelope lines with their simulated times) plus the user's
microphone as ``input_audio_buffer.append`` client events (PCM16 24 kHz, 100 ms each, sent
for the whole session), so every committed user item gets its audio. Lines are made lazily,
turn by turn: the process never holds the log, so its memory is the state's. Each line is
decoded and reduced (``reduce(state, decode_entry(line))``) into
``SessionState(audio_retention=retention)``. Reported, in one run:

1. **Resident memory**: ``VmRSS`` of ``/proc/self/status`` at the end of every simulated hour
   (just before the first event past it), after ``gc.collect()``; the last hour over the
   second. With it, per hour: the RSS growth since before the first event, the audio bytes
   the state still holds (parts whose chunks are not dropped), ``audio_retention.held_ms``,
   and the sizes of what grows with the session (items, responses, client events, objects
   tracked by the garbage collector).
2. **The state's own memory**, measured with ``tracemalloc`` in a child process on a shorter
   session (``--trace-minutes``): bytes still allocated once the state is built and the
   generator is gone, with the largest allocation sites (file:line) and a breakdown of the
   final state by field (deep size of the objects each field reaches first).
3. **Per-event cost** (``perf_counter_ns`` around decode + reduce of each line, garbage
   collector off while timing, collected at each hour mark): the mean per decile of the
   session (deciles of simulated time), re-weighted to the whole stream's type mix (each
   decile's cost is ``sum(share[type] * its mean cost for that type)``), and the last decile
   over the first. A noise-resistant variant takes, per type, the median of the ten 1 %
   buckets' means of each decile.
4. **For context**, in a child process, the first ``--full-minutes`` of the same session with
   ``audio_retention="all"``: RSS at four points, against the main run.

Progress goes to stderr; the table to stdout (with ``--json``, the figures as JSON to stdout
and the table to stderr).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402  (found through the line above)
import synthetic  # noqa: E402  (found through the line above)

BUCKETS = 100  # 1 % of the session each; ten make a decile
TARGET_RSS_RATIO = 1.10
TARGET_STATE_MB = 100.0
TARGET_FLATNESS = 1.10
PCM_BYTES_PER_MS = 48
APPEND = "input_audio_buffer.append"


def rss_bytes() -> int:
    """Resident set size of this process (``VmRSS`` of ``/proc/self/status``)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def line_time(line: str) -> float:
    """The ``time`` of an envelope line written by ``envelope_line`` (read without parsing)."""
    return float(line[8 : line.index(",", 8)])


def line_type(line: str) -> str:
    start = line.index('"type":"') + 8
    return line[start : line.index('"', start)]


def is_dropped(part: Any) -> bool:
    return type(part.audio_chunks).__name__ == "DroppedChunks"


def held_audio(state: Any) -> dict[str, int]:
    """Audio bytes the state holds (parts not dropped, and the input buffer), by side."""
    out = {"assistant": 0, "user": 0, "buffer": state.input_audio.buffered_bytes}
    for item in state.conversation.items.values():
        for part in item.content:
            if part.audio_bytes and not is_dropped(part):
                out["user" if item.role == "user" else "assistant"] += part.audio_bytes
    out["pending_commit"] = sum(c.size for c in state.input_audio.committed_audio.values())
    return out


def sizes(state: Any) -> dict[str, int]:
    """What grows with the session."""
    return {
        "items": state.conversation.size,
        "responses": len(state.responses),
        "client_events": len(state.client.log.to_tuple()),
        "retention_queue": len(state.audio_retention.queue) if state.audio_retention else 0,
    }


def sample(state: Any, hour: float, base: int, events: int, started: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    gc.collect()
    collect_s = time.perf_counter() - t0
    rss = rss_bytes()
    retention = state.audio_retention
    return {
        "hour": hour,
        "events": events,
        "wall_s": time.perf_counter() - started,
        "rss_mb": rss / 1e6,
        "growth_mb": (rss - base) / 1e6,
        "held_audio": held_audio(state),
        "held_ms": retention.held_ms if retention else None,
        "dropped_parts": retention.dropped if retention else None,
        "gc_tracked": len(gc.get_objects()),
        "gc_collect_s": collect_s,
        **sizes(state),
    }


def soak(
    lines: Iterable[str], retention: Any, hours: float, marks_per_hour: int = 1
) -> dict[str, Any]:
    """Replay ``lines`` timing every event; sample memory at each mark (simulated time)."""
    import realtime_state as rs
    from realtime_state.envelopes import decode_entry

    reduce, clock = rs.reduce, time.perf_counter_ns
    types: dict[str, int] = {}
    cost = [[0] * 64 for _ in range(BUCKETS)]
    count = [[0] * 64 for _ in range(BUCKETS)]
    span = hours * 3600.0
    step = 3600.0 / marks_per_hour
    start_time = synthetic.START_UNIX
    state = rs.SessionState(audio_retention=retention)
    gc.collect()
    base = rss_bytes()
    samples: list[dict[str, Any]] = []
    next_mark = step
    events = 0
    started = time.perf_counter()
    gc.disable()
    try:
        for line in lines:
            at = line_time(line) - start_time
            if at >= next_mark:
                gc.enable()
                samples.append(sample(state, next_mark / 3600, base, events, started))
                gc.disable()
                s = samples[-1]
                print(
                    f"  {s['hour']:5.2f} h  {events:>9,} events  RSS {s['rss_mb']:7.1f} MB  "
                    f"held {s['held_ms'] or 0:>9,.0f} ms  {s['wall_s']:6.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
                next_mark += step
            kind = types.setdefault(line_type(line), len(types))
            bucket = min(BUCKETS - 1, int(at / span * BUCKETS))
            begin = clock()
            state = reduce(state, decode_entry(line))
            elapsed = clock() - begin
            cost[bucket][kind] += elapsed
            count[bucket][kind] += 1
            events += 1
    finally:
        gc.enable()
    final = sample(state, at / 3600, base, events, started)
    names = sorted(types, key=types.__getitem__)
    return {
        "base_rss_mb": base / 1e6,
        "samples": samples,
        "final": final,
        "events": events,
        "wall_s": time.perf_counter() - started,
        "types": names,
        "cost_ns": [row[: len(names)] for row in cost],
        "count": [row[: len(names)] for row in count],
        "state": state,
    }


def flatness(result: dict[str, Any], overhead: int) -> dict[str, Any]:
    """Per-decile cost re-weighted to the whole stream's mix; last decile over first."""
    names = result["types"]
    cost, count = result["cost_ns"], result["count"]
    n = len(names)
    total = [sum(count[b][k] for b in range(BUCKETS)) for k in range(n)]
    events = sum(total)
    share = [t / events for t in total]
    per = BUCKETS // 10

    def decile(d: int) -> tuple[list[float | None], list[float | None], int]:
        rows = range(d * per, (d + 1) * per)
        mean: list[float | None] = []
        median: list[float | None] = []
        for k in range(n):
            c = sum(count[b][k] for b in rows)
            s = sum(cost[b][k] for b in rows)
            mean.append(s / c - overhead if c else None)
            means = sorted(cost[b][k] / count[b][k] - overhead for b in rows if count[b][k])
            median.append(means[len(means) // 2] if means else None)
        return mean, median, sum(count[b][k] for b in rows for k in range(n))

    deciles = [decile(d) for d in range(10)]
    common = [k for k in range(n) if deciles[0][0][k] is not None and deciles[9][0][k] is not None]
    weight = sum(share[k] for k in common)

    def weighted(values: list[float | None]) -> float:
        return sum(share[k] * (values[k] or 0.0) for k in common) / weight / 1e3

    append = names.index(APPEND) if APPEND in names else None
    rows = []
    for d, (mean, median, events_d) in enumerate(deciles):
        span = range(d * per, (d + 1) * per)
        raw_cost = sum(cost[b][k] for b in span for k in range(n))
        appends = 0 if append is None else sum(count[b][append] for b in span)
        rows.append(
            {
                "decile": d + 1,
                "events": events_d,
                "raw_mean_us": raw_cost / events_d / 1e3 - overhead / 1e3,
                "mix_us": weighted(mean),
                "mix_median_us": weighted(median),
                "append_share_pct": 100 * appends / events_d,
            }
        )

    def by_type(name: str) -> dict[str, Any] | None:
        if name not in names:
            return None
        k = names.index(name)
        first, last = deciles[0][0][k], deciles[9][0][k]
        return {
            "first_us": first / 1e3 if first is not None else None,
            "last_us": last / 1e3 if last is not None else None,
            "ratio": last / first if first and last else None,
        }

    return {
        "timer_overhead_ns": overhead,
        "deciles": rows,
        "raw_ratio": rows[9]["raw_mean_us"] / rows[0]["raw_mean_us"],
        "mix_ratio": rows[9]["mix_us"] / rows[0]["mix_us"],
        "mix_median_ratio": rows[9]["mix_median_us"] / rows[0]["mix_median_us"],
        "types_weighted": len(common),
        "share_weighted": weight,
        "by_type": {
            name: by_type(name)
            for name in (
                "input_audio_buffer.append",
                "response.output_audio.delta",
                "response.output_audio_transcript.delta",
                "input_audio_buffer.committed",
                "response.done",
            )
        },
    }


def timer_overhead(samples: int = 200_000) -> int:
    clock = time.perf_counter_ns
    costs = []
    for _ in range(samples):
        start = clock()
        costs.append(clock() - start)
    costs.sort()
    return costs[len(costs) // 2]


# ---------------------------------------------------------------------------------------------
# Where the memory goes
# ---------------------------------------------------------------------------------------------


def deep_sizes(state: Any, fields: Iterable[str]) -> dict[str, int]:
    """Bytes (``sys.getsizeof``) of the objects each field of ``state`` reaches, each object
    counted once, under the first field that reaches it; classes, modules and functions
    are not followed (they belong to the program)."""
    import types as pytypes

    skip = (type, pytypes.ModuleType, pytypes.FunctionType, pytypes.BuiltinFunctionType)
    seen: set[int] = {id(state)}
    out: dict[str, int] = {}
    for name in fields:
        total = 0
        stack = [getattr(state, name)]
        while stack:
            obj = stack.pop()
            if id(obj) in seen or isinstance(obj, skip):
                continue
            seen.add(id(obj))
            total += sys.getsizeof(obj)
            stack.extend(gc.get_referents(obj))
        out[name] = total
    return out


def traced(minutes: float, retention: Any, seed: int, top: int = 12) -> dict[str, Any]:
    """The state's own memory by ``tracemalloc`` (child process), with its allocation sites
    and its deep size by field."""
    import realtime_state as rs
    from realtime_state.envelopes import decode_entry

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    state = rs.SessionState(audio_retention=retention)
    lines: Iterator[str] | None = synthetic.ga_voice_two_sided(minutes, seed)
    assert lines is not None
    for line in lines:
        state = rs.reduce(state, decode_entry(line))
    lines = None
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    snap = tracemalloc.take_snapshot()
    tracemalloc.stop()
    stats = snap.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)]).statistics(
        "lineno"
    )
    sites = [
        {
            "site": f"{Path(s.traceback[0].filename).name}:{s.traceback[0].lineno}",
            "mb": s.size / 1e6,
            "count": s.count,
        }
        for s in stats[:top]
    ]
    return {
        "minutes": minutes,
        "state_mb": (after - before) / 1e6,
        "held_audio": held_audio(state),
        "sizes": sizes(state),
        "top_sites": sites,
        "deep_mb": deep_mb(state),
    }


def deep_mb(state: Any) -> dict[str, float]:
    """:func:`deep_sizes` of the state's fields in MB, with the client log apart."""
    fields = [
        "conversation",
        "responses",
        "client",
        "input_audio",
        "audio_retention",
        "transcription_log",
        "violation_log",
        "error_log",
        "usage",
        "session",
        "rate_limits",
    ]
    out = {k: v / 1e6 for k, v in deep_sizes(state, fields).items()}
    out["client, of which the log"] = deep_sizes(state.client, ["log"])["log"] / 1e6
    return out


def child(part: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one part in a fresh interpreter (its memory apart from the main run's)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--part", part, "--seed"]
    command += [str(args.seed), "--trace-minutes", str(args.trace_minutes)]
    command += ["--full-minutes", str(args.full_minutes), "--retention", str(args.retention)]
    done = subprocess.run(command, stdout=subprocess.PIPE, check=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def retention_arg(value: str) -> Any:
    return value if value in ("all", "none") else float(value)


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def render(r: dict[str, Any]) -> str:
    out = [
        f"Soak: {r['hours']} h two-sided GA voice session, seed {r['seed']}, "
        f"audio_retention={r['retention']}; {r['events']:,} events "
        f"({r['appends']:,} appends) in {r['wall_s']:.0f} s ({r['events_per_s']:,.0f} events/s)",
        f"Python {r['python']}, {r['machine']}",
        "",
        "1. Resident memory at the end of each simulated hour (after gc.collect())",
        f"   before the first event: {r['base_rss_mb']:.1f} MB",
        f"   {'hour':>5} {'events':>10} {'RSS MB':>8} {'growth':>8} {'held audio MB':>14} "
        f"{'held_ms':>9} {'items':>7} {'resp':>6} {'client ev':>10} {'gc objects':>11}",
    ]
    for s in [*r["samples"], r["final"]]:
        held = s["held_audio"]
        out.append(
            f"   {s['hour']:5.2f} {s['events']:>10,} {s['rss_mb']:8.1f} {s['growth_mb']:8.1f} "
            f"{(held['assistant'] + held['user'] + held['buffer']) / 1e6:14.2f} "
            f"{s['held_ms'] or 0:9,.0f} {s['items']:>7,} {s['responses']:>6,} "
            f"{s['client_events']:>10,} {s['gc_tracked']:>11,}"
        )
    rss = r["rss"]
    out.append(
        f"   last hour / second hour: {rss['ratio']:.3f}x "
        f"(target <= {TARGET_RSS_RATIO}: {verdict(rss['ratio'] <= TARGET_RSS_RATIO)})"
    )
    held = r["final"]["held_audio"]
    out.append(
        f"   held at the end: assistant {held['assistant'] / 1e6:.2f} MB, user "
        f"{held['user'] / 1e6:.2f} MB, buffer {held['buffer'] / 1e6:.2f} MB; window "
        f"{r['window_mb']:.2f} MB ({r['retention']} s at 48 KB/s)"
    )
    t = r["traced"]
    out += [
        "",
        f"2. State's own memory (tracemalloc, {t['minutes']:.0f}-minute session): "
        f"{t['state_mb']:.1f} MB (target < {TARGET_STATE_MB:.0f} MB: "
        f"{verdict(t['state_mb'] < TARGET_STATE_MB)}); RSS growth over the {r['hours']} h run: "
        f"{r['final']['growth_mb']:.1f} MB",
        "   deep size by field: "
        + ", ".join(f"{k} {v:.1f}" for k, v in t["deep_mb"].items() if v >= 0.05)
        + " MB",
        "   largest allocation sites:",
    ]
    out += [f"     {s['mb']:8.2f} MB {s['count']:>9,}  {s['site']}" for s in t["top_sites"]]
    total = sum(v for k, v in r["final_deep_mb"].items() if not k.startswith("client, of"))
    out.append(
        f"   the final {r['hours']} h state, deep size: {total:.1f} MB (target < "
        f"{TARGET_STATE_MB:.0f} MB: {verdict(total < TARGET_STATE_MB)})"
    )
    out.append(
        f"   deep size of the final {r['hours']} h state by field: "
        + ", ".join(f"{k} {v:.1f}" for k, v in r["final_deep_mb"].items() if v >= 0.05)
        + " MB"
    )
    f = r["flatness"]
    out += [
        "",
        f"3. Per-event decode+reduce by decile of the session (timer overhead "
        f"{f['timer_overhead_ns']} ns removed)",
        f"   {'decile':>6} {'events':>9} {'raw µs':>8} {'mix µs':>8} {'mix-median µs':>14} "
        f"{'appends %':>9}",
    ]
    for d in f["deciles"]:
        out.append(
            f"   {d['decile']:>6} {d['events']:>9,} {d['raw_mean_us']:8.2f} {d['mix_us']:8.2f} "
            f"{d['mix_median_us']:14.2f} {d['append_share_pct']:9.1f}"
        )
    out.append(
        f"   last / first: raw {f['raw_ratio']:.3f}x, re-weighted {f['mix_ratio']:.3f}x "
        f"(target <= {TARGET_FLATNESS}: {verdict(f['mix_ratio'] <= TARGET_FLATNESS)}), "
        f"re-weighted medians {f['mix_median_ratio']:.3f}x"
    )
    for name, row in f["by_type"].items():
        if row and row["ratio"]:
            out.append(
                f"   {name:<40} {row['first_us']:7.2f} -> {row['last_us']:7.2f} µs "
                f"({row['ratio']:.3f}x)"
            )
    full = r.get("full")
    if full:
        out += ["", f"4. Context: the first {full['minutes']:.0f} minutes with retention 'all'"]
        for s in full["samples"]:
            out.append(
                f"   {s['hour'] * 60:5.0f} min  RSS {s['rss_mb']:7.1f} MB  growth "
                f"{s['growth_mb']:7.1f} MB  held audio "
                f"{sum(s['held_audio'][k] for k in ('assistant', 'user', 'buffer')) / 1e6:7.1f} MB"
            )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hours", type=float, default=10.0, help="simulated session length")
    parser.add_argument(
        "--retention", type=retention_arg, default=60.0, help="seconds, 'all' or 'none'"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trace-minutes", type=float, default=60.0)
    parser.add_argument("--full-minutes", type=float, default=60.0)
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    parser.add_argument("--part", choices=("trace", "full"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.part == "trace":
        print(json.dumps(traced(args.trace_minutes, args.retention, args.seed)))
        return 0
    if args.part == "full":
        result = soak(
            synthetic.ga_voice_two_sided(args.full_minutes, args.seed),
            "all",
            args.full_minutes / 60,
            marks_per_hour=max(1, round(240 / args.full_minutes)),
        )
        samples = [*result["samples"], result["final"]]
        print(json.dumps({"minutes": args.full_minutes, "samples": samples}))
        return 0

    import realtime_state

    overhead = timer_overhead()
    print(f"soak: {args.hours} h, retention {args.retention}", file=sys.stderr, flush=True)
    lines = synthetic.ga_voice_two_sided(args.hours * 60, args.seed)
    result = soak(lines, args.retention, args.hours)
    final_deep = deep_mb(result.pop("state"))
    samples = result["samples"] or [result["final"]]
    second = samples[1]["rss_mb"] if len(samples) > 1 else samples[0]["rss_mb"]
    last = samples[-1]["rss_mb"]
    appends = sum(result["count"][b][result["types"].index(APPEND)] for b in range(BUCKETS))
    window = args.retention if isinstance(args.retention, float) else 0.0
    print(f"tracemalloc: {args.trace_minutes} min", file=sys.stderr, flush=True)
    trace = child("trace", args)
    full = None
    if args.full_minutes > 0:
        print(f"retention 'all': {args.full_minutes} min", file=sys.stderr, flush=True)
        full = child("full", args)
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores",
        "realtime_state": getattr(realtime_state, "__version__", None),
        "hours": args.hours,
        "retention": args.retention,
        "seed": args.seed,
        "events": result["events"],
        "appends": appends,
        "wall_s": result["wall_s"],
        "events_per_s": result["events"] / result["wall_s"],
        "base_rss_mb": result["base_rss_mb"],
        "samples": samples,
        "final": result["final"],
        "rss": {"second_mb": second, "last_mb": last, "ratio": last / second},
        "window_mb": window * 1000 * PCM_BYTES_PER_MS / 1e6,
        "traced": trace,
        "final_deep_mb": final_deep,
        "flatness": flatness(result, overhead),
        "type_mix": dict(
            Counter(
                {
                    name: sum(result["count"][b][k] for b in range(BUCKETS))
                    for k, name in enumerate(result["types"])
                }
            ).most_common()
        ),
        "full": full,
    }
    table = render(report)
    return _report.emit(table, report, args.json)


if __name__ == "__main__":
    sys.exit(main())
