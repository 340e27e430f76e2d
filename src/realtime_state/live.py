"""Follow a live connection of the official ``openai`` client: state while the call runs,
a recording of both directions with time, and what the app sends, tracked.

Theory of operation
-------------------
:class:`LiveSession` is the adapter at the edge (the core stays pure: it never touches a
socket, a file or a clock). It reads the connection's frames as bytes (``recv_bytes()``, the
SDK's own raw path: no pydantic parse), decodes them, and folds each one into the state with
the time it arrived. Client events go through :meth:`LiveSession.send` (or the SDK's own
helpers on :attr:`LiveSession.connection`, a view of the same connection whose every send is
tracked): the event gets an ``event_id`` if it has none, is folded into the state, recorded,
then sent. The connection object itself is never patched: what the app sends on the bare
``conn`` bypasses tracking (the server's answers are still followed).

A lock (a ``threading.Lock`` for a sync connection, an ``asyncio.Lock`` for an async one)
keeps the stream in one order: a client event is applied and sent while the lock is held, so
the server's reply to it can never be applied before it, even when one thread reads and
another sends.

In live use a frame that cannot be decoded never ends the loop, whatever the policy: the
recording keeps it as a ``raw`` line, the state an error entry (``state.errors``, type
``invalid_server_event``), and the update's ``event`` is ``None``. A protocol violation in
``strict`` policy is raised (after the frame is recorded); ``lenient`` (the default) records
it and goes on.
"""

from __future__ import annotations

import asyncio
import inspect
import secrets
import string
import threading
import time as _time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import attrs

from . import carry as carry_mod
from . import events as ev
from ._persistent import DroppedChunks
from .barge_in import playing_part, truncation_events
from .decoding import Event, decode, encode, is_sdk_event
from .envelopes import CLIENT, SERVER, Envelope, envelope_line, raw_line
from .errors import DecodeError
from .formats import PCM16_24K, AudioSpec
from .playback import PlaybackTracker
from .reducer import reduce
from .state import LENIENT, SessionState

__all__ = ["LiveSession", "Update", "FinishedAudio", "new_event_id", "TrackedConnection"]

_BASE62 = string.digits + string.ascii_letters
_AUDIO_DELTAS = frozenset({ev.ResponseOutputAudioDelta, ev.ResponseAudioDelta})
_AUDIO_DONES = frozenset({ev.ResponseOutputAudioDone, ev.ResponseAudioDone})
_FINISHING = _AUDIO_DONES | {
    ev.ResponseDone,
    ev.ConversationItemCreated,
    ev.ConversationItemAdded,
    ev.ConversationItemDone,
    ev.ConversationItemRetrieved,
    ev.InputAudioBufferCommitted,
}
"""Events after which a part's audio may be complete (the sink is called then)."""


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class FinishedAudio:
    """The audio of one finished part, for :class:`LiveSession`'s ``audio_sink``: what was
    received, whole (a later cut is in the state as the part's ``truncated_at_ms``)."""

    item_id: str
    content_index: int
    role: str | None
    """``"assistant"`` or ``"user"``."""
    audio: bytes = attrs.field(repr=False)
    spec: AudioSpec
    """Its format (PCM16 at its rate, or G.711)."""


def new_event_id() -> str:
    """A fresh client ``event_id`` shaped like the reference client's: ``evt_`` and 21
    base62 characters."""
    return "evt_" + "".join(secrets.choice(_BASE62) for _ in range(21))


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class Update:
    """One step of a live session: the event, the state after it and the state before."""

    event: Event | None
    """The decoded event (a server event, or the client event :meth:`LiveSession.send`
    sent); ``None`` for a server frame that could not be decoded (the state holds its error
    entry)."""
    state: SessionState
    """The state right after the event."""
    previous: SessionState = attrs.field(repr=False)
    """The state right before it."""
    source: str = SERVER
    """``"server"`` or ``"client"``."""
    time: float | None = None
    """When the frame arrived or the event was sent (seconds since the epoch)."""


def _text(data: bytes | str) -> str:
    """A frame as text, bytes that are not UTF-8 replaced (as the recording keeps them)."""
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


