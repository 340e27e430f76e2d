"""Rerun mutmut survivors in a fresh pytest process each, the mutant chosen before import.

mutmut 3 forks its workers from a process that has already imported the package, so a
mutant in code that runs at import time (the handler factories ``on_channel(channel,
trigger)`` and ``on_item_status(status)``, ``Channel.__attrs_post_init__``, the compiled
lifecycle steps of ``_lifecycle``) is never active in a test and is
reported as survived. This script sets ``MUTANT_UNDER_TEST`` in a fresh process, so that code
runs mutated. Run it after ``mutmut run``, from the project root:

    .venv/bin/python tools/mutants_at_import.py [--workers 2] [--sample N --seed S] [PATTERN ...]

With no pattern it takes every survivor of the import-time functions below. It prints one
line per mutant and a summary; it never changes ``src``.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
IMPORT_TIME = [
    "realtime_state.reducer._channels.x_on_channel__mutmut_*",
    "realtime_state.reducer._channels.xǁChannelǁ__attrs_post_init____mutmut_*",
    "realtime_state.reducer._conversation.x_on_item_status__mutmut_*",
    "realtime_state._lifecycle.x__compile_steps__mutmut_*",
    "realtime_state._lifecycle.xǁLifecycleǁrefusal__mutmut_*",
    "realtime_state._lifecycle.xǁLifecycleǁrecovery__mutmut_*",
    "realtime_state._lifecycle.xǁLifecycleǁ__attrs_post_init____mutmut_*",
]


def _tests() -> tuple[list[str], list[str]]:
    """The test files and deselections of ``[tool.mutmut]``, plus every
    ``tests/test_reducer_mutants*.py`` copied into ``mutants/`` (new files not yet listed there)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    tests = list(config["pytest_add_cli_args_test_selection"])
    tests += sorted(
        f"tests/{p.name}"
        for p in (ROOT / "mutants" / "tests").glob("test_reducer_mutants*.py")
        if f"tests/{p.name}" not in tests
    )
    args = config.get("pytest_add_cli_args", [])
    deselect = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--deselect"]
    return tests, deselect


TESTS, DESELECT = _tests()


def survivors() -> list[str]:
    """Every mutant mutmut has not killed (survived, or not checked after a source change)."""
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "mutmut"), "results", "--all", "true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        line.split(":")[0].strip()
        for line in out.splitlines()
        if line.endswith((": survived", ": not checked"))
    ]


def run_one(name: str, timeout: float) -> tuple[str, str]:
    env = dict(os.environ, MUTANT_UNDER_TEST=name, PYTHONPATH="src")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS]
    for test in DESELECT:
        cmd += ["--deselect", test]
    try:
        done = subprocess.run(
            cmd, cwd=ROOT / "mutants", env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return name, "timeout"
    return name, "survived" if done.returncode == 0 else "killed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", default=IMPORT_TIME)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--sample", type=int, default=0, help="a seeded sample of this size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    names = [n for n in survivors() if any(fnmatch.fnmatch(n, p) for p in args.patterns)]
    if 0 < args.sample < len(names):
        names = sorted(random.Random(args.seed).sample(names, args.sample))
    counts: dict[str, int] = {}
    with ThreadPoolExecutor(args.workers) as pool:
        for name, result in pool.map(lambda n: run_one(n, args.timeout), names):
            counts[result] = counts.get(result, 0) + 1
            print(f"{result:9} {name}", flush=True)
    print(f"{len(names)} mutants: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
