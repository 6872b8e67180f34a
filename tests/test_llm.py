"""The LLM path through the public API, with LangChain's fake chat models at the far edge.

The fakes script what small models do wrong (invented figures, invented markers, outside
images, slowness, dead servers) and one correct answer; the assertions are about what the
user finally gets. Retrieval, the index and the extractive fallback are all real.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import Field
from typer.testing import CliRunner

from careerbot import Answer, CareerBot, Settings, prompts
from careerbot.app.cli import app
from careerbot.core import generative
from careerbot.errors import ConfigError
from careerbot.models import chat

PAY = "What is the median annual wage for medical and health services managers?"
MEDIAN = "$101,340"
_PASSAGE = re.compile(r"^\[(\d+)\] \(([^)]*)\) (.*)$", re.M)


class Scripted(FakeListChatModel):
    """Replies in order and records each prompt.

    ``[@words]`` in a reply becomes the marker of the first passage in the prompt that
    contains ``words``, so scripts do not depend on retrieval order.
    """

    prompts: list[str] = Field(default_factory=list)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        prompt = str(messages[-1].content)
        self.prompts.append(prompt)
        self.responses[self.i] = re.sub(
            r"\[@([^\]]+)\]", lambda m: f"[{passage_number(prompt, m.group(1))}]",
            self.responses[self.i],
        )
        yield from super()._stream(messages, stop, run_manager, **kwargs)


def passage_number(prompt: str, words: str) -> int:
    for n, _section, text in _PASSAGE.findall(prompt):
        if words in text:
            return int(n)
    raise AssertionError(f"no passage in the prompt contains {words!r}")


@pytest.fixture
def use(bot: CareerBot) -> Iterator[Callable[..., CareerBot]]:
    """Give the shared bot a chat model (and settings changes) for one test."""
    original = bot.settings

    def attach(model: BaseChatModel | None, **changes: Any) -> CareerBot:
        bot.chat_model = model
        bot.settings = original.replace(**changes)
        return bot

    yield attach
    bot.chat_model = None
    bot.settings = original


@pytest.fixture(scope="module")
def extractive_pay(bot: CareerBot) -> Answer:
    assert bot.chat_model is None
    return bot.ask(PAY)


# -- what the user gets -------------------------------------------------------------------


def test_a_correct_answer_passes_untouched(use: Callable[..., CareerBot]) -> None:
    model = Scripted(responses=[f"Managers earned a median of {MEDIAN} in May 2021 [@{MEDIAN}]."])
    answer = use(model).ask(PAY)
    assert answer.text == f"Managers earned a median of {MEDIAN} in May 2021 [1]."
    assert answer.verified and answer.notes == [] and not answer.refused
    assert len(answer.citations) == 1
    assert MEDIAN in answer.citations[0].quote and MEDIAN in answer.citations[0].passage
    assert answer.citations[0].section == "Pay"
    prompt = model.prompts[0]
    assert "Question: " + PAY in prompt and "[1] (" in prompt and "[n]" not in prompt


def test_markers_are_renumbered_in_order_of_use(use: Callable[..., CareerBot]) -> None:
    reply = f"Half earned more than {MEDIAN} [@{MEDIAN}]. It is a wage [@{MEDIAN}]."
    answer = use(Scripted(responses=[reply])).ask(PAY)
    assert re.findall(r"\[\d+\]", answer.text) == ["[1]", "[1]"]
    assert [c.n for c in answer.citations] == [1]


def test_a_hallucinated_figure_never_reaches_the_user(
    use: Callable[..., CareerBot], extractive_pay: Answer
) -> None:
    reply = (
        f"Managers earned a median of {MEDIAN} [@{MEDIAN}]. "
        f"Top managers earn $250,000 a year [@{MEDIAN}]."
    )
    answer = use(Scripted(responses=[reply])).ask(PAY)
    assert "250,000" not in answer.text
    assert answer.text == extractive_pay.text
    assert not answer.verified
    assert any("250000 is not in [" in n for n in answer.notes)


def test_dropping_instead_of_replacing_keeps_the_supported_sentences(
    bot: CareerBot, use: Callable[..., CareerBot]
) -> None:
    reply = f"The median was {MEDIAN} [@{MEDIAN}]. Top managers earn $250,000 [@{MEDIAN}]."
    model = Scripted(responses=[reply])
    use(model).ask(PAY)
    docs = bot._retrieve(PAY, [])[2]
    fallback = Answer(text="fallback")
    answer, checked = generative.finish(
        model.responses[0], generative.passages(docs), fallback, on_fail=generative.DROP
    )
    assert answer.text == f"The median was {MEDIAN} [1]." and not answer.verified
    assert len(checked.dropped) == 1


def test_invented_markers_are_not_shown(
    use: Callable[..., CareerBot], extractive_pay: Answer
) -> None:
    answer = use(Scripted(responses=[f"The median wage is {MEDIAN} [42]."])).ask(PAY)
    assert answer.text == extractive_pay.text and not answer.verified
    assert "cites [42], which is not one of the" in answer.notes[0]


def test_an_external_image_is_removed_and_the_rest_kept(use: Callable[..., CareerBot]) -> None:
    reply = f"The median wage was {MEDIAN} [@{MEDIAN}]. ![pay](https://cdn.example.com/pay.png)"
    answer = use(GenericFakeChatModel(messages=iter([AIMessage(_resolved(reply))]))).ask(PAY)
    assert "example.com" not in answer.text and "![" not in answer.text
    assert answer.text == f"The median wage was {MEDIAN} [1]."
    assert not answer.verified
    assert answer.notes == ["removed an image (https://cdn.example.com/pay.png)"]


def _resolved(reply: str) -> str:
    # GenericFakeChatModel cannot see the prompt; the median sentence is the best passage.
    return reply.replace(f"[@{MEDIAN}]", "[1]")


def test_i_dont_know_falls_back_to_the_extractive_answer(
    use: Callable[..., CareerBot], extractive_pay: Answer
) -> None:
    answer = use(Scripted(responses=["I don't know from this profile."])).ask(PAY)
    assert answer.text == extractive_pay.text and not answer.verified
    assert "the LLM did not answer from the passages" in answer.notes


def test_a_refused_question_never_reaches_the_model(use: Callable[..., CareerBot]) -> None:
    model = Scripted(responses=["Astronauts earn $1,000,000 [1]."])
    answer = use(model).ask("How much do astronauts earn on Mars?")
    assert answer.refused and model.prompts == []
    assert "1,000,000" not in answer.text


# -- slow, failing and unreachable servers ------------------------------------------------


def test_a_slow_model_times_out_into_the_extractive_answer(
    use: Callable[..., CareerBot], extractive_pay: Answer
) -> None:
    model = FakeListChatModel(responses=["The median is high [1]."], sleep=0.2)
    start = time.perf_counter()
    answer = use(model, llm_timeout=0.5).ask(PAY)
    assert time.perf_counter() - start < 3
    assert answer.text == extractive_pay.text
    assert answer.notes[0].startswith("The LLM (FakeListChatModel) did not answer within 0.5 s")
    assert "\n" not in answer.notes[0]


def test_a_model_that_fails_mid_answer_falls_back(
    use: Callable[..., CareerBot], extractive_pay: Answer
) -> None:
    model = FakeListChatModel(responses=["The median is $101,340 [1]."], error_on_chunk_number=5)
    answer = use(model).ask(PAY)
    assert answer.text == extractive_pay.text
    assert "FakeListChatModelError" in answer.notes[0] and "Traceback" not in answer.notes[0]


def test_an_unreachable_server_is_one_notice_not_a_traceback(
    use: Callable[..., CareerBot], extractive_pay: Answer, port: int
) -> None:
    url = f"http://127.0.0.1:{port}/v1"
    settings = Settings(llm="openai", llm_url=url, llm_connect_timeout=1, llm_timeout=5)
    model = chat.build_chat_model(settings)
    start = time.perf_counter()
    answer = use(model, llm="openai", llm_url=url).ask(PAY)
    assert time.perf_counter() - start < 5
    assert answer.text == extractive_pay.text
    assert answer.notes[0].startswith(f"Cannot reach the LLM (openai at {url})")
    assert answer.notes[0].endswith("Answered without the LLM.")


# -- streaming and follow-ups -------------------------------------------------------------


def test_stream_yields_tokens_then_the_verified_answer(use: Callable[..., CareerBot]) -> None:
    reply = f"The median was {MEDIAN} [@{MEDIAN}]."
    items = list(use(Scripted(responses=[reply])).stream(PAY))
    *tokens, final = items
    assert all(isinstance(t, str) for t in tokens) and len(tokens) > 5
    assert "".join(tokens) == f"The median was {MEDIAN} [1]." == final.text  # type: ignore[union-attr]
    assert isinstance(final, Answer) and final.verified


def test_stream_replaces_a_hallucination_at_the_end(
    use: Callable[..., CareerBot], extractive_pay: Answer
) -> None:
    items = list(use(Scripted(responses=["Managers earn $999,999 [1]."])).stream(PAY))
    *tokens, final = items
    assert "999,999" in "".join(str(t) for t in tokens)
    assert isinstance(final, Answer) and "999,999" not in final.text
    assert final.text == extractive_pay.text


def test_a_follow_up_is_rewritten_before_retrieval(use: Callable[..., CareerBot]) -> None:
    history = [("What do nursing home administrators do?", "They manage staff [1].")]
    model = Scripted(
        responses=[
            "How much do nursing and residential care facility managers make?",
            "Managers in nursing and residential care facilities earned a median of 83,550 "
            "[@83,550].",
        ]
    )
    answer = use(model).ask("How much do they make?", history)
    rewrite_prompt, answer_prompt = model.prompts
    assert "User: What do nursing home administrators do?" in rewrite_prompt
    assert "Last question: How much do they make?" in rewrite_prompt
    assert "Question: How much do nursing and residential care facility managers make?" in (
        answer_prompt
    )
    assert "83,550" in answer.text and answer.verified
    assert answer.notes == [
        "follow-up read as: How much do nursing and residential care facility managers make?"
    ]


def test_a_rewrite_that_invents_words_is_ignored(use: Callable[..., CareerBot]) -> None:
    history = [("What do nursing home administrators do?", "They manage staff [1].")]
    model = Scripted(responses=["What is the zorblax quantum tendency?", "I don't know."])
    answer = use(model).ask("How much do they make?", history)
    assert "zorblax" not in model.prompts[-1]
    rewrite = "What is the zorblax quantum tendency?"
    assert answer.notes[0] == f"ignored the follow-up rewrite “{rewrite}”"


def test_clean_rewrite() -> None:
    assert generative.clean_rewrite('Standalone question: "What is X?"\nmore', "q") == "What is X?"
    assert generative.clean_rewrite("   ", "q") is None
    assert generative.clean_rewrite("x" * 400, "short") is None


# -- backends, settings, prompts ----------------------------------------------------------


def test_extractive_is_the_default() -> None:
    assert Settings.resolve().llm == "extractive"
    assert chat.build_chat_model(Settings()) is None


def test_openai_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_openai import ChatOpenAI

    monkeypatch.setenv("CAREERBOT_LLM", "openai")
    monkeypatch.setenv("CAREERBOT_LLM_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CAREERBOT_LLM_MODEL", "smollm2")
    monkeypatch.setenv("CAREERBOT_LLM_CONNECT_TIMEOUT", "2")
    monkeypatch.setenv("CAREERBOT_LLM_TIMEOUT", "30")
    model = chat.build_chat_model(Settings.resolve())
    assert isinstance(model, ChatOpenAI)
    assert model.openai_api_base == "http://127.0.0.1:9/v1" and model.model_name == "smollm2"
    assert model.max_retries == 0
    assert model.request_timeout.connect == 2 and model.request_timeout.read == 30  # type: ignore[union-attr]


def test_ollama_backend() -> None:
    from langchain_ollama import ChatOllama

    model = chat.build_chat_model(
        Settings(llm="ollama", llm_model="llama3.2", llm_url="http://127.0.0.1:11434")
    )
    assert isinstance(model, ChatOllama) and model.model == "llama3.2"
    assert model.base_url == "http://127.0.0.1:11434"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Settings(llm="gpt"), "CAREERBOT_LLM='gpt' is unknown"),
        (Settings(llm="openai"), "needs CAREERBOT_LLM_URL"),
        (Settings(llm="ollama"), "needs CAREERBOT_LLM_MODEL"),
    ],
)
def test_backend_misconfiguration_is_a_config_error(settings: Settings, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        chat.build_chat_model(settings)


def test_every_prompt_renders() -> None:
    assert prompts.names() == ["answer", "rewrite"]
    answer = prompts.render("answer", title="T", passages="[1] (Pay) P", question="Q?")
    assert "[1] (Pay) P" in answer and "Question: Q?" in answer and "$" not in answer
    rewrite = prompts.render("rewrite", history="User: A", question="B?")
    assert "User: A" in rewrite and "Last question: B?" in rewrite


def test_prompts_render_strictly() -> None:
    with pytest.raises(ConfigError, match="missing \\['question'\\]"):
        prompts.render("answer", title="T", passages="P")
    with pytest.raises(ConfigError, match="unused \\['extra'\\]"):
        prompts.render("rewrite", history="H", question="Q", extra="E")


def test_the_cli_takes_llm_and_prints_the_notice(built_home: Path, port: int) -> None:
    url = f"http://127.0.0.1:{port}/v1"
    result = CliRunner().invoke(
        app, ["ask", "--llm", "openai", "--home", str(built_home), PAY],
        env={"CAREERBOT_LLM_URL": url, "CAREERBOT_LLM_CONNECT_TIMEOUT": "1"},
    )
    assert result.exit_code == 0, result.output
    assert MEDIAN in result.stdout
    assert f"note: Cannot reach the LLM (openai at {url})" in result.stderr
    assert "Traceback" not in result.output
