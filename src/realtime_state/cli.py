"""The ``realtime-state`` command: replay, check, inspect and draw recorded sessions.

This is an edge adapter: it reads files and standard input, prints, and sets exit codes; the
core it drives (:func:`~realtime_state.reduce`) never touches I/O. Reading logs, replaying
them and the JSON-ready summaries and check reports are :mod:`realtime_state.logs`; this
module only prints them. Output is rich on a terminal and plain text when piped.

Exit codes: 0 all good; 1 a protocol violation (``check``: any log has one; ``replay`` /
``inspect``: strict policy stopped at one); 2 a log could not be read or a line is not a valid
event (``check`` reports 2 before 1); 141 standard output was closed before everything was
written (``| head``), quietly, as a shell reports ``cat`` in the same place (128 + SIGPIPE).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any, cast

import attrs
import click
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from .logs import (
    STDIN,
    BadLine,
    LogError,
    LogReplay,
    _Interrupted,
    _printable,
    check_file,
    check_files,
    inspect_view,
    read_log,
    replay_log,
    summarize,
    summarize_checks,
)
from .reducer import reduce
from .state import LENIENT, POLICIES, STRICT, SessionState

# The log-reading names documented here before realtime_state.logs existed stay importable
# from this module (they are the very objects of realtime_state.logs).
__all__ = [
    "LogError",
    "BadLine",
    "LogReplay",
    "read_log",
    "replay_log",
    "check_file",
    "check_files",
    "summarize",
    "summarize_checks",
    "main",
    "cli",
]


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


class _PlainLines:
    """Standard output (or error) when it is not a terminal, as the file rich writes to: each
    line goes out without the spaces rich pads it with (table cells are padded to the width of
    their column), so piped output is no longer than its content needs."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._pending = ""

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            self._stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


class _Console(Console):
    """A rich console that lets a closed pipe reach the command group (rich alone would exit
    1, the code of a protocol violation): see _CLOSED_PIPE."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


_RULE_WIDTH = 80
"""Columns of a rule (``demo``) when piped; on a terminal a rule spans the terminal."""


def _console(stderr: bool = False) -> Console:
    # markup off: log text (ids, transcripts, "[interrupted at ...]") is printed as it is
    console = _Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False)
    if not console.is_terminal:
        # piped: plain text; never cut ids or wrap long lines (the width only bounds what
        # rich lays out: tables take the width their cells need), no trailing padding
        stream = sys.stderr if stderr else sys.stdout
        console = _Console(
            file=cast(IO[str], _PlainLines(stream)),
            highlight=False,
            soft_wrap=True,
            markup=False,
            width=100_000,
            color_system=None,
        )
    return console


def _rule(console: Console, title: str) -> None:
    """A rule with ``title`` across the terminal, or 80 columns when piped."""
    rule = Rule(Text(title, style="bold"))
    console.print(rule, width=None if console.is_terminal else _RULE_WIDTH)


_LONG = 500


def _short(text: str | None) -> str:
    """``text`` cut to a readable length for the text summary (JSON keeps it whole)."""
    text = "" if text is None else str(text)
    if len(text) <= _LONG:
        return text
    return f"{text[:_LONG]}... ({len(text) - _LONG} more characters)"


def _label(console: Console, label: str, style: str, rest: str, end: str = "\n") -> None:
    """Print ``label`` in ``style`` followed by plain ``rest``."""
    console.print(Text(label, style=style), rest, sep="", end=end)


def _summary_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The summary as ``(label, value)`` rows, shared by the text and Markdown renderings."""
    usage, cost = summary["usage"], summary["cost"]
    responses = ", ".join(f"{n} {status}" for status, n in summary["responses"].items())
    rows = [("events", str(summary["events"]))]
    sessions = summary.get("sessions", ())
    if len(sessions) > 1:
        starts = ", ".join(f"#{s['first_event']}" for s in sessions[1:])
        rows.append(
            (
                "sessions",
                f"{len(sessions)} (a new session.created at event {starts}; items, responses, "
                "tokens, cost and timings below are of the last one)",
            )
        )
    rows += [
        ("items", str(summary["items"])),
        ("responses", responses or "none"),
        (
            "tokens",
            f"{usage['total_tokens']} (input {usage['input_tokens']}, cached "
            f"{usage['cached_tokens']}, output {usage['output_tokens']})",
        ),
        (
            "cost",
            f"{cost['total']} {cost.get('currency', '')}".strip()
            if cost["total"] is not None
            else f"unknown: {cost['reason']}",
        ),
    ]
    if summary["rate_limits"]:
        limits = summary["rate_limits"].items()
        rows.append(
            ("rate limits", ", ".join(f"{n} {v['remaining']}/{v['limit']}" for n, v in limits))
        )
    rows += _timing_rows(summary.get("timings"))
    rows += [
        ("server errors", str(len(summary["errors"]))),
        ("violations", str(len(summary["violations"]))),
        ("bad lines", str(len(summary["bad_lines"]))),
    ]
    if summary.get("stopped_at") is not None:
        rows.append(("stopped", f"at event #{summary['stopped_at']} (strict policy)"))
    return rows


