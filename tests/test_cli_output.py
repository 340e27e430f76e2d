"""What the command writes when standard output is not a terminal: plain lines no longer than
their content needs, and a closed pipe (``| head``) that ends quietly, not like a finding.

These run the real command in a subprocess, since a pipe is what they are about."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from realtime_state import replay
from realtime_state.examples import DESCRIPTIONS, EXAMPLES, example_lines

HERE = Path(__file__).resolve().parent
GA = HERE / "recordings" / "ga_tool_call_round.jsonl"
BETA = HERE / "recordings" / "beta_webrtc_interrupt_truncate.jsonl"
LOGS = sorted((HERE / "logs").glob("*.jsonl"))
COMMAND = [sys.executable, "-m", "realtime_state"]
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}
CLOSED_PIPE = 141  # 128 + SIGPIPE, as a shell reports for cat or grep in the same place
RULE = re.compile(r"^─+(?: .* ─+)?$")


def piped(*args: str) -> subprocess.CompletedProcess[str]:
    """The command with standard output a pipe (not a terminal)."""
    return subprocess.run(
        [*COMMAND, *args], capture_output=True, text=True, encoding="utf-8", env=ENV, check=False
    )


def transcript_lines(lines: list[str], fmt: str = "text") -> list[str]:
    transcript = replay(lines).transcript()
    return (transcript.to_markdown() if fmt == "markdown" else transcript.to_text()).splitlines()


def assert_tidy(out: str, content: list[str]) -> None:
    """No trailing padding, rules of at most 80 columns, and no line longer than the longest
    of ``content`` (the log's own text, which is printed whole, Markdown line breaks and all)
    or 80 columns."""
    limit = max(80, *(len(line) for line in content))
    for number, line in enumerate(out.splitlines(), start=1):
        if line not in content:
            assert line == line.rstrip(), f"line {number} has trailing padding: {line!r}"
        if RULE.match(line):
            assert len(line) <= 80, f"line {number} is a rule of {len(line)} columns"
        assert len(line) <= limit, f"line {number} has {len(line)} columns (limit {limit})"


def test_demo_piped_is_plain_lines_with_short_rules() -> None:
    result = piped("demo")
    assert result.returncode == 0, result.stderr
    content = [line for name in EXAMPLES for line in transcript_lines(example_lines(name))]
    content += [DESCRIPTIONS[name] for name in EXAMPLES]
    assert_tidy(result.stdout, content)
    rules = [line for line in result.stdout.splitlines() if RULE.match(line)]
    assert len(rules) == len(EXAMPLES)
    assert "\x1b[" not in result.stdout
    assert len(result.stdout.encode()) < 20_000  # 900 KB when rules were 100,001 columns


@pytest.mark.parametrize("log", [GA, BETA], ids=["ga", "beta"])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_replay_piped_has_no_trailing_padding(log: Path, fmt: str) -> None:
    result = piped("replay", str(log), "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert_tidy(result.stdout, transcript_lines(log.read_text().splitlines(), fmt))
    assert re.search(r"^violations +0$", result.stdout, re.M) or fmt == "markdown"


def test_check_piped_has_no_trailing_padding() -> None:
    result = piped("check", *map(str, LOGS), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    total = result.stdout.splitlines()[-1]
    assert total.startswith(f"{len(LOGS)} log(s), ")
    assert_tidy(result.stdout, [total, *(f"ok   {path} (9999 events)" for path in LOGS)])


@pytest.mark.parametrize(("log", "at"), [(GA, 10), (BETA, 30), (BETA, 71)])
def test_inspect_piped_is_a_table_as_wide_as_its_cells(log: Path, at: int) -> None:
    result = piped("inspect", str(log), "--at", str(at))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert_tidy(result.stdout, lines)  # lines: the content check is the table's own, below
    rows = [re.split("[│┃]", line)[1:-1] for line in lines if line[:1] in "│┃"]
    items = replay(log.read_text().splitlines(), upto=at + 1).items
    assert sum(1 for row in rows if row[0].strip()) == 1 + len(items)
    for column in zip(*rows, strict=True):  # every column exactly as wide as its widest cell needs
        assert min(len(cell) - len(cell.rstrip()) for cell in column) == 1, column


# --- a closed pipe ----------------------------------------------------------------------------


def closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """The command writing into a pipe whose reader is already gone."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [*COMMAND, *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
            check=False,
            timeout=60,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [
        ["demo"],
        ["replay", str(GA)],
        ["replay", str(BETA), "--format", "json"],
        ["replay", str(BETA), "--format", "markdown"],
        ["check", str(GA), str(BETA), "--jobs", "1"],
        ["check", str(GA), "--json"],
        ["inspect", str(GA), "--at", "10"],
        ["inspect", str(GA), "--at", "10", "--json"],
        ["diagram"],
    ],
    ids=lambda args: " ".join(a for a in args if "/" not in a),
)
def test_a_closed_pipe_ends_quietly_and_not_like_a_finding(args: list[str]) -> None:
    result = closed_pipe(*args)
    assert result.returncode == CLOSED_PIPE, result.stderr
    assert result.stderr == ""


