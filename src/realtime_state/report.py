"""One self-contained HTML page of a session: timeline, transcript with audio, summary.

:func:`html` takes a state (or a :class:`~realtime_state.logs.LogReplay`, a log path, or log
lines) and returns one HTML document that needs no network to open: its style and script are
inline, the audio of each turn is a ``data:`` URI, and a Content-Security-Policy forbids the
page any other resource. ``realtime-state report LOG -o report.html`` writes it.

The page shows:

* a **timeline** on a time axis: user speech, assistant audio (a cut turn shows where it was
  cut and what was heard), function calls with their arguments and outputs, server errors and
  protocol violations where they happened. Positions come from the log's times (envelope
  logs, live recordings) when it has them; otherwise turns are laid end to end by their audio
  durations (a turn without audio takes :data:`UNTIMED_TURN_S`) and errors and violations
  sit by event order. The page says which.
* the **transcript**: every turn, with a player for each audio part the state holds (both
  sides when the log has the user's audio), cut turns with what was said and what was heard.
* the **summary**: tokens, cost (or why there is none), rate limits, timings (p50/p95),
  server errors and violations; each violation code is explained (the text of
  :data:`realtime_state.lifecycles.VIOLATION_CODES`) and linked to the docs.

Audio is big (PCM16 at 24 kHz is 48 KB per second, a third more in base64), so what is
embedded is a policy (:data:`AUDIO_POLICIES`): ``budget`` (the default) embeds turns in
conversation order until :data:`DEFAULT_AUDIO_BUDGET` bytes of WAV are used, and says "audio
not embedded (budget)" for the turns after; ``all`` embeds everything, ``none`` nothing.

This is an edge module: it reads a state through its public attributes and the read side
(transcript, audio, cost, timings); it never imports the reducer's internals.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import html as _html
import json
import os
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from importlib import resources
from typing import TYPE_CHECKING, Any

import attrs

from .audio import item_wav, part_spec
from .errors import RealtimeStateError
from .lifecycles import VIOLATION_CODES
from .logs import LogReplay, replay_log
from .state import LENIENT, SessionState

if TYPE_CHECKING:
    from .state import ItemState, Violation
    from .transcript import Turn

__all__ = [
    "AUDIO_POLICIES",
    "DEFAULT_AUDIO_BUDGET",
    "DOCS_URL",
    "UNTIMED_TURN_S",
    "html",
    "write",
]

AUDIO_POLICIES = ("budget", "all", "none")
"""What audio the page embeds: ``budget`` (turns in conversation order until the budget is
spent), ``all``, ``none``."""

DEFAULT_AUDIO_BUDGET = 24_000_000
"""Bytes of WAV the ``budget`` policy embeds at most (about 8 minutes of PCM16 at 24 kHz;
32 MB once in base64): a page of that size opens in well under 3 s."""

DOCS_URL = "docs/lifecycles.md"
"""Where violation codes link to (``#violation-codes``, the section of the docs that lists
every code), relative to the repository root unless given as a full URL."""

UNTIMED_TURN_S = 1.0
"""Seconds a turn without audio takes on the timeline of a log without times."""

_DATA = "data"


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(_DATA).joinpath(name).read_text(encoding="utf-8")


def _e(text: object) -> str:
    return _html.escape("" if text is None else str(text), quote=True)


_CODE_SPAN = re.compile(r"`([^`]+)`")


def _explain(text: str) -> str:
    """A code's explanation (Markdown with code spans) as HTML."""
    return _CODE_SPAN.sub(r"<code>\1</code>", _e(text))


def _short(text: str | None, width: int = 160) -> str:
    text = "" if text is None else " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _seconds(value: float) -> str:
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(round(value), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} ms" if abs(value) >= 10 else f"{value:.1f} ms"


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


def _load(source: Any, policy: str) -> tuple[SessionState, LogReplay | None, str]:
    """The state, the replay (when a log was read) and a name for the page."""
    if isinstance(source, SessionState):
        return source, None, "session"
    if isinstance(source, LogReplay):
        name = "standard input" if source.source == "-" else os.path.basename(source.source)
        return source.state, source, name or source.source
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        result = replay_log(path, policy)
        return result.state, result, os.path.basename(path) or path
    if isinstance(source, Iterable):
        from .reducer import replay

        return replay(source, policy=policy), None, "session"
    raise TypeError(
        "html() takes a SessionState, a LogReplay, a log path, or log lines; "
        f"not {type(source).__name__}"
    )


