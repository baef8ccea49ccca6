"""The cap on request bodies: anything over the limit is refused with 413 before it is parsed."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_impl.api.errors import error_response

__all__ = ["BodySizeLimit"]


class BodySizeLimit:
    """ASGI middleware refusing request bodies larger than `max_bytes` with 413 body_too_large.

    A declared Content-Length over the limit is refused at once; a body sent without one (chunked)
    is counted as it arrives and refused when it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return f"the request body is larger than the limit of {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = error_response(413, "body_too_large", self._message())
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the body read: FastAPI passes it to the error handlers.
                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, counting_receive, send)
