"""Generative answers, the pure part: prompt assembly, follow-up rewrite policy, finishing.

What the model is shown, how a rewritten follow-up is judged, and how a verified reply
becomes an :class:`~careerbot.result.Answer` (with the extractive answer as the fallback)
are plain functions; calling the model is :mod:`careerbot.models.chat`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.documents import Document
from langchain_core.messages import BaseMessage, HumanMessage

from careerbot import prompts
from careerbot.core.chunking import split_units
from careerbot.core.citations import citation
from careerbot.core.lexicon import GENERIC_STEMS, MARKER, terms
from careerbot.core.verify import Verified, figures, markers, verify
from careerbot.result import Answer, Citation

MAX_PASSAGES = 8
"""Retrieved passages shown to the model, best first: prompt length is most of the latency."""
PASSAGE_CHARS = 600
"""Longest passage shown to the model; small local models have 2,048-token contexts."""
REPLACE = "replace"
DROP = "drop"
ON_FAIL = REPLACE
"""What the user gets when a sentence fails verification (see the README's numbers)."""

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
    stated = figures(MARKER.sub(" ", checked.text))
    if checked.grounded and not stated and figures(fallback.text) and not fallback.refused:
        # The profile states the figure asked for, and the model's answer states none.
        return _fallback(fallback, checked, "the LLM answer gave no figure; showing the "
                                            "extractive answer instead"), checked
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
    text = MARKER.sub(lambda m: "".join(f"[{number[n]}]" for n in markers(m.group(0))),
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
    want_figures = {f for s in citing for f in figures(MARKER.sub(" ", s))}

    def overlap(text: str) -> float:
        return 3 * len(want_figures & set(figures(text))) + len(want_terms & set(terms(text)))

    best = max(units, key=lambda u: overlap(u.text)) if units else None
    quote = (f"{best.lead} {best.text}" if best.lead else best.text) if best else passage
    start = best.start if best else 0
    end = best.end if best else len(passage)
    meta = doc.metadata
    base = int(meta.get("start", 0))
    score = float(meta.get("score", 0.0))
    return citation(n, meta, quote, base + start, base + end, doc.page_content, score)


__all__ = ["answer_messages", "clean_rewrite", "faithful", "finish", "passages", "rewrite_messages"]