_MEASURE_LABELS = {
    "speech_end_to_first_audio_ms": "speech end to first audio",
    "created_to_first_audio_ms": "created to first audio",
    "created_to_done_ms": "created to done",
}


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if abs(value) >= 10 else f"{value:.1f} ms"


def _timing_rows(timings: dict[str, Any] | None) -> list[tuple[str, str]]:
    """One row per measure (p50, p95, how many responses), under one ``timings`` label; none
    when no measure is known (a log without times)."""
    if not timings or not any(timings[name]["count"] for name in _MEASURE_LABELS):
        return []
    rows: list[tuple[str, str]] = []
    for name, label in _MEASURE_LABELS.items():
        stats = timings[name]
        n = stats["count"]
        if n:
            value = (
                f"{label}: p50 {_ms(stats['p50'])}, p95 {_ms(stats['p95'])} "
                f"({n} response{'s' if n != 1 else ''})"
            )
        else:
            value = f"{label}: none measured"
        rows.append(("timings" if not rows else "", value))
    return rows


def _print_summary(console: Console, summary: dict[str, Any]) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for label, value in _summary_rows(summary):
        table.add_row(label, value)
    console.print(table)
    for error in summary["errors"]:
        code = f" {error['code']}" if error["code"] else ""
        console.print(f"  server error #{error['index']}{code}: {_short(error['message'])}")
    for v in summary["violations"]:
        _print_violation(console, v)
    for bad in summary["bad_lines"]:
        _label(console, "  bad line", "red", f" {_short(bad['message'])}")


def _print_violation(console: Console, v: dict[str, Any]) -> None:
    where = f"#{v['index']}" + (f" (line {v['line']})" if v["line"] is not None else "")
    _label(console, "  violation", "red", f" {where} {v['code']}: {_short(v['message'])}")


def _cell(value: str) -> str:
    return value.replace("|", "\\|")


