"""Server mode: the index on a real `chroma run` server, shared, versioned, and recoverable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS, free_port

from careerbot import CareerBot, Settings
from careerbot.errors import BackendUnavailable, ConfigError, IndexBusy
from careerbot.index.lease import LEASE_ID
from careerbot.index.server import ServerBackend, parse_url
from careerbot.index.store import IndexStore

pytestmark = [pytest.mark.server, pytest.mark.slow]

QUESTIONS = [
    "How much do medical and health services managers earn?",
    "What degree do I need?",
    "What is the job outlook?",
    "Where do they work?",
    "What does a nursing home administrator do?",
    "How do I become an astronaut?",
]


class ChromaServer:
    """A `chroma run` process on a loopback port with its own data folder."""

    def __init__(self, path: Path, port: int) -> None:
        self.path, self.port = path, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        exe = Path(sys.executable).with_name("chroma")
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        self.proc = subprocess.Popen(
            [str(exe), "run", "--host", "127.0.0.1", "--port", str(self.port),
             "--path", str(self.path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "chroma run exited"
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("chroma run did not answer its heartbeat within 60 s")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path_factory.mktemp("chroma-data"), free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="module")
def server_bot(chroma: ChromaServer, tmp_path_factory: pytest.TempPathFactory) -> CareerBot:
    settings = Settings(corpus=CORPUS, home=tmp_path_factory.mktemp("srv-home"),
                        chroma_url=chroma.url)
    bot = CareerBot(settings)
    report = bot.ingest(progress=False)
    assert report.embedded > 0 and report.version == "v000001"
    return bot


def test_parse_url() -> None:
    assert parse_url("http://127.0.0.1:8000") == ("127.0.0.1", 8000, False)
    assert parse_url("https://chroma.example") == ("chroma.example", 443, True)
    assert parse_url("localhost:9000") == ("localhost", 9000, False)
    with pytest.raises(ConfigError, match="not a server URL"):
        parse_url("ftp://x")
    assert Settings.resolve(env={"CAREERBOT_CHROMA_URL": "http://h:1"}).chroma_url == "http://h:1"


def test_answers_identical_to_embedded(server_bot: CareerBot, bot: CareerBot) -> None:
    for question in QUESTIONS:
        got, want = server_bot.ask(question), bot.ask(question)
        assert got.text == want.text, question
        assert got.citations == want.citations, question
        assert got.refused == want.refused


def test_second_process_shares_the_index_and_noop_ingest(
    server_bot: CareerBot, chroma: ChromaServer, tmp_path: Path
) -> None:
    other = CareerBot(Settings(corpus=CORPUS, home=tmp_path / "other", chroma_url=chroma.url))
    assert other.store.current_version() == server_bot.store.current_version() == "v000001"
    assert other.ask(QUESTIONS[0]).text == server_bot.ask(QUESTIONS[0]).text
    report = other.ingest(progress=False)
    assert (report.embedded, report.version) == (0, "v000001")
    assert not (tmp_path / "other" / "index").exists()  # nothing embedded on local disk


def test_incremental_ingest_swaps_and_sweeps(chroma: ChromaServer, corpus_copy: Path,
                                             tmp_path: Path) -> None:
    own = ChromaServer(tmp_path / "data", free_port())  # an empty server of its own
    own.start()
    try:
        settings = Settings(corpus=corpus_copy, home=tmp_path / "h", chroma_url=own.url)
        bot = CareerBot(settings)
        first = bot.ingest(progress=False)
        doc = next(corpus_copy.glob("*.txt"))
        doc.write_text(doc.read_text() + "\nCareerbot Test\n\nThe test section has one fact.\n")
        second = bot.ingest(progress=False)
        assert second.added >= 1 and second.embedded == second.added < first.embedded
        assert second.version == "v000002"
        assert any("one fact" in c.text for c in bot.store.open().chunks)
        doc.write_text(doc.read_text() + "\nAnother Test\n\nAnother section, another fact.\n")
        assert bot.ingest(progress=False).version == "v000003"
        backend = bot.store.backend
        assert isinstance(backend, ServerBackend)
        assert backend._versions() == ["v000002", "v000003"]  # previous kept, older dropped
    finally:
        own.kill()


def test_writer_lease_across_processes(server_bot: CareerBot, chroma: ChromaServer) -> None:
    first, second = ServerBackend(chroma.url), ServerBackend(chroma.url)
    with first.writer():
        with pytest.raises(IndexBusy, match="being updated by"):
            with second.writer():
                pass
    with second.writer():  # released
        pass
    # A lease left by a writer that died on this machine (kill -9) is taken over at once.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    meta = first._meta()
    meta.upsert(ids=[LEASE_ID], embeddings=[[0.0]], metadatas=[{
        "owner": "gone", "host": __import__("socket").gethostname(),
        "pid": int(dead.stdout), "expires": time.time() + 3600}])
    with first.writer():
        pass
    # A live lease from another machine is respected until it expires.
    meta.upsert(ids=[LEASE_ID], embeddings=[[0.0]], metadatas=[{
        "owner": "far", "host": "elsewhere", "pid": 1, "expires": time.time() + 3600}])
    with pytest.raises(IndexBusy, match="elsewhere"):
        with first.writer():
            pass
    meta.upsert(ids=[LEASE_ID], embeddings=[[0.0]], metadatas=[{
        "owner": "far", "host": "elsewhere", "pid": 1, "expires": time.time() - 1}])
    with first.writer():
        pass
    assert not meta.get(ids=[LEASE_ID])["ids"]


def test_server_down_then_back(server_bot: CareerBot, chroma: ChromaServer) -> None:
    want = server_bot.ask(QUESTIONS[0]).text
    chroma.kill()
    try:
        with pytest.raises(BackendUnavailable, match=f"Chroma server at {chroma.url}"):
            server_bot.ask(QUESTIONS[0])
        with pytest.raises(BackendUnavailable):
            IndexStore(server_bot.settings, server_bot.embeddings).ingest(progress=False)
        env = {**os.environ, "CAREERBOT_CHROMA_URL": chroma.url}
        cli = subprocess.run([str(Path(sys.executable).with_name("careerbot")), "ask", "Pay?"],
                             capture_output=True, text=True, env=env, timeout=120)
        assert cli.returncode == 1
        assert "Traceback" not in cli.stderr and cli.stdout == ""
        assert cli.stderr.startswith("error: Cannot reach the Chroma server")
    finally:
        chroma.start()  # same data folder and port
    assert server_bot.ask(QUESTIONS[0]).text == want  # the same bot reconnects
