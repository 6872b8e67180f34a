"""Generative backends: build a LangChain chat model from settings, prompt it, verify it.

The only module that talks to a model server. ``extractive`` (the default) means no model;
``openai`` is any OpenAI-compatible server (llama.cpp, vLLM, LM Studio, OpenAI itself)
through ``langchain_openai.ChatOpenAI``; ``ollama`` uses ``langchain_ollama.ChatOllama``.
A Python caller may pass any LangChain ``BaseChatModel`` to :class:`careerbot.CareerBot`.

Every failure of the model (cannot connect, too slow, refused, malformed) becomes
:class:`~careerbot.errors.BackendUnavailable` with a one-line message; the bot then answers
extractively. Prompt assembly, rewrite clean-up and turning verified text into an
:class:`~careerbot.result.Answer` are plain functions.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage

from careerbot import prompts
from careerbot.config import Settings
from careerbot.corpus import split_units
from careerbot.errors import BackendUnavailable, ConfigError
from careerbot.result import Answer, Citation
from careerbot.text import GENERIC_STEMS, terms
from careerbot.verify import Verified, figures, markers, verify

BACKENDS = ("extractive", "openai", "ollama")
MAX_TOKENS = 200
"""Longest generated answer, in tokens: a few cited sentences."""
MAX_PASSAGES = 8
"""Retrieved passages shown to the model, best first: prompt length is most of the latency."""
PASSAGE_CHARS = 600
"""Longest passage shown to the model; small local models have 2,048-token contexts."""
STOP = ["\nQuestion:", "\nPassages:", "\nUser:"]
"""Where small models start echoing the prompt back."""
REPLACE = "replace"
DROP = "drop"
ON_FAIL = REPLACE
"""What the user gets when a sentence fails verification (see the README's numbers)."""
_MARKER_RUN = re.compile(r"(?:\[\d+\])+")


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


# -- prompts ------------------------------------------------------------------------------


def passages(docs: Sequence[Document]) -> list[Document]:
    """The retrieved passages the model is given (and that its markers may refer to)."""
    return list(docs[:MAX_PASSAGES])


def shown(doc: Document) -> str:
    """The part of a passage the model is shown (and that its sentences are checked against)."""
    text = doc.page_content
    return text if len(text) <= PASSAGE_CHARS else text[:PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"


def answer_messages(question: str, docs: Sequence[Document], title: str) -> list[BaseMessage]:
    """The answer prompt: numbered passages, the question, the citation rules."""
    passages = "\n\n".join(
        f"[{n}] ({d.metadata.get('section', '')}) {shown(d)}" for n, d in enumerate(docs, start=1)
    )
    text = prompts.render("answer", title=title, passages=passages, question=question)
    return [HumanMessage(text)]


def rewrite_messages(question: str, history: Sequence[tuple[str, str]]) -> list[BaseMessage]:
    """The follow-up prompt: earlier questions plus this one, asking for a standalone question.

    Only the user's side of earlier turns is shown: the figures in earlier answers lead
    small models to rewrite the question into the previous one.
    """
    lines = "\n".join(f"User: {user}" for user, _ in history[-3:])
    return [HumanMessage(prompts.render("rewrite", history=lines, question=question))]


def faithful(standalone: str, own: Sequence[str], carried: Sequence[str]) -> bool:
    """Whether a rewrite keeps every content term of the question and one carried from before.

    Args:
        standalone: The rewritten question.
        own: Content terms of the follow-up itself (see :func:`careerbot.text.terms`).
        carried: Terms the extractive analysis carried over from the previous question.

    """
    kept = set(terms(standalone))
    own_needed = {t for t in own if t not in GENERIC_STEMS}
    return own_needed <= kept and (not carried or bool(kept & set(carried)))


def clean_rewrite(reply: str, question: str) -> str | None:
    """The standalone question from a rewrite reply, or None when the reply is unusable."""
    line = next((s.strip() for s in reply.strip().splitlines() if s.strip()), "")
    line = re.sub(r"^(?:standalone question|question|rewritten)\s*:\s*", "", line, flags=re.I)
    line = line.strip(" \"'“”")
    if not line or len(line) > max(300, 3 * len(question)):
        return None
    return line


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


# -- from generated text to an Answer ------------------------------------------------------


def finish(
    reply: str, docs: Sequence[Document], fallback: Answer, on_fail: str = ON_FAIL
) -> tuple[Answer, Verified]:
    """Verify a generated reply and make the :class:`Answer` the user gets.

    Args:
        reply: The model's text, with ``[n]`` markers into ``docs`` (1-based).
        docs: The passages the model was given, in prompt order.
        fallback: The extractive answer to the same question.
        on_fail: ``"replace"``: any failing sentence means the user gets ``fallback``;
            ``"drop"``: failing sentences are removed and the rest is kept.

    Returns:
        The answer, and the verification it is based on.

    """
    checked = verify(reply, [shown(d) for d in docs])
    if not checked.dropped and checked.grounded:
        # Every sentence passed; at most an outside link or image was taken out.
        result = _cited_answer(checked, docs)
        result.verified = not checked.changed
        result.notes = list(checked.notes)
        return result, checked
    if not checked.changed:
        # No cited sentence at all: the model said it does not know.
        return _fallback(fallback, checked, "the LLM did not answer from the passages"), checked
    if not checked.grounded:
        return _fallback(fallback, checked, "no sentence of the LLM answer was supported"), checked
    if on_fail == REPLACE:
        return _fallback(fallback, checked, "showing the extractive answer instead"), checked
    result = _cited_answer(checked, docs)
    result.verified = False
    result.notes = list(checked.notes)
    return result, checked


def _fallback(fallback: Answer, checked: Verified, why: str) -> Answer:
    return Answer(
        text=fallback.text,
        citations=list(fallback.citations),
        refused=fallback.refused,
        verified=False,
        notes=[*checked.notes, why, *fallback.notes],
    )


def _cited_answer(checked: Verified, docs: Sequence[Document]) -> Answer:
    """Renumber the cited passages 1..m in order of use and quote what each sentence used."""
    number = {old: new for new, old in enumerate(checked.cited, start=1)}
    text = _MARKER_RUN.sub(lambda m: "".join(f"[{number[n]}]" for n in markers(m.group(0))),
                           checked.text)
    citations = []
    for old, new in number.items():
        doc = docs[old - 1]
        citing = [s for s in checked.kept if old in markers(s)]
        citations.append(_citation(new, doc, citing))
    return Answer(text=text, citations=citations)


def _citation(n: int, doc: Document, citing: Sequence[str]) -> Citation:
    """A citation whose quote is the passage unit that best matches the citing sentences."""
    passage = shown(doc)
    units = split_units(passage)
    want_terms = {t for s in citing for t in terms(s)}
    want_figures = {f for s in citing for f in figures(_MARKER_RUN.sub(" ", s))}

    def overlap(text: str) -> float:
        return 3 * len(want_figures & set(figures(text))) + len(want_terms & set(terms(text)))

    best = max(units, key=lambda u: overlap(u.text)) if units else None
    quote = (f"{best.lead} {best.text}" if best.lead else best.text) if best else passage
    start = best.start if best else 0
    end = best.end if best else len(passage)
    meta = doc.metadata
    base = int(meta.get("start", 0))
    return Citation(
        n=n,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        section=str(meta.get("section", "")),
        quote=quote,
        start=base + start,
        end=base + end,
        passage=doc.page_content,
        score=round(float(meta.get("score", 0.0)), 4),
    )


__all__ = [
    "BACKENDS",
    "answer_messages",
    "build_chat_model",
    "clean_rewrite",
    "complete",
    "finish",
    "rewrite_messages",
    "stream_text",
]
