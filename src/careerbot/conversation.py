"""The extractive conversation: a message read as small talk, a decline, advice composed
from several sections, or an answer; a multi-part question answered part by part.

Kept apart from :mod:`careerbot.bot`, which holds the API, the live index version and the
LLM path; every function here works on one pinned :class:`~careerbot.live.Live` version.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from langchain_core.documents import Document

from careerbot import resources
from careerbot.core import extractive
from careerbot.core.adviser import ADVICE_BUDGET, compared, merge, reply, split_parts
from careerbot.core.forms import AnswerType, figures_of_topic
from careerbot.core.intent import ADVICE, ADVICE_MIN, ASKED_ALREADY, OFFTOPIC, SMALLTALK, UNRELATED, Intent
from careerbot.core.lexicon import GENERIC_STEMS, INTENTS, SENTENCE_BREAK, is_number, terms, written_as_names
from careerbot.core.question import (
    Query,
    analyse,
    asking_clause,
    asking_sentence,
    on_topic,
    respell,
    unquoted,
    without_chatter,
    without_topic,
)
from careerbot.core.refusal import names_a_gap
from careerbot.live import Live
from careerbot.models.embeddings import LocalEmbeddings
from careerbot.models.intents import IntentModel
from careerbot.result import Answer

History = Sequence[tuple[str, str]]
FIT = "fit"
"""The advice intent "would it suit me": it quotes what the profile says of the traits told."""
TRAITS_QUOTED = 2
"""Sentences quoted as nearest in meaning to the traits a user describes."""
_WEIGHS = re.compile(r",?\s+or\s+(is|are|do|does|should|would|can|will)\b|\bshould i\b", re.I)
"""A question weighing a choice: "should I ...", "..., or is a bachelor's enough?"."""


def read(live: Live, question: str, turns: History) -> Query:
    """A question analysed against one index version's vocabulary, names and subject."""
    return analyse(question, turns, live.retriever.keywords, live.subject, live.acronyms(),
                   live.occupation)


_POINTS_BACK = re.compile(r"\b(?:it|that|this|one)\b(?!\s+(?:is|are|was|be)\b)", re.I)
"""A pronoun a later part uses for what the part before it named ("... and how long does it
take to earn?"); not an "it" that opens a clause of its own ("it is")."""


def search(live: Live, q: Query, vector: Any = None, by_words: bool = True) -> list[Document]:
    """The passages for a question (its embedding reused when the search text is its own).

    A question that uses no word of the profile and is about it by meaning alone ("how
    many people actually do this") is searched for as about the occupation (``by_words``
    False): every passage names it, and the question's own words match none.
    """
    text = q.retrieval_text if by_words else f"{live.title}: {q.retrieval_text}"
    return live.retriever.search(text, vector if text == q.text else None)


def extract(live: Live, q: Query, docs: list[Document]) -> Answer:
    """The extractive answer to a read question from the passages found for it."""
    return extractive.answer(q, docs, live.retriever.neighbours, live.retriever.keywords,
                             live.title, live.sections)


