"""The pytest plugin (fixture ``realtime_replay``, option ``--realtime-strict``), tested with
``pytester``, and ``assert_transcript``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from helpers.data import HERE, read_lines
from realtime_state import replay
from realtime_state.testing import assert_transcript, message_turns

pytest_plugins = ["pytester"]

TOOL_ROUND = HERE / "recordings" / "ga_tool_call_round.jsonl"
FRAGMENT = HERE / "recordings" / "beta_transcription_fragment.jsonl"
"""Starts mid-session: a lenient replay records one ``unknown_anchor`` at event #3."""

QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
"""Options for the inner runs: hypothesis works without its pytest plugin, whose end-of-run
summary costs about a second per inner run."""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An in-process pytest run; plugins load from their entry points, ours included."""
    return pytester.runpytest(*args, *QUIET)


# --- registration ------------------------------------------------------------------------------


def test_the_plugin_is_registered_through_the_pytest11_entry_point() -> None:
    plugins = {e.name: e.value for e in entry_points(group="pytest11")}
    assert plugins.get("realtime_state") == "realtime_state.testing.plugin"


def test_a_fresh_pytest_process_knows_the_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*realtime-state*", "*--realtime-strict*"])


def test_importing_the_plugin_needs_no_hypothesis() -> None:
    """The plugin and ``realtime_state.testing`` import neither hypothesis nor openai; the
    strategies module, without hypothesis, raises an ImportError that says what to do."""
    code = (
        "import sys\n"
        "import realtime_state.testing, realtime_state.testing.plugin\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('hypothesis', 'openai')))\n"
        "sys.modules['hypothesis'] = None\n"
        "try:\n"
        "    import realtime_state.testing.strategies\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, message = out.stdout.splitlines()
    assert loaded == "[]"
    assert "pip install 'realtime-state[testing]'" in message


# --- the fixture -------------------------------------------------------------------------------


def test_the_fixture_replays_a_log_next_to_the_test_file(pytester: pytest.Pytester) -> None:
    shutil.copy(TOOL_ROUND, pytester.path / "session.jsonl")
    pytester.makepyfile(
        """
        from realtime_state import SessionState

        def test_replay(realtime_replay):
            state = realtime_replay("session.jsonl")
            assert isinstance(state, SessionState)
            assert state.policy == "lenient"
            assert [i.type for i in state.items][:2] == ["message", "function_call"]
            assert state.event_count == 45
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_relative_paths_resolve_next_to_the_test_then_in_the_current_directory(
    pytester: pytest.Pytester,
) -> None:
    sub = pytester.mkpydir("agent_tests")
    (sub / "logs").mkdir()
    shutil.copy(TOOL_ROUND, sub / "logs" / "near.jsonl")
    (pytester.path / "data").mkdir()
    shutil.copy(FRAGMENT, pytester.path / "data" / "far.jsonl")
    (sub / "test_paths.py").write_text(
        "import pathlib, pytest\n"
        "def test_paths(realtime_replay):\n"
        "    assert realtime_replay('logs/near.jsonl').event_count == 45\n"
        "    assert realtime_replay('data/far.jsonl').event_count == 18\n"
        "    absolute = pathlib.Path('data/far.jsonl').resolve()\n"
        "    assert realtime_replay(absolute).event_count == 18\n"
        "    with pytest.raises(FileNotFoundError, match='nowhere.jsonl.*tried'):\n"
        "        realtime_replay('nowhere.jsonl')\n"
        "    with pytest.raises(ValueError, match='policy'):\n"
        "        realtime_replay('logs/near.jsonl', policy='sloppy')\n"
    )
    run(pytester).assert_outcomes(passed=1)


