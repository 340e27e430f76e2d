"""Decode + reduce throughput, flatness, memory and snapshot cost on a synthetic GA voice
session.

Usage (from the repository root)::

    python benchmarks/bench_reduce.py [--minutes 180] [--memory-minutes 30] [--repeat 3]
                                      [--seed 0] [--json]

Builds one session with ``synthetic.ga_voice_session`` (180 simulated minutes is about
100,000 events) and reports, in one run:

1. **Throughput** (events/s and µs/event, best of ``--repeat`` runs, garbage collector
   disabled while timing) of ``orjson.loads`` alone (the floor), ``realtime_state.decode``
   alone, decode + reduce (``state = reduce(state, decode(line))`` from ``SessionState()``),
   reduce alone over pre-decoded events, and the openai SDK's validation
   (``pydantic.TypeAdapter(openai.types.realtime.RealtimeServerEvent).validate_json``).
   The openai validator is slow, so it is timed on a stratified sample: every k-th line of
   each event type, with k chosen so that at least 10,000 lines are timed; the sample keeps
   the stream's order and its type mix (the largest share difference is printed).
2. **Flatness**: the whole stream is replayed (decode + reduce) ``--repeat`` times with
   ``time.perf_counter_ns`` around each event; per event the fastest of the passes is kept
   (minus the timer's own cost). The mean cost over the last 10 % of events divided by that
   over the first 10 % is reported for all events, for ``response.output_audio.delta`` and
   ``response.output_audio_transcript.delta`` alone, and with each window re-weighted to
   the whole stream's type mix, so a reader can see the ratio is not driven by the mix.
3. **Memory** (on a ``--memory-minutes`` session, 30 by default, because tracemalloc makes
   replay several times slower): with ``tracemalloc`` started before replay, the memory
   retained by the final state alone, and by a list holding every intermediate state
   (``states.append(state)`` after each event); their ratio shows how much structural
   sharing saves. The decoded PCM held by the final state is shown for context.
4. **Transcript snapshot** (on the same ``--memory-minutes`` session): the time of
   ``state.transcript()`` and of ``transcript.to_dict()`` on the final state, against the
   time of replaying the session (decode + reduce), as ratios. ``transcript()`` is timed
   *cold* (the first call on a freshly replayed state, which joins each streamed text once;
   best of ``--repeat`` fresh replays) and *warm* (a later call, when the state has those
   joins memoised; best of ``--repeat``). Audio is never joined by a snapshot.

The table goes to stdout; with ``--json`` the figures go to stdout as one JSON object and
the table to stderr.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402  (found through the line above)
import synthetic  # noqa: E402  (found through the line above)
from bench_decode import figures, load_openai, ratio  # noqa: E402

AUDIO_DELTA = "response.output_audio.delta"
TRANSCRIPT_DELTA = "response.output_audio_transcript.delta"
OPENAI_MIN_SAMPLE = 10_000
WINDOW = 0.10
TARGET_OPENAI_RATIO = 5.0
TARGET_FLATNESS = 1.3
TARGET_MEMORY_RATIO = 2.0
TARGET_SNAPSHOT_RATIO = 0.05
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

Func = Callable[[Any], object]


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


def load_realtime_state() -> ModuleType:
    """Import ``realtime_state``: the installed package, else ``src/`` next to this folder."""
    try:
        import realtime_state
    except ImportError:
        sys.path.insert(0, str(HERE.parent / "src"))
        import realtime_state
    return realtime_state


@dataclass(frozen=True)
class Stream:
    """One synthetic session: its JSON lines, their event types and how it was made."""

    minutes: float
    seed: int
    lines: list[str]
    types: list[str]
    simulated_seconds: int
    generate_seconds: float

    @property
    def size(self) -> int:
        """Bytes of JSON (UTF-8)."""
        return sum(len(line.encode()) for line in self.lines)


def id_second(identifier: str) -> int:
    """The second (Unix time) encoded in the five base62 characters after an id's prefix."""
    stamp = identifier.split("_", 1)[1][:5]
    second = 0
    for char in stamp:
        second = second * 62 + BASE62.index(char)
    return second


