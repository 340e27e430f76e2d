"""The HTML report (``realtime_state.report``, ``realtime-state report``) without a browser:
self-contained, escaped, every turn, a player per audio part, the summary's figures, the
violations with their codes, the audio policy and the command. ``test_report_browser.py``
opens the pages in Chromium."""

from __future__ import annotations

import base64
import html as std_html
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from realtime_state import replay
from realtime_state.cli import cli
from realtime_state.examples import EXAMPLES, example_lines
from realtime_state.lifecycles import VIOLATION_CODES
from realtime_state.logs import replay_log
from realtime_state.report import DEFAULT_AUDIO_BUDGET, html, write

ROOT = Path(__file__).resolve().parents[1]


def synthetic() -> ModuleType:
    """``benchmarks/synthetic.py`` (long generated GA voice sessions)."""
    name = "_report_synthetic"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "synthetic.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# resources a page could load: any src/href/poster/data attribute, CSS url() and @import,
# <link> elements; none may point at the network
RESOURCE = re.compile(
    r"""(?:\b(?:src|href|poster|data|srcset|action)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import|<link\b""",
    re.I,
)


def pcm(ms: int, level: int) -> bytes:
    return bytes([level, 0]) * (24 * ms)


def user_audio_log() -> list[dict[str, Any]]:
    """A GA voice turn where the log holds what the app appended: both sides have audio."""
    user = pcm(400, 3)
    answer = pcm(300, 5)
    return [
        {
            "type": "session.created",
            "event_id": "e0",
            "session": {"type": "realtime", "id": "sess_1", "model": "gpt-realtime"},
        },
        {"type": "input_audio_buffer.append", "audio": base64.b64encode(user).decode()},
        {"type": "input_audio_buffer.speech_started", "event_id": "e1", "audio_start_ms": 0,
         "item_id": "item_u"},
        {"type": "input_audio_buffer.speech_stopped", "event_id": "e2", "audio_end_ms": 400,
         "item_id": "item_u"},
        {"type": "input_audio_buffer.committed", "event_id": "e3", "item_id": "item_u",
         "previous_item_id": None},
        {"type": "conversation.item.added", "event_id": "e4", "previous_item_id": None,
         "item": {"id": "item_u", "type": "message", "role": "user", "status": "completed",
                  "content": [{"type": "input_audio", "transcript": None}]}},
        {"type": "response.created", "event_id": "e5",
         "response": {"id": "resp_1", "object": "realtime.response", "status": "in_progress",
                      "output": []}},
        {"type": "response.output_item.added", "event_id": "e6", "response_id": "resp_1",
         "output_index": 0,
         "item": {"id": "item_a", "type": "message", "role": "assistant",
                  "status": "in_progress", "content": []}},
        {"type": "response.content_part.added", "event_id": "e7", "response_id": "resp_1",
         "item_id": "item_a", "output_index": 0, "content_index": 0,
         "part": {"type": "audio", "transcript": ""}},
        {"type": "response.output_audio.delta", "event_id": "e8", "response_id": "resp_1",
         "item_id": "item_a", "output_index": 0, "content_index": 0,
         "delta": base64.b64encode(answer).decode()},
        {"type": "response.output_audio_transcript.delta", "event_id": "e9",
         "response_id": "resp_1", "item_id": "item_a", "output_index": 0,
         "content_index": 0, "delta": "Hello <script>window.pwned = 1</script> & bye"},
    ]  # fmt: skip


def script_text_log() -> list[str]:
    """The GA function-call recording with the user's question replaced by markup."""
    lines = example_lines("ga_tool_call_round")
    return [
        line.replace("What is the weather in London?", "<script>alert(1)</script>{{summary}}")
        for line in lines
    ]


def with_violation() -> list[str]:
    """The GA function-call recording with its first response.created sent twice."""
    lines = example_lines("ga_tool_call_round")
    i = next(n for n, line in enumerate(lines) if '"response.created"' in line)
    return [*lines[: i + 1], lines[i], *lines[i + 1 :]]


