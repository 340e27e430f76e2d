"""Reading recorded sessions: JSONL logs in, states, summaries and check reports out.

The library under the ``realtime-state`` command, with no terminal in it (no click, no rich):
:func:`read_log` reads a log (a file or standard input, line by line as it arrives),
:func:`replay_log` reduces it into a :class:`LogReplay` that keeps the lines that were not
events (:class:`BadLine`), :func:`summarize` and :func:`inspect_view` turn a replay into
JSON-ready dicts, and :func:`check_file` / :func:`check_files` / :func:`summarize_checks`
check many logs (in a process pool, or on a cluster: :func:`check_file` pickles).
A log that cannot be read at all raises :class:`LogError`.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import IO, Any

import attrs

from .envelopes import Envelope, decode_entry
from .errors import DecodeError, LogError
from .reducer import ProtocolViolation, reduce
from .state import LENIENT, STRICT, SessionState

__all__ = [
    "STDIN",
    "LogError",
    "BadLine",
    "LogReplay",
    "read_log",
    "replay_log",
    "summarize",
    "inspect_view",
    "check_file",
    "check_files",
    "summarize_checks",
]

STDIN = "-"
"""The source name that means standard input."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def _printable(text: str) -> str:
    """``text`` as valid Unicode, to print or put in a report: a file name's bytes that are not
    UTF-8 (which Python holds as lone surrogates, ``\\udcff`` for the byte ``0xff``) become
    ``\\xff``, and any other lone surrogate ``\\uXXXX``; other text is unchanged."""
    return _SURROGATE.sub(_escape_surrogate, text) if _SURROGATE.search(text) else text


# Private control flow between replay_log(interruptible=True) and the command, which catches
# it: so it stays here, not in errors.py, and is no RealtimeStateError.
class _Interrupted(Exception):
    """Ctrl-C while reading a log; ``result`` is the replay of what was read."""

    def __init__(self, result: LogReplay) -> None:
        super().__init__("interrupted")
        self.result = result


@attrs.frozen
class BadLine:
    """A line that is not valid JSON or not a valid server event."""

    line: int
    """1-based line number in the log."""
    message: str
    """``source:line: what was wrong``, as the command prints it."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"line": self.line, "message": self.message}


@attrs.frozen
class LogReplay:
    """The outcome of replaying one log: the state, the lines that were not events, and where
    strict policy stopped (if it did)."""

    source: str
    state: SessionState
    bad_lines: tuple[BadLine, ...] = ()
    lines: tuple[int, ...] = ()
    """Line number of each event reduced, by event index."""
    stopped: ProtocolViolation | None = None
    """The violation strict policy stopped at, or ``None``."""

    def line_of(self, index: int) -> int | None:
        """The line number of event ``index``, when known."""
        return self.lines[index] if 0 <= index < len(self.lines) else None

    @property
    def violations(self) -> tuple[Any, ...]:
        """Every violation, of every session the log holds: those recorded (lenient) and the
        one strict policy stopped at."""
        found = tuple(v for session in self.state.sessions for v in session.violations)
        return found if self.stopped is None else (*found, self.stopped.violation)

    @property
    def errors(self) -> tuple[Any, ...]:
        """Every error entry (server ``error`` events and undecodable server frames) of every
        session the log holds."""
        return tuple(e for session in self.state.sessions for e in session.errors)


def read_log(source: str, stdin: IO[bytes] | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, text)`` for every non-blank line of a JSONL log, as it is read.

    ``source`` is a path or ``"-"`` for standard input (read line by line as it arrives, so a
    live ``tail -n +1 -f`` can be followed). Raises :class:`LogError` for a missing file, a
    directory, a binary file, or a log with no event line.
    """
    if source == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        yield from _lines(source, stream)
        return
    path = Path(source)
    if not path.exists():
        raise LogError(source, "no such file")
    if path.is_dir():
        raise LogError(source, "is a directory, not a log file")
    mode = path.stat().st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise LogError(source, "is not a regular file or a pipe (a device?), not a log file")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise LogError(source, f"cannot be read ({exc.strerror or exc})") from None
    with handle:
        yield from _lines(source, handle)


