"""The server's HTTP protocol (``ggzy.web.http_protocol``): request bodies reach the app byte for byte, a
piece the app is waiting for is handed over as the parser made it (no copy), pieces that pile up are joined
in order, and reading pauses past uvicorn's high-water mark as before. Reads go into the thread's one buffer,
which connections share: over real sockets, on uvloop and on asyncio's loop, concurrent bodies arrive intact
and the loop did read through ``get_buffer``."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import random
import socket
import threading
import time
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.server import ServerState

from ggzy.web.http_protocol import HTTP_PROTOCOL, BodyPassingHttp, BodyPassingProtocol


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent = bytearray()
        self.reading = True
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.sent += data

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


class _RecordingHttp(BodyPassingHttp):
    """Keeps the objects the parser hands to on_body, to compare with what the app receives."""

    parsed: list[bytes]

    def on_body(self, body: bytes) -> None:
        self.parsed.append(body)
        super().on_body(body)


class _Recording(BodyPassingProtocol):
    http_class = _RecordingHttp

    def feed(self, data: bytes) -> None:
        """As an event loop reads: into the buffer from get_buffer, then buffer_updated."""
        while data:
            buffer = self.get_buffer(-1)
            n = min(len(buffer), len(data))
            buffer[:n] = data[:n]
            data = data[n:]
            self.buffer_updated(n)


async def _serve(pieces: list[bytes], *, app_waits_first: bool) -> tuple[list[Any], list[bytes], bytes, list[bool]]:
    """Feed a PUT whose body arrives as ``pieces``; return what the app's receive() gave (message bodies),
    what the parser produced, the response and, after each piece, whether the transport was still reading."""
    received: list[Any] = []
    taken = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            received.append(message["body"])
            taken.set()
            if not message["more_body"]:
                break
        digest = hashlib.sha256(b"".join(received)).hexdigest().encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
        await send({"type": "http.response.body", "body": digest})

    config = uvicorn.Config(app, http=HTTP_PROTOCOL, lifespan="off", log_level="warning")
    config.load()
    assert config.http_protocol_class is BodyPassingProtocol
    protocol = _Recording(config=config, server_state=ServerState(), app_state={})
    assert isinstance(protocol.http, _RecordingHttp)
    protocol.http.parsed = []
    transport = _Transport()
    protocol.connection_made(transport)
    size = sum(len(p) for p in pieces)
    protocol.feed(f"PUT /api/bid-uploads/u HTTP/1.1\r\nHost: t\r\nContent-Length: {size}\r\n\r\n".encode())
    reading = []
    for piece in pieces:
        if app_waits_first:
            await asyncio.sleep(0)  # the app's receive() is waiting when the piece arrives
            taken.clear()
        protocol.feed(piece)
        reading.append(transport.reading)
        if app_waits_first:
            await asyncio.wait_for(taken.wait(), 5)
    for _ in range(100):
        if transport.sent.endswith(hashlib.sha256(b"".join(pieces)).hexdigest().encode()):
            break
        await asyncio.sleep(0)
    return received, protocol.http.parsed, bytes(transport.sent), reading


def test_a_piece_the_app_waits_for_is_handed_over_without_a_copy() -> None:
    pieces = [random.Random(i).randbytes(200_000) for i in range(4)]
    received, parsed, response, _ = asyncio.run(_serve(pieces, app_waits_first=True))
    assert response.startswith(b"HTTP/1.1 200")
    assert response.endswith(hashlib.sha256(b"".join(pieces)).hexdigest().encode())
    assert [bytes(b) for b in received if b] == pieces  # one message per piece, in order
    bodies = [b for b in received if b]
    assert len(bodies) == len(parsed)
    assert all(got is made for got, made in zip(bodies, parsed, strict=True))  # the parser's objects, uncopied


def test_pieces_that_pile_up_are_joined_in_order_and_reading_pauses() -> None:
    pieces = [random.Random(10 + i).randbytes(n) for i, n in enumerate((10, 20_000, 50_000, 7, 90_000))]
    received, _, response, reading = asyncio.run(_serve(pieces, app_waits_first=False))
    assert b"".join(bytes(b) for b in received) == b"".join(pieces)
    assert response.endswith(hashlib.sha256(b"".join(pieces)).hexdigest().encode())
    # Nothing was taken while the pieces came: reading pauses once more than the high-water mark is held.
    held = 0
    for piece, still_reading in zip(pieces, reading, strict=True):
        held += len(piece)
        assert still_reading == (held <= HIGH_WATER_LIMIT)


class _Counting(BodyPassingProtocol):
    reads = 0

    def buffer_updated(self, nbytes: int) -> None:
        type(self).reads += 1
        super().buffer_updated(nbytes)


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_concurrent_bodies_over_sockets_arrive_intact_through_the_shared_read_buffer(loop: str) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        digest = hashlib.sha256()
        while True:
            message = await receive()
            digest.update(message["body"])
            if not message["more_body"]:
                break
        answer = digest.hexdigest().encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
        await send({"type": "http.response.body", "body": answer})

    _Counting.reads = 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, loop=loop, http=_Counting, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    bodies = [random.Random(20 + i).randbytes(3_000_000 + i * 4099) for i in range(4)]
    answers: list[str] = [""] * len(bodies)

    def put(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.putrequest("PUT", "/upload")
            connection.putheader("Content-Length", str(len(bodies[i])))
            connection.endheaders()
            view = memoryview(bodies[i])
            step = 1000 + i * 70_000  # small and large sends interleave across the connections
            for start in range(0, len(view), step):
                connection.send(view[start : start + step])
            response = connection.getresponse()
            answers[i] = response.read().decode() if response.status == 200 else f"status {response.status}"
        finally:
            connection.close()

    try:
        senders = [threading.Thread(target=put, args=(i,)) for i in range(len(bodies))]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(60)
    finally:
        server.should_exit = True
        thread.join(10)
    assert answers == [hashlib.sha256(body).hexdigest() for body in bodies]
    assert _Counting.reads > len(bodies)  # the loop read through get_buffer/buffer_updated, not data_received