def make_stream(minutes: float, seed: int) -> Stream:
    """Generate a session; its simulated duration is read from the first and last event ids."""
    started = time.perf_counter()
    lines = synthetic.ga_voice_session(minutes, seed)
    generated = time.perf_counter() - started
    parsed = [orjson.loads(line) for line in (lines[0], lines[-1])]
    span = id_second(parsed[1]["event_id"]) - id_second(parsed[0]["event_id"])
    types = [orjson.loads(line)["type"] for line in lines]
    return Stream(minutes, seed, lines, types, span, generated)


def stratified_sample(types: Sequence[str], minimum: int) -> tuple[list[int], int]:
    """Indices of every k-th event of each type, in stream order, and k.

    ``k = max(1, len(types) // minimum)``, so at least ``minimum`` events are chosen (all of
    them if the stream is shorter) and each type keeps its share of the stream.
    """
    step = max(1, len(types) // minimum)
    seen: Counter[str] = Counter()
    chosen = []
    for index, type_ in enumerate(types):
        if seen[type_] % step == 0:
            chosen.append(index)
        seen[type_] += 1
    return chosen, step


def largest_share_gap(whole: Sequence[str], part: Iterable[str]) -> float:
    """Largest difference, in percentage points, between a type's share in ``part`` and
    in ``whole``."""
    total, sub = Counter(whole), Counter(part)
    n, m = sum(total.values()), sum(sub.values())
    return max(abs(total[t] / n - sub[t] / m) for t in total) * 100


# ---------------------------------------------------------------------------------------------
# Throughput
# ---------------------------------------------------------------------------------------------


def timed(body: Callable[[], object], repeat: int) -> float:
    """Best wall time, in seconds, of ``repeat`` calls of ``body`` with gc disabled."""
    best = float("inf")
    enabled = gc.isenabled()
    try:
        for _ in range(repeat):
            gc.collect()
            gc.disable()
            start = time.perf_counter()
            body()
            best = min(best, time.perf_counter() - start)
            gc.enable()
    finally:
        if enabled:
            gc.enable()
        else:
            gc.disable()
    return best


def each(func: Func, items: Sequence[Any]) -> Callable[[], None]:
    """A body calling ``func`` once per item."""

    def body() -> None:
        for item in items:
            func(item)

    return body


def folding(rs: ModuleType, items: Sequence[Any], decode: bool) -> Callable[[], object]:
    """A body folding ``items`` into a state with ``reduce`` (decoding each first if asked)."""
    reduce, empty, dec = rs.reduce, rs.SessionState, rs.decode

    def decode_reduce() -> object:
        state = empty()
        for line in items:
            state = reduce(state, dec(line))
        return state

    def reduce_only() -> object:
        state = empty()
        for event in items:
            state = reduce(state, event)
        return state

    return decode_reduce if decode else reduce_only


def throughput(rs: ModuleType, stream: Stream, repeat: int) -> dict[str, Any]:
    """Time the five pipelines over the stream; return their figures and the ratios."""
    lines, n = stream.lines, len(stream.lines)
    events = [rs.decode(line) for line in lines]  # also a warm-up of decode
    final = folding(rs, events, decode=False)()  # warm-up of reduce, checks it runs
    violations = len(final.violations)  # type: ignore[attr-defined]
    del final
    seconds = {
        "orjson": timed(each(orjson.loads, lines), repeat),
        "decode": timed(each(rs.decode, lines), repeat),
        "decode_reduce": timed(folding(rs, lines, decode=True), repeat),
        "reduce": timed(folding(rs, events, decode=False), repeat),
    }
    del events
    result: dict[str, Any] = {
        name: {**figures(value, n), "events": n} for name, value in seconds.items()
    }
    result["decode_reduce"]["violations"] = violations

    validate, note = load_openai()
    openai_us: float | None = None
    if validate is None:
        result["openai"] = {"available": False, "note": note}
    else:
        chosen, step = stratified_sample(stream.types, OPENAI_MIN_SAMPLE)
        sample = [lines[i] for i in chosen]
        for line in sample:  # warm-up; raises if the SDK rejects an event
            validate(line)
        value = timed(each(validate, sample), repeat)
        openai_us = value / len(sample) * 1e6
        result["openai"] = {
            "available": True,
            "note": note,
            **figures(value, len(sample)),
            "events": len(sample),
            "sample_every": step,
            "sample_mix_gap_pp": largest_share_gap(stream.types, (stream.types[i] for i in chosen)),
        }
    us = {name: seconds[name] / n * 1e6 for name in seconds}
    result["ratios"] = {
        "openai_over_decode_reduce": ratio(openai_us, us["decode_reduce"]),
        "decode_reduce_over_orjson": ratio(us["decode_reduce"], us["orjson"]),
        "decode_reduce_over_decode": ratio(us["decode_reduce"], us["decode"]),
        "openai_over_decode": ratio(openai_us, us["decode"]),
    }
    return result


# ---------------------------------------------------------------------------------------------
# Flatness
# ---------------------------------------------------------------------------------------------


def timer_overhead(samples: int = 200_000) -> int:
    """Median cost, in ns, of two back-to-back ``perf_counter_ns`` calls."""
    clock = time.perf_counter_ns
    costs = []
    for _ in range(samples):
        start = clock()
        costs.append(clock() - start)
    costs.sort()
    return costs[len(costs) // 2]


def per_event_ns(
    rs: ModuleType, lines: Sequence[str], repeat: int, collect: bool = False
) -> tuple[list[int], int]:
    """Replay ``lines`` (decode + reduce) ``repeat`` times timing each event.

    Returns, per event, the fastest pass in ns (timer cost included), and how many full
    (generation 2) collections ran. The garbage collector is disabled while timing unless
    ``collect`` is true, in which case its pauses are part of the figures.
    """
    reduce, decode, clock = rs.reduce, rs.decode, time.perf_counter_ns
    best: list[int] | None = None
    full_collections = 0
    enabled = gc.isenabled()
    try:
        for _ in range(repeat):
            costs = [0] * len(lines)
            state = rs.SessionState()
            gc.collect()
            if not collect:
                gc.disable()
            before = gc.get_stats()[2]["collections"]
            for index, line in enumerate(lines):
                start = clock()
                state = reduce(state, decode(line))
                costs[index] = clock() - start
            full_collections += gc.get_stats()[2]["collections"] - before
            gc.enable()
            del state
            best = costs if best is None else [min(a, b) for a, b in zip(best, costs, strict=True)]
    finally:
        if enabled:
            gc.enable()
        else:
            gc.disable()
    assert best is not None
    return best, full_collections


def window_ratio(costs: Sequence[float], types: Sequence[str], only: str | None) -> dict[str, Any]:
    """Mean cost over the last 10 % of events / over the first 10 %, optionally for one type."""
    width = max(1, int(len(costs) * WINDOW))
    windows = {"first": range(width), "last": range(len(costs) - width, len(costs))}
    out: dict[str, Any] = {}
    for name, span in windows.items():
        picked = [costs[i] for i in span if only is None or types[i] == only]
        out[f"{name}_events"] = len(picked)
        out[f"{name}_us"] = sum(picked) / len(picked) / 1e3 if picked else None
    out["ratio"] = ratio(out["last_us"], out["first_us"])
    return out


def reweighted_ratio(costs: Sequence[float], types: Sequence[str]) -> float | None:
    """Flatness with both windows re-weighted to the whole stream's type mix.

    Each window's cost is ``sum(share[t] * mean cost of t in that window)`` over the types
    present in both windows, so a difference in mix between the windows cannot move it.
    """
    width = max(1, int(len(costs) * WINDOW))
    share = Counter(types)
    means: list[dict[str, float]] = []
    for span in (range(width), range(len(costs) - width, len(costs))):
        total: dict[str, float] = {}
        count: Counter[str] = Counter()
        for i in span:
            total[types[i]] = total.get(types[i], 0.0) + costs[i]
            count[types[i]] += 1
        means.append({t: total[t] / count[t] for t in count})
    common = means[0].keys() & means[1].keys()
    first = sum(share[t] * means[0][t] for t in common)
    last = sum(share[t] * means[1][t] for t in common)
    return ratio(last, first)


def flatness(rs: ModuleType, stream: Stream, repeat: int) -> dict[str, Any]:
    """Per-event cost of decode + reduce at the end of the stream relative to its start.

    The main figures come from ``repeat`` passes with the garbage collector disabled; one
    more pass with it enabled (its pauses included) is reported for information.
    """
    overhead = timer_overhead()
    raw, _ = per_event_ns(rs, stream.lines, repeat)
    costs = [max(0, cost - overhead) for cost in raw]
    raw, full_collections = per_event_ns(rs, stream.lines, 1, collect=True)
    with_gc = window_ratio([max(0, cost - overhead) for cost in raw], stream.types, None)
    types = stream.types
    width = max(1, int(len(costs) * WINDOW))
    shares = {
        name: Counter(types[i] for i in span)[AUDIO_DELTA] / width * 100
        for name, span in (
            ("first", range(width)),
            ("last", range(len(costs) - width, len(costs))),
        )
    }
    return {
        "window_fraction": WINDOW,
        "passes": repeat,
        "timer_overhead_ns": overhead,
        "mean_us": sum(costs) / len(costs) / 1e3,
        "all": window_ratio(costs, types, None),
        "audio_delta": window_ratio(costs, types, AUDIO_DELTA),
        "transcript_delta": window_ratio(costs, types, TRANSCRIPT_DELTA),
        "mix_reweighted_ratio": reweighted_ratio(costs, types),
        "audio_delta_share_pct": shares,
        "gc_enabled": {**with_gc, "passes": 1, "full_collections": full_collections},
    }


# ---------------------------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------------------------


def retained(build: Callable[[], Any]) -> tuple[int, Any]:
    """Bytes still allocated (tracemalloc) once ``build()`` has returned, and its result.

    Tracing starts before ``build`` runs and a full collection runs before the reading, so
    the figure is what the returned object keeps alive (temporaries are freed).
    """
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        value = build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before, value


def audio_bytes(state: Any) -> int:
    """Decoded audio bytes held by every item of a state."""
    items = state.conversation.items
    return sum(part.audio_bytes for item in items.values() for part in item.content)


def memory(rs: ModuleType, stream: Stream) -> dict[str, Any]:
    """Memory retained by the final state and by the list of every intermediate state."""
    reduce, decode, empty = rs.reduce, rs.decode, rs.SessionState
    lines = stream.lines

    def final_state() -> Any:
        state = empty()
        for line in lines:
            state = reduce(state, decode(line))
        return state

    def every_state() -> list[Any]:
        state = empty()
        states = []
        for line in lines:
            state = reduce(state, decode(line))
            states.append(state)
        return states

    final_bytes, final = retained(final_state)
    audio = audio_bytes(final)
    del final
    every_bytes, states = retained(every_state)
    count = len(states)
    del states
    gc.collect()
    return {
        "minutes": stream.minutes,
        "events": len(lines),
        "final_state_bytes": final_bytes,
        "every_state_bytes": every_bytes,
        "states_kept": count,
        "ratio": ratio(every_bytes, final_bytes),
        "bytes_per_intermediate_state": (every_bytes - final_bytes) / max(1, count - 1),
        "audio_bytes": audio,
    }


# ---------------------------------------------------------------------------------------------
# Transcript snapshot
# ---------------------------------------------------------------------------------------------


def once(body: Callable[[], object]) -> float:
    """Wall time, in seconds, of one call of ``body`` with gc disabled."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        body()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def snapshot(rs: ModuleType, stream: Stream, repeat: int) -> dict[str, Any]:
    """``transcript()`` (cold and warm) and ``to_dict()`` on the final state, against the
    replay (decode + reduce) of the session."""
    replay_body = folding(rs, stream.lines, decode=True)
    replay_s = timed(replay_body, repeat)
    cold = float("inf")
    state: Any = None
    for _ in range(repeat):
        state = replay_body()  # fresh: nothing joined yet
        cold = min(cold, once(state.transcript))
    warm = timed(state.transcript, repeat)
    transcript = state.transcript()
    to_dict = timed(transcript.to_dict, repeat)
    turns = len(transcript)
    del state, transcript
    gc.collect()
    return {
        "minutes": stream.minutes,
        "events": len(stream.lines),
        "turns": turns,
        "replay_s": replay_s,
        "transcript_cold_s": cold,
        "transcript_warm_s": warm,
        "to_dict_s": to_dict,
        "ratios": {
            "transcript_cold_over_replay": ratio(cold, replay_s),
            "transcript_warm_over_replay": ratio(warm, replay_s),
            "to_dict_over_replay": ratio(to_dict, replay_s),
            "cold_and_to_dict_over_replay": ratio(cold + to_dict, replay_s),
        },
    }


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the stream(s), take every measurement and return all figures."""
    rs = load_realtime_state()
    stream = make_stream(args.minutes, args.seed)
    result: dict[str, Any] = {
        "session": {
            "minutes": args.minutes,
            "seed": args.seed,
            "events": len(stream.lines),
            "bytes": stream.size,
            "simulated_seconds": stream.simulated_seconds,
            "generate_seconds": stream.generate_seconds,
            "type_mix": dict(Counter(stream.types).most_common()),
        },
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(),
            "realtime_state": str(Path(rs.__file__ or "?").parent),
        },
        "repeat": args.repeat,
    }
    result["throughput"] = throughput(rs, stream, args.repeat)
    result["flatness"] = flatness(rs, stream, args.repeat)
    if args.memory_minutes == args.minutes:
        small = stream
    else:
        del stream
        small = make_stream(args.memory_minutes, args.seed)
    result["memory"] = memory(rs, small)
    result["snapshot"] = snapshot(rs, small, args.repeat)
    result["targets"] = {
        "openai_over_decode_reduce_min": TARGET_OPENAI_RATIO,
        "flatness_max": TARGET_FLATNESS,
        "memory_ratio_max": TARGET_MEMORY_RATIO,
        "snapshot_over_replay_max": TARGET_SNAPSHOT_RATIO,
    }
    return result


def verdict(value: float | None, meets: Callable[[float], bool]) -> str:
    """``target met`` / ``TARGET MISSED`` for ``value``, or ``n/a`` when it is missing."""
    if value is None:
        return "n/a"
    return "target met" if meets(value) else "TARGET MISSED"


def fmt_ratio(value: float | None) -> str:
    """A ratio as ``1.23x`` or ``n/a``."""
    return "n/a" if value is None else f"{value:.2f}x"


def window_row(label: str, window: dict[str, Any]) -> str:
    """One flatness row: mean µs/event (and events) in each window, and their ratio."""
    cells = [
        "-"
        if window[f"{side}_us"] is None
        else f"{window[f'{side}_us']:.2f} µs ({window[f'{side}_events']})"
        for side in ("first", "last")
    ]
    return f"{label:<40} {cells[0]:>18} {cells[1]:>18} {fmt_ratio(window['ratio']):>11}"


def render(result: dict[str, Any]) -> str:
    """The human-readable report."""
    session, tp = result["session"], result["throughput"]
    flat, mem = result["flatness"], result["memory"]
    simulated = session["simulated_seconds"]
    rows = [
        f"GA voice session: {session['minutes']:g} min requested, seed {session['seed']}: "
        f"{session['events']:,} events, {simulated // 60} min {simulated % 60:02d} s simulated "
        f"(first to last event id), {session['bytes'] / 1e6:.1f} MB of JSON",
        f"best of {result['repeat']}, gc disabled while timing, "
        f"Python {result['environment']['python']}",
        "",
        "1. Throughput",
        f"{'pipeline':<16} {'events/s':>12} {'µs/event':>10}  note",
    ]
    labels = {
        "orjson": ("orjson.loads", "floor: parsing only"),
        "decode": ("decode", ""),
        "decode_reduce": (
            "decode+reduce",
            f"from SessionState(); {tp['decode_reduce']['violations']} violation(s)",
        ),
        "reduce": ("reduce", "over pre-decoded events"),
    }
    for key, (label, note) in labels.items():
        info = tp[key]
        rows.append(
            f"{label:<16} {info['events_per_s']:>12,.0f} {info['us_per_event']:>10.2f}  {note}"
        )
    oa = tp["openai"]
    if oa["available"]:
        sampled = (
            f"all {oa['events']:,} events"
            if oa["sample_every"] == 1
            else f"SAMPLE of {oa['events']:,} events (1 in {oa['sample_every']} of each type, "
            f"type shares within {oa['sample_mix_gap_pp']:.2f} pp of the stream's)"
        )
        rows.append(
            f"{'openai validate':<16} {oa['events_per_s']:>12,.0f} {oa['us_per_event']:>10.2f}  "
            f"{sampled}; {oa['note']}"
        )
    else:
        rows.append(f"{'openai validate':<16} {'-':>12} {'-':>10}  unavailable: {oa['note']}")
    ratios = tp["ratios"]
    rows.extend(
        [
            "",
            f"openai / (decode+reduce)   {fmt_ratio(ratios['openai_over_decode_reduce']):>8}  "
            f"(target >= {TARGET_OPENAI_RATIO:g}x: "
            f"{verdict(ratios['openai_over_decode_reduce'], lambda v: v >= TARGET_OPENAI_RATIO)})",
            f"(decode+reduce) / orjson   {fmt_ratio(ratios['decode_reduce_over_orjson']):>8}",
            f"(decode+reduce) / decode   {fmt_ratio(ratios['decode_reduce_over_decode']):>8}",
            f"openai / decode            {fmt_ratio(ratios['openai_over_decode']):>8}",
            "",
            f"2. Flatness of decode+reduce (per-event perf_counter_ns, fastest of "
            f"{flat['passes']} pass(es), gc disabled, timer cost "
            f"{flat['timer_overhead_ns']} ns subtracted; mean {flat['mean_us']:.2f} µs/event)",
            f"{'events':<40} {'first 10%':>18} {'last 10%':>18} {'last/first':>11}",
        ]
    )
    for key, label in (
        ("all", "all events"),
        ("audio_delta", AUDIO_DELTA),
        ("transcript_delta", TRANSCRIPT_DELTA),
    ):
        rows.append(window_row(label, flat[key]))
    share = flat["audio_delta_share_pct"]
    with_gc = flat["gc_enabled"]
    rows.extend(
        [
            f"{'all, re-weighted to the stream mix':<40} {'':>18} {'':>18} "
            f"{fmt_ratio(flat['mix_reweighted_ratio']):>11}",
            f"audio deltas are {share['first']:.1f} % of the first window, "
            f"{share['last']:.1f} % of the last; "
            f"all-events ratio (target <= {TARGET_FLATNESS:g}): "
            f"{verdict(flat['all']['ratio'], lambda v: v <= TARGET_FLATNESS)}",
            "for information, 1 pass with the garbage collector ENABLED "
            f"({with_gc['full_collections']} full collection(s), pauses included):",
            window_row("all events, gc enabled", with_gc),
            "",
            f"3. Memory (tracemalloc, on a {mem['minutes']:g}-minute session of "
            f"{mem['events']:,} events"
            + (", not the stream above)" if mem["minutes"] != session["minutes"] else ")"),
            f"final state alone            {mem['final_state_bytes'] / 1e6:>9.1f} MB",
            f"every state ({mem['states_kept']:,} kept)    "
            f"{mem['every_state_bytes'] / 1e6:>9.1f} MB  "
            f"({mem['bytes_per_intermediate_state']:,.0f} bytes per extra state)",
            f"every / final                {fmt_ratio(mem['ratio']):>9}     "
            f"(target < {TARGET_MEMORY_RATIO:g}x: "
            f"{verdict(mem['ratio'], lambda v: v < TARGET_MEMORY_RATIO)})",
            f"decoded audio in final state {mem['audio_bytes'] / 1e6:>9.1f} MB",
        ]
    )
    snap = result["snapshot"]
    shares = snap["ratios"]
    rows.extend(
        [
            "",
            f"4. Transcript snapshot (final state of the {snap['minutes']:g}-minute session: "
            f"{snap['events']:,} events, {snap['turns']} turns; gc disabled)",
            f"replay (decode+reduce)       {snap['replay_s'] * 1e3:>9.1f} ms",
        ]
    )
    for label, key, share in (
        ("transcript(), cold", "transcript_cold_s", "transcript_cold_over_replay"),
        ("transcript(), warm", "transcript_warm_s", "transcript_warm_over_replay"),
        ("transcript().to_dict()", "to_dict_s", "to_dict_over_replay"),
    ):
        rows.append(
            f"{label:<28} {snap[key] * 1e3:>9.2f} ms  {shares[share] * 100:>6.2f} % of replay"
        )
    both = shares["cold_and_to_dict_over_replay"]
    rows.append(
        f"cold transcript + to_dict    {both * 100:>9.2f} %  of replay "
        f"(target < {TARGET_SNAPSHOT_RATIO * 100:g} %: "
        f"{verdict(both, lambda v: v < TARGET_SNAPSHOT_RATIO)})"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=180.0, help="simulated session length")
    parser.add_argument(
        "--memory-minutes",
        type=float,
        default=30.0,
        help="session length for the tracemalloc measurement",
    )
    parser.add_argument("--seed", type=int, default=0, help="session seed")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.minutes <= 0 or args.memory_minutes <= 0:
        parser.error("--repeat must be >= 1, --minutes and --memory-minutes > 0")
    result = run(args)
    return _report.emit(render(result), result, args.json)


if __name__ == "__main__":
    sys.exit(main())