# ---------------------------------------------------------------------------------------------
# Layout on the time axis
# ---------------------------------------------------------------------------------------------


@attrs.define
class _Span:
    """One thing on the timeline, in seconds from the start of the page's axis."""

    lane: str
    start: float
    duration: float
    label: str
    tip: str
    href: str
    css: str = ""
    cut: float | None = None
    """Where a cut fell, as a fraction of the span (assistant turns)."""


def _is_timed(state: SessionState) -> bool:
    if state.input_audio.turn_times:
        return True
    if any(r.created_at is not None for r in state.responses.values()):
        return True
    return any(e.time is not None for e in state.errors)


def _audio_parts(state: SessionState, item: ItemState) -> list[tuple[int, float]]:
    """``(content index, milliseconds)`` of each part that holds audio."""
    out = []
    for index, part in enumerate(item.content):
        if part.audio_bytes:
            out.append((index, part_spec(state.session, item, part).duration_ms(part.audio_bytes)))
    return out


class _Layout:
    """Where each turn, error and violation sits on the axis."""

    def __init__(self, state: SessionState, turns: tuple[Turn, ...]) -> None:
        self.state = state
        self.timed = _is_timed(state)
        self.spans: list[_Span] = []
        self.turn_start: dict[str, float] = {}
        self.anchors: list[tuple[int, float]] = []  # (event index, seconds on the axis)
        times = self._known_times()
        self.origin = min(times) if (self.timed and times) else 0.0
        self._place_turns(turns)
        self.anchors.sort()
        self._anchor_index = [i for i, _ in self.anchors]
        ends = [s.start + s.duration for s in self.spans]
        self.duration = max([1.0, *ends])

    def _known_times(self) -> list[float]:
        state = self.state
        times: list[float] = []
        for r in state.responses.values():
            times += [t for t in (r.created_at, r.first_audio_at, r.speech_stopped_at) if t]
        for tt in state.input_audio.turn_times.values():
            times += [t for t in (tt.speech_started_at, tt.committed_at) if t]
        times += [e.time for e in state.errors if e.time is not None]
        times += [c.time for c in state.client_events[:1] if c.time is not None]
        return times

    def at(self, index: int) -> float:
        """Seconds on the axis of event ``index`` (interpolated between known events)."""
        anchors, keys = self.anchors, self._anchor_index
        if not anchors:
            return 0.0
        pos = bisect.bisect_left(keys, index)
        if pos < len(keys) and keys[pos] == index:
            return anchors[pos][1]
        if pos == 0:
            return anchors[0][1]
        if pos == len(keys):
            return anchors[-1][1]
        (i0, t0), (i1, t1) = anchors[pos - 1], anchors[pos]
        return t0 + (t1 - t0) * (index - i0) / (i1 - i0)

    def _t(self, value: float | None) -> float | None:
        return None if value is None else value - self.origin

    def _place_turns(self, turns: tuple[Turn, ...]) -> None:
        state = self.state
        cursor = 0.0
        outputs: dict[str, float] = {}
        if self.timed:
            for record in state.client_events:
                event = record.event
                item = getattr(event, "item", None)
                call_id = getattr(item, "call_id", None)
                if record.time is not None:
                    self.anchors.append((record.index, record.time - self.origin))
                    if event.type == "conversation.item.create" and call_id:
                        outputs[call_id] = record.time - self.origin
            for error in state.errors:
                if error.time is not None:
                    self.anchors.append((error.index, error.time - self.origin))
        for n, turn in enumerate(turns):
            item = state.item(turn.item_id)
            parts = _audio_parts(state, item) if item is not None else []
            audio_s = sum(ms for _, ms in parts) / 1000.0
            response = state.responses.get(turn.response_id) if turn.response_id else None
            start: float | None = None
            length = audio_s
            if self.timed:
                if turn.role == "user":
                    times = state.input_audio.turn_times.get(turn.item_id)
                    if times is not None:
                        start = self._t(times.speech_started_at or times.committed_at)
                        stop = self._t(times.speech_stopped_at or times.committed_at)
                        if start is not None and stop is not None:
                            length = max(length, stop - start)
                elif response is not None:
                    if turn.kind == "message" and response.first_audio_at is not None:
                        start = self._t(response.first_audio_at)
                    else:
                        start = self._t(response.created_at)
                        done = self._t(response.done_at)
                        if not length and start is not None and done is not None:
                            length = max(done - start, 0.0)
                elif turn.kind == "function_call_output" and turn.call_id in outputs:
                    start = outputs[turn.call_id or ""]
            if turn.audio_ms and turn.role == "assistant":
                length = max(length, turn.audio_ms / 1000.0)
            if not length:
                length = UNTIMED_TURN_S if not self.timed else 0.5
            if start is None:
                start = cursor
            self.turn_start[turn.item_id] = start
            heard = turn.heard_ms / 1000.0 if turn.heard_ms is not None else None
            cursor = max(cursor, start + (heard if heard is not None else length))
            if not self.timed and response is not None:
                if response.created_index is not None:
                    self.anchors.append((response.created_index, start))
                if response.done_index is not None:
                    self.anchors.append((response.done_index, start + length))
            elif response is not None:
                for index, when in (
                    (response.created_index, response.created_at),
                    (response.done_index, response.done_at),
                ):
                    if index is not None and when is not None:
                        self.anchors.append((index, when - self.origin))
            self.spans.append(self._turn_span(n, turn, start, length, heard))

    def _turn_span(
        self, n: int, turn: Turn, start: float, length: float, heard: float | None
    ) -> _Span:
        href = f"#turn-{n}"
        if turn.kind in ("function_call", "mcp_call"):
            tip = f"{turn.name or 'call'}({_short(turn.arguments, 120)})"
            if turn.output is not None:
                tip += f" → {_short(turn.output, 120)}"
            return _Span("tools", start, length, turn.name or "call", tip, href, "call")
        if turn.kind == "function_call_output":
            tip = f"output of {turn.name or turn.call_id}: {_short(turn.output, 160)}"
            return _Span("tools", start, length, "output", tip, href, "output")
        lane = "user" if turn.role == "user" else "assistant"
        if turn.kind != "message":
            lane = "tools"
        words = turn.text or turn.said_text or ""
        tip = f"{turn.role or turn.kind}: {_short(words, 160) or '(no words)'}"
        cut = None
        css = lane
        if heard is not None:
            css += " cut"
            cut = min(1.0, heard / length) if length else 0.0
            heard_words = turn.heard_text_estimate
            tip += f" — cut at {heard:.2f} s" + (
                f"; heard: “{_short(heard_words, 120)}”" if heard_words is not None else ""
            )
        return _Span(lane, start, length, _short(words, 40) or lane, tip, href, css, cut)


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