def _lines(source: str, stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    seen = False
    for number, line in enumerate(iter(stream.readline, b""), start=1):
        # a UTF-8 byte order mark some editors write is not part of the JSON
        raw = line[3:] if number == 1 and line.startswith(b"\xef\xbb\xbf") else line
        if b"\x00" in raw:
            raise LogError(source, f"line {number} holds NUL bytes: a binary file, not JSONL")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise LogError(
                source, f"line {number} is not UTF-8 text: a binary file, not JSONL"
            ) from None
        if text.strip():
            seen = True
            yield number, text
    if not seen:
        raise LogError(source, "is empty: no event line")


def replay_log(
    source: str,
    policy: str = LENIENT,
    *,
    upto: int | None = None,
    stdin: IO[bytes] | None = None,
    on_state: Callable[[SessionState, Any], None] | None = None,
    on_bad_line: Callable[[BadLine], None] | None = None,
    interruptible: bool = False,
) -> LogReplay:
    """Replay a JSONL log into a state, line by line.

    Lines are bare events or envelopes (``{"time", "source", "event"}``, see
    :mod:`realtime_state.envelopes`), mixed as they come.
    A line that is not valid JSON or not a valid event is kept as a :class:`BadLine`; in
    lenient policy the other lines are still reduced, in strict policy reading stops there.
    A protocol violation stops strict policy (``LogReplay.stopped``). ``upto=N`` stops after
    ``N`` events. ``on_state(state, event)`` (``event`` ``None`` for an envelope's ``raw``
    frame) is called after each event and
    ``on_bad_line(bad)`` for each bad line, as they come (to follow a live log). With
    ``interruptible``, Ctrl-C raises ``_Interrupted`` carrying the replay of what was read.
    Raises :class:`LogError` when the log cannot be read at all.
    """
    state = SessionState(policy=policy)
    bad: list[BadLine] = []
    numbers: list[int] = []
    stopped: ProtocolViolation | None = None
    try:
        for number, text in read_log(source, stdin):
            if upto is not None and state.event_count >= upto:
                break
            try:
                entry = decode_entry(text)
            except DecodeError as exc:
                bad.append(BadLine(number, f"{_printable(source)}:{number}: {exc}"))
                if on_bad_line is not None:
                    on_bad_line(bad[-1])
                if policy == STRICT:
                    break
                continue
            try:
                state = reduce(state, entry)
            except ProtocolViolation as exc:
                numbers.append(number)
                stopped = exc
                break
            numbers.append(number)
            if on_state is not None:
                on_state(state, entry.event if entry.__class__ is Envelope else entry)
    except KeyboardInterrupt:
        if not interruptible:
            raise
        partial = LogReplay(source, state, tuple(bad), tuple(numbers), stopped)
        raise _Interrupted(partial) from None
    return LogReplay(source, state, tuple(bad), tuple(numbers), stopped)


# ---------------------------------------------------------------------------------------------
# Summaries and reports (plain data; rendering is in the command)
# ---------------------------------------------------------------------------------------------


def _violation_dict(result: LogReplay, violation: Any) -> dict[str, Any]:
    return {
        "index": violation.index,
        "line": result.line_of(violation.index),
        "event_type": violation.event_type,
        "event_id": violation.event_id,
        "code": violation.code,
        "message": violation.message,
    }


def _cost(state: SessionState) -> dict[str, Any]:
    try:
        cost = state.cost()
    except Exception as exc:  # a model without a price, or no model at all
        return {"total": None, "reason": str(exc)}
    return {"total": str(cost.total), "currency": getattr(cost, "currency", "USD")}


def _statuses(state: SessionState) -> dict[str, int]:
    statuses = Counter(response.status or "unknown" for response in state.responses.values())
    return dict(sorted(statuses.items()))


def _sessions(state: SessionState) -> list[dict[str, Any]]:
    """One entry per session of the log (a second ``session.created`` starts a new one)."""
    out, start = [], 0
    for session in state.sessions:
        out.append(
            {
                "first_event": start,
                "events": session.event_count - start,
                "items": session.conversation.size,
                "responses": _statuses(session),
            }
        )
        start = session.event_count
    return out


def summarize(result: LogReplay) -> dict[str, Any]:
    """A JSON-ready summary of a replay: items, responses, tokens, cost, limits, turn timings,
    errors, violations and bad lines.

    ``timings`` is ``state.timings().to_dict()`` (:mod:`realtime_state.timings`: per response
    and p50/p95 per measure, in milliseconds; ``None`` everywhere for a log without times).
    A log that holds several sessions (a second ``session.created``): ``sessions`` lists each
    (where it starts, its events, items and responses); items, responses, tokens, cost, rate
    limits and timings are those of the last session; errors and violations are of every
    session.
    """
    state = result.state
    return {
        "events": state.event_count,
        "sessions": _sessions(state),
        "policy": state.policy,
        "items": state.conversation.size,
        "responses": _statuses(state),
        "active_response_id": state.active_response_id,
        "usage": attrs.asdict(state.usage),
        "cost": _cost(state),
        "rate_limits": {
            name: {"limit": v.limit, "remaining": v.remaining, "reset_seconds": v.reset_seconds}
            for name, v in state.rate_limits.items()
        },
        "timings": state.timings().to_dict(),
        "errors": [
            {"index": e.index, "type": e.type, "code": e.code, "message": e.message}
            for e in result.errors
        ],
        "violations": [_violation_dict(result, v) for v in result.violations],
        "bad_lines": [b.to_dict() for b in result.bad_lines],
        "stopped_at": None if result.stopped is None else result.stopped.index,
    }


def check_file(path: str, policy: str = STRICT) -> dict[str, Any]:
    """Check one log (``"-"``: standard input); the report ``check --json`` lists per file.

    ``{"path", "events", "violations": [{"index", "line", "code", "message", ...}],
    "errors": [{"line", "message"}]}``; ``errors`` holds unreadable files (``line`` null) and
    lines that are not valid events. A file name's bytes that are not UTF-8 are written
    ``\\xNN`` in ``path`` and the messages, so that the report is valid UTF-8 JSON. Pure apart
    from reading the file, and picklable, so it can run in a process pool or on a Dask/Ray
    cluster.
    """
    try:
        result = replay_log(path, policy)
    except LogError as exc:
        return {
            "path": _printable(path),
            "events": 0,
            "violations": [],
            "errors": [{"line": None, "message": _printable(str(exc))}],
        }
    return {
        "path": _printable(path),
        "events": result.state.event_count,
        "violations": [_violation_dict(result, v) for v in result.violations],
        "errors": [b.to_dict() for b in result.bad_lines],
    }


def summarize_checks(reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Totals over per-file check reports, and the exit code they mean."""
    unreadable = sum(1 for r in reports if r["errors"])
    with_violations = sum(1 for r in reports if r["violations"])
    codes = Counter(v["code"] for r in reports for v in r["violations"])
    return {
        "files": len(reports),
        "clean": sum(1 for r in reports if not r["errors"] and not r["violations"]),
        "with_violations": with_violations,
        "with_errors": unreadable,
        "events": sum(r["events"] for r in reports),
        "violations": sum(codes.values()),
        "codes": dict(sorted(codes.items())),
        "exit_code": 2 if unreadable else 1 if with_violations else 0,
    }


def check_files(
    paths: Sequence[str],
    *,
    jobs: int | None = None,
    policy: str = STRICT,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Check many logs on ``jobs`` processes (all cores by default), in input order."""
    workers = jobs or os.cpu_count() or 1
    if workers == 1 or len(paths) <= 1:
        reports = []
        for path in paths:
            reports.append(check_file(path, policy))
            if progress is not None:
                progress(1)
        return reports
    # Small chunks: a few files per task keeps IPC cheap and no worker idle at the end.
    chunk = max(1, min(4, len(paths) // (workers * 16)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        reports = []
        for report in pool.map(check_file, paths, [policy] * len(paths), chunksize=chunk):
            reports.append(report)
            if progress is not None:
                progress(1)
        return reports


def inspect_view(result: LogReplay) -> dict[str, Any]:
    """What ``inspect`` shows, JSON-ready: the items with their parts and phases, the open
    response, the input audio buffer, pending transcriptions, violations and bad lines of the
    state ``result`` ended in."""
    state = result.state
    items = []
    for item in state.iter_items():
        parts = [
            {
                "type": part.type,
                "phase": part.phase,
                "text": part.text,
                "transcript": part.transcript,
                "audio_bytes": part.audio_bytes,
                "truncated_at_ms": part.truncated_at_ms,
            }
            for part in item.content
        ]
        items.append(
            {
                "id": item.id,
                "type": item.type,
                "role": item.role,
                "status": item.status,
                "phase": item.phase,
                "call_phase": item.call_phase,
                "name": item.name,
                "arguments": item.arguments,
                "output": item.output,
                "content": parts,
            }
        )
    active = state.active_response
    buffer = state.input_audio
    return {
        "event_count": state.event_count,
        "last_event_line": result.line_of(state.event_count - 1),
        "items": items,
        "active_response": None
        if active is None
        else {
            "id": active.id,
            "phase": active.phase,
            "output_item_ids": list(active.output_item_ids),
        },
        "input_audio": {
            "phase": buffer.phase,
            "speaking": buffer.speaking,
            "audio_start_ms": buffer.audio_start_ms,
            "audio_end_ms": buffer.audio_end_ms,
            "item_id": buffer.item_id,
            "committed_item_ids": list(buffer.committed_item_ids),
            "cleared": buffer.cleared,
        },
        "pending_transcriptions": sorted(state.pending_transcriptions),
        "violations": [_violation_dict(result, v) for v in result.violations],
        "bad_lines": [b.to_dict() for b in result.bad_lines],
    }
