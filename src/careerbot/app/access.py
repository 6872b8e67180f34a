"""Who may reach the chat page: the loopback check and the credentials it needs otherwise."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from careerbot.errors import ConfigError


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
