"""``CareerBot``: the one API that the CLI, the web page and the eval runner all call."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document

from careerbot import conversation
from careerbot.config import Settings
from careerbot.conversation import Conversation
from careerbot.core import generative
from careerbot.core.chunking import Chunk
from careerbot.core.facts import OccupationFacts, extract
from careerbot.core.question import Query
from careerbot.core.suggest import suggestions
from careerbot.core.text import clean
from careerbot.errors import BackendUnavailable, BadQuestion, CareerBotError
from careerbot.index.base import IngestReport
from careerbot.index.store import IndexStore
from careerbot.live import Live, load
from careerbot.models import chat
from careerbot.models.embeddings import LocalEmbeddings
from careerbot.models.intents import IntentModel
from careerbot.result import Answer
from careerbot.retrieve import HybridRetriever

if TYPE_CHECKING:  # imported when used: a cold `careerbot ask` does without them
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

History = Sequence[tuple[str, str]]
MAX_HISTORY = 20
"""Earlier turns a question is read with; older ones cannot change what it asks."""
MAX_ANSWER_CHARS = 20_000
"""Longest earlier answer kept in the history a question is read with."""


class CareerBot:
    """Answers questions about the occupation(s) in the corpus, with citations.

    Args:
        settings: Resolved settings; when omitted they are resolved from the environment
            and ``overrides`` (e.g. ``CareerBot(top_k=8, home="/tmp/cb")``).
        chat_model: A LangChain chat model to generate answers with; by default the one
            ``settings.llm`` selects (none for ``extractive``). Generated answers are
            verified against their citations (see :mod:`careerbot.verify`).
        **overrides: Any :class:`~careerbot.config.Settings` field.

    The index is built on first use if it does not exist yet, and reopened whenever an
    ingest (in any process) swaps in a new version.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        chat_model: BaseChatModel | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings.replace(**overrides) if settings else Settings.resolve(**overrides)
        self._chat_model = chat_model
        self._chat_model_built = chat_model is not None
        self.embeddings = LocalEmbeddings(self.settings.model_dir, self.settings.home_dir / "models")
        self.store = IndexStore(self.settings, self.embeddings)
        self.intents = IntentModel(self.embeddings)
        self.conversation = Conversation(self.embeddings, self.intents, self.suggestions)
        self._live_state: Live | None = None
        self._lock = threading.RLock()

    @property
    def chat_model(self) -> BaseChatModel | None:
        """The chat model that writes answers (None: extractive), built on first use, so an
        ingest or the extractive default never imports an LLM client."""
        if not self._chat_model_built:
            self._chat_model = chat.build_chat_model(self.settings)
            self._chat_model_built = True
        return self._chat_model

    @chat_model.setter
    def chat_model(self, model: BaseChatModel | None) -> None:
        self._chat_model, self._chat_model_built = model, True

    # -- index ---------------------------------------------------------------------------

    def ingest(self, rebuild: bool = False, progress: bool = True) -> IngestReport:
        """Bring the index in line with the corpus (see :meth:`IndexStore.ingest`)."""
        report = self.store.ingest(rebuild=rebuild, progress=progress)
        with self._lock:
            self._retire(self._live_state)
            self._live_state = None
        return report

    def version(self) -> str:
        """The live index version (building or reopening the index if needed)."""
        return self._live().index.version

    def chunks(self) -> tuple[str, list[Chunk]]:
        """The live index version and its chunks (building or reopening the index if needed)."""
        index = self._live().index
        return index.version, list(index.chunks)

    @property
    def retriever(self) -> HybridRetriever:
        """The live LangChain retriever (``invoke(query, k=3)``), reopened with the index."""
        return self._live().retriever

    def facts(self) -> list[OccupationFacts]:
        """Quick facts and pay by industry of each document, each with its cited sentence."""
        live = self._live()
        if live.facts is None:
            live.facts = extract(live.index.chunks)
        return live.facts

    def suggestions(self) -> list[tuple[str, str]]:
        """(question, section) pairs this bot answers from that section, for an empty chat and
        for follow-ups; checked against the bot once per index version."""
        facts, live = self.facts(), self._live()
        if live.suggestions is None:
            pool = suggestions(live.title, live.sections, facts[0]) if len(facts) == 1 else []
            live.suggestions = [(q, s) for q, s in pool if self._answers_from(q, s)]
        return live.suggestions

    def _answers_from(self, question: str, section: str) -> bool:
        try:
            got = self.ask(question)
        except CareerBotError:
            return False
        return not got.refused and section.strip() in {c.section for c in got.citations}

    def _live(self, pin: bool = False) -> Live:
        """The state of the live version, reopened after a swap; ``pin`` counts a reader."""
        version = self.store.current_version()
        with self._lock:
            state = self._live_state
            if state is None or state.index.version != version:
                problem = self.store.problem()
                if problem is not None:
                    print(f"careerbot: building the index ({problem}) ...", file=sys.stderr)
                    self.store.ingest(progress=sys.stderr.isatty())
                fresh = load(self.store.open(), self.embeddings, self.settings.top_k)
                self._retire(state)
                state = self._live_state = fresh
            state.readers += pin
            return state

    @contextmanager
    def _pinned(self) -> Iterator[Live]:
        """The live state, kept open until the caller has searched it."""
        live = self._live(pin=True)
        try:
            yield live
        finally:
            with self._lock:
                live.readers -= 1
                if live.retired and not live.readers:
                    live.index.close()

    def _retire(self, state: Live | None) -> None:
        """Close a replaced version now, or when its last reader finishes (under the lock)."""
        if state is not None and not state.retired:
            state.retired = True
            if not state.readers:
                state.index.close()

    # -- answering -----------------------------------------------------------------------

    def ask(self, question: str, history: History | None = None) -> Answer:
        """Answer one question, optionally in the context of earlier turns.

        Args:
            question: The user's question, at most ``max_question_chars`` characters.
            history: Earlier ``(user, assistant)`` turns, oldest first.

        Returns:
            An :class:`Answer` whose ``[n]`` markers refer to ``Answer.citations``;
            ``refused`` is True when the corpus does not answer the question.

        Raises:
            BadQuestion: empty, too long, or not text.
            IndexMissing, IndexIncompatible, IndexBusy, CorpusError: index problems.
        """
        question, turns = self._check(question, history)
        if self.chat_model is not None:
            return _final(self._generate(question, turns))
        return self._converse(question, turns)[0]

    def _converse(self, question: str, turns: History) -> tuple[Answer, bool]:
        """The extractive reply, and whether it is composed of several answers."""
        with self._pinned() as live:
            return self.conversation.converse(live, question, turns)

    def _retrieve(
        self, question: str, turns: History
    ) -> tuple[Live, Query, list[Document]]:
        with self._pinned() as live:
            q = conversation.read(live, question, turns)
            wanted = q.terms or q.carried or q.about_subject
            docs = live.retriever.search(q.retrieval_text) if wanted else []
        return live, q, docs

    def _generate(self, question: str, turns: History) -> Iterator[str | Answer]:
        """The LLM path: same retrieval, generated text, verified, extractive on failure."""
        model = self.chat_model
        assert model is not None
        settings = self.settings
        live, q, docs = self._retrieve(question, turns)
        # Small talk, declines and answers composed of several parts (advice, multi-part
        # questions) come from the extractive path; one prompt holds one retrieval.
        fallback, composed = self._converse(question, turns)
        if fallback.kind in ("smalltalk", "decline") or composed:
            yield from _pieces(fallback)
            return
        notes: list[str] = []
        try:
            if q.carried:  # a follow-up leaning on earlier turns: make it standalone first
                prompt = generative.rewrite_messages(question, turns)
                standalone = generative.clean_rewrite(
                    chat.complete(model, prompt, settings), question
                )
                if standalone:
                    again = self._retrieve(standalone, turns)
                    rewritten = conversation.extract(*again)
                    # A rewrite that loses the question's words, adds words the profile lacks
                    # or loses the answer is noise; the extractive follow-up reading stays.
                    if (
                        not generative.faithful(standalone, q.terms, q.carried)
                        or again[1].unknown
                        or rewritten.refused and not fallback.refused
                    ):
                        notes.append(f"ignored the follow-up rewrite “{standalone}”")
                    else:
                        (live, q, docs), fallback = again, rewritten
                        notes.append(f"follow-up read as: {standalone}")
            if fallback.refused:
                yield from _pieces(fallback)
                return
            docs = generative.passages(docs)
            written: list[str] = []
            prompt = generative.answer_messages(q.text, docs, live.title)
            for token in chat.stream_text(model, prompt, settings):
                written.append(token)
                yield token
        except BackendUnavailable as e:
            fallback.notes.insert(0, f"{e} Answered without the LLM.")
            yield from _pieces(fallback)
            return
        result, _ = generative.finish("".join(written), docs, fallback)
        result.notes[:0] = notes
        yield result

    def stream(self, question: str, history: History | None = None) -> Iterator[str | Answer]:
        """Yield the answer text in pieces as it is produced, then the final :class:`Answer`.

        With a chat model the pieces are the model's tokens as they arrive; the final
        :class:`Answer` holds the verified text, which may differ from what was streamed.
        """
        if self.chat_model is not None:
            yield from self._generate(*self._check(question, history))
            return
        result = self.ask(question, history)
        yield from re.findall(r"\S+\s*", result.text)
        yield result

    @property
    def chain(self) -> Runnable[dict[str, Any], Answer]:
        """The pipeline as a LangChain Runnable: ``{"question": ..., "history": [...]}`` -> Answer."""
        from langchain_core.runnables import RunnableLambda

        return RunnableLambda(lambda d: self.ask(d["question"], d.get("history")), name="careerbot")

    def _check(self, question: Any, history: Any) -> tuple[str, list[tuple[str, str]]]:
        if not isinstance(question, str):
            raise BadQuestion("The question must be text.")
        question = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
        if not question:
            raise BadQuestion("The question is empty. Ask something about the occupation.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise BadQuestion(
                f"The question is {len(question):,} characters long; the limit is {limit:,}. "
                "Shorten it to the part you want answered."
            )
        turns: list[tuple[str, str]] = []
        for turn in list(history or [])[-MAX_HISTORY:]:
            if not (isinstance(turn, (list, tuple)) and len(turn) == 2):
                raise BadQuestion("History must be a list of (user, assistant) pairs.")
            user, bot = turn
            turns.append((clean(str(user or ""), limit), clean(str(bot or ""), MAX_ANSWER_CHARS)))
        return question, turns


def _pieces(result: Answer) -> Iterator[str | Answer]:
    yield from re.findall(r"\S+\s*", result.text)
    yield result


def _final(items: Iterator[str | Answer]) -> Answer:
    answers = [item for item in items if isinstance(item, Answer)]
    return answers[-1]


_default: CareerBot | None = None


def ask(question: str, history: History | None = None) -> Answer:
    """Ask the shared default bot (settings from the environment)."""
    global _default
    if _default is None:
        _default = CareerBot()
    return _default.ask(question, history)