def _closed_ok() -> tuple[type[BaseException], ...]:
    """The exception a connection closed normally raises (``websockets``' own)."""
    try:
        from websockets.exceptions import ConnectionClosedOK
    except ImportError:  # pragma: no cover - the openai client's realtime extra brings it
        return ()
    return (ConnectionClosedOK,)


class _Recorder:
    """Writes one envelope line per event, flushed as it goes."""

    def __init__(self, record: str | Path | IO[str] | None) -> None:
        self._owned = isinstance(record, (str, Path))
        if isinstance(record, (str, Path)):
            self._file: IO[str] | None = open(record, "w", encoding="utf-8")  # noqa: SIM115
        else:
            self._file = record

    @property
    def active(self) -> bool:
        """Whether there is a file to write to (so a line is worth building)."""
        return self._file is not None

    def write(self, line: str) -> None:
        if self._file is not None:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._owned and self._file is not None:
            self._file.close()
        self._file = None


def _is_sentinel(value: Any) -> bool:
    """The ``openai`` package's "not given" markers (``omit``, ``NOT_GIVEN``), which its
    helpers leave in the dicts they send and strip when they serialise."""
    cls = value.__class__
    return cls.__name__ in ("Omit", "NotGiven") and cls.__module__.startswith("openai")


def _without_sentinels(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_sentinels(v) for k, v in value.items() if not _is_sentinel(v)}
    if isinstance(value, (list, tuple)):
        return [_without_sentinels(v) for v in value if not _is_sentinel(v)]
    return value


def _client_dict(event: Any) -> dict[str, Any]:
    """A client event as a wire dict: a mapping (an ``openai`` helper's, its "not given"
    markers dropped), a decoded client event, or an ``openai`` client event model."""
    if isinstance(event, Mapping):
        return _without_sentinels(event)  # type: ignore[no-any-return]
    if isinstance(event, (ev.ClientEvent, ev.UnknownClientEvent)):
        return encode(event)  # type: ignore[arg-type]
    if is_sdk_event(event) or callable(getattr(event, "to_dict", None)):
        return dict(event.to_dict(mode="json", exclude_unset=True))
    raise TypeError(
        f"send() takes a client event (a dict, a decoded client event or an openai model), "
        f"not {type(event).__name__}"
    )