def test_piping_into_head_ends_quietly(tmp_path: Path) -> None:
    # 5,000 bad lines: far more output than a pipe holds, so head closes it mid-way
    log = tmp_path / "noisy.jsonl"
    log.write_text(GA.read_text() + "{not json\n" * 5000)
    command = " ".join(map(str, [*COMMAND, "replay", log]))
    script = f'{command} | head -n 3; echo "status ${{PIPESTATUS[0]}}" >&2'
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=ENV, check=False
    )
    assert len(result.stdout.splitlines()) == 3
    assert result.stderr == f"status {CLOSED_PIPE}\n"


# --- file names that are not UTF-8 ------------------------------------------------------------


def strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def test_reports_on_file_names_that_are_not_utf8_are_valid_utf8_json(tmp_path: Path) -> None:
    clean = tmp_path / os.fsdecode(b"caf\xe9.jsonl")  # Latin-1, as an old system names it
    clean.write_bytes(GA.read_bytes())
    bad = tmp_path / os.fsdecode(b"bad\xff.jsonl")
    bad.write_bytes(GA.read_bytes() + b"{not json\n")
    missing = tmp_path / os.fsdecode(b"gone\xfe.jsonl")
    names = [os.fsencode(path) for path in (clean, bad, missing)]
    result = subprocess.run(
        [*COMMAND, "check", "--json", *names], capture_output=True, env=ENV, check=False
    )
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout.decode("utf-8"))  # strict: no invalid UTF-8
    for text in strings(report):
        text.encode("utf-8")  # strict: no lone surrogate (an escaped \udcff is one)
    paths = [f["path"] for f in report["files"]]
    assert paths == [
        f"{tmp_path}/caf\\xe9.jsonl",
        f"{tmp_path}/bad\\xff.jsonl",
        f"{tmp_path}/gone\\xfe.jsonl",
    ]
    assert report["files"][1]["errors"][0]["message"].startswith(f"{paths[1]}:46: ")
    assert report["files"][2]["errors"][0]["message"] == f"{paths[2]}: no such file"
    # the other reports and the text output: valid UTF-8 too, and no traceback
    for args in (["check"], ["replay"], ["replay", "--format", "json"], ["inspect", "--at", "3"]):
        for name in names:
            run = subprocess.run([*COMMAND, *args, name], capture_output=True, env=ENV, check=False)
            out, err = run.stdout.decode("utf-8"), run.stderr.decode("utf-8")  # strict
            assert "Traceback" not in err, (args, name, err)
            # the name is printed: by check, for the bad line and the missing file
            if args == ["check"] or name == names[2] or (name == names[1] and args[0] == "replay"):
                assert "\\x" in out + err, (args, name, out, err)