def players(page: str) -> list[str]:
    return re.findall(r'<audio [^>]*src="data:audio/wav;base64,([A-Za-z0-9+/=]*)"', page)


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_page_of_each_example_loads_nothing_from_the_network(name: str) -> None:
    page = html(example_lines(name))
    assert page.startswith("<!DOCTYPE html>")
    assert not RESOURCE.search(page)
    assert "default-src 'none'" in page  # the page's CSP forbids any other resource
    assert re.search(r"https?://", page) is None


def test_the_resource_pattern_finds_network_references() -> None:
    for bad in (
        '<script src="https://cdn.example/x.js">',
        "<img src=//cdn.example/a.png>",
        "@font-face { src: url(https://fonts.example/f.woff2) }",
        '<link rel="stylesheet" href="s.css">',
        "@import 'x.css';",
    ):
        assert RESOURCE.search(bad), bad


def test_user_text_is_shown_escaped_never_run_or_substituted() -> None:
    state = replay(script_text_log())
    page = html(state)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{summary}}" in page
    assert page.count("<script>") == 1  # the page's own


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_turn_is_on_the_page_and_on_the_timeline(name: str) -> None:
    state = replay(example_lines(name))
    page = html(state)
    turns = state.transcript().turns
    assert len(re.findall(r'<li id="turn-\d+"', page)) == len(turns)
    for n, turn in enumerate(turns):
        assert f'<li id="turn-{n}"' in page
        assert f'href="#turn-{n}"' in page  # the timeline item that leads to it
        assert std_html.escape(turn.item_id) in page
        words = turn.said_text if turn.interrupted else turn.text
        if words:
            assert std_html.escape(words) in page
        if turn.interrupted and turn.heard_text_estimate:
            assert std_html.escape(turn.heard_text_estimate) in page
            assert std_html.escape(turn.marker or "") in page


def test_each_turn_with_audio_has_a_player_holding_its_wav() -> None:
    state = replay(example_lines("ga_voice_interruption"))
    page = html(state)
    expected = [
        state.wav(item.id) for item in state.items if any(p.audio_bytes for p in item.content)
    ]
    assert expected
    assert [base64.b64decode(data) for data in players(page)] == expected


def test_both_sides_have_players_when_the_log_holds_the_users_audio() -> None:
    state = replay(user_audio_log())
    page = html(state)
    found = [base64.b64decode(data) for data in players(page)]
    assert found == [state.wav("item_u"), state.wav("item_a")]
    assert "Audio of turn 1 (user)" in page and "Audio of turn 2 (assistant)" in page
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt; &amp; bye" in page


def test_the_audio_policy_budget_none_and_all() -> None:
    state = replay(example_lines("ga_voice_interruption"))
    sizes = [len(state.wav(item.id)) for item in state.items if item.role == "assistant"]
    assert len(players(html(state))) == 2  # the default budget holds both
    first_only = html(state, audio_budget=sizes[0])
    assert len(players(first_only)) == 1
    assert first_only.count('data-audio-skipped="budget"') == 1
    assert "audio not embedded (budget)" in first_only
    none = html(state, audio="none")
    assert players(none) == [] and none.count('data-audio-skipped="none"') == 2
    assert len(players(html(state, audio="all", audio_budget=0))) == 2
    assert DEFAULT_AUDIO_BUDGET == 24_000_000
    with pytest.raises(ValueError, match="audio must be one of"):
        html(state, audio="some")


def test_the_budget_bounds_a_long_session() -> None:
    state = replay(synthetic().ga_voice_session(20, seed=1))
    page = html(state, audio_budget=2_000_000)
    embedded = sum(len(base64.b64decode(data)) for data in players(page))
    assert 0 < embedded <= 2_000_000
    assert 'data-audio-skipped="budget"' in page


def test_summary_figures_are_the_states() -> None:
    state = replay(synthetic().ga_voice_envelopes(4, seed=2))
    page = html(state)
    usage = state.usage
    for figure in (usage.total_tokens, usage.input_tokens, usage.output_tokens):
        assert f"<td>{figure:,}</td>" in page
    timings = state.timings()
    for name in ("speech_end_to_first_audio_ms", "created_to_first_audio_ms", "created_to_done_ms"):
        stats = getattr(timings, name)
        assert stats.count > 0
        row = re.search(rf'<tr data-measure="{name}">(.*?)</tr>', page)
        assert row is not None
        assert f'data-p50="{stats.p50}"' in row.group(1)
        assert f'data-p95="{stats.p95}"' in row.group(1)
        assert f"<td>{stats.count}</td>" in row.group(1)
    cost = state.cost()
    assert f'data-cost="{cost.total}"' in page
    for limit in state.rate_limits.values():
        assert f"{limit.remaining} of {limit.limit} left" in page
    assert "Times from the log" in page


