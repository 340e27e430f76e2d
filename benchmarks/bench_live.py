"""Following a live connection: ``LiveSession`` against the openai SDK's own loop, on a local
WebSocket server, and decode + reduce against the SDK's live parse of a frame.

Usage (from the repository root)::

    python benchmarks/bench_live.py [--minutes 30] [--repeat 5] [--seed 0]
                                    [--server preframed|send] [--json]

Needs ``openai[realtime]`` and ``websockets`` (``pip install 'openai[realtime]'``). Builds
one session with ``synthetic.ga_voice_session`` and reports, in one run:

1. **Live loops on a local server.** A ``websockets`` server on 127.0.0.1 (port 0), in a
   separate process (its own interpreter, so it shares no GIL with the client), sends the
   session's frames as text frames as fast as the socket takes them, then closes with code
   1000. With ``--server preframed`` (the default) every frame is serialised once, before
   timing, by ``websockets``' own ``Frame.serialize`` and the server writes them to the
   transport in slices of about 256 KB (awaiting ``drain()``), so its cost per frame is a
   memory copy and the client is what is measured; ``--server send`` calls ``await
   ws.send(frame, text=True)`` per frame (pre-encoded UTF-8) instead. Each client is timed
   from connect to close (the ``with``/``async with`` block around ``realtime.connect``,
   entered and left), over the whole session, best of ``--repeat`` rounds, the order of the
   clients reversed every other round so that drift hits them alike. The garbage collector
   is on (as in an app); a full collection runs before each client. Clients, for the async
   (``AsyncOpenAI``) and the sync (``OpenAI``) client alike:

   * ``recv_bytes`` (the transport floor): ``conn.recv_bytes()`` in a loop until the
     connection closes, what any client of the SDK pays;
   * SDK loop: ``for event in conn`` (``async for``), the SDK's iterator: ``recv()``, that is
     ``recv_bytes()`` then ``parse_event()``;
   * ``LiveSession``: ``for update in LiveSession(conn)``;
   * ``LiveSession`` recording: the same with ``record=`` an open text file in a temporary
     directory (a write and a flush per event).

   Ratios: ``LiveSession`` / SDK loop (target <= 1.3x), recording / SDK loop, and each loop
   against the transport floor.
2. **decode + reduce against the SDK's parse**, in process (no socket), over every frame of
   the session as bytes (what ``recv_bytes()`` returns): the SDK's ``parse_event`` method
   called on a real ``openai.resources.realtime.realtime.RealtimeConnection`` object (built
   around no socket; the method never touches it), that is
   ``construct_type_unchecked(json.loads(data), RealtimeServerEvent)``; ``json.loads`` alone
   (its first half); ``realtime_state.decode`` alone; and
   ``state = reduce(state, decode(frame))`` from ``SessionState()``. Best of ``--repeat``,
   garbage collector disabled while timing. Ratios: parse_event / (decode + reduce) (target
   >= 4x) and parse_event / decode.

The table goes to stdout; with ``--json`` the figures go to stdout as one JSON object and
the table to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402  (found through the line above)
import synthetic  # noqa: E402  (found through the line above)
from bench_decode import figures, ratio  # noqa: E402
from bench_reduce import load_realtime_state, timed  # noqa: E402

MODEL = "gpt-realtime"
SLICE = 256 * 1024
TARGET_LIVE_OVER_SDK = 1.3
TARGET_PARSE_OVER_DECODE_REDUCE = 4.0
CLIENTS = ("floor", "sdk", "live", "record")
LABELS = {
    "floor": "recv_bytes() alone (transport floor)",
    "sdk": "SDK loop (recv + parse_event)",
    "live": "LiveSession",
    "record": "LiveSession, record= file",
}


# ---------------------------------------------------------------------------------------------
# The server (its own process)
# ---------------------------------------------------------------------------------------------


def preframe(frames: Sequence[bytes]) -> list[bytes]:
    """The session as unmasked server text frames, serialised by ``websockets`` itself and
    joined into slices of about ``SLICE`` bytes."""
    from websockets.frames import Frame, Opcode

    slices: list[bytes] = []
    current: list[bytes] = []
    size = 0
    for data in frames:
        wire = Frame(Opcode.TEXT, data).serialize(mask=False)
        current.append(wire)
        size += len(wire)
        if size >= SLICE:
            slices.append(b"".join(current))
            current, size = [], 0
    if current:
        slices.append(b"".join(current))
    return slices


async def _serve(mode: str, payload: Sequence[bytes], pipe: Connection) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    async def handler(ws: ServerConnection) -> None:
        if mode == "preframed":
            for chunk in payload:
                ws.transport.write(chunk)
                await ws.drain()
        else:
            for frame in payload:
                await ws.send(frame, text=True)
        await ws.close(1000)

    async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        pipe.send(port)
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # until told to stop


def serve_forever(mode: str, payload: Sequence[bytes], pipe: Connection) -> None:
    """Process target: serve the session to every connection until the pipe says stop."""
    asyncio.run(_serve(mode, payload, pipe))


class Server:
    """The server process: ``with Server(mode, frames) as port: ...``."""

    def __init__(self, mode: str, frames: Sequence[bytes]) -> None:
        self.payload = preframe(frames) if mode == "preframed" else list(frames)
        self.mode = mode

    def __enter__(self) -> int:
        context = multiprocessing.get_context("fork")  # the payload is inherited, not pickled
        self.pipe, child = context.Pipe()
        self.process = context.Process(
            target=serve_forever, args=(self.mode, self.payload, child), daemon=True
        )
        self.process.start()
        if not self.pipe.poll(30):
            raise RuntimeError("the benchmark server did not start")
        port: int = self.pipe.recv()
        return port

    def __exit__(self, *exc: object) -> None:
        self.pipe.send("stop")
        self.process.join(10)
        if self.process.is_alive():  # pragma: no cover
            self.process.terminate()
            self.process.join()


# ---------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------


def closed_ok() -> type[BaseException]:
    from websockets.exceptions import ConnectionClosedOK

    return ConnectionClosedOK


async def async_client(kind: str, port: int, record: Path) -> tuple[float, int]:
    """Time one async client over the whole session; return seconds and events seen."""
    from openai import AsyncOpenAI

    from realtime_state import LiveSession

    client = AsyncOpenAI(api_key="x", websocket_base_url=f"ws://127.0.0.1:{port}/v1")
    closed = closed_ok()
    count = 0
    gc.collect()
    start = time.perf_counter()
    async with client.realtime.connect(model=MODEL) as conn:
        if kind == "floor":
            try:
                while True:
                    await conn.recv_bytes()
                    count += 1
            except closed:
                pass
        elif kind == "sdk":
            async for _event in conn:
                count += 1
        elif kind == "live":
            async for _update in LiveSession(conn):
                count += 1
        else:
            with open(record, "w", encoding="utf-8") as file:
                async for _update in LiveSession(conn, record=file):
                    count += 1
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed, count


def sync_client(kind: str, port: int, record: Path) -> tuple[float, int]:
    """Time one sync client over the whole session; return seconds and events seen."""
    from openai import OpenAI

    from realtime_state import LiveSession

    client = OpenAI(api_key="x", websocket_base_url=f"ws://127.0.0.1:{port}/v1")
    closed = closed_ok()
    count = 0
    gc.collect()
    start = time.perf_counter()
    with client.realtime.connect(model=MODEL) as conn:
        if kind == "floor":
            try:
                while True:
                    conn.recv_bytes()
                    count += 1
            except closed:
                pass
        elif kind == "sdk":
            for _event in conn:
                count += 1
        elif kind == "live":
            for _update in LiveSession(conn):
                count += 1
        else:
            with open(record, "w", encoding="utf-8") as file:
                for _update in LiveSession(conn, record=file):
                    count += 1
    elapsed = time.perf_counter() - start
    client.close()
    return elapsed, count


def live_loops(frames: Sequence[bytes], mode: str, repeat: int) -> dict[str, Any]:
    """Every client, best of ``repeat`` rounds, order reversed every other round."""
    n = len(frames)
    order = [(flavour, kind) for flavour in ("async", "sync") for kind in CLIENTS]
    best: dict[str, float] = {}
    rounds: dict[str, list[float]] = {}
    with Server(mode, frames) as port, tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "call.jsonl"
        # warm-up: imports, first connection
        sync_client("sdk", port, record)
        asyncio.run(async_client("sdk", port, record))
        for round_ in range(repeat):
            for flavour, kind in order if round_ % 2 == 0 else order[::-1]:
                if flavour == "async":
                    seconds, count = asyncio.run(async_client(kind, port, record))
                else:
                    seconds, count = sync_client(kind, port, record)
                key = f"{flavour}_{kind}"
                if count != n:
                    raise RuntimeError(f"{key} saw {count} events of {n}")
                if kind == "record":
                    lines = sum(1 for _ in record.open(encoding="utf-8"))
                    if lines != n:
                        raise RuntimeError(f"{key} recorded {lines} lines of {n}")
                best[key] = min(best.get(key, float("inf")), seconds)
                rounds.setdefault(key, []).append(seconds)
    result: dict[str, Any] = {"server": mode, "repeat": repeat}
    for flavour in ("async", "sync"):
        part: dict[str, Any] = {}
        for kind in CLIENTS:
            key = f"{flavour}_{kind}"
            part[kind] = {**figures(best[key], n), "events": n, "rounds_s": rounds[key]}
        s = {kind: best[f"{flavour}_{kind}"] for kind in CLIENTS}
        part["ratios"] = {
            "live_over_sdk": ratio(s["live"], s["sdk"]),
            "record_over_sdk": ratio(s["record"], s["sdk"]),
            "record_over_live": ratio(s["record"], s["live"]),
            "sdk_over_floor": ratio(s["sdk"], s["floor"]),
            "live_over_floor": ratio(s["live"], s["floor"]),
            "record_over_floor": ratio(s["record"], s["floor"]),
        }
        us = {kind: s[kind] / n * 1e6 for kind in CLIENTS}
        part["above_floor_us"] = {
            kind: us[kind] - us["floor"] for kind in CLIENTS if kind != "floor"
        }
        result[flavour] = part
    return result


# ---------------------------------------------------------------------------------------------
# In process: decode + reduce against parse_event
# ---------------------------------------------------------------------------------------------


def each(func: Callable[[Any], object], items: Sequence[Any]) -> Callable[[], None]:
    def body() -> None:
        for item in items:
            func(item)

    return body


def in_process(rs: Any, frames: Sequence[bytes], repeat: int) -> dict[str, Any]:
    """parse_event, json.loads, decode and decode + reduce over every frame."""
    from openai.resources.realtime.realtime import RealtimeConnection

    conn = RealtimeConnection(None)  # type: ignore[arg-type]  # parse_event never reads it
    parse_event = conn.parse_event
    reduce, decode, empty = rs.reduce, rs.decode, rs.SessionState

    def decode_reduce() -> object:
        state = empty()
        for frame in frames:
            state = reduce(state, decode(frame))
        return state

    final = decode_reduce()  # warm-up, and a check that it runs
    violations = len(final.violations)  # type: ignore[attr-defined]
    del final
    each(parse_event, frames)()  # warm-up
    n = len(frames)
    seconds = {
        "parse_event": timed(each(parse_event, frames), repeat),
        "json_loads": timed(each(json.loads, frames), repeat),
        "decode": timed(each(decode, frames), repeat),
        "decode_reduce": timed(decode_reduce, repeat),
    }
    result: dict[str, Any] = {
        name: {**figures(value, n), "events": n} for name, value in seconds.items()
    }
    result["decode_reduce"]["violations"] = violations
    result["ratios"] = {
        "parse_event_over_decode_reduce": ratio(seconds["parse_event"], seconds["decode_reduce"]),
        "parse_event_over_decode": ratio(seconds["parse_event"], seconds["decode"]),
        "json_loads_share_of_parse_event": ratio(seconds["json_loads"], seconds["parse_event"]),
    }
    return result


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    import openai
    import pydantic
    import websockets

    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "openai": openai.__version__,
        "pydantic": pydantic.__version__,
        "websockets": str(getattr(websockets, "__version__", "?")),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the session, take every measurement and return all figures."""
    rs = load_realtime_state()
    lines = synthetic.ga_voice_session(args.minutes, args.seed)
    frames = [line.encode() for line in lines]
    del lines
    result: dict[str, Any] = {
        "session": {
            "minutes": args.minutes,
            "seed": args.seed,
            "events": len(frames),
            "bytes": sum(map(len, frames)),
        },
        "environment": {**versions(), "realtime_state": str(Path(rs.__file__ or "?").parent)},
        "repeat": args.repeat,
    }
    if not args.skip_live:
        result["live"] = live_loops(frames, args.server, args.repeat)
    result["in_process"] = in_process(rs, frames, args.repeat)
    result["targets"] = {
        "live_over_sdk_max": TARGET_LIVE_OVER_SDK,
        "parse_event_over_decode_reduce_min": TARGET_PARSE_OVER_DECODE_REDUCE,
    }
    return result


