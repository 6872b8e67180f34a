"""Shared fixtures: isolation from the user's settings, and one real index per session.

Tests use the real embedding model and a real Chroma in a temporary folder; only the
LLM edge is ever faked.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from careerbot import CareerBot
from careerbot.config import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No CAREERBOT_* from the outside; an empty home unless a test asks for the shared one."""
    for key in list(os.environ):
        if key.startswith("CAREERBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("CAREERBOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CAREERBOT_CORPUS", str(CORPUS))


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home folder with the corpus indexed once per session (real model, real Chroma)."""
    home = tmp_path_factory.mktemp("built-home")
    bot = CareerBot(Settings(corpus=CORPUS, home=home))
    bot.ingest(progress=False)
    return home


@pytest.fixture(scope="session")
def bot(built_home: Path) -> CareerBot:
    """A warm bot over the shared index. Do not ingest through it: copy the home instead."""
    return CareerBot(Settings(corpus=CORPUS, home=built_home))


@pytest.fixture
def fresh_home(built_home: Path, tmp_path: Path) -> Path:
    """A private copy of the built index, for tests that change it."""
    home = tmp_path / "fresh-home"
    shutil.copytree(built_home, home)
    return home


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the corpus folder, for tests that edit documents."""
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> Iterator[int]:
    """A free loopback port for a server under test."""
    yield free_port()


def stop(proc: subprocess.Popen[str], timeout: float = 15) -> None:
    """Terminate a server under test, killing it if it does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