_LANES = (
    ("user", "User", "User speech"),
    ("assistant", "Assistant", "Assistant audio"),
    ("tools", "Calls", "Function calls and outputs"),
    ("problems", "Problems", "Server errors and protocol violations"),
)


def _timeline(layout: _Layout, problems: list[_Span]) -> str:
    duration = layout.duration
    pxs = max(1.0, min(60.0, 1100.0 / duration))
    out = [
        f'<div class="tl-scroll" id="tl-scroll" tabindex="-1" style="--pxs:{pxs:.4g};'
        f'--dur:{duration:.3f}">',
        '<div class="tl-axis" id="tl-axis" aria-hidden="true"></div>',
    ]
    by_lane: dict[str, list[_Span]] = {lane: [] for lane, _, _ in _LANES}
    for span in [*layout.spans, *problems]:
        by_lane[span.lane].append(span)
    for lane, name, title in _LANES:
        spans = sorted(by_lane[lane], key=lambda s: s.start)
        out.append(
            f'<div class="tl-lane" role="list" aria-label="{_e(title)}" title="{_e(title)}">'
            f'<span class="tl-name" aria-hidden="true">{_e(name)}</span>'
        )
        for span in spans:
            cut, heard = "", ""
            if span.cut is not None:
                cut = '<span class="tl-cut" aria-hidden="true"></span>'
                heard = f";--h:{span.cut:.4f}"
            at = _seconds(span.start)
            out.append(
                f'<a role="listitem" class="tl-item {span.css}" href="{span.href}" '
                f'style="--s:{span.start:.3f};--d:{span.duration:.3f}{heard}" '
                f'aria-label="{_e(at)}: {_e(span.tip)}">{cut}'
                f'<span class="tl-label">{_e(span.label)}</span>'
                f'<span class="tl-tip" aria-hidden="true">{_e(at)} · {_e(span.tip)}</span></a>'
            )
        out.append("</div>")
    out.append("</div>")
    return "\n".join(out)


def _wav_uri(wav: bytes) -> str:
    return "data:audio/wav;base64," + base64.b64encode(wav).decode("ascii")


