"""uvicorn's httptools protocol, handing request-body pieces to the app without copying them.

uvicorn appends every piece the parser produces to a ``bytearray`` and, when the app asks for the body,
copies that into a fresh ``bytes``: two copies of every uploaded byte, both on the event-loop thread, which
also reads every socket. During the issue-4 bench (200 bidders × 20 MiB) that thread was the server's
bottleneck, and those copies with their fresh allocations were a fifth of its CPU time (``perf``, same run).
Here a piece that arrives when the app has taken everything before it is kept as the ``bytes`` object the
parser made, and uvicorn's ``bytes(...)`` of a ``bytes`` object returns that same object: no copy. Pieces
that pile up before the app reads them are joined as before. Flow control is unchanged: reading pauses past
uvicorn's high-water mark whatever the pieces' type.

``ggzy serve``, the bench and the browser tests serve through this protocol (``HTTP_PROTOCOL``).
"""

from __future__ import annotations

from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HTTP_PROTOCOL = "ggzy.web.http_protocol:BodyPassingProtocol"  # uvicorn's ``http`` option, importable by workers


class BodyPassingProtocol(HttpToolsProtocol):
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