STRICTNESS_TESTS = """
import pytest
from realtime_state import ProtocolViolation, replay

def test_default(realtime_replay, request):
    if request.config.getoption("realtime_strict") or request.config.getini("realtime_strict"):
        with pytest.raises(ProtocolViolation) as info:
            realtime_replay("fragment.jsonl")
        assert (info.value.index, info.value.code) == (3, "unknown_anchor")
    else:
        state = realtime_replay("fragment.jsonl")
        assert [v.code for v in state.violations] == ["unknown_anchor"]

def test_a_named_policy_wins(realtime_replay):
    assert realtime_replay("fragment.jsonl", policy="lenient").violations
    with pytest.raises(ProtocolViolation):
        realtime_replay("fragment.jsonl", policy="strict")

def test_direct_replays_are_untouched(request):
    lines = open(request.path.parent / "fragment.jsonl").read().splitlines()
    assert replay(lines).policy == "lenient"
"""


@pytest.mark.parametrize(
    ("args", "ini", "strict"),
    [
        ((), None, False),
        (("--realtime-strict",), None, True),
        ((), "realtime_strict = true", True),
        (("--realtime-strict",), "realtime_strict = false", True),
    ],
    ids=["default", "option", "ini", "option-over-ini"],
)
def test_realtime_strict_makes_the_fixture_strict(
    pytester: pytest.Pytester, args: tuple[str, ...], ini: str | None, strict: bool
) -> None:
    shutil.copy(FRAGMENT, pytester.path / "fragment.jsonl")
    if ini is not None:
        pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(STRICTNESS_TESTS)
    result = run(pytester, *args)
    result.assert_outcomes(passed=3)
    source = "--realtime-strict" if args else "ini realtime_strict"
    header = f"realtime-state: realtime_replay is strict ({source})"
    assert (header in result.stdout.str()) is strict
    assert ("realtime_replay is strict" in result.stdout.str()) is strict


def test_a_strict_failure_names_the_event_file_and_line(pytester: pytest.Pytester) -> None:
    text = "\n\n".join(read_lines(FRAGMENT)) + "\n"  # blank lines: line numbers differ from indices
    (pytester.path / "fragment.jsonl").write_text(text)
    pytester.makepyfile(
        """
        def test_fails(realtime_replay):
            realtime_replay("fragment.jsonl")
        """
    )
    result = run(pytester, "--realtime-strict")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "ProtocolViolation" in output and "unknown_anchor" in output
    assert "event #3" in output
    if sys.version_info >= (3, 11):
        assert re.search(r"in .*fragment\.jsonl, line 7", output), output


def test_a_line_that_is_not_an_event_is_a_decode_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "broken.jsonl").write_text(read_lines(TOOL_ROUND)[0] + "\n{not json\n")
    pytester.makepyfile(
        """
        import pytest
        from realtime_state import DecodeError

        def test_broken(realtime_replay):
            with pytest.raises(DecodeError) as info:
                realtime_replay("broken.jsonl")
            assert info.value.index == 1
        """
    )
    run(pytester).assert_outcomes(passed=1)


# --- assert_transcript ---------------------------------------------------------------------------

WEATHER = replay(read_lines(TOOL_ROUND))


def test_assert_transcript_compares_the_message_turns_in_order() -> None:
    assert_transcript(
        WEATHER,
        [
            ("user", "What is the weather in London?"),
            ("assistant", "It is foggy and 12 degrees in London."),
        ],
    )
    assert_transcript(
        WEATHER, [("user", re.compile(r"weather")), ("assistant", re.compile(r"\bfoggy\b"))]
    )
    assert message_turns(WEATHER) == [
        ("user", "What is the weather in London?"),
        ("assistant", "It is foggy and 12 degrees in London."),
    ]


def test_a_mismatch_shows_a_turn_by_turn_diff() -> None:
    with pytest.raises(AssertionError) as info:
        assert_transcript(
            WEATHER,
            [
                ("user", "What is the weather in London?"),
                ("assistant", "It is sunny."),
                ("user", "Thanks!"),
            ],
        )
    message = str(info.value)
    assert message.splitlines()[0] == (
        "transcript differs in 2 of 3 message turns: expected 3, got 2"
    )
    assert "  turn 1: ok user: 'What is the weather in London?'" in message
    assert "  turn 2: differs" in message
    assert "    expected assistant: 'It is sunny.'" in message
    assert "    actual   assistant: 'It is foggy and 12 degrees in London.'" in message
    assert "  turn 3: missing; expected user: 'Thanks!'" in message