@dataclass
class Conversation:
    """Turns answered with no LLM, by the embedding model and the extractive answerer."""

    embeddings: LocalEmbeddings
    intents: IntentModel
    suggestions: Callable[[], list[tuple[str, str]]]

    def converse(self, live: Live, question: str, turns: History) -> tuple[Answer, bool]:
        """The reply: whole and, for a multi-part question, part by part; and whether it is
        composed of several answers (advice or several parts)."""
        whole, advice = self.turn(live, question, turns)
        # Parts are found in the words meant ("hw much do they mak vs ..." compares pay).
        spelt = respell(question, live.retriever.keywords, written_as_names(question))
        sides = compared(spelt, live.names_a_row)  # a comparison is answered side by side, not as a whole
        parts = sides or split_parts(spelt)
        if len(parts) < 2 or whole.kind in ("smalltalk", "decline"):
            return whole, advice
        # Each part is answered on its own; the whole question's answer stays for what no
        # part's quotes hold (merge drops a quote inside another: one duty of a list).
        # A later part reads the one before it as history ("..., and what share works in
        # each?" leans on the industries the first part named).
        asked: list[Answer] = []
        for before, part in zip(["", *parts[:-1]], parts, strict=True):
            if asked and names_a_gap(asked[-1]) and _POINTS_BACK.search(part):
                # "what is the FACHE credential and how long does it take to earn?": what
                # leans on a thing the profile never mentions is not answered either.
                asked.append(replace(asked[-1], notes=[]))
            else:
                asked.append(self.turn(live, part, [*turns, (before, "")] if before else turns)[0])
        answers = [a for a in asked if a.kind == "answer"]
        refusals = [a for a in asked if a.kind == "refusal"]
        if not answers and refusals:
            return refusals[0], True
        answers[:0] = [whole] if whole.kind == "answer" and not sides else []
        if not answers:
            return whole, True
        merged = merge(answers)
        # A part the profile cannot answer is said so, not silently dropped ("..., and how
        # much does the exam cost?").
        lacking = [f"I can't answer “{part.strip(' ?.!')}?” from the {live.title} profile: {note[9:]}."
                   for part, a in zip(parts, asked, strict=True) if a.kind == "refusal"
                   for note in a.notes[:1] if note.startswith("refused: ")]
        if lacking:
            merged.text = "\n\n".join([merged.text, *lacking])
        return merged, True

    def turn(self, live: Live, question: str, turns: History) -> tuple[Answer, bool]:
        """One question: small talk, a decline, advice from several sections, or an answer;
        and whether it was read as asking for advice."""
        q = read(live, question, turns)
        if q.unrated and live.uses_a_word_like(q.unrated, self.embeddings):
            q.unrated = None
        vector = self.embeddings.encode_query(q.text)
        knows = live.retriever.keywords.knows
        said = unquoted(q.text, knows)
        naming = live.naming
        intent = self.intents.classify(said, naming)  # a message naming no one: `vector` again
        plain = without_chatter(said, live.retriever.keywords)
        if plain != said and intent.label not in SMALLTALK:
            # "do i gotta be a people person for this lol": what it asks, without the chat.
            bare_intent = self.intents.classify(plain, naming)
            intent = _nearer(bare_intent, intent)
        asking = asking_sentence(q.text)
        if intent.label == OFFTOPIC and not intent.clearly_offtopic:
            # A request about a profile topic ("write me a poem about hospitals") is still
            # off-topic when, without that topic, it clearly is.
            task = self.intents.classify(without_topic(said, knows), naming)
            intent = task if task.clearly_offtopic else intent
        if asking != q.text:  # context first, then the question: the question's own intent
            alone = self.intents.classify(asking, naming)
            # Unless the context is what the user tells of themselves and the whole asks if
            # it fits them ("My son is pretty shy. Would this be a good job for him?"): the
            # question alone cannot say so.
            fits = intent.label == FIT and alone.label in ADVICE and intent.score >= ADVICE_MIN
            intent = _nearer(replace(alone, score=0.0) if fits else alone, intent)
            # What the user only tells ("I'm 45 and considering a change.") asks of no gap;
            # a question before the last one ("women or men? like what percentage?") does.
            if "?" not in q.text[:q.text.rfind(asking)]:
                intent = replace(intent, gap=alone.gap, gap_margin=alone.gap_margin)
        if intent.label in ADVICE and turns and set(q.carried) & INTENTS:
            # "ok and what about in hospitals?" asks what the question before it asked, about
            # hospitals: advice only if that was advice.
            before = self.intents.classify(turns[-1][0], naming)
            intent = intent if before.label in ADVICE else before
        # A question by meaning ("how many people actually do this") is about the profile
        # though it uses none of its words.
        lexical = on_topic(replace(q, carried=[]), live.retriever.keywords)
        own = lexical or intent.asks_profile
        topic = own or bool(q.carried)
        # Without words of its own a message is small talk, off-topic, or (after an answer)
        # a bare follow-up ("why?") that leans on the previous question.
        searched = (topic or intent.advice) and not intent.clearly_offtopic
        by_words = lexical or bool(q.carried) or not intent.asks_profile or intent.advice
        docs = search(live, q, vector, by_words) if searched else []
        # Small talk that happens to use a profile word ("thanks, very useful") is still
        # small talk: it is closer to a small-talk example than to any passage.
        closest = max((float(d.metadata.get("dense") or 0.0) for d in docs), default=0.0)
        intent = replace(intent, closest=closest)
        # A follow-up read with the words it leans on ("so what's the number in the middle
        # then?" after pay) is off-topic only when nearer an off-topic example than a passage.
        bare = not own and (intent.label == OFFTOPIC and intent.score >= closest or not q.carried)
        chat = not q.injection and intent.chat(own)
        unrelated = bool(docs) and closest < UNRELATED and not q.carried and not q.intents
        if intent.clearly_offtopic or bare or chat or unrelated:
            if chat or not intent.advice:
                label = intent.label if chat else "decline"
                examples = [s for s, _ in self.suggestions()]
                return reply(label, live.title, examples, live.sections), False
        gap = extractive.gap(q, docs, live.retriever.keywords, live.title, live.sections) \
            if intent.never_answered and topic else None
        if gap is None and intent.surely_never_answered and topic:
            # Surely a question the profile never answers, though it uses only the profile's
            # words: refused as the answerer would refuse it ("which state ...?": by place),
            # else for what it asks.
            plain_answer = extract(live, q, docs)
            gap = plain_answer if plain_answer.refused else extractive.not_answered(
                q, docs, live.title, live.sections)
        if gap is not None:
            return gap, False
        # "what job outlook figures can I give?", "the pay stats": every figure of that
        # topic, unless one form of fact is asked ("what date are the wage figures from?").
        figures = figures_of_topic(asking) and q.answer_type == AnswerType.TEXT
        if (intent.overview or figures) and topic:
            return extractive.overview(q, docs, live.retriever.neighbours, live.retriever.keywords,
                                       live.title, live.sections), True
        # For advice, what the user tells of themselves is what the advice is about ("I'm
        # bad with details, would it suit me?"): no mere context.
        if intent.label == FIT:
            # Asked whether it suits someone, the words that describe them ("a quiet
            # introvert type") are traits, which the profile never names; a place still is.
            q = replace(q, unknown=[w for w in q.unknown if not w.islower()])
        base = extract(live, replace(q, context=set()) if intent.composed else q, docs)
        # Each facet is asked about what the user named ("a nursing home administrator"),
        # as a follow-up carries an earlier question's words.
        clause = asking_clause(asking)
        named = [t for t in q.terms if t in clause and knows(t) and t not in INTENTS
                 and t not in GENERIC_STEMS]
        if not intent.composed and _WEIGHS.search(asking) and not base.refused:
            # A choice ("a master's right away, or is a bachelor's enough?") is weighed
            # with what another section says of the thing named.
            more = _elsewhere(live, q, docs, base, named, either=True)
            return (merge([base, *more]) if more else base), bool(more)
        if not intent.composed or topic and names_a_gap(base):
            return base, intent.composed
        facets = [_facet(live, f, named) for f in resources.examples("advice")[intent.label]]
        # The question's own answer leads only when it names more than the occupation
        # ("pros and cons of being a nursing home administrator"); else it is a near miss.
        asks = not base.refused and topic and any(
            knows(t) and t not in GENERIC_STEMS for t in q.terms + q.carried)
        # A question the profile itself asks (an FAQ entry) gets that entry's answer first,
        # when the advice still fits the word budget beside it.
        asked_already = intent.closest >= ASKED_ALREADY and not base.refused
        answered = [a for a in facets if not a.refused]
        if intent.label == FIT:
            # What the profile says of the traits the user describes, by meaning, from the
            # sections the fixed questions answered from ("introverted": "They must be able
            # to motivate and lead staff").
            cited = {c.section for a in answered for c in a.citations}
            quoted = " ".join(c.quote for a in [base, *answered] for c in a.citations)
            near = [d for d in docs if d.metadata["section"] in cited and d.page_content not in quoted]
            traits = extractive.nearest_in_meaning(
                q, near, live.retriever.neighbours, live.retriever.keywords, TRAITS_QUOTED)
            answered[:0] = [traits] if traits.citations else []
        itself = [base, *_elsewhere(live, q, docs, base, named)] if asks else [base]
        answered += _background(live, q, asking, [*itself, *answered])
        parts = [*itself, *answered] if asks or asked_already else answered
        if asked_already and not asks and len(merge(parts).text.split()) > ADVICE_BUDGET:
            parts = answered
        return (merge(parts, ADVICE_BUDGET) if parts else base), True