def verdict(value: float | None, meets: Callable[[float], bool]) -> str:
    if value is None:
        return "n/a"
    return "target met" if meets(value) else "TARGET MISSED"


def render(result: dict[str, Any]) -> str:
    """The human-readable report."""
    session, env = result["session"], result["environment"]
    rows = [
        f"GA voice session: {session['minutes']:g} min, seed {session['seed']}: "
        f"{session['events']:,} events, {session['bytes'] / 1e6:.1f} MB of JSON",
        f"best of {result['repeat']}; Python {env['python']}, openai {env['openai']}, "
        f"pydantic {env['pydantic']}, websockets {env['websockets']}",
    ]
    live = result.get("live")
    if live is not None:
        rows += [
            "",
            f"1. Live loops, local websockets server in its own process ({live['server']}), "
            "connect to close, gc on",
        ]
        for flavour in ("async", "sync"):
            part = live[flavour]
            rows.append(
                f"{flavour + ' client':<40} {'seconds':>8} {'µs/event':>9} "
                f"{'/ floor':>8} {'/ SDK':>7}"
            )
            for kind in CLIENTS:
                info = part[kind]
                over_floor = info["seconds"] / part["floor"]["seconds"]
                over_sdk = info["seconds"] / part["sdk"]["seconds"]
                rows.append(
                    f"{LABELS[kind]:<40} {info['seconds']:>8.3f} {info['us_per_event']:>9.2f} "
                    f"{over_floor:>7.2f}x {over_sdk:>6.2f}x"
                )
            r = part["ratios"]
            rows.append(
                f"LiveSession / SDK loop {r['live_over_sdk']:.2f}x (target <= "
                f"{TARGET_LIVE_OVER_SDK:g}x: "
                f"{verdict(r['live_over_sdk'], lambda v: v <= TARGET_LIVE_OVER_SDK)}); "
                f"recording / SDK loop {r['record_over_sdk']:.2f}x; "
                f"recording / LiveSession {r['record_over_live']:.2f}x"
            )
            rows.append("")
    ip = result["in_process"]
    rows += [
        "2. In process, every frame as bytes, gc disabled while timing",
        f"{'pipeline':<44} {'µs/event':>9}",
    ]
    for key, label in (
        ("parse_event", "SDK parse_event (json.loads + construct)"),
        ("json_loads", "json.loads alone"),
        ("decode", "realtime_state.decode"),
        ("decode_reduce", "reduce(state, decode(frame))"),
    ):
        rows.append(f"{label:<44} {ip[key]['us_per_event']:>9.2f}")
    r = ip["ratios"]
    speedup = r["parse_event_over_decode_reduce"]
    rows.append(
        f"parse_event / (decode+reduce) {speedup:.2f}x (target >= "
        f"{TARGET_PARSE_OVER_DECODE_REDUCE:g}x: "
        f"{verdict(speedup, lambda v: v >= TARGET_PARSE_OVER_DECODE_REDUCE)}"
        f"); parse_event / decode {r['parse_event_over_decode']:.2f}x; "
        f"json.loads is {r['json_loads_share_of_parse_event'] * 100:.0f} % of parse_event"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="simulated session length")
    parser.add_argument("--seed", type=int, default=0, help="session seed")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (best kept)")
    parser.add_argument(
        "--server",
        choices=("preframed", "send"),
        default="preframed",
        help="how the server sends: pre-serialised frames, or ws.send() per frame",
    )
    parser.add_argument("--skip-live", action="store_true", help="only the in-process measurement")
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.minutes <= 0:
        parser.error("--repeat must be >= 1 and --minutes > 0")
    result = run(args)
    return _report.emit(render(result), result, args.json)


if __name__ == "__main__":
    sys.exit(main())
