"""Session-wide events: the session configuration, rate limits and server errors."""

from __future__ import annotations

from immutabledict import immutabledict

from .. import events as ev
from .. import lifecycles as lc
from ..formats import MAX_RATE, unusable_formats
from ..state import ErrorRecord, RateLimitState, SessionState
from ._common import Changes, Found, report

SessionEvent = (
    ev.SessionCreated
    | ev.SessionUpdated
    | ev.TranscriptionSessionCreated
    | ev.TranscriptionSessionUpdated
)
"""The events that carry the session configuration."""


def on_session(state: SessionState, event: SessionEvent, found: Found) -> Changes:
    """The latest session configuration; one whose audio format is unusable is refused (the
    session before it stays in effect)."""
    problems = unusable_formats(event.session)
    for field, value in problems:
        report(
            found,
            lc.Code.INVALID_AUDIO_FORMAT,
            event=event.type,
            field=field,
            value=value,
            max_rate=MAX_RATE,
        )
    return {} if problems else {"session": event.session}


def on_rate_limits(state: SessionState, event: ev.RateLimitsUpdated, found: Found) -> Changes:
    """Rate limits as last reported, in the server's order."""
    limits = {}
    for i, limit in enumerate(event.rate_limits):
        key = limit.name if limit.name is not None else f"#{i}"
        limits[key] = RateLimitState(
            name=limit.name,
            limit=limit.limit,
            remaining=limit.remaining,
            reset_seconds=limit.reset_seconds,
        )
    return {"rate_limits": immutabledict(limits)}  # small, replaced whole: keep server order


def on_error(state: SessionState, event: ev.Error, found: Found) -> Changes:
    """A server ``error`` event, logged with its position."""
    err = event.error
    record = ErrorRecord(
        index=state.event_count,
        type=err.type,
        code=err.code,
        message=err.message,
        param=err.param,
        event_id=err.event_id,
        server_event_id=event.event_id,
        client_event=None if err.event_id is None else state.client.ids.get(err.event_id),
        time=state.time,
    )
    return {"error_log": state.error_log.append(record)}