def test_a_log_without_times_says_how_the_timeline_is_laid_out() -> None:
    page = html(example_lines("ga_voice_interruption"))
    assert "No times in this log" in page
    assert "timings: unknown (the log carries no times)" in page


def test_cost_unknown_says_why() -> None:
    lines = [json.loads(line) for line in example_lines("ga_tool_call_round")]
    for event in lines:
        session = event.get("session")
        if isinstance(session, dict):
            session["model"] = "no-such-model"
    page = html(lines)
    assert "cost unknown:" in page and "no-such-model" in page


def test_violations_are_listed_with_their_codes_explained_and_linked() -> None:
    state = replay(with_violation())
    assert [v.code for v in state.violations] == ["duplicate_response"]
    page = html(state)
    assert '<li id="violation-0"><a href="#code-duplicate_response">' in page
    assert 'href="#violation-0"' in page  # marked on the timeline
    assert 'href="docs/lifecycles.md#violation-codes"' in page
    explanation = VIOLATION_CODES["duplicate_response"]
    expected = re.sub(r"`([^`]+)`", r"<code>\1</code>", std_html.escape(explanation))
    assert '<dt id="code-duplicate_response">' in page and expected in page
    other = html(state, docs_url="https://example.org/docs/lifecycles/")
    assert 'href="https://example.org/docs/lifecycles/#violation-codes"' in other
    lifecycles = (ROOT / "docs" / "lifecycles.md").read_text(encoding="utf-8")
    assert "\n## Violation codes\n" in lifecycles  # the anchor the link names


def test_html_takes_a_state_a_replay_a_path_or_lines(tmp_path: Path) -> None:
    path = tmp_path / "call.jsonl"
    path.write_text("\n".join(example_lines("ga_tool_call_round")) + "\n", encoding="utf-8")
    from_path = html(path)
    assert "call.jsonl" in from_path
    assert html(str(path)) == from_path
    assert html(replay_log(str(path))) == from_path
    body = html(replay(example_lines("ga_tool_call_round"))).split("<main>", 1)[1]
    assert from_path.split("<main>", 1)[1] == body
    with pytest.raises(TypeError):
        html(42)
    out = tmp_path / "r.html"
    assert write(path, out) == out.stat().st_size


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_the_command_writes_the_page(tmp_path: Path) -> None:
    log = tmp_path / "call.jsonl"
    log.write_text("\n".join(with_violation()) + "\n", encoding="utf-8")
    out = tmp_path / "call.html"
    code, stdout, stderr = run("report", str(log), "-o", str(out))
    assert code == 0, stderr
    assert stdout == "" and "wrote" in stderr
    page = out.read_text(encoding="utf-8")
    assert page == html(replay_log(str(log)))
    assert "duplicate_response" in page


def test_the_command_writes_to_standard_output_with_dash() -> None:
    code, stdout, _ = run("report", "ga_voice_interruption", "-o", "-")
    assert code == 0
    assert stdout.startswith("<!DOCTYPE html>") and stdout.rstrip().endswith("</html>")
    assert len(players(stdout)) == 2


def test_the_command_takes_the_audio_policy(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert run("report", "ga_voice_interruption", "-o", str(out), "--audio", "none")[0] == 0
    assert players(out.read_text(encoding="utf-8")) == []
    assert run("report", "ga_voice_interruption", "-o", str(out), "--audio-budget", "0")[0] == 0
    assert players(out.read_text(encoding="utf-8")) == []


def test_the_command_fails_on_a_log_it_cannot_read(tmp_path: Path) -> None:
    code, _, stderr = run("report", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "x"))
    assert code == 2 and "no such file" in stderr
    assert not (tmp_path / "x").exists()


def test_demo_says_how_to_write_each_examples_report() -> None:
    code, stdout, _ = run("demo")
    assert code == 0
    for name in EXAMPLES:
        assert f"realtime-state report {name} -o {name}.html" in stdout
