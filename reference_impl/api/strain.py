"""The two planted faults that show only under load, as one ASGI middleware.

`leak-under-soak` and `errors-under-load` are properties of a server under traffic, not of a
route, so they are planted where traffic passes: in front of every route. The middleware is
installed only when one of them is switched on.
"""

from __future__ import annotations

import asyncio
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from reference_impl import faults
from reference_impl.api.errors import error_response
from reference_impl.settings import Settings

__all__ = ["LoadFaults", "clock", "wanted"]

#: The clock the leak is timed by (a test may replace it to age a connection at once).
clock = time.monotonic


def wanted(settings: Settings) -> bool:
    """Return whether any fault this middleware plants is switched on."""
    return settings.fault("leak-under-soak") or settings.fault("errors-under-load")


class LoadFaults:
    """ASGI middleware planting `leak-under-soak` and `errors-under-load` as `settings` say."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.leak = settings.fault("leak-under-soak")
        self.errors = settings.fault("errors-under-load")
        self.connected: dict[tuple[str, int], float] = {}  # when each connection was first seen
        self.clients: dict[tuple[str, int], float] = {}
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.leak and scope["method"] == "GET":
            client = scope.get("client") or ("", 0)
            since = self.connected.setdefault((client[0], client[1]), clock())
            await asyncio.sleep(faults.leaked_seconds(clock() - since))
        if self.errors and self._overloaded(scope):
            response = error_response(503, "overloaded", "too many clients: try again later")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _overloaded(self, scope: Scope) -> bool:
        now = clock()
        client = scope.get("client") or ("", 0)
        self.clients[(client[0], client[1])] = now
        self.clients = {
            c: seen
            for c, seen in self.clients.items()
            if now - seen <= faults.ERRORS_WINDOW_SECONDS
        }
        self.requests += 1
        return (
            len(self.clients) > faults.ERRORS_ABOVE_CLIENTS
            and self.requests % faults.ERRORS_EVERY == 0
        )
