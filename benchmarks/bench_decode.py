"""Decode throughput on a synthetic GA voice session.

Usage (from the repository root)::

    python benchmarks/bench_decode.py [--minutes 5] [--repeat 5] [--seed 0] [--bytes] [--json]

Builds one session with ``synthetic.ga_voice_session`` and times, over the same list of JSON
texts, one call per event of:

* ``orjson.loads`` (the floor: parsing only),
* ``realtime_state.decode`` (skipped, with a note, if the package cannot be imported),
* ``pydantic.TypeAdapter(openai.types.realtime.RealtimeServerEvent).validate_json``
  (skipped if ``openai`` is not installed).

Each figure is the best of ``--repeat`` runs, timed with ``time.perf_counter`` while the
garbage collector is disabled. The table shows events/s and µs/event, the ratios
decode/orjson and openai/decode, and a per-type breakdown for the three most common event
types. With ``--json`` the figures go to stdout as JSON and the table to stderr.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402  (found through the line above)
import synthetic  # noqa: E402  (found through the line above)

Decoder = Callable[[Any], object]


def load_decode() -> tuple[Decoder | None, str]:
    """Return ``realtime_state.decode`` and where it came from, or ``None`` and why not.

    The installed package is preferred; failing that, ``src/`` next to this folder is tried.
    """
    try:
        from realtime_state import decode
    except ImportError as first:
        src = HERE.parent / "src"
        if not (src / "realtime_state").is_dir():
            return None, f"cannot import realtime_state ({first})"
        sys.path.insert(0, str(src))
        try:
            from realtime_state import decode
        except ImportError as second:
            return None, f"cannot import realtime_state from {src} ({second})"
    import realtime_state

    return decode, str(Path(realtime_state.__file__).parent)


def load_openai() -> tuple[Decoder | None, str]:
    """Return the openai SDK's server-event validator, or ``None`` and why not."""
    try:
        import openai
        import pydantic
        from openai.types.realtime import RealtimeServerEvent
    except ImportError as error:
        return None, f"cannot import openai/pydantic ({error})"
    adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(RealtimeServerEvent)
    return adapter.validate_json, f"openai {openai.__version__}, pydantic {pydantic.__version__}"


def check(name: str, func: Decoder, lines: Sequence[str | bytes]) -> str | None:
    """Run ``func`` once over every line (also a warm-up); return an error text on failure."""
    for index, line in enumerate(lines):
        try:
            func(line)
        except Exception as error:
            text = line if isinstance(line, str) else line.decode()
            return f"{name} failed on event {index} ({text[:80]}...): {error!r:.300}"
    return None


def best_time(func: Decoder, lines: Sequence[str | bytes], repeat: int) -> float:
    """Best wall time, in seconds, of ``repeat`` runs of ``func`` over all ``lines``."""
    best = float("inf")
    enabled = gc.isenabled()
    try:
        for _ in range(repeat):
            gc.collect()
            gc.disable()
            start = time.perf_counter()
            for line in lines:
                func(line)
            elapsed = time.perf_counter() - start
            gc.enable()
            best = min(best, elapsed)
    finally:
        if enabled:
            gc.enable()
        else:
            gc.disable()
    return best


