"""A local WebSocket server that plays a recorded Realtime session to a real client.

:class:`ReplayServer` binds ``127.0.0.1`` on a free port and, for each connection, sends the
recording's server frames byte for byte, waiting before each step for the client events
that cause it on a real server (:func:`plan`, :data:`TRIGGER_RULES`). Point the ``openai``
client at it (``server.client()``, ``server.async_client()`` or
``websocket_base_url=server.websocket_base_url``) and test your agent against a recording::

    with ReplayServer("tests/recordings/session.jsonl") as server:
        with server.client().realtime.connect(model="gpt-realtime") as conn:
            ...
    assert server.failures == []

Needs the ``websockets`` package (``pip install 'realtime-state[testing]'``), and
``openai[realtime]`` for the client helpers.
"""

from __future__ import annotations

import asyncio
import json
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

import attrs

from ._replay_plan import (
    TRIGGER_RULES,
    Recording,
    ReplayPlan,
    ReplayStep,
    TriggerRule,
    plan,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI
    from websockets.asyncio.server import Server, ServerConnection

__all__ = [
    "CLOSE_NORMAL",
    "TIMEOUT_CLOSE_CODE",
    "TRIGGER_RULES",
    "ReplayFailure",
    "ReplayPlan",
    "ReplayServer",
    "ReplayStep",
    "TriggerRule",
    "plan",
]

CLOSE_NORMAL = 1000
"""The close code after the last frame (with ``close=True``)."""
TIMEOUT_CLOSE_CODE = 4408
"""The close code when an awaited client event did not come (or no recording is left for a
connection). A private code (4000-4999), so the ``openai`` client does not take it for a
transient failure and reconnect; the close reason names the step and the awaited type."""


def _websockets() -> Any:
    try:
        import websockets.asyncio.server
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "ReplayServer needs the websockets package: pip install 'realtime-state[testing]'"
        ) from exc
    return websockets


@attrs.frozen
class ReplayFailure:
    """Why a connection did not play its recording to the end."""

    connection: int
    """The connection's number (0-based, in the order the clients connected)."""
    step: int
    """The step that could not be played."""
    awaited: str | None
    """The client event type the server was waiting for (``None``: none)."""
    reason: str
    """``"timeout"``, ``"closed"`` (the client went away first) or ``"no recording"``."""
    message: str
    """A readable account, also the close reason sent (cut to 123 bytes)."""


@attrs.define
class _Connection:
    path: str
    received: list[dict[str, Any]] = attrs.field(factory=list)
    received_raw: list[str] = attrs.field(factory=list)


