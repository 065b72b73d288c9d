"""Transport security and access logging for every request.

In production the app runs behind the hosting provider's TLS proxy: plain-HTTP requests are
redirected to HTTPS (308) and HTTPS responses carry HSTS; `/health` stays reachable over HTTP for
the platform's probes. HTTPS_REDIRECT=off turns this off (a private network).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from app.config import production

HSTS = "max-age=31536000; includeSubDomains"
logger = logging.getLogger("app.access")
Next = Callable[[Request], Awaitable[Response]]


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def hsts_https_redirect(request: Request, call_next: Next) -> Response:
        if not production() or os.environ.get("HTTPS_REDIRECT") == "off" or \
                request.url.path == "/health":
            return await call_next(request)
        scheme = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0]
        if scheme.strip() != "https":
            return RedirectResponse(str(request.url.replace(scheme="https")), status_code=308)
        response = await call_next(request)
        response.headers["Strict-Transport-Security"] = HSTS
        return response

    # Registered last, so it runs first and also logs redirects. One JSON line per request:
    # method, path (never the query string or body, which may carry personal data), status,
    # duration, client address and the signed-in user's id.
    @app.middleware("http")
    async def access_log(request: Request, call_next: Next) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        logger.info(json.dumps({
            "time": datetime.now(UTC).isoformat(), "level": "info", "msg": "request",
            "method": request.method, "path": request.url.path,
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "ip": request.client.host if request.client else None,
            "user": getattr(request.state, "user_id", None),
        }))
        return response
