"""Generative backends: build a LangChain chat model from settings and call it, bounded in time.

The only module that talks to a model server. ``extractive`` (the default) means no model;
``openai`` is any OpenAI-compatible server (llama.cpp, vLLM, LM Studio, OpenAI itself)
through ``langchain_openai.ChatOpenAI``; ``ollama`` uses ``langchain_ollama.ChatOllama``.
A Python caller may pass any LangChain ``BaseChatModel`` to :class:`careerbot.CareerBot`.

Every failure of the model (cannot connect, too slow, refused, malformed) becomes
:class:`~careerbot.errors.BackendUnavailable` with a one-line message; the bot then answers
extractively. Prompt assembly, rewrite clean-up and turning verified text into an
:class:`~careerbot.result.Answer` are pure, in :mod:`careerbot.core.generative`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from careerbot.config import Settings
from careerbot.errors import BackendUnavailable, ConfigError

if TYPE_CHECKING:  # a cold `careerbot ask` without an LLM never loads LangChain's model classes
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

BACKENDS = ("extractive", "openai", "ollama")
MAX_TOKENS = 200
"""Longest generated answer, in tokens: a few cited sentences."""
STOP = ["\nQuestion:", "\nPassages:", "\nUser:"]
"""Where small models start echoing the prompt back."""


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model that ``settings.llm`` selects, or None for the extractive default.

    Raises:
        ConfigError: unknown backend, or a setting the backend needs is missing.
        BackendUnavailable: the backend's LangChain package is not installed.

    """
    kind = (settings.llm or "extractive").strip().lower()
    if kind == "extractive":
        return None
    if kind not in BACKENDS:
        raise ConfigError(
            f"CAREERBOT_LLM={settings.llm!r} is unknown; use one of {', '.join(BACKENDS)}."
        )
    import httpx

    timeout = httpx.Timeout(settings.llm_timeout, connect=settings.llm_connect_timeout)
    try:
        if kind == "openai":
            from langchain_openai import ChatOpenAI

            if not settings.llm_url and not settings.llm_api_key:
                raise ConfigError(
                    "CAREERBOT_LLM=openai needs CAREERBOT_LLM_URL (a local OpenAI-compatible "
                    "server, e.g. http://127.0.0.1:8000/v1) or CAREERBOT_LLM_API_KEY."
                )
            return ChatOpenAI(
                base_url=settings.llm_url,
                model=settings.llm_model or "default",
                api_key=settings.llm_api_key or "none",  # type: ignore[arg-type]
                timeout=timeout,
                max_retries=0,
                temperature=0,
                # ``max_tokens`` in the body: older local servers ignore max_completion_tokens.
                extra_body={"max_tokens": MAX_TOKENS},
                stop_sequences=STOP,
            )
        from langchain_ollama import ChatOllama

        if not settings.llm_model:
            raise ConfigError("CAREERBOT_LLM=ollama needs CAREERBOT_LLM_MODEL, e.g. llama3.2.")
        return ChatOllama(
            model=settings.llm_model,
            base_url=settings.llm_url,
            temperature=0,
            num_predict=MAX_TOKENS,
            stop=STOP,
            client_kwargs={"timeout": timeout},
        )
    except ImportError as e:
        raise BackendUnavailable(
            f"The {kind} backend needs the package {e.name}; install it with pip."
        ) from e


# -- calling the model --------------------------------------------------------------------


def stream_text(
    model: BaseChatModel, messages: list[BaseMessage], settings: Settings
) -> Iterator[str]:
    """Yield the model's reply as it arrives; the whole reply must come within ``llm_timeout``.

    The model runs in a daemon thread so that a server that hangs (or a custom model that
    blocks) cannot hang the caller past the deadline.

    Raises:
        BackendUnavailable: the model failed, could not be reached, or was too slow.

    """
    channel: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def run() -> None:
        try:
            for chunk in model.stream(messages):
                if stop.is_set():
                    return
                channel.put(("token", _content(chunk.content)))
            channel.put(("end", None))
        except Exception as e:  # any model failure is reported to the caller's thread
            channel.put(("error", e))

    threading.Thread(target=run, name="careerbot-llm", daemon=True).start()
    deadline = time.monotonic() + settings.llm_timeout
    try:
        while True:
            try:
                kind, value = channel.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                raise BackendUnavailable(
                    f"The LLM ({describe(settings, model)}) did not answer within "
                    f"{settings.llm_timeout:g} s (CAREERBOT_LLM_TIMEOUT)."
                ) from None
            if kind == "end":
                return
            if kind == "error":
                raise BackendUnavailable(_explain(value, settings, model)) from value
            if value:
                yield value
    finally:
        stop.set()


def complete(model: BaseChatModel, messages: list[BaseMessage], settings: Settings) -> str:
    """The model's whole reply (see :func:`stream_text`)."""
    return "".join(stream_text(model, messages, settings))


def describe(settings: Settings, model: BaseChatModel) -> str:
    """A short name for the backend, for notices: 'openai at http://...'."""
    if settings.llm in BACKENDS[1:]:
        return f"{settings.llm} at {settings.llm_url or 'its default address'}"
    return type(model).__name__


def _content(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


def _explain(error: BaseException, settings: Settings, model: BaseChatModel) -> str:
    name = type(error).__name__
    where = describe(settings, model)
    detail = (str(error).strip().splitlines() or [name])[0][:160]
    if "Timeout" in name or isinstance(error, TimeoutError):
        return f"The LLM ({where}) timed out (CAREERBOT_LLM_TIMEOUT={settings.llm_timeout:g} s)."
    if "Connect" in name or isinstance(error, ConnectionError):
        return f"Cannot reach the LLM ({where}); is the server running? ({detail})"
    if "NotFound" in name:
        return f"The LLM server ({where}) has no model {settings.llm_model!r}: {detail}"
    if "Authentication" in name or "PermissionDenied" in name:
        return f"The LLM server ({where}) refused the key (CAREERBOT_LLM_API_KEY): {detail}"
    return f"The LLM ({where}) failed: {name}: {detail}"


__all__ = ["BACKENDS", "build_chat_model", "complete", "describe", "stream_text"]