class _AudioBudget:
    def __init__(self, policy: str, budget: int) -> None:
        self.policy = policy
        self.left = budget
        self.spent = False
        self.embedded = 0
        self.embedded_bytes = 0
        self.skipped = 0

    def take(self, size: int) -> bool:
        if self.policy == "none":
            self.skipped += 1
            return False
        if self.policy == "budget" and (self.spent or size > self.left):
            self.spent = True
            self.skipped += 1
            return False
        self.left -= size
        self.embedded += 1
        self.embedded_bytes += size
        return True


def _players(state: SessionState, n: int, turn: Turn, budget: _AudioBudget) -> str:
    item = state.item(turn.item_id)
    if item is None:
        return ""
    out = []
    who = turn.role or turn.kind or "turn"
    for index, ms in _audio_parts(state, item):
        label = f"Audio of turn {n + 1} ({who}), {ms / 1000:.1f} s"
        try:
            wav = item_wav(state, turn.item_id, index)
        except RealtimeStateError as exc:
            out.append(f'<p class="noaudio">audio cannot be played: {_e(exc)}</p>')
            continue
        if budget.take(len(wav)):
            out.append(
                f'<audio controls preload="none" aria-label="{_e(label)}" '
                f'src="{_wav_uri(wav)}"></audio>'
            )
        else:
            why = "none" if budget.policy == "none" else "budget"
            out.append(
                f'<p class="noaudio" data-audio-skipped="{why}">audio not embedded ({why}): '
                f"{ms / 1000:.1f} s</p>"
            )
    return "".join(out)


def _pre(text: str | None) -> str:
    if text is None:
        return "<em>none</em>"
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    return f"<pre>{_e(text)}</pre>"


def _turn_html(
    state: SessionState, n: int, turn: Turn, layout: _Layout, budget: _AudioBudget
) -> str:
    who = turn.role or (turn.kind or "item").replace("_", " ")
    kind = (
        f" · {turn.kind.replace('_', ' ')}"
        if turn.role and turn.kind not in (None, "message")
        else ""
    )
    at = _seconds(layout.turn_start.get(turn.item_id, 0.0))
    status = f" · {turn.status}" if turn.status not in (None, "completed") else ""
    head = (
        f'<h3><span class="who {_e(turn.role or "tool")}">{_e(who)}</span>{_e(kind)}'
        f'<span class="meta"> at {_e(at)}{_e(status)} · <code>{_e(turn.item_id)}</code>'
        "</span></h3>"
    )
    body: list[str] = []
    if turn.kind in ("function_call", "mcp_call"):
        body.append(f"<p>calls <code>{_e(turn.name)}</code> with</p>{_pre(turn.arguments)}")
        body.append(f"<p>output</p>{_pre(turn.output)}")
    elif turn.kind == "function_call_output":
        body.append(f"<p>output of <code>{_e(turn.name or turn.call_id)}</code></p>")
        body.append(_pre(turn.output))
    elif turn.interrupted:
        body.append(f'<p class="marker">{_e(turn.marker)}</p>')
        body.append(
            '<dl class="cut"><dt>said</dt>'
            f"<dd>{_e(turn.said_text) or '<em>no transcript</em>'}</dd>"
            "<dt>heard (estimate)</dt>"
            f"<dd>{_e(turn.heard_text_estimate) if turn.heard_text_estimate is not None else '<em>unknown: no audio came over this connection</em>'}</dd></dl>"  # noqa: E501
        )
    elif turn.text:
        body.append(f'<p class="words">{_e(turn.text)}</p>')
    else:
        body.append('<p class="words"><em>no words</em></p>')
    if turn.error is not None:
        body.append(f'<p class="bad">error: {_e(turn.error.message or turn.error.code)}</p>')
    body.append(_players(state, n, turn, budget))
    return (
        f'<li id="turn-{n}" class="turn {_e(turn.role or "tool")}" tabindex="-1">'
        f"{head}{''.join(body)}</li>"
    )


def _usage_rows(state: SessionState) -> list[tuple[str, str]]:
    usage = state.usage
    return [
        ("total tokens", f"{usage.total_tokens:,}"),
        ("input tokens", f"{usage.input_tokens:,}"),
        ("  of which cached", f"{usage.cached_tokens:,}"),
        ("  text / audio", f"{usage.input_text_tokens:,} / {usage.input_audio_tokens:,}"),
        ("output tokens", f"{usage.output_tokens:,}"),
        ("  text / audio", f"{usage.output_text_tokens:,} / {usage.output_audio_tokens:,}"),
    ]