def figures(seconds: float, count: int) -> dict[str, float]:
    """Throughput figures for ``count`` events decoded in ``seconds``."""
    return {
        "seconds": seconds,
        "events_per_s": count / seconds,
        "us_per_event": seconds / count * 1e6,
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` or ``None`` when either side is missing."""
    if numerator is None or denominator is None:
        return None
    return numerator / denominator


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the session, time every decoder, and return all figures."""
    started = time.perf_counter()
    texts = synthetic.ga_voice_session(args.minutes, args.seed)
    generated = time.perf_counter() - started
    types = [orjson.loads(text)["type"] for text in texts]
    lines: list[str | bytes] = [t.encode() for t in texts] if args.bytes else list(texts)
    size = sum(len(t.encode()) for t in texts)

    candidates: dict[str, tuple[Decoder | None, str]] = {
        "orjson": (orjson.loads, f"orjson {orjson.__version__}"),
        "decode": load_decode(),
        "openai": load_openai(),
    }
    decoders: dict[str, Decoder] = {}
    notes: dict[str, str] = {}
    for name, (func, note) in candidates.items():
        notes[name] = note
        if func is None:
            continue
        failure = check(name, func, lines)
        if failure:
            notes[name] = failure
            continue
        decoders[name] = func

    total = {name: best_time(func, lines, args.repeat) for name, func in decoders.items()}
    common = [name for name, _ in Counter(types).most_common(args.top)]
    per_type: dict[str, dict[str, Any]] = {}
    for type_ in common:
        subset = [line for line, t in zip(lines, types, strict=True) if t == type_]
        per_type[type_] = {
            "count": len(subset),
            "us_per_event": {
                name: best_time(func, subset, args.repeat) / len(subset) * 1e6
                for name, func in decoders.items()
            },
        }

    return {
        "session": {
            "minutes": args.minutes,
            "seed": args.seed,
            "events": len(lines),
            "bytes": size,
            "input": "bytes" if args.bytes else "str",
            "generate_seconds": generated,
        },
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(),
        },
        "repeat": args.repeat,
        "decoders": {
            name: {
                "available": name in decoders,
                "note": notes[name],
                **(figures(total[name], len(lines)) if name in total else {}),
            }
            for name in candidates
        },
        "ratios": {
            "decode_over_orjson": ratio(total.get("decode"), total.get("orjson")),
            "openai_over_decode": ratio(total.get("openai"), total.get("decode")),
            "openai_over_orjson": ratio(total.get("openai"), total.get("orjson")),
        },
        "per_type": per_type,
    }


def render(result: dict[str, Any]) -> str:
    """The human-readable table."""
    session = result["session"]
    rows = [
        f"GA voice session: {session['minutes']:g} min, seed {session['seed']}, "
        f"{session['events']} events, {session['bytes'] / 1e6:.1f} MB "
        f"(input as {session['input']}), best of {result['repeat']}, "
        f"Python {result['environment']['python']}",
        "",
        f"{'decoder':<8} {'events/s':>12} {'µs/event':>10}  note",
    ]
    for name, info in result["decoders"].items():
        if info["available"]:
            rows.append(
                f"{name:<8} {info['events_per_s']:>12,.0f} {info['us_per_event']:>10.2f}  "
                f"{info['note']}"
            )
        else:
            rows.append(f"{name:<8} {'-':>12} {'-':>10}  unavailable: {info['note']}")
    rows.append("")
    labels = {
        "decode_over_orjson": "decode / orjson",
        "openai_over_decode": "openai / decode",
        "openai_over_orjson": "openai / orjson",
    }
    for key, label in labels.items():
        value = result["ratios"][key]
        rows.append(f"{label:<16} {'n/a' if value is None else f'{value:.2f}x'}")
    available = [name for name, info in result["decoders"].items() if info["available"]]
    rows.extend(["", "µs/event by type (most common types):"])
    rows.append(f"{'type':<50} {'count':>6}" + "".join(f" {name:>8}" for name in available))
    for type_, info in result["per_type"].items():
        cells = "".join(f" {info['us_per_event'][name]:>8.2f}" for name in available)
        rows.append(f"{type_:<50} {info['count']:>6}{cells}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="simulated session length")
    parser.add_argument("--seed", type=int, default=0, help="session seed")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (best kept)")
    parser.add_argument("--top", type=int, default=3, help="event types in the breakdown")
    parser.add_argument("--bytes", action="store_true", help="feed bytes instead of str")
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.minutes <= 0:
        parser.error("--repeat must be >= 1 and --minutes > 0")
    result = run(args)
    return _report.emit(render(result), result, args.json)


if __name__ == "__main__":
    sys.exit(main())
