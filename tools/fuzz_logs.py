"""Replay many mutated real logs and check every state (on demand, outside the suite).

Usage (from the repository root)::

    python tools/fuzz_logs.py [--logs 20000] [--seed 0]

Each log is a recording from ``tests/recordings`` or ``tests/logs`` with one to four
mutations (lines dropped, duplicated, swapped, moved; ids and indices changed; see
``tests/helpers/mutations.py``). Every state is checked with
``check_invariants(state, allow_violations=True)`` in both policies. Prints the number of
mutated logs, states checked and violations seen, and the first failure if any (exit 1).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers.mutations import LOGS, OPERATIONS, broken_states, mutate
from realtime_state import DecodeError, ProtocolViolation, SessionState, reduce


def main() -> int:
    """Run the fuzzing loop; 0 when every state holds."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--logs", type=int, default=20_000, help="mutated logs to replay")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    states = violations = 0
    for n in range(args.logs):
        events = LOGS[rng.randrange(len(LOGS))]
        for _ in range(rng.randint(1, 4)):
            events = mutate(
                events,
                rng.choice(OPERATIONS),
                rng.randrange(10**6),
                rng.randrange(10**6),
                rng.randrange(10**6),
            )
        for policy in ("lenient", "strict"):
            broken = next(broken_states(events, policy), None)
            if broken is not None:
                print(f"log {n} ({policy}): after event #{broken[0]}: {broken[1]}")
                return 1
            state = SessionState(policy=policy)
            for event in events:
                try:
                    state = reduce(state, event)
                except (ProtocolViolation, DecodeError):
                    break
                states += 1
            violations += len(state.violations)
    print(f"{args.logs} mutated logs, {states} states checked in two policies, ")
    print(f"{violations} violations recorded (lenient), every state consistent or excused")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
