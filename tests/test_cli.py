"""The ``realtime-state`` command: every command, exit code and bad input, through click's test
runner, and once through a real subprocess."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from realtime_state import diagrams, replay
from realtime_state.cli import cli, main
from realtime_state.examples import EXAMPLES, example_lines
from realtime_state.lifecycles import LIFECYCLES
from realtime_state.logs import check_file, check_files, summarize_checks

HERE = Path(__file__).resolve().parent
GA = HERE / "recordings" / "ga_tool_call_round.jsonl"
BETA = HERE / "recordings" / "beta_webrtc_interrupt_truncate.jsonl"
LOGS = sorted((HERE / "logs").glob("*.jsonl"))


def run(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines()


@pytest.fixture
def duplicated_done(tmp_path: Path) -> Path:
    """The GA recording with its first response.done sent twice."""
    lines = lines_of(GA)
    i = next(n for n, line in enumerate(lines) if '"response.done"' in line)
    path = tmp_path / "duplicated_done.jsonl"
    path.write_text("\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]) + "\n")
    return path


@pytest.fixture
def bad_line(tmp_path: Path) -> Path:
    """The GA recording with line 5 replaced by something that is not an event."""
    lines = lines_of(GA)
    lines[4] = '{"type": "response.created", "event_id": "e", "response": 5}'
    path = tmp_path / "bad_line.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


# --- replay -----------------------------------------------------------------------------------


def test_replay_text_prints_the_transcript_and_summary() -> None:
    code, out, _ = run("replay", str(GA))
    assert code == 0
    assert "user: What is the weather in London?" in out
    assert "assistant: It is foggy and 12 degrees in London." in out
    assert "2 completed" in out
    assert re.search(r"^violations +0 *$", out, re.M)
    assert re.search(r"^bad lines +0 *$", out, re.M)


def test_replay_json_is_the_transcript_dict_plus_a_summary() -> None:
    code, out, _ = run("replay", str(GA), "--format", "json")
    assert code == 0
    document = json.loads(out)
    summary = document.pop("summary")
    state = replay(lines_of(GA))
    assert document == json.loads(json.dumps(state.transcript().to_dict()))
    assert summary["events"] == 45 and summary["items"] == 4
    assert summary["responses"] == {"completed": 2}
    assert summary["usage"]["total_tokens"] == state.usage.total_tokens
    assert summary["violations"] == [] and summary["errors"] == []


def test_replay_markdown_when_piped_is_the_plain_markdown_with_a_summary_section() -> None:
    code, out, _ = run("replay", str(BETA), "--format", "markdown")
    assert code == 0
    transcript = replay(lines_of(BETA)).transcript().to_markdown()
    assert out.startswith(transcript)
    summary = out[len(transcript) :]
    assert summary.startswith("\n## Summary\n\n| | |\n|---|---|\n| events | 72 |")
    assert "| violations | 0 |" in summary


def test_replay_upto_stops_after_n_events() -> None:
    code, out, _ = run("replay", str(GA), "--upto", "4", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["summary"]["events"] == 4
    assert len(document["turns"]) == len(replay(lines_of(GA), upto=4).items)


def test_replay_strict_stops_at_the_violation_with_exit_1(duplicated_done: Path) -> None:
    code, out, _ = run("replay", str(duplicated_done), "--policy", "strict")
    assert code == 1
    assert "duplicate_done" in out
    code, out, _ = run("replay", str(duplicated_done))  # lenient: recorded, exit 0
    assert code == 0
    assert "duplicate_done" in out


def test_replay_reads_standard_input_line_by_line() -> None:
    code, out, _ = run("replay", "-", input=GA.read_text())
    assert code == 0
    assert out.count("assistant: It is foggy and 12 degrees in London.") == 1
    assert out.index("user: What is the weather") < out.index("assistant: It is foggy")


def test_a_bad_line_is_reported_with_file_and_line_and_the_rest_is_processed(
    bad_line: Path,
) -> None:
    code, out, _ = run("replay", str(bad_line), "--format", "json")
    assert code == 2
    summary = json.loads(out)["summary"]
    (bad,) = summary["bad_lines"]
    assert bad["line"] == 5
    assert f"{bad_line}:5:" in bad["message"] and "response.created" in bad["message"]
    assert summary["events"] == 44  # every other line was reduced
    code, out, _ = run("replay", str(bad_line), "--policy", "strict", "--format", "json")
    assert code == 2
    assert json.loads(out)["summary"]["events"] == 4  # strict stops at the bad line


@pytest.mark.parametrize("command", ["replay", "check", "inspect"])
def test_unreadable_logs_give_a_clear_message_and_exit_2(command: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    binary = tmp_path / "audio.wav"
    binary.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt \xff\xfe")
    cases = {
        str(tmp_path / "missing.jsonl"): "no such file",
        str(tmp_path): "is a directory",
        str(empty): "is empty",
        str(binary): "binary file",
    }
    extra = ["--at", "0"] if command == "inspect" else []
    for path, reason in cases.items():
        code, out, err = run(command, path, *extra)
        assert code == 2, (path, out, err)
        assert reason in out + err
        assert "Traceback" not in out + err


# --- check ------------------------------------------------------------------------------------


def test_check_clean_logs_exit_0() -> None:
    code, out, _ = run("check", *map(str, LOGS), "--jobs", "1")
    assert code == 0
    assert out.count("ok ") == len(LOGS)


def test_check_exit_codes_and_json_report(duplicated_done: Path, bad_line: Path) -> None:
    code, out, _ = run("check", str(GA), str(duplicated_done), "--json")
    assert code == 1
    report = json.loads(out)
    assert [f["path"] for f in report["files"]] == [str(GA), str(duplicated_done)]
    clean, broken = report["files"]
    assert (clean["events"], clean["violations"], clean["errors"]) == (45, [], [])
    (violation,) = broken["violations"]
    assert violation["code"] == "duplicate_done"
    assert set(violation) >= {"index", "code", "message", "line"}
    assert violation["line"] == violation["index"] + 1
    assert report["summary"] == {
        "files": 2,
        "clean": 1,
        "with_violations": 1,
        "with_errors": 0,
        "events": 45 + broken["events"],
        "violations": 1,
        "codes": {"duplicate_done": 1},
        "exit_code": 1,
    }
    code, out, _ = run("check", str(duplicated_done), str(bad_line), "--json")
    assert code == 2  # unreadable beats violations
    assert json.loads(out)["files"][1]["errors"][0]["line"] == 5


def test_check_lenient_lists_every_violation(tmp_path: Path) -> None:
    lines = lines_of(GA)
    done = [i for i, line in enumerate(lines) if '"response.done"' in line]
    for i in reversed(done):
        lines.insert(i + 1, lines[i])
    path = tmp_path / "two.jsonl"
    path.write_text("\n".join(lines))
    strict = check_file(str(path))
    lenient = check_file(str(path), "lenient")
    assert [v["code"] for v in strict["violations"]] == ["duplicate_done"]
    assert [v["code"] for v in lenient["violations"]] == ["duplicate_done", "duplicate_done"]


def test_check_on_several_processes_gives_the_same_reports_in_order(
    duplicated_done: Path,
) -> None:
    paths = [*map(str, LOGS), str(duplicated_done), str(GA)] * 3
    one = check_files(paths, jobs=1)
    two = check_files(paths, jobs=2)
    assert one == two
    assert [r["path"] for r in two] == paths
    assert summarize_checks(two)["with_violations"] == 3


def test_check_reads_standard_input() -> None:
    code, out, _ = run("check", "-", "--json", input=GA.read_text())
    assert code == 0
    assert json.loads(out)["files"][0]["events"] == 45


# --- inspect, diagram, demo -------------------------------------------------------------------


def test_inspect_at_n_is_the_state_right_after_event_n() -> None:
    code, out, _ = run("inspect", str(GA), "--at", "6", "--json")
    assert code == 0
    view = json.loads(out)
    state = replay(lines_of(GA), upto=7)
    assert view["event_count"] == 7
    assert [item["id"] for item in view["items"]] == [item.id for item in state.items]
    assert view["active_response"]["id"] == state.active_response_id
    code, out, _ = run("inspect", str(GA), "--at", "6")
    assert code == 0
    assert "state after event #6 (line 7)" in out
    assert "open response:" in out and "input audio:" in out


def test_inspect_beyond_the_log_is_a_clear_error() -> None:
    code, out, err = run("inspect", str(GA), "--at", "45")
    assert code == 2
    assert "has only 45 events" in out + err


def test_diagram_prints_every_lifecycle_or_one() -> None:
    code, out, _ = run("diagram")
    assert code == 0
    assert out.count("stateDiagram-v2") == len(LIFECYCLES)
    code, out, _ = run("diagram", "response")
    assert code == 0
    assert out == diagrams.mermaid(LIFECYCLES[0])
    code, out, err = run("diagram", "nope")
    assert code == 2 and "choose one of" in out + err


def test_diagram_write_regenerates_the_docs_page(tmp_path: Path) -> None:
    target = tmp_path / "lifecycles.md"
    code, _, _ = run("diagram", "--write", str(target))
    assert code == 0
    assert target.read_text() == diagrams.render_docs()


def test_demo_replays_every_bundled_example() -> None:
    code, out, _ = run("demo")
    assert code == 0
    for name in EXAMPLES:
        assert name in out
    assert "[interrupted at 1.86 s" in out
    assert "get_weather" in out
    assert len(re.findall(r"^violations +0 *$", out, re.M)) == len(EXAMPLES)
    for name in EXAMPLES:
        assert replay(example_lines(name), policy="strict").violations == ()


def test_main_returns_exit_codes(duplicated_done: Path) -> None:
    assert main(["check", str(GA), "--jobs", "1"]) == 0
    assert main(["check", str(duplicated_done), "--jobs", "1"]) == 1
    assert main(["check", "/nonexistent/log.jsonl"]) == 2
    assert main(["replay"]) == 2  # usage error


def test_real_subprocess_demo_and_check_through_python_dash_m() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    demo = subprocess.run(
        [sys.executable, "-m", "realtime_state", "demo"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    assert "ga_tool_call_round" in demo.stdout
    assert "\x1b[" not in demo.stdout  # plain output when piped
    check = subprocess.run(
        [sys.executable, "-m", "realtime_state", "check", "--json", str(GA), str(BETA)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["summary"]["clean"] == 2


def test_following_standard_input_prints_problems_and_cuts_as_they_come() -> None:
    lines = lines_of(HERE / "logs" / "ga_interruption.jsonl")
    cut = next(i for i, line in enumerate(lines) if '"conversation.item.truncated"' in line)
    feed = [*lines[:cut], "{not json", *lines[cut:]]
    code, out, _ = run("replay", "-", input="\n".join(feed) + "\n")
    assert code == 2
    bad = out.index("bad line -:")
    cut_line = out.index("(assistant cut: [interrupted at 0.15 s of 0.30 s")
    summary = out.index("events ")
    assert bad < cut_line < summary  # printed when they happened, before the summary
    assert out.count("assistant: Sure! There are three ways") == 1


def test_ctrl_c_while_following_summarizes_what_was_read() -> None:
    from realtime_state.logs import _Interrupted, replay_log

    class Keyboard(io.BytesIO):
        def readline(self, *args: object) -> bytes:
            line = super().readline(*args)  # type: ignore[arg-type]
            if not line:
                raise KeyboardInterrupt
            return line

    stream = Keyboard(GA.read_bytes()[: GA.read_bytes().index(b"\n", 2000) + 1])
    with pytest.raises(_Interrupted) as info:
        replay_log("-", stdin=stream, interruptible=True)
    assert 0 < info.value.result.state.event_count < 45
    with pytest.raises(KeyboardInterrupt):
        replay_log("-", stdin=Keyboard(b""), interruptible=False)


def test_a_byte_order_mark_is_tolerated_and_a_device_is_refused(tmp_path: Path) -> None:
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + GA.read_bytes())
    code, out, _ = run("check", str(bom), "--json")
    assert code == 0 and json.loads(out)["files"][0]["events"] == 45
    code, out, err = run("replay", "/dev/zero")
    assert code == 2 and "not a regular file" in out + err


def test_long_messages_are_shortened_in_text_and_kept_whole_in_json(tmp_path: Path) -> None:
    error = {
        "type": "error",
        "event_id": "event_1",
        "error": {"type": "invalid_request_error", "message": "x" * 5000},
    }
    path = tmp_path / "long.jsonl"
    path.write_text(GA.read_text() + json.dumps(error) + "\n")
    code, out, _ = run("replay", str(path))
    assert code == 0
    assert "... (4500 more characters)" in out and "x" * 600 not in out
    code, out, _ = run("replay", str(path), "--format", "json")
    assert json.loads(out)["summary"]["errors"][0]["message"] == "x" * 5000


def test_strict_stop_is_named_in_the_summary(duplicated_done: Path) -> None:
    code, out, _ = run("replay", str(duplicated_done), "--policy", "strict")
    assert code == 1
    assert re.search(r"^stopped +at event #\d+ \(strict policy\)", out, re.M)


def test_the_docs_follow_a_live_session_from_its_first_line() -> None:
    # `tail -f` starts at the last 10 lines: a replay of those reports false violations
    root = HERE.parent
    places = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    places += sorted((root / "src" / "realtime_state").glob("*.py"))
    follows = []  # every `tail ... | realtime-state ...` command shown, lines joined
    for path in places:
        text = " ".join(path.read_text(encoding="utf-8").split())
        for match in re.finditer(r"\btail\s[^|`]*\|\s*\S*realtime-state\b", text):
            follows.append((path.name, match.group()))
    assert follows, "the docs show how to follow a live session"
    wrong = [f for f in follows if not re.search(r"\s(-n|--lines)[ =]?\+1\s", f[1])]
    assert not wrong, wrong
    assert {"README.md", "cli.md", "cli.py"} <= {name for name, _ in follows}
    assert "tail -n +1 -f" in (cli.commands["replay"].help or "")


def test_replay_upto_beyond_the_log_says_the_state_is_the_final_one() -> None:
    code, out, err = run("replay", str(GA), "--upto", "100", "--format", "json")
    assert code == 0
    assert json.loads(out)["summary"]["events"] == 45  # stdout stays the report
    assert "has only 45 events" in err and "final state" in err
    code, out, err = run("replay", str(GA), "--upto", "100")
    assert code == 0 and "has only 45 events" in err
    for upto in ("45", "44"):  # within the log: nothing to say
        code, out, err = run("replay", str(GA), "--upto", upto)
        assert code == 0 and err == ""


def test_inspect_names_the_phase_of_items_no_response_streamed() -> None:
    code, out, _ = run("inspect", str(GA), "--at", "44")
    assert code == 0
    rows = {line.split("│")[3].strip(): line for line in out.splitlines() if "│ item_" in line}
    phase = {kind: row.split("│")[6].strip() for kind, row in rows.items()}
    # the user's message and the client's function output were never streamed by a response
    assert phase == {
        "message": "done",  # the assistant's (the later row of the two messages)
        "function_call": "done",
        "function_call_output": "not streamed",
    }
    user = next(line for line in out.splitlines() if "│ user " in line)
    assert user.split("│")[6].strip() == "not streamed"
    assert "absent" not in out
    code, out, _ = run("inspect", str(GA), "--at", "44", "--json")
    view = json.loads(out)  # the JSON keeps the lifecycle's own name
    assert [item["phase"] for item in view["items"]] == ["absent", "done", "absent", "done"]