def test_roles_and_patterns_are_reported_as_such() -> None:
    with pytest.raises(AssertionError) as info:
        assert_transcript(WEATHER, [("assistant", re.compile("London")), ("assistant", "x")])
    message = str(info.value)
    assert "(role 'user' is not 'assistant')" in message
    assert "re.compile('London')" in message
    with pytest.raises(AssertionError) as info:
        assert_transcript(WEATHER, [("user", re.compile("Paris", re.I))])
    message = str(info.value)
    assert "(the pattern does not match)" in message and "flags=" in message
    assert "turn 2: unexpected assistant: 'It is foggy and 12 degrees in London.'" in message


def test_roles_select_the_turns_compared() -> None:
    system = {
        "type": "conversation.item.added",
        "event_id": "event_S",
        "previous_item_id": None,
        "item": {
            "id": "item_SYS",
            "type": "message",
            "role": "system",
            "content": [{"type": "input_text", "text": "Be brief."}],
        },
    }
    state = replay([json.dumps(system), *read_lines(TOOL_ROUND)])
    assert ("system", "Be brief.") in message_turns(state)
    assert_transcript(
        state,
        [("user", re.compile("weather")), ("assistant", re.compile("foggy"))],
        roles={"user", "assistant"},
    )
    with pytest.raises(AssertionError, match=r"\(roles assistant, user\)"):
        assert_transcript(state, [], roles={"user", "assistant"})


def test_audio_turns_compare_their_transcripts() -> None:
    state = replay(read_lines(HERE / "logs" / "ga_audio_turn.jsonl"))
    assert_transcript(
        state,
        [
            ("user", "What time does the museum open tomorrow?"),
            ("assistant", "The museum opens at nine tomorrow morning and closes at six."),
        ],
    )


def test_interrupted_turns_compare_what_the_server_holds_or_what_was_said() -> None:
    state = replay(read_lines(HERE / "logs" / "ga_interruption.jsonl"))
    said = "Sure! There are three ways to get to the station"
    assert message_turns(state)[1] == ("assistant", "")
    assert message_turns(state, interrupted="said")[1] == ("assistant", said)
    heard = message_turns(state, interrupted="heard")[1][1]
    assert heard and said.startswith(heard) and heard != said
    assert_transcript(
        state,
        [
            ("user", ""),
            ("assistant", said),
            ("user", ""),
            ("assistant", "Of course. The bus is the cheapest option."),
        ],
        interrupted="said",
    )
    with pytest.raises(ValueError, match="interrupted"):
        message_turns(state, interrupted="everything")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "expected",
    ["user: hi", [("user",)], [("user", 3)], [["user", "hi"]], [(None, "hi")]],
)
def test_a_malformed_expectation_is_a_type_error(expected: object) -> None:
    with pytest.raises(TypeError):
        assert_transcript(WEATHER, expected)  # type: ignore[arg-type]


# --- the docs' example test file runs, with and without --realtime-strict -------------------------

DOCS = HERE.parent / "docs" / "testing.md"


def docs_example() -> str:
    blocks = re.findall(r"^```python\n(.*?)^```", DOCS.read_text(encoding="utf-8"), re.S | re.M)
    (example,) = [block for block in blocks if block.startswith("# tests/test_my_agent.py")]
    return example


@pytest.mark.parametrize("args", [(), ("--realtime-strict",)], ids=["lenient", "strict"])
def test_the_docs_example_test_file_passes(
    pytester: pytest.Pytester, args: tuple[str, ...]
) -> None:
    tests = pytester.mkdir("tests")
    (tests / "recordings").mkdir()
    shutil.copy(TOOL_ROUND, tests / "recordings" / "ga_tool_call_round.jsonl")
    (tests / "test_my_agent.py").write_text(docs_example())
    result = run(pytester, *args)
    result.assert_outcomes(passed=len(re.findall(r"^def test_", docs_example(), re.M)))