def _cost_html(state: SessionState) -> str:
    try:
        cost = state.cost()
    except RealtimeStateError as exc:
        return f'<p id="cost">cost unknown: {_e(exc)}</p>'
    notes = "".join(f"<li>{_e(note)}</li>" for note in cost.notes)
    priced = f" (prices of {_e(cost.prices_date)})" if cost.prices_date else ""
    model = f" for {_e(cost.model)}" if cost.model else ""
    return (
        f'<p id="cost">cost <strong data-cost="{_e(cost.total)}">{_e(cost.total)} '
        f"{_e(cost.currency)}</strong>{model}{priced}</p>"
        + (f"<ul class=notes>{notes}</ul>" if notes else "")
    )


def _timings_html(state: SessionState) -> str:
    timings = state.timings()
    labels = {
        "speech_end_to_first_audio_ms": "speech end to first audio",
        "created_to_first_audio_ms": "response created to first audio",
        "created_to_done_ms": "response created to done",
    }
    rows = []
    for name, label in labels.items():
        stats = getattr(timings, name)
        rows.append(
            f'<tr data-measure="{name}"><th scope="row">{_e(label)}</th>'
            f'<td data-p50="{stats.p50}">{_ms(stats.p50)}</td>'
            f'<td data-p95="{stats.p95}">{_ms(stats.p95)}</td><td>{stats.count}</td></tr>'
        )
    if not any(getattr(timings, name).count for name in labels):
        return "<p>timings: unknown (the log carries no times)</p>"
    return (
        '<table class="timings"><caption>Timings</caption><thead><tr><th scope="col">measure'
        '</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">responses</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _summary(
    state: SessionState,
    violations: list[tuple[int, Violation]],
    docs_url: str,
    budget: _AudioBudget,
    policy: str,
    budget_bytes: int,
    bad_lines: tuple[str, ...],
) -> str:
    rows = "".join(
        f'<tr><th scope="row">{_e(label)}</th><td>{_e(value)}</td></tr>'
        for label, value in _usage_rows(state)
    )
    limits = "".join(
        f"<li>{_e(name)}: {_e(v.remaining)} of {_e(v.limit)} left"
        + (f", resets in {v.reset_seconds:g} s" if v.reset_seconds is not None else "")
        + "</li>"
        for name, v in state.rate_limits.items()
    )
    errors = "".join(
        f'<li id="error-{n}"><code>{_e(e.code or e.type)}</code> at event #{e.index}: '
        f"{_e(_short(e.message, 400))}</li>"
        for n, e in enumerate(state.errors)
    )
    found = []
    for n, v in violations:
        found.append(
            f'<li id="violation-{n}"><a href="#code-{_e(v.code)}"><code>{_e(v.code)}</code></a>'
            f" at event #{v.index} ({_e(v.event_type)}): {_e(_short(v.message, 400))}</li>"
        )
    codes = sorted({v.code for _, v in violations})
    explained = "".join(
        f'<dt id="code-{_e(code)}"><code>{_e(code)}</code> '
        f'<a href="{_e(docs_url)}#violation-codes">docs</a></dt>'
        f"<dd>{_explain(VIOLATION_CODES.get(code, 'not a code this version knows'))}</dd>"
        for code in codes
    )
    if policy == "budget":
        audio = (
            f"audio: {budget.embedded} parts embedded ({budget.embedded_bytes / 1e6:.1f} MB of "
            f"WAV, budget {budget_bytes / 1e6:.0f} MB)"
        )
        if budget.skipped:
            audio += f", {budget.skipped} not embedded (budget; --audio all embeds every part)"
    elif policy == "all":
        audio = (
            f"audio: all {budget.embedded} parts embedded ({budget.embedded_bytes / 1e6:.1f} MB)"
        )
    else:
        audio = "audio: none embedded (--audio none)"
    return "".join(
        [
            '<table class="usage"><caption>Tokens</caption><tbody>',
            rows,
            "</tbody></table>",
            _cost_html(state),
            "<h3>Rate limits</h3>",
            f"<ul>{limits}</ul>" if limits else "<p>none reported</p>",
            _timings_html(state),
            f"<h3>Server errors ({len(state.errors)})</h3>",
            f'<ul class="bad">{errors}</ul>' if errors else "<p>none</p>",
            f'<h3 id="violations">Violations ({len(violations)})</h3>',
            f'<ul class="bad">{"".join(found)}</ul>' if found else "<p>none</p>",
            f'<dl class="codes">{explained}</dl>' if explained else "",
            f"<h3>Bad lines ({len(bad_lines)})</h3>" if bad_lines else "",
            '<ul class="bad">' + "".join(f"<li>{_e(b)}</li>" for b in bad_lines) + "</ul>"
            if bad_lines
            else "",
            f'<p class="audio-policy">{_e(audio)}</p>',
        ]
    )


