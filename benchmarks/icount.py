"""CPU instructions per event of orjson, decode and reduce, counted with callgrind.

Usage (from the repository root; needs ``valgrind``)::

    python benchmarks/icount.py [--minutes 20] [--events 4000] [--seed 0]
                                [--modes orjson decode reduce pipeline] [--type TYPE] [--json]

Wall-clock figures on a shared machine move by several per cent between runs; instruction
counts do not. The script writes the first ``--events`` lines of a synthetic GA voice
session (``synthetic.ga_voice_session``) to a temporary file, then runs this same script
under ``valgrind --tool=callgrind`` (``PYTHONHASHSEED=0``) once per mode. Every run does the
same set-up (imports, reading the lines, one warm-up decode and reduce of all of them) and
then one loop over the lines:

* ``none``: the bare loop (the baseline every other mode is measured against),
* ``orjson``: ``orjson.loads(line)``,
* ``decode``: ``realtime_state.decode(line)``,
* ``reduce``: ``reduce(state, event)`` over the events decoded in the set-up,
* ``pipeline``: ``reduce(state, decode(line))``.

A mode's figure is its run's total instructions minus the ``none`` run's, divided by the
number of events. ``--type`` keeps the lines of one event type only (``reduce`` and
``pipeline`` then make little sense: a stream of one type violates the lifecycles).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODES = ("none", "orjson", "decode", "reduce", "pipeline")


def child(mode: str, path: str) -> None:
    """The measured process: set-up, then one loop of ``mode``."""
    import orjson

    from realtime_state import SessionState, decode, reduce

    lines = Path(path).read_text(encoding="utf-8").splitlines()
    events = [decode(line) for line in lines]
    state = SessionState()
    for event in events:
        state = reduce(state, event)
    loads = orjson.loads
    state = SessionState()
    if mode == "none":
        for _line in lines:
            pass
    elif mode == "orjson":
        for line in lines:
            loads(line)
    elif mode == "decode":
        for line in lines:
            decode(line)
    elif mode == "reduce":
        for event in events:
            state = reduce(state, event)
    elif mode == "pipeline":
        for line in lines:
            state = reduce(state, decode(line))


def callgrind_total(script: str, child_args: list[str], out: str) -> int:
    """Total instructions of ``python script --child *child_args`` run under callgrind
    (``PYTHONHASHSEED=0``), its profile written to ``out``."""
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            script,
            "--child",
            *child_args,
        ],
        check=True,
        env=dict(os.environ, PYTHONHASHSEED="0"),
        capture_output=True,
    )
    text = Path(out).read_text(encoding="utf-8", errors="replace")
    match = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no total in {out}")
    return int(match.group(1))


def instructions(mode: str, path: str, outdir: str) -> int:
    """Total instructions of one child run under callgrind."""
    return callgrind_total(__file__, [mode, path], os.path.join(outdir, f"callgrind.{mode}"))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Write the lines, count every mode, return instructions per event."""
    sys.path.insert(0, str(HERE))
    import orjson

    import synthetic

    lines = synthetic.ga_voice_session(args.minutes, args.seed)[: args.events]
    if args.type:
        lines = [line for line in lines if orjson.loads(line)["type"] == args.type]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lines.jsonl")
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
        base = instructions("none", path, tmp)
        totals = {mode: instructions(mode, path, tmp) - base for mode in args.modes}
        if args.keep:
            for mode in ("none", *args.modes):
                os.replace(os.path.join(tmp, f"callgrind.{mode}"), f"{args.keep}.{mode}")
    per_event = {mode: total / len(lines) for mode, total in totals.items()}
    result: dict[str, Any] = {
        "minutes": args.minutes,
        "seed": args.seed,
        "events": len(lines),
        "type": args.type,
        "instructions_per_event": per_event,
    }
    if "orjson" in per_event and "decode" in per_event:
        result["decode_over_orjson"] = per_event["decode"] / per_event["orjson"]
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="simulated session length")
    parser.add_argument("--events", type=int, default=4000, help="first N events of the session")
    parser.add_argument("--seed", type=int, default=0, help="session seed")
    parser.add_argument("--type", help="keep only the events of this type")
    parser.add_argument(
        "--modes", nargs="+", choices=MODES[1:], default=["orjson", "decode", "reduce", "pipeline"]
    )
    parser.add_argument("--keep", help="keep the callgrind files as KEEP.<mode>")
    parser.add_argument("--json", action="store_true", help="figures as JSON")
    args = parser.parse_args(argv)
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['events']} events{' of ' + args.type if args.type else ''}, ", end="")
        print(f"{args.minutes:g}-minute session, seed {args.seed}; instructions per event:")
        for mode, value in result["instructions_per_event"].items():
            print(f"  {mode:<9} {value:>12,.0f}")
        if "decode_over_orjson" in result:
            print(f"  decode / orjson: {result['decode_over_orjson']:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