class ReplayServer:
    """Plays recordings over a local WebSocket, as the Realtime API server would.

    ``ReplayServer(recording)`` plays one recording to every connection;
    ``ReplayServer(first, second, ...)`` plays the n-th to the n-th connection (later ones
    are refused). A recording is a path, an iterable of JSONL lines or dicts, or a
    :class:`ReplayPlan`. Use it as a context manager: ``with`` runs the server on its own
    event loop in a thread, ``async with`` in the running loop.

    ``timeout``: seconds to wait for each awaited client event before closing with
    :data:`TIMEOUT_CLOSE_CODE`. ``close``: close (1000) after the last frame; else wait for
    the client to close. ``realtime``: wait the recorded gaps between frames (envelope
    recordings with times), each at most ``max_gap`` seconds.
    """

    def __init__(
        self,
        *recordings: Recording | ReplayPlan,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float = 5.0,
        close: bool = True,
        realtime: bool = False,
        max_gap: float = 1.0,
    ) -> None:
        if not recordings:
            raise TypeError("ReplayServer needs at least one recording")
        self.plans: tuple[ReplayPlan, ...] = tuple(plan(r) for r in recordings)
        """The plan of each recording."""
        self.host = host
        self.port = port
        """The bound port (the free port chosen, once started)."""
        self.timeout = timeout
        self.close = close
        self.realtime = realtime
        self.max_gap = max_gap
        self.failures: list[ReplayFailure] = []
        """What went wrong, per connection, in order."""
        self._connections: list[_Connection] = []
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    # -- what the client needs -------------------------------------------------------

    @property
    def websocket_base_url(self) -> str:
        """``ws://host:port``: the ``openai`` client appends ``/realtime?model=...``."""
        return f"ws://{self.host}:{self.port}"

    def client(self, **options: Any) -> OpenAI:
        """An ``openai.OpenAI`` client pointed at this server (dummy api key)."""
        from openai import OpenAI

        options.setdefault("api_key", "sk-replay")
        return OpenAI(websocket_base_url=self.websocket_base_url, **options)

    def async_client(self, **options: Any) -> AsyncOpenAI:
        """An ``openai.AsyncOpenAI`` client pointed at this server (dummy api key)."""
        from openai import AsyncOpenAI

        options.setdefault("api_key", "sk-replay")
        return AsyncOpenAI(websocket_base_url=self.websocket_base_url, **options)

    # -- what it saw -------------------------------------------------------------------

    @property
    def received(self) -> list[list[dict[str, Any]]]:
        """Per connection, the client events received (JSON objects), in order."""
        return [list(c.received) for c in self._connections]

    @property
    def received_raw(self) -> list[list[str]]:
        """Per connection, the text of every client frame received, in order."""
        return [list(c.received_raw) for c in self._connections]

    @property
    def paths(self) -> list[str]:
        """Per connection, the request path (``/realtime?model=...``)."""
        return [c.path for c in self._connections]

    # -- running -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving in the running event loop (what ``async with`` does)."""
        websockets = _websockets()
        self._stop = asyncio.Event()
        self._server = await websockets.asyncio.server.serve(
            self._handle, self.host, self.port, max_size=None, compression=None
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def stop(self) -> None:
        """Close every connection (1001) and stop serving."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> ReplayServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __enter__(self) -> ReplayServer:
        _websockets()
        started = threading.Event()
        errors: list[BaseException] = []

        async def run() -> None:
            try:
                await self.start()
            except BaseException as exc:
                errors.append(exc)
                started.set()
                return
            self._loop = asyncio.get_running_loop()
            started.set()
            assert self._stop is not None
            await self._stop.wait()
            await self.stop()

        self._thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
        self._thread.start()
        started.wait()
        if errors:
            raise errors[0]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join()
        self._thread = self._loop = None

    # -- one connection ------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        number = len(self._connections)
        connection = _Connection(ws.request.path if ws.request is not None else "")
        self._connections.append(connection)
        if len(self.plans) > 1 and number >= len(self.plans):
            await self._fail(
                ws,
                ReplayFailure(
                    number,
                    0,
                    None,
                    "no recording",
                    (f"replay: no recording for connection {number} ({len(self.plans)} given)"),
                ),
            )
            return
        replay = self.plans[min(number, len(self.plans) - 1)]
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        reader = asyncio.create_task(self._read(ws, connection, queue))
        index = 0
        try:
            for index, step in enumerate(replay.steps):
                for awaited in step.awaited_types:
                    failure = await self._await(queue, number, index, awaited)
                    if failure is not None:
                        await self._fail(ws, failure)
                        return
                await self._send(ws, step)
            if self.close:
                await ws.close(CLOSE_NORMAL)
            else:
                await ws.wait_closed()
        except _closed_errors():
            message = f"replay: the client closed while step {index} was being sent"
            self.failures.append(ReplayFailure(number, index, None, "closed", message))
        finally:
            await reader

    async def _send(self, ws: ServerConnection, step: ReplayStep) -> None:
        delays = step.delays or (0.0,) * len(step.frames)
        for frame, delay in zip(step.frames, delays, strict=True):
            if self.realtime and delay:
                await asyncio.sleep(min(delay, self.max_gap))
            await ws.send(frame)

    async def _read(
        self, ws: ServerConnection, connection: _Connection, queue: asyncio.Queue[str | None]
    ) -> None:
        try:
            async for message in ws:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                connection.received_raw.append(text)
                try:
                    event = json.loads(text)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    connection.received.append(event)
                    queue.put_nowait(str(event.get("type")))
        except _closed_errors():
            pass
        finally:
            queue.put_nowait(None)

    async def _await(
        self, queue: asyncio.Queue[str | None], number: int, step: int, awaited: str
    ) -> ReplayFailure | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while True:
            try:
                got = await asyncio.wait_for(queue.get(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                return ReplayFailure(
                    number,
                    step,
                    awaited,
                    "timeout",
                    (f"replay: step {step} waited {self.timeout:g}s for client event {awaited}"),
                )
            if got is None:
                queue.put_nowait(None)
                return ReplayFailure(
                    number,
                    step,
                    awaited,
                    "closed",
                    (f"replay: the client closed while step {step} waited for {awaited}"),
                )
            if got == awaited:
                return None

    async def _fail(self, ws: ServerConnection, failure: ReplayFailure) -> None:
        self.failures.append(failure)
        if failure.reason != "closed":
            reason = failure.message.encode()[:123].decode("utf-8", "ignore")
            await ws.close(TIMEOUT_CLOSE_CODE, reason)


def _closed_errors() -> type[Exception]:
    from websockets.exceptions import ConnectionClosed

    return ConnectionClosed