def _problems(
    state: SessionState, layout: _Layout, violations: list[tuple[int, Violation]]
) -> list[_Span]:
    out = []
    for n, error in enumerate(state.errors):
        at = (
            error.time - layout.origin
            if layout.timed and error.time is not None
            else layout.at(error.index)
        )
        tip = f"server error {error.code or error.type}: {_short(error.message, 160)}"
        out.append(_Span("problems", at, 0.0, "error", tip, f"#error-{n}", "error"))
    for n, v in violations:
        tip = f"violation {v.code} at event #{v.index}: {_short(v.message, 160)}"
        out.append(
            _Span("problems", layout.at(v.index), 0.0, v.code, tip, f"#violation-{n}", "violation")
        )
    return out


def html(
    source: Any,
    *,
    audio: str = "budget",
    audio_budget: int = DEFAULT_AUDIO_BUDGET,
    title: str | None = None,
    docs_url: str = DOCS_URL,
    policy: str = LENIENT,
) -> str:
    """The report of a session as one self-contained HTML document.

    ``source`` is a :class:`~realtime_state.SessionState`, a
    :class:`~realtime_state.logs.LogReplay`, a log path (``str`` or path-like), or log lines
    (an iterable of JSON texts, dicts or events; replayed with ``policy``). ``audio`` is one
    of :data:`AUDIO_POLICIES`; ``audio_budget`` the bytes of WAV the ``budget`` policy embeds
    at most. ``docs_url`` is where violation codes link (``#violation-codes`` is appended).
    """
    if audio not in AUDIO_POLICIES:
        raise ValueError(f"audio must be one of {', '.join(AUDIO_POLICIES)}, not {audio!r}")
    if audio_budget < 0:
        raise ValueError(f"audio_budget must be >= 0, not {audio_budget}")
    state, result, name = _load(source, policy)
    title = title or f"realtime-state report: {name}"
    turns = state.transcript().turns
    layout = _Layout(state, turns)
    if result is not None:
        all_violations = list(result.violations)
    else:
        all_violations = [v for session in state.sessions for v in session.violations]
    violations = list(enumerate(all_violations))
    problems = _problems(state, layout, violations)
    budget = _AudioBudget(audio, audio_budget)
    transcript = "".join(_turn_html(state, n, t, layout, budget) for n, t in enumerate(turns))
    if layout.timed:
        start = datetime.fromtimestamp(layout.origin, tz=timezone.utc)
        clock = (
            "Times from the log: seconds since "
            f"{start.strftime('%Y-%m-%d %H:%M:%S')} UTC (its first timed event)."
        )
    else:
        clock = (
            "No times in this log: turns are laid end to end by their audio durations (a turn "
            f"without audio takes {UNTIMED_TURN_S:g} s), errors and violations by event order."
        )
    bad = () if result is None else tuple(b.message for b in result.bad_lines)
    summary = _summary(state, violations, docs_url, budget, audio, audio_budget, bad)
    model = getattr(state.session, "model", None)
    facts = (
        f"{state.event_count:,} events · {len(turns)} turns · "
        f"{len(state.responses)} responses · {_seconds(layout.duration)} on the timeline"
        + (f" · model {model}" if model else "")
    )
    values = {
        "title": _e(title),
        "style": _asset("report.css"),
        "script": _asset("report.js"),
        "facts": _e(facts),
        "clock": _e(clock),
        "timed": "timed" if layout.timed else "untimed",
        "summary": summary,
        "timeline": _timeline(layout, problems),
        "transcript": transcript,
    }
    # one pass over the template: text put in is never scanned for placeholders again
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _asset("report.html"))


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def write(source: Any, path: str | os.PathLike[str], **options: Any) -> int:
    """Write :func:`html` of ``source`` to ``path`` (UTF-8); returns the bytes written."""
    data = html(source, **options).encode("utf-8")
    with open(path, "wb") as out:
        out.write(data)
    return len(data)
