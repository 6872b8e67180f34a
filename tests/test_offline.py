"""Nothing talks to the network: ingest and ask open no socket to a non-loopback address."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS

from careerbot import CareerBot
from careerbot.config import Settings


def _loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            attempts.append(address)
            raise OSError(f"network access blocked in test: {address}")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (None, "localhost") and not _loopback(host):
            attempts.append(host)
            raise OSError(f"DNS lookup blocked in test: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def test_ingest_and_ask_stay_offline(tmp_path: Path, no_network: list[Any]) -> None:
    bot = CareerBot(Settings(corpus=CORPUS, home=tmp_path / "home"))
    report = bot.ingest(progress=False)
    assert report.embedded > 0
    assert "$101,340" in bot.ask("What is the median pay?").text
    assert no_network == []