class LiveSession:
    """Follow a connection of the official ``openai`` client (sync or async).

    ``LiveSession(conn, record="call.jsonl", policy="lenient")``; iterate it (``for`` on a
    sync connection, ``async for`` on an async one) to get an :class:`Update` per server
    event; :meth:`send` client events (awaitable on an async connection); read
    :attr:`state` at any time. ``record`` is a path (written anew) or an open text file:
    one envelope line per event in both directions, flushed as it goes, server frames kept
    byte for byte. ``clock`` gives the time of each event (``time.time`` by default).
    ``audio_retention`` bounds the audio the state keeps (``"all"``, ``"none"`` or seconds,
    see :class:`~realtime_state.state.AudioRetention`) and ``audio_sink(finished)`` receives
    each finished part's audio (:class:`FinishedAudio`: user turns and assistant answers),
    so that audio can leave memory without being lost.
    """

    def __init__(
        self,
        connection: Any,
        *,
        record: str | Path | IO[str] | None = None,
        policy: str = LENIENT,
        state: SessionState | None = None,
        clock: Callable[[], float] = _time.time,
        playback: PlaybackTracker | None = None,
        audio_retention: Any = None,
        audio_sink: Callable[[FinishedAudio], None] | None = None,
    ) -> None:
        self._conn = connection
        self._async = inspect.iscoroutinefunction(getattr(connection, "recv_bytes", None))
        self._state = (
            state
            if state is not None
            else SessionState(policy=policy, audio_retention=audio_retention)
        )
        self._sink = audio_sink
        self._sunk: set[tuple[str, int]] = set()
        self._clock = clock
        self.playback = playback if playback is not None else PlaybackTracker(clock)
        """How much of each assistant item the user has heard (see
        :class:`~realtime_state.playback.PlaybackTracker`): report your player's progress
        here; by default a clock since each item's first audio delta."""
        self._recorder = _Recorder(record)
        self._closed_ok = _closed_ok()
        self._lock: Any = asyncio.Lock() if self._async else threading.Lock()
        self._observers: list[Callable[[Update], None]] = []
        self.connection = TrackedConnection(self)
        """The connection with the SDK's own helpers (``session.update``,
        ``conversation.item.create``, ``response.create``, ``input_audio_buffer.append``,
        ...) whose every send is tracked: use it where the app used ``conn``."""

    def observe(self, callback: Callable[[Update], None]) -> Callable[[Update], None]:
        """Call ``callback(update)`` after every event, server and client, in stream order
        (for exporters that follow a session as it goes, e.g. OpenTelemetry spans); returns
        it, so it can be used as a decorator. Runs under the session's lock: keep it quick,
        and do not send from it."""
        self._observers.append(callback)
        return callback

    def _notify(self, update: Update) -> Update:
        for callback in self._observers:
            callback(update)
        return update

    def _finish(self, event: Any) -> None:
        """Hand the audio of the parts ``event`` finished to the sink, once each."""
        state = self._state
        if event.__class__ in _AUDIO_DONES:
            keys = [(event.item_id, event.content_index)]
        elif event.__class__ is ev.ResponseDone:
            response = state.responses.get(event.response.id or "")
            ids = () if response is None else response.output_item_ids
            keys = [(i, n) for i in ids for n in range(len(getattr(state.item(i), "content", ())))]
        else:
            item = getattr(event, "item", None)
            item_id = getattr(event, "item_id", None) if item is None else item.id
            held = None if item_id is None else state.item(item_id)
            keys = [] if held is None else [(held.id, n) for n in range(len(held.content))]
        for item_id, index in keys:
            if (item_id, index) in self._sunk:
                continue
            item = state.item(item_id)
            if item is None or index >= len(item.content):
                continue
            part = item.content[index]
            if not part.audio_bytes or isinstance(part.audio_chunks, DroppedChunks):
                continue
            if item.role != "user" and event.__class__ not in _AUDIO_DONES:
                response = state.responses.get(item.response_id or "")
                if response is None or not response.done:
                    continue
            self._sunk.add((item_id, index))
            self._sink(  # type: ignore[misc]
                FinishedAudio(
                    item_id=item_id,
                    content_index=index,
                    role=item.role,
                    audio=part.audio,
                    spec=part.audio_spec or PCM16_24K,
                )
            )

    def _now(self) -> float:
        """The clock, to the microsecond (what the recording keeps, so a replay of it gives
        the very same state)."""
        return round(self._clock(), 6)

    # --- reading -----------------------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        """The state after every event so far (server and client)."""
        return self._state

    @property
    def sessions(self) -> tuple[SessionState, ...]:
        """Every session of this stream, oldest first (see ``SessionState.sessions``)."""
        return self._state.sessions

    @property
    def is_async(self) -> bool:
        """Whether the connection is an async one (iterate with ``async for``)."""
        return self._async

    def _apply_frame(self, data: bytes | str) -> Update:
        """Decode, record and reduce one server frame (the caller holds the lock). The
        frame's text (bytes not UTF-8 replaced, as the recording keeps it) is made only when
        decoding the bytes failed or a recording needs it."""
        now = self._now()
        previous = self._state
        text = data if isinstance(data, str) else None
        try:
            event: Event | None = decode(data)
        except DecodeError:
            text = _text(data)
            try:
                event = decode(text)
            except DecodeError:
                event = None
        if isinstance(event, (ev.ClientEvent, ev.UnknownClientEvent)):
            event = None  # a client event's type in a server frame: not a server event
        recorder = self._recorder
        if event is None:
            text = text if text is not None else _text(data)
            recorder.write(raw_line(now, text))
            self._state = reduce(previous, Envelope(time=now, raw=text))
        else:
            if recorder.active:
                frame = text if text is not None else _text(data)
                recorder.write(envelope_line(SERVER, now, frame=frame))
            self._state = reduce(previous, event, time=now)
            if event.__class__ in _AUDIO_DELTAS:
                self.playback.started(event.item_id, now, event.content_index)
            elif self._sink is not None and event.__class__ in _FINISHING:
                self._finish(event)
        update = Update(event=event, state=self._state, previous=previous, time=now)
        return self._notify(update) if self._observers else update

    def __iter__(self) -> Iterator[Update]:
        if self._async:
            raise TypeError("an async connection: iterate with `async for update in session`")
        conn, lock = self._conn, self._lock
        while True:
            try:
                data = conn.recv_bytes()
            except self._closed_ok:
                return
            with lock:
                update = self._apply_frame(data)
            yield update

    async def __aiter__(self) -> AsyncIterator[Update]:
        if not self._async:
            raise TypeError("a sync connection: iterate with `for update in session`")
        conn, lock = self._conn, self._lock
        while True:
            try:
                data = await conn.recv_bytes()
            except self._closed_ok:
                return
            async with lock:
                update = self._apply_frame(data)
            yield update

    # --- barge-in ----------------------------------------------------------------------------

    def interrupt(
        self, played_ms: float | None = None, *, cancel: bool = True, item_id: str | None = None
    ) -> Any:
        """The user barged in: send what the server must be told now, tracked.

        The events are ``state.truncation_events(played_ms, cancel=cancel, item_id=item_id)``
        (see :func:`realtime_state.barge_in.truncation_events`): ``response.cancel`` for a
        running response, then a ``conversation.item.truncate`` of the assistant audio part
        being played at what the user heard (or a ``conversation.item.delete`` when none of
        its audio came; ``output_audio_buffer.clear`` on WebRTC). ``played_ms`` defaults to
        :attr:`playback`'s figure for that part: what the player reported, else the clock
        since its first audio delta capped at the audio received. Returns the updates of the
        events sent (none when nothing is playing; on an async connection, an awaitable).
        """
        state = self._state
        if played_ms is None:
            target = playing_part(state, item_id)
            played_ms = (
                0.0
                if target is None
                else self.playback.played_ms(state, target[0].id, now=self._now())
            )
        events = truncation_events(state, played_ms, cancel=cancel, item_id=item_id)
        if self._async:
            return self._send_all(events)
        return [self.send(event) for event in events]

    async def _send_all(self, events: list[dict[str, Any]]) -> list[Update]:
        return [await self._send_async(event) for event in events]

    # --- session rollover ----------------------------------------------------------------------

    def rollover(self, connection: Any, **carry: Any) -> Any:
        """Carry this session into a new connection and follow that one from now on.

        Waits for the new connection's ``session.created``, sends the configuration
        (``session.update``, see :func:`realtime_state.carry.session_update`) and the
        conversation (``state.to_client_events(**carry)``, same options), all tracked, and
        reads the new connection until the server has confirmed (or refused) the update and
        every item. Returns the updates of the rollover, in order (on an async connection, an
        awaitable of them). The old session stays readable: ``session.sessions[-2]``.
        Call it once the old connection's loop has ended (the socket closed) or been left.
        """
        old = self._state
        update = carry_mod.session_update(old)
        events = ([update] if update is not None else []) + carry_mod.to_client_events(old, **carry)
        self._conn = connection
        self._async = inspect.iscoroutinefunction(getattr(connection, "recv_bytes", None))
        self._lock = asyncio.Lock() if self._async else threading.Lock()
        self.connection = TrackedConnection(self)
        watch = _RolloverWatch(events)
        if self._async:
            return self._rollover_async(watch)
        updates: list[Update] = []
        for got in self:
            updates.append(got)
            if watch.created(got):
                break
        else:
            raise ConnectionError("the new connection closed before session.created")
        updates.extend(watch.sent(self.send(event)) for event in events)
        if not watch.done(updates[-1]):
            for got in self:
                updates.append(got)
                if watch.done(got):
                    break
            else:
                raise ConnectionError("the new connection closed before it confirmed the carry")
        return updates

    async def _rollover_async(self, watch: _RolloverWatch) -> list[Update]:
        updates: list[Update] = []
        frames = self.__aiter__()
        async for got in frames:
            updates.append(got)
            if watch.created(got):
                break
        else:
            raise ConnectionError("the new connection closed before session.created")
        for event in watch.events:
            updates.append(watch.sent(await self.send(event)))
        if not watch.done(updates[-1]):
            async for got in frames:
                updates.append(got)
                if watch.done(got):
                    break
            else:
                raise ConnectionError("the new connection closed before it confirmed the carry")
        return updates

    # --- sending ------------------------------------------------------------------------------

    def _prepare(self, event: Any) -> tuple[dict[str, Any], Event]:
        body = _client_dict(event)
        if not isinstance(body.get("event_id"), str):
            body = {**body, "event_id": new_event_id()}
        decoded = decode(body)
        if isinstance(decoded, ev.UnknownEvent) and not isinstance(decoded, ev.UnknownClientEvent):
            decoded = ev.UnknownClientEvent(type=decoded.type, payload=decoded.payload)
        if not isinstance(decoded, (ev.ClientEvent, ev.UnknownClientEvent)):
            raise TypeError(f"send() takes client events; {decoded.type!r} is a server event")
        return body, decoded

    def _commit(
        self, body: dict[str, Any], event: Event, now: float, after: SessionState
    ) -> Update:
        previous = self._state
        self._state = after
        self._recorder.write(envelope_line(CLIENT, now, event=body))
        update = Update(event=event, state=after, previous=previous, source=CLIENT, time=now)
        return self._notify(update) if self._observers else update

    def send(self, event: Any) -> Any:
        """Send a client event (a dict, a decoded client event, or an ``openai`` model),
        tracked: an ``event_id`` is assigned if it has none; the event is folded into the
        state first (in strict policy a violation is raised then, and nothing is sent), then
        sent, then the state and the recording take it. Returns the :class:`Update` (on an
        async connection, an awaitable of it)."""
        if self._async:
            return self._send_async(event)
        body, decoded = self._prepare(event)
        with self._lock:
            now = self._now()
            after = reduce(self._state, decoded, time=now)
            self._conn.send(body)
            return self._commit(body, decoded, now, after)

    async def _send_async(self, event: Any) -> Update:
        body, decoded = self._prepare(event)
        async with self._lock:
            now = self._now()
            after = reduce(self._state, decoded, time=now)
            await self._conn.send(body)
            return self._commit(body, decoded, now, after)

    # --- closing ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the recording (a file this session opened); the connection is the app's."""
        self._recorder.close()

    def __enter__(self) -> LiveSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> LiveSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class _RolloverWatch:
    """What a rollover waits for: the new ``session.created``, then the confirmation (or
    refusal) of the ``session.update`` and of every carried item."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events
        self.update_id: str | None = None
        self.item_ids: set[str] = set()
        self.updated = False

    @staticmethod
    def created(update: Update) -> bool:
        return update.event is not None and update.event.type in (
            "session.created",
            "transcription_session.created",
        )

    def sent(self, update: Update) -> Update:
        event = update.event
        if event is not None and event.type.endswith("session.update"):
            self.update_id = event.event_id
        elif isinstance(event, ev.ConversationItemCreate) and event.event_id is not None:
            self.item_ids.add(event.event_id)
        return update

    def done(self, update: Update) -> bool:
        """Whether the server has answered everything the rollover sent (``update``: the
        latest server event read)."""
        event, state = update.event, update.state
        if event is not None and event.type.endswith("session.updated"):
            self.updated = True
        if any(r.event.event_id in self.item_ids for r in state.pending.items):
            return False
        if self.update_id is None or self.updated:
            return True
        return any(e.event_id == self.update_id for e in state.errors)


_RESOURCES = ("session", "response", "conversation", "input_audio_buffer", "output_audio_buffer")


class TrackedConnection:
    """A view of the session's connection: the SDK's own helper resources (``session``,
    ``response``, ``conversation``, ``input_audio_buffer``, ``output_audio_buffer``) bound to
    it, so that ``session.connection.response.create()`` is sent through
    :meth:`LiveSession.send` (tracked). Any other attribute is the connection's own."""

    def __init__(self, session: LiveSession) -> None:
        self._session = session
        conn = session._conn
        for name in _RESOURCES:
            resource = getattr(conn, name, None)
            if resource is not None:
                setattr(self, name, type(resource)(self))

    def send(self, event: Any) -> Any:
        """Send through the session (tracked)."""
        return self._session.send(event)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session._conn, name)
