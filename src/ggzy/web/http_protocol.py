"""uvicorn's httptools protocol, reading sockets into one reused buffer and handing request-body pieces to
the app without copying them again.

uvicorn's own protocol receives each read as a fresh ``bytes`` that the event loop copied out of its read
buffer (at most 256,000 bytes: uvloop's), appends every body piece the parser makes to a ``bytearray`` and,
when the app asks, copies that into another ``bytes``. During the issue-4 bench (200 bidders × 20 MiB) the
event-loop thread, which also reads every socket, was the server's bottleneck, and those copies with their
fresh allocations were a fifth of its CPU time (``perf``, same run). Here:

- The socket is read straight into a per-thread 1 MiB buffer (``asyncio.BufferedProtocol``: uvloop and
  asyncio both call ``get_buffer``/``buffer_updated``), which the parser reads from at once; reads may be
  four times as large, so a body comes in fewer pieces, each waking the app once. The parser copies every
  piece into its own ``bytes`` before the call returns, so the next read may reuse the buffer.
- A body piece that arrives when the app has taken everything before it is kept as the parser's ``bytes``
  object, and uvicorn's ``bytes(...)`` of a ``bytes`` object returns that same object. Pieces that pile up
  before the app reads them are joined as before. Flow control is unchanged: reading pauses past uvicorn's
  high-water mark whatever the pieces' type.

uvloop reads into a protocol's buffer only if the protocol is not an ``asyncio.Protocol``, which uvicorn's
is, so ``BodyPassingProtocol`` wraps uvicorn's protocol rather than subclassing it.

``ggzy serve``, the bench and the browser tests serve through this protocol (``HTTP_PROTOCOL``).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HTTP_PROTOCOL = "ggzy.web.http_protocol:BodyPassingProtocol"  # uvicorn's ``http`` option, importable by workers
READ_BUFFER = 1 << 20

_buffers = threading.local()  # one per event-loop thread: a read is parsed before the loop reads again


def _read_buffer() -> memoryview:
    view: memoryview | None = getattr(_buffers, "view", None)
    if view is None:
        view = _buffers.view = memoryview(bytearray(READ_BUFFER))
    return view


class BodyPassingHttp(HttpToolsProtocol):
    """uvicorn's protocol with the body handed over as parsed (see the module's docstring)."""

    def on_body(self, body: bytes) -> None:
        if (self.parser.should_upgrade() and self._should_upgrade()) or self.cycle.response_complete:
            return
        cycle = self.cycle
        if not cycle.body:
            # uvicorn resets the body to an empty bytearray after each receive(): the piece itself takes its place
            cycle.body = body  # type: ignore[assignment]
        else:  # the app has not taken what came before: accumulate, as uvicorn does
            if isinstance(cycle.body, bytes):
                cycle.body = bytearray(cycle.body)
            cycle.body += body
        if len(cycle.body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.message_event.set()


class BodyPassingProtocol(asyncio.BufferedProtocol):
    """The connection's protocol for the event loop: reads into the thread's buffer, parses with
    ``BodyPassingHttp``. uvicorn knows only the inner protocol (its connections set, shutdown, upgrades)."""

    http_class: type[BodyPassingHttp] = BodyPassingHttp
    _view: memoryview  # the buffer get_buffer last handed out; buffer_updated parses from it

    def __init__(self, **kwargs: Any) -> None:
        self.http = self.http_class(**kwargs)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.http.connection_made(transport)  # type: ignore[arg-type]

    def connection_lost(self, exc: Exception | None) -> None:
        self.http.connection_lost(exc)

    def eof_received(self) -> None:
        self.http.eof_received()

    def pause_writing(self) -> None:
        self.http.pause_writing()

    def resume_writing(self) -> None:
        self.http.resume_writing()

    def get_buffer(self, sizehint: int) -> memoryview:
        self._view = _read_buffer()  # the calling thread's: the loop's own, whichever thread made the protocol
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self.http.data_received(self._view[:nbytes])  # type: ignore[arg-type]
