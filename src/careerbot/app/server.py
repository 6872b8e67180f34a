"""``careerbot serve``: one process, one port, for the chat page (``/``), the
OpenAI-compatible API (``/v1``) and, when asked for, MCP tools (``/mcp``).

The safe defaults of ``careerbot chat`` hold: loopback unless told otherwise, and beyond
loopback the API needs a key and the page a login (or ``--insecure``). A small ASGI guard
in front checks the key and caps the request body before any route reads it.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from careerbot.app.access import MAX_BODY_BYTES, TOO_LARGE, is_loopback, run_capped
from careerbot.app.api import ApiError, Gate, build_api
from careerbot.bot import CareerBot
from careerbot.config import Settings
from careerbot.errors import ConfigError

GUARDED = ("/v1", "/mcp")


def parse_keys(key: str | None, key_file: Path | None) -> list[str]:
    """API keys from ``--api-key`` and/or a file of one key per line (``#`` starts a comment)."""
    keys = [key.strip()] if key is not None else []
    if key_file is not None:
        try:
            lines = key_file.read_text().splitlines()
        except OSError as e:
            raise ConfigError(f"Cannot read the API key file {key_file}: {e.strerror}.") from e
        keys += [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
        if not keys:
            raise ConfigError(f"The API key file {key_file} has no keys (one per line).")
    if any(not k or any(ch.isspace() for ch in k) for k in keys):
        raise ConfigError("An API key must be non-empty and contain no spaces.")
    return keys


def check_serve_host(host: str, keys: Sequence[str], auth: object, insecure: bool) -> None:
    """Refuse to serve beyond this machine without an API key and a page login, unless told to."""
    if is_loopback(host) or insecure:
        return
    missing = ([] if keys else ["--api-key KEY or --api-key-file FILE (for /v1 and /mcp)"]) + (
        [] if auth else ["--auth USER:PASSWORD or --auth-file FILE (for the chat page)"])
    if missing:
        raise ConfigError(
            f"Refusing to serve on {host} unprotected: anyone on the network could use it. Pass "
            + " and ".join(missing) + ", or --insecure if you really mean it."
        )


class Guard:
    """ASGI middleware for :data:`GUARDED` paths: a Bearer key (when keys are set) and a body cap."""

    def __init__(self, app: Any, keys: Sequence[str], max_body: int = MAX_BODY_BYTES) -> None:
        self.app, self.keys, self.max_body = app, [k.encode() for k in keys], max_body

    def _guarded(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in GUARDED)

    def _authorised(self, headers: dict[bytes, bytes]) -> bool:
        scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
        given = token.strip() if scheme.lower() == b"bearer" else b""
        # compare_digest against every key: the time taken says nothing about which is near.
        return any([hmac.compare_digest(given, k) for k in self.keys])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Pass other paths through; answer 401 or 413 here, before the app reads anything."""
        if scope["type"] != "http" or not self._guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if self.keys and not self._authorised(headers):
            await _reply(send, ApiError(401, "Missing or wrong API key: send 'Authorization: Bearer "
                                        "KEY' with a key the server was started with.",
                                        code="invalid_api_key",
                                        headers={"WWW-Authenticate": "Bearer"}))
            return
        too_big = ApiError(413, f"The request body is over {self.max_body:,} bytes; send a shorter "
                           "history.", code="request_too_large")
        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_body:
            await _reply(send, too_big)
            return
        if await run_capped(self.app, scope, receive, send, self.max_body) == TOO_LARGE:
            await _reply(send, too_big)


async def _reply(send: Any, error: ApiError) -> None:
    response = error.response()
    await response({"type": "http"}, _no_body, send)


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def build_server(
    bot: CareerBot, settings: Settings, keys: Sequence[str] = (),
    auth: list[tuple[str, str]] | None = None, mcp: bool = False, host: str = "127.0.0.1",
) -> Any:
    """The whole application: ``/v1`` (and ``/mcp``) behind the guard, the chat page at ``/``."""
    gate = Gate(settings.chat_concurrency, settings.chat_queue_size)
    tools = None
    if mcp:
        from careerbot.app.mcp_tools import build_mcp

        tools = build_mcp(bot, gate, host.strip("[]"))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if tools is not None:
                await stack.enter_async_context(tools.session_manager.run())
            yield

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/v1", build_api(bot, gate))
    if tools is not None:
        app.router.routes.extend(tools.streamable_http_app().routes)
    from careerbot.app import web

    web.mount(app, bot, settings, auth)  # last: the page's mount at "/" matches every path
    return Guard(app, keys)


def serve(settings: Settings, host: str, port: int, keys: Sequence[str],
          auth: list[tuple[str, str]] | None, insecure: bool = False, mcp: bool = False) -> None:
    """Check the address, build the index if needed, and serve until Ctrl-C."""
    import uvicorn

    from careerbot.app.web import page_url

    check_serve_host(host, keys, auth, insecure)
    bot = CareerBot(settings)
    bot.version()  # build or open the index before the port opens
    app = build_server(bot, settings, keys, auth, mcp, host)
    url = page_url(host, port)
    extra = f", MCP tools at {url}mcp" if mcp else ""
    print(f"careerbot is serving the chat page at {url}, the OpenAI-compatible API at {url}v1"
          f"{extra} (Ctrl-C to stop)", flush=True)
    uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning")
