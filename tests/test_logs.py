"""``realtime_state.logs``, the log reader under the command: a library with no terminal in it.

What it reads, reports and exits with is tested through the command in ``test_cli.py``; here,
what makes it a library of its own.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from realtime_state import cli, logs

HERE = Path(__file__).resolve().parent
GA = HERE / "recordings" / "ga_tool_call_round.jsonl"


def test_importing_the_log_reader_imports_neither_click_nor_rich() -> None:
    code = (
        "import sys, realtime_state.logs\n"
        "loaded = [m for m in ('click', 'rich', 'realtime_state.cli') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_names_documented_in_cli_are_the_log_readers_own() -> None:
    for name in (
        "LogError",
        "BadLine",
        "LogReplay",
        "read_log",
        "replay_log",
        "check_file",
        "check_files",
        "summarize",
        "summarize_checks",
    ):
        assert name in logs.__all__ and name in cli.__all__
        assert getattr(cli, name) is getattr(logs, name)


def test_every_public_name_has_a_docstring() -> None:
    for name in logs.__all__:
        if name != "STDIN":  # a string constant: documented in the module source
            assert getattr(logs, name).__doc__, name
    assert logs.__doc__


def test_the_per_file_check_pickles_for_a_process_pool_or_a_cluster() -> None:
    check = pickle.loads(pickle.dumps(logs.check_file))
    assert check is logs.check_file
    report = check(str(GA))
    assert report["events"] > 0 and not report["violations"] and not report["errors"]


def test_replay_and_views_are_plain_data() -> None:
    result = logs.replay_log(str(GA), "strict", upto=10)
    assert result.state.event_count == 10 and result.line_of(9) == 10
    assert logs.summarize(result)["events"] == 10
    view = logs.inspect_view(result)
    assert view["event_count"] == 10 and view["last_event_line"] == 10