def _nearer(reading: Intent, before: Intent) -> Intent:
    """Of two readings of a message (as said, without chat words, its asking sentence
    alone), the label of the one nearer its example, and the gap of the one nearer a gap:
    leaving words out ("speak spanish", "women or men?") only hides a gap, and
    :func:`careerbot.core.extractive.gap` still needs a word of an asking sentence that
    the profile never uses."""
    label = reading if reading.score > before.score else before
    gap = reading if reading.gap_margin > before.gap_margin else before
    return replace(label, gap=gap.gap, gap_margin=gap.gap_margin,
                   question=max(reading.question, before.question))


def _elsewhere(live: Live, q: Query, docs: list[Document], base: Answer, named: list[str],
               either: bool = False) -> list[Answer]:
    """What another section says of the thing advice or a choice is asked about ("should I
    get a master's?": Education, and Advancement's "top level executive positions usually
    require a master's degree"), when its answer names it; for a choice (``either``), one
    of the things weighed ("a master's right away, or work after my bachelor's?")."""
    cited = {c.section for c in base.citations}
    quoted = {c.quote for c in base.citations}
    for _ in range(2):  # a section repeating the base's sentences is no other view
        others = [d for d in docs if d.metadata["section"] not in cited]
        more = extract(live, q, others) if others and named else None
        if more is None or more.refused:
            return []
        said = set(terms(more.text))
        if not (set(named) & said if either else set(named) <= said):
            return []
        sentences = [s for c in more.citations for s in SENTENCE_BREAK.split(c.quote)]
        if not any(s in seen for s in sentences for seen in quoted):
            return [more]
        cited |= {c.section for c in more.citations}
    return []


def _background(live: Live, q: Query, asking: str, parts: list[Answer]) -> list[Answer]:
    """What the profile says of what the user tells before asking ("I'm an admin assistant
    at a clinic.": "Others may begin their careers as ... administrative assistants"), when
    its quote names a word of what they told and no part quotes it yet: advice starts from
    where the user stands."""
    told = q.text[:q.text.rfind(asking)].strip()
    if not told:
        return []
    said = read(live, told, [])
    keywords = live.retriever.keywords
    own = {t for t in said.terms if keywords.knows(t) and t not in GENERIC_STEMS and t not in INTENTS
           and not is_number(t)}
    if not own:
        return []
    quoted = " ".join(c.quote for p in parts for c in p.citations)
    got = extractive.naming(said, search(live, said), live.retriever.neighbours, keywords, own, quoted)
    return [got] if got.citations else []


def _facet(live: Live, question: str, named: list[str]) -> Answer:
    """One fixed question of composed advice, asked about what the user named."""
    q = read(live, question, [])
    q.carried = named
    return extract(live, q, search(live, q))


__all__ = ["Conversation", "extract", "read", "search"]
