"""Who may reach the chat page: the loopback check, the credentials it needs otherwise,
and the door itself (:class:`Bouncer`: request sizes and login throttling)."""

from __future__ import annotations

import ipaddress
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, cast

from careerbot.errors import ConfigError

MAX_BODY_BYTES = 1 << 20
"""Largest request body (and upload) the chat server reads; a question is at most a few KB."""
FREE_LOGINS = 3
"""Failed logins from one address before it must wait."""
FIRST_WAIT = 1.0
MAX_WAIT = 300.0
"""Seconds an address waits after its 4th failed login, doubling per failure up to this."""
FORGET_AFTER = 900.0
"""Seconds after its last failure when an address starts afresh."""
TRACKED = 10_000
"""Addresses remembered at most (the oldest are forgotten first), so memory stays bounded."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost"."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, auth: object, insecure: bool) -> None:
    """Refuse to serve beyond this machine without a password, unless told to."""
    if not is_loopback(host) and not auth and not insecure:
        raise ConfigError(
            f"Refusing to serve on {host} without a password: anyone on the network could use it. "
            "Pass --auth USER:PASSWORD or --auth-file FILE, or --insecure if you really mean it."
        )


def auth_warning(host: str, auth: str | None, from_command_line: bool) -> str | None:
    """A warning when a password is typed on the command line of a shared server, where
    other users can read it with ``ps``."""
    if auth and from_command_line and not is_loopback(host):
        return ("warning: --auth puts the password in the process list (`ps`) where other users "
                "of this machine can read it; prefer --auth-file FILE or CAREERBOT_AUTH.")
    return None


def parse_auth(auth: str | None, auth_file: Path | None) -> list[tuple[str, str]] | None:
    """Credentials from ``USER:PASSWORD`` and/or a file of such lines (``#`` starts a comment line)."""
    entries = [auth] if auth else []
    if auth_file is not None:
        try:
            text = auth_file.read_text()
        except OSError as e:
            raise ConfigError(f"Cannot read the auth file {auth_file}: {e.strerror}.") from e
        # A comment is a line whose first non-blank character is "#", indented or not.
        lines = [ln.strip() for ln in text.splitlines()]
        entries += [ln for ln in lines if ln and not ln.startswith("#")]
        if not entries:
            raise ConfigError(f"The auth file {auth_file} has no USER:PASSWORD lines.")
    pairs = []
    for entry in entries:
        user, sep, password = entry.partition(":")
        if not (sep and user and password):
            raise ConfigError("Credentials must look like USER:PASSWORD (both non-empty).")
        pairs.append((user, password))
    return pairs or None


class LoginThrottle:
    """Failed logins per client address, with exponential back-off.

    After :data:`FREE_LOGINS` failures an address waits :data:`FIRST_WAIT` seconds, then
    twice as long after each further failure, up to :data:`MAX_WAIT`; a success or
    :data:`FORGET_AFTER` quiet seconds clear it. Pure bookkeeping: the clock is passed in.
    """

    def __init__(self) -> None:
        self._seen: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def wait(self, address: str, now: float) -> float:
        """Seconds ``address`` must wait before its next login attempt (0: go ahead)."""
        failures, last = self._seen.get(address, (0, 0.0))
        if failures <= FREE_LOGINS or now - last > FORGET_AFTER:
            return 0.0
        delay = min(FIRST_WAIT * 2 ** (failures - FREE_LOGINS - 1), MAX_WAIT)
        return max(0.0, last + delay - now)

    def failed(self, address: str, now: float) -> None:
        """Count a failed login."""
        failures, last = self._seen.pop(address, (0, 0.0))
        self._seen[address] = (1 if now - last > FORGET_AFTER else failures + 1, now)
        while len(self._seen) > TRACKED:
            self._seen.popitem(last=False)

    def succeeded(self, address: str) -> None:
        """Forget an address's failures."""
        self._seen.pop(address, None)


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _TooLarge(Exception):
    pass


TOO_LARGE = -1
"""What :func:`run_capped` returns when a body outgrew the cap before any response."""


async def run_capped(app: Callable[..., Awaitable[None]], scope: Scope, receive: Receive,
                     send: Send, max_body: int) -> int:
    """Run an ASGI app on a body read at most ``max_body`` bytes deep (a chunked body has
    no length up front); returns the response status, 0 for none, or :data:`TOO_LARGE`."""
    status: list[int] = []
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > max_body:
            raise _TooLarge
        return message

    async def watched(message: Message) -> None:
        if message["type"] == "http.response.start":
            status.append(int(message["status"]))
        await send(message)

    try:
        await app(scope, limited, watched)
    except _TooLarge:
        return status[0] if status else TOO_LARGE
    return status[0] if status else 0


class Bouncer:
    """ASGI middleware in front of the chat server: refuses request bodies over
    ``max_body`` bytes (413) and throttles failed logins per client address (429).

    Behind a proxy every client shares the proxy's address; put the proxy's own rate
    limit in front then (see the README's security section).
    """

    def __init__(self, app: Callable[..., Awaitable[None]], max_body: int = MAX_BODY_BYTES,
                 throttle: LoginThrottle | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.max_body = max_body
        self.throttle = throttle or LoginThrottle()
        self.clock = clock

    @classmethod
    def middleware(cls, **options: Any) -> Any:
        """The Starlette ``Middleware`` entry for ``FastAPI(middleware=[...])``."""
        from starlette.middleware import Middleware

        return Middleware(cast(Any, cls), **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request (or pass anything that is not HTTP straight through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > self.max_body:
            await _reply(send, 413, f"Request body over {self.max_body:,} bytes.")
            return
        login = scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/login")
        address = (scope.get("client") or ("?", 0))[0]
        if login:
            wait = self.throttle.wait(address, self.clock())
            if wait > 0:
                await _reply(send, 429, f"Too many failed logins; try again in {wait:.0f} s.",
                             retry_after=wait)
                return
        status = await run_capped(self.app, scope, receive, send, self.max_body)
        if status == TOO_LARGE:
            await _reply(send, 413, f"Request body over {self.max_body:,} bytes.")
        if login and status > 0:
            if status < 300:
                self.throttle.succeeded(address)
            elif status in (400, 401, 403):
                self.throttle.failed(address, self.clock())


async def _reply(send: Send, status: int, detail: str, retry_after: float = 0.0) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after:
        headers.append((b"retry-after", str(max(1, round(retry_after))).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