def _summary_markdown(summary: dict[str, Any]) -> str:
    """The summary as a Markdown section (``replay --format markdown``)."""
    lines = ["", "## Summary", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {_cell(value)} |" for name, value in _summary_rows(summary)]
    for v in summary["violations"]:
        lines.append(f"- violation #{v['index']} `{v['code']}`: {_short(v['message'])}")
    for bad in summary["bad_lines"]:
        lines.append(f"- bad line {bad['line']}: {_short(bad['message'])}")
    return "\n".join(lines) + "\n"


def _read_to_the_end(result: LogReplay, policy: str) -> bool:
    """Whether the replay read the whole log (strict policy stops at a violation or a bad
    line)."""
    return result.stopped is None and not (policy == STRICT and result.bad_lines)


def _exit_code(result: LogReplay) -> int:
    if result.bad_lines:
        return 2
    return 1 if result.stopped is not None else 0


_FINISHING = frozenset(
    {
        "conversation.item.created",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.truncated",
        "conversation.item.input_audio_transcription.completed",
        "conversation.item.input_audio_transcription.failed",
        "response.output_item.done",
        "response.done",
    }
)


class _Follower:
    """Prints a live log as it comes (``replay -`` in text format).

    A turn is printed once its item is final and has words (a user's audio turn waits for its
    transcription); a turn cut after it was printed gets a line with the cut; bad lines and
    violations are printed when they happen; whatever is left is printed when the log ends.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.printed: set[str] = set()
        self.violations = 0

    def __call__(self, state: SessionState, event: Any) -> None:
        if event is not None and event.type in _FINISHING:
            self.flush(state, final=False)
            if event.type == "conversation.item.truncated" and event.item_id in self.printed:
                turn = state.transcript().turn(event.item_id)
                if turn is not None and turn.marker:
                    click.echo(f"  ({turn.role or turn.kind} cut: {turn.marker})")
        found = state.violation_log.size
        if found > self.violations:
            for violation in state.violations[self.violations :]:
                _print_violation(
                    self.console,
                    {**attrs.asdict(violation), "line": None},
                )
            self.violations = found

    def bad_line(self, bad: BadLine) -> None:
        _label(self.console, "  bad line", "red", f" {_short(bad.message)}")

    def flush(self, state: SessionState, *, final: bool) -> None:
        for turn in state.transcript().turns:
            if turn.item_id in self.printed:
                continue
            unfinished = (
                turn.status not in ("completed", "incomplete")
                and turn.kind != "function_call_output"
            )
            wordless = turn.kind == "message" and not turn.text and turn.said_text is None
            if not final and (unfinished or wordless):
                continue
            self.printed.add(turn.item_id)
            click.echo(_turn_line(turn))


def _turn_line(turn: Any) -> str:
    from .transcript import Transcript

    return Transcript(turns=(turn,)).to_text().rstrip("\n")


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

_POLICY = click.Choice(list(POLICIES))


_CLOSED_PIPE = 141
"""Exit code when standard output is closed before everything was written (``| head``):
128 + SIGPIPE, what a shell reports for ``cat`` or ``grep`` in the same place. Not 1 or 2: a
closed pipe is no finding about the log."""


class _Group(click.Group):
    """The command group; a closed standard output ends the command quietly with
    _CLOSED_PIPE (click alone would exit 1, the code of a protocol violation)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # what is still buffered fails here, not at exit
        except BrokenPipeError:
            _silence_stdout()
            raise SystemExit(_CLOSED_PIPE) from None


def _silence_stdout() -> None:
    """Point standard output at the null device, so that Python's own flush at exit writes
    nothing to the closed pipe (and prints no "Exception ignored" on stderr)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test runner's)
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="realtime-state")
def cli() -> None:
    """Replay, check and inspect recorded OpenAI Realtime sessions (JSONL, one server event
    per line; LOG may be - for standard input)."""


def _fail(message: str) -> None:
    _label(_console(stderr=True), "error:", "red", f" {message}")
    raise SystemExit(2)


_POLICY_HELP = "lenient records violations and goes on; strict stops at the first (exit 1)."


@cli.command(short_help="Print the transcript of LOG and a summary.")
@click.argument("log")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help='How to print the transcript (json: transcript().to_dict() plus "summary").',
)
@click.option(
    "--upto",
    type=click.IntRange(min=0),
    help="Stop after the first N events (beyond the log: the final state, with a note).",
)
@click.option("--policy", type=_POLICY, default=LENIENT, show_default=True, help=_POLICY_HELP)
def replay(log: str, fmt: str, upto: int | None, policy: str) -> None:
    """Print the transcript of LOG and a summary of what the session established.

    LOG may be - to read standard input line by line as it arrives: in text format each turn,
    bad line and violation is printed as it comes, and the summary when the input ends (or on
    Ctrl-C). Follow a live session from its first line: tail -n +1 -f session.jsonl |
    realtime-state replay - (tail -f alone starts at the last 10 lines, mid-session).

    Exit 0; 1 when strict policy stopped at a violation; 2 when the log cannot be read or a
    line is not a valid event.
    """
    console = _console()
    follow = log == STDIN and fmt == "text"
    follower = _Follower(console) if follow else None
    interrupted = False
    try:
        result = replay_log(
            log,
            policy,
            upto=upto,
            on_state=follower,
            on_bad_line=None if follower is None else follower.bad_line,
            interruptible=True,
        )
    except LogError as exc:
        _fail(_printable(str(exc)))
        return
    except _Interrupted as exc:  # Ctrl-C while following: summarize what came
        result, interrupted = exc.result, True
    if upto is not None and not interrupted and _read_to_the_end(result, policy):
        events = result.state.event_count
        if events < upto:
            _label(
                _console(stderr=True),
                "note:",
                "yellow",
                f" {_printable(log)} has only {events} events; --upto {upto} shows the final"
                " state, after all of them",
            )
    summary = summarize(result)
    transcript = result.state.transcript()
    if fmt == "json":
        document = transcript.to_dict()
        document["summary"] = summary
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        text = transcript.to_markdown() + _summary_markdown(summary)
        if console.is_terminal:
            console.print(Markdown(text))
        else:
            click.echo(text, nl=False)
    else:
        if follower is not None:
            follower.flush(result.state, final=True)
        else:
            click.echo(transcript.to_text(), nl=False)
        console.print()
        if interrupted:
            console.print("(interrupted: the summary of what was read)")
        _print_summary(console, summary)
    raise SystemExit(130 if interrupted else _exit_code(result))


@cli.command(short_help="Check many logs for violations and bad lines.")
@click.argument("logs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to use (default: all cores).",
)
@click.option(
    "--policy",
    type=_POLICY,
    default=STRICT,
    show_default=True,
    help="strict stops each log at its first violation; lenient lists them all.",
)
def check(logs: tuple[str, ...], as_json: bool, jobs: int | None, policy: str) -> None:
    """Check LOGs for protocol violations and unreadable lines.

    Exit 0 when every log is clean, 1 when any has a violation, 2 when any cannot be read or
    holds a line that is not a valid event.
    """
    paths = list(logs)
    err = _console(stderr=True)
    if STDIN in paths:
        if len(paths) > 1:
            _fail("- (standard input) cannot be combined with other logs")
        reports = [check_file(STDIN, policy)]
    elif err.is_terminal and not as_json and len(paths) > 1:
        with Progress(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("check", total=len(paths))
            reports = check_files(
                paths, jobs=jobs, policy=policy, progress=lambda n: bar.advance(task, n)
            )
    else:
        reports = check_files(paths, jobs=jobs, policy=policy)
    summary = summarize_checks(reports)
    if as_json:
        click.echo(json.dumps({"files": reports, "summary": summary}, indent=2))
    else:
        _print_checks(_console(), reports, summary)
    raise SystemExit(summary["exit_code"])


def _print_checks(
    console: Console, reports: Iterable[dict[str, Any]], summary: dict[str, Any]
) -> None:
    for report in reports:
        if not report["violations"] and not report["errors"]:
            _label(console, "ok", "green", f"   {report['path']} ({report['events']} events)")
            continue
        _label(console, "FAIL", "red", f" {report['path']} ({report['events']} events)")
        for error in report["errors"]:
            console.print(f"     {error['message']}")
        for v in report["violations"]:
            line = f" line {v['line']}" if v["line"] is not None else ""
            console.print(f"     #{v['index']}{line} {v['code']}: {v['message']}")
    console.print(
        f"{summary['files']} log(s), {summary['events']} events: {summary['clean']} clean, "
        f"{summary['with_violations']} with violations, {summary['with_errors']} with bad "
        "lines or unreadable"
    )


def _example_replay(name: str, policy: str) -> LogReplay:
    """The replay of a bundled example (``report`` and ``demo``)."""
    from .examples import example_lines

    lines = example_lines(name)
    state = SessionState(policy=policy)
    for line in lines:
        state = reduce(state, line)
    return LogReplay(name, state, lines=tuple(range(1, len(lines) + 1)))


@cli.command(short_help="Write LOG as one self-contained HTML page (timeline, audio, summary).")
@click.argument("log")
@click.option(
    "-o",
    "--output",
    required=True,
    help="The HTML file to write; - writes the page to standard output.",
)
@click.option(
    "--audio",
    type=click.Choice(["budget", "all", "none"]),
    default="budget",
    show_default=True,
    help="Which turns' audio to embed: budget embeds turns in order until --audio-budget MB "
    "of WAV are used.",
)
@click.option(
    "--audio-budget",
    type=click.FloatRange(min=0),
    default=24.0,
    show_default=True,
    help="Megabytes of WAV the budget policy embeds at most.",
)
@click.option(
    "--docs-url",
    default="docs/lifecycles.md",
    show_default=True,
    help="Where violation codes link to (#violation-codes is appended).",
)
@click.option("--policy", type=_POLICY, default=LENIENT, show_default=True, help=_POLICY_HELP)
def report(
    log: str, output: str, audio: str, audio_budget: float, docs_url: str, policy: str
) -> None:
    """Write an HTML report of LOG: a timeline of the call, the transcript with a player for
    each turn's audio, and a summary (tokens, cost, rate limits, timings, violations). The
    page is one file that opens with no network.

    LOG is a log file, - for standard input, or the name of a bundled example (see demo).
    Exit 0 when the page was written (bad lines and violations are shown in it); 2 when LOG
    cannot be read.
    """
    from .examples import EXAMPLES
    from .report import html

    try:
        if log in EXAMPLES and not os.path.exists(log):
            result = _example_replay(log, policy)
        else:
            result = replay_log(log, policy)
    except LogError as exc:
        _fail(_printable(str(exc)))
        return
    page = html(result, audio=audio, audio_budget=int(audio_budget * 1_000_000), docs_url=docs_url)
    if output == STDIN:
        click.echo(page, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8") as out:
            out.write(page)
    except OSError as exc:
        _fail(f"cannot write {_printable(output)}: {exc.strerror or exc}")
    size = len(page.encode("utf-8"))
    _label(_console(stderr=True), "wrote", "green", f" {_printable(output)} ({size:,} bytes)")


@cli.command(short_help="Show the state right after event AT.")
@click.argument("log")
@click.option(
    "--at",
    "at",
    type=click.IntRange(min=0),
    required=True,
    help="Event index (0-based): show the state right after it.",
)
@click.option("--policy", type=_POLICY, default=LENIENT, show_default=True, help=_POLICY_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the view as JSON.")
def inspect(log: str, at: int, policy: str, as_json: bool) -> None:
    """Show the state right after event AT of LOG (items, open response, buffers)."""
    try:
        result = replay_log(log, policy, upto=at + 1)
    except LogError as exc:
        _fail(_printable(str(exc)))
        return
    state = result.state
    if state.event_count <= at and _read_to_the_end(result, policy):
        _fail(f"{_printable(log)} has only {state.event_count} events; --at must be below that")
    view = inspect_view(result)
    if as_json:
        click.echo(json.dumps(view, indent=2, ensure_ascii=False))
    else:
        _print_inspect(_console(), view)
    raise SystemExit(_exit_code(result))


_ITEM_PHASES = {"absent": "not streamed"}
"""How ``inspect`` shows an item's output-item phase: ``absent`` (the lifecycle's state before
``response.output_item.added``, which ``--json`` keeps) is an item no response streamed: the
user's input, a function output the client sent, any item a ``conversation.item.*`` event
placed."""


def _print_inspect(console: Console, view: dict[str, Any]) -> None:
    _label(console, f"state after event #{view['event_count'] - 1}", "bold", "", end="")
    line = view["last_event_line"]
    console.print(f" (line {line})" if line is not None else "")
    table = Table("#", "id", "type", "role", "status", "phase", "content")
    for i, item in enumerate(view["items"]):
        if item["type"] in ("function_call", "mcp_call"):
            content = f"{item['name']}({item['arguments'] or ''}) [{item['call_phase']}]"
        elif item["type"] == "function_call_output":
            content = f"-> {item['output']}"
        else:
            bits = []
            for part in item["content"]:
                words = part["text"] or part["transcript"] or ""
                extra = f" +{part['audio_bytes']} B audio" if part["audio_bytes"] else ""
                cut = (
                    f" cut@{part['truncated_at_ms']}ms"
                    if part["truncated_at_ms"] is not None
                    else ""
                )
                bits.append(f"{part['type']}[{part['phase']}]: {words!r}{extra}{cut}")
            content = "; ".join(bits)
        table.add_row(
            str(i),
            item["id"],
            item["type"] or "",
            item["role"] or "",
            item["status"] or "",
            _ITEM_PHASES.get(item["phase"], item["phase"]),
            content,
        )
    console.print(table)
    active = view["active_response"]
    console.print(
        "open response: "
        + (
            "none"
            if active is None
            else f"{active['id']} ({active['phase']}), outputs {active['output_item_ids']}"
        )
    )
    buffer = view["input_audio"]
    console.print(
        f"input audio: {buffer['phase']}, speaking={buffer['speaking']}, item {buffer['item_id']}, "
        f"committed {buffer['committed_item_ids']}, cleared {buffer['cleared']}"
    )
    if view["pending_transcriptions"]:
        console.print(f"pending transcriptions for: {view['pending_transcriptions']}")
    for v in view["violations"]:
        _label(console, "violation", "red", f" #{v['index']} {v['code']}: {v['message']}")
    for bad in view["bad_lines"]:
        _label(console, "bad line", "red", f" {bad['message']}")


@cli.command(short_help="Export LOG as OpenTelemetry traces (OTLP).")
@click.argument("log")
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write the traces as OTLP/JSON (an ExportTraceServiceRequest) to FILE (- for "
    "standard output) instead of sending them.",
)
@click.option(
    "--endpoint",
    metavar="URL",
    help="The OTLP/HTTP endpoint to send to (/v1/traces is added to a base URL). Default: "
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT, else "
    "http://localhost:4318.",
)
@click.option(
    "--no-content",
    is_flag=True,
    help="Leave out function-call arguments and results (gen_ai.tool.call.*).",
)
@click.option("--policy", type=_POLICY, default=LENIENT, show_default=True, help=_POLICY_HELP)
def otel(log: str, output: str | None, endpoint: str | None, no_content: bool, policy: str) -> None:
    """Export LOG as OpenTelemetry traces: one trace per session, a span per response, user
    turn and function call, errors and violations as span events (docs/otel.md).

    Spans take their times from the log's envelopes; a log without times gives spans at the
    export's wall clock with zero durations, marked realtime.timing.synthetic. Needs the
    otel extra: pip install 'realtime-state[otel]'.

    Exit 0; 1 when strict policy stopped at a violation or the collector refused the
    traces; 2 when the log cannot be read or a line is not a valid event.
    """
    try:
        from .otel import SessionTracer, otlp_json, send_otlp
    except ImportError as exc:
        _fail(str(exc))
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    spans = InMemorySpanExporter()
    service = os.environ.get("OTEL_SERVICE_NAME") or "realtime-state"
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracer = SessionTracer(provider, content=not no_content)
    try:
        result = replay_log(
            log, policy, on_state=lambda state, _event: tracer.update(state, state.time)
        )
    except LogError as exc:
        _fail(_printable(str(exc)))
        return
    tracer.close()
    finished = spans.get_finished_spans()
    traces = len({span.context.trace_id for span in finished if span.context is not None})
    what = f"{len(finished)} spans in {traces} traces"
    if output is not None:
        text = json.dumps(otlp_json(finished), indent=1)
        if output == STDIN:
            click.echo(text)
        else:
            Path(output).write_text(text + "\n", encoding="utf-8")
            _label(_console(stderr=True), "wrote", "green", f" {what} to {_printable(output)}")
    else:
        url, error = send_otlp(finished, endpoint)
        if error is not None:
            _label(_console(stderr=True), "error:", "red", f" {url}: {error}")
            raise SystemExit(1)
        _label(_console(stderr=True), "sent", "green", f" {what} to {url}")
    raise SystemExit(_exit_code(result))


@cli.command(short_help="Print the lifecycle diagrams (mermaid).")
@click.argument("lifecycle", required=False)
@click.option(
    "--write",
    "write",
    metavar="PATH",
    type=click.Path(dir_okay=False),
    help="Write the whole lifecycles docs page (all diagrams and codes) to PATH.",
)
def diagram(lifecycle: str | None, write: str | None) -> None:
    """Print the mermaid stateDiagram-v2 of LIFECYCLE (all of them by default).

    LIFECYCLE is one of: response, conversation, output_item, content_part, stream,
    function_call, input_turn.
    """
    from .diagrams import mermaid, render_docs
    from .lifecycles import LIFECYCLES

    if write is not None:
        Path(write).write_text(render_docs(), encoding="utf-8")
        return
    chosen = [lc for lc in LIFECYCLES if lifecycle in (None, lc.name)]
    if not chosen:
        names = ", ".join(lc.name for lc in LIFECYCLES)
        _fail(f"no lifecycle named {lifecycle!r}; choose one of: {names}")
    for i, lc in enumerate(chosen):
        if len(chosen) > 1:
            click.echo(("\n" if i else "") + f"%% {lc.title}")
        click.echo(mermaid(lc), nl=False)


@cli.command(short_help="Replay the bundled example sessions.")
def demo() -> None:
    """Replay the example sessions bundled in the package and show what the library sees."""
    from .examples import DESCRIPTIONS, EXAMPLES

    console = _console()
    for name in EXAMPLES:
        description = DESCRIPTIONS[name]
        _rule(console, name)
        console.print(description)
        result = _example_replay(name, STRICT)
        state = result.state
        console.print()
        click.echo(state.transcript().to_text(), nl=False)
        console.print()
        _print_summary(console, summarize(result))
        console.print(f"HTML report: realtime-state report {name} -o {name}.html")
        console.print()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="realtime-state")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
