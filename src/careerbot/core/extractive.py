"""The default answerer: extractive, grounded, no LLM.

Given a question read by :mod:`careerbot.core.question` and the retrieved chunks ranked by
:mod:`careerbot.core.scoring`, it quotes the best ones verbatim, with the list, row,
paragraph or continuation they belong with, each followed by the marker of its passage.
It refuses when the question names things the profile never mentions, when no passage
holds the kind of fact asked for (a figure for "how much"), or when the best passages
leave the question's subject uncovered. All of it is plain functions over plain data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from langchain_core.documents import Document

from careerbot.core.candidate import Candidate, Neighbours, candidate_for
from careerbot.core.citations import compose
from careerbot.core.context import with_contrast, with_leaned_on
from careerbot.core.figures import (
    asked_clause,
    extreme_row,
    one_row_asked,
    other_figure,
)
from careerbot.core.forms import AnswerType, form_fit, is_figure
from careerbot.core.keywords import KeywordIndex
from careerbot.core.lexicon import (
    GENERIC_STEMS,
    INTENTS,
    is_number,
    is_year,
    term_set,
    tokens,
)
from careerbot.core.lists import (
    LIST_BUDGET,
    asks_for_list,
    introduced,
    items_of,
    list_of,
    places,
    table_rows,
    whole_lists,
    within,
    words,
)
from careerbot.core.question import Query, claimed
from careerbot.core.refusal import (
    RELATED_MIN,
    beside_known,
    gap_reason,
    not_said,
    quote_list,
    refusal,
    refusal_reason,
    related,
    unnamed_thing,
    unsaid,
)
from careerbot.core.scoring import score_units
from careerbot.result import Answer

WORD_BUDGET = 60
NEAR_TIE = 0.9
"""Share of the best score at which another chunk is as good a match for the topic."""
OVERVIEW_BUDGET = 150
"""Words an overview of a whole section ("tell me everything about pay") may run to."""
_CONTINUES = re.compile(
    r"(They|These|This|It|Those|For example|Such|In addition|Also|Additionally|However)\b"
    r"|(\w+\W+){0,3}(those|these)\b"
)
_ADDS = re.compile(r"(In addition|Additionally|Also)\b")


def choose(q: Query, picks: list[Candidate], neighbours: Neighbours) -> list[Candidate]:
    """The best chunk, plus its list, a continuation, or chunks covering what it misses."""
    if not picks:
        return []
    best = picks[0]
    faq = _faq_question(best, neighbours)
    if faq:
        best = _answer_to(best, picks, neighbours) or best
    if form_fit(q, best) < 0 and not faq:
        # The figure asked for often follows in a paragraph that names the topic ("master's
        # degrees are common ... Graduate programs often last between 2 and 3 years"): the
        # best such paragraph among those that score nearly as well.
        named = best.covered - INTENTS - GENERIC_STEMS  # what it names, not what it asks of it
        for topic in (p for p in picks if p.score >= NEAR_TIE * best.score or named and named <= p.covered):
            fit = next((p for p in picks if p.passage_key == topic.passage_key and form_fit(q, p) > 0), None)
            if fit is not None:
                return [fit, topic]
    chosen = [best]
    if faq:  # an FAQ answer is one unit: its paragraph, within the list budget
        rest = [candidate_for(d, picks) for d in neighbours(best.doc)
                if int(d.metadata["start"]) > best.start
                and int(d.metadata["passage_start"]) == best.passage_key[1]]
        chosen = within(chosen + rest, LIST_BUDGET)
    if not best.text.endswith((".", "?", "!")) and best.kind == "sentence":
        items = introduced(best, picks, neighbours)  # of a table, the row asked for if one is
        rows = [i for i in items if i.kind == "row"] if one_row_asked(q, best.text, which=True) else []
        chosen += [extreme_row(q, rows)] if rows else items
    elif best.kind == "row" and one_row_asked(q, best.lead):  # the row asked for
        top = extreme_row(q, table_rows(best, picks, neighbours))
        # The best-scoring row stays beside it only when it names more of the question
        # ("does the government pay the most?"), not merely for nearness in meaning.
        named = (best.covered - top.covered) - GENERIC_STEMS
        chosen = [top] if top.doc.metadata["id"] == best.doc.metadata["id"] or not named else [best, top]
    elif best.lead and asks_for_list(q, best):
        chosen = within(list_of(best, picks, neighbours), LIST_BUDGET)
    else:
        chosen += _topic_sentence(q, best, picks, neighbours) + _continuation(best, picks, neighbours)
    covered = set().union(*(p.covered for p in chosen))
    for p in picks[1:]:
        if any(p.doc.metadata["id"] == c.doc.metadata["id"] for c in chosen):
            continue
        if p.score < 0.75 * best.score or words(chosen + [p]) > WORD_BUDGET:
            continue
        if _faq_question(p, neighbours):
            continue  # an FAQ's question is never quoted beside another answer
        if (p.covered - covered) - GENERIC_STEMS:
            if p.kind == "row" and one_row_asked(q, p.lead):  # the row asked for
                p = extreme_row(q, table_rows(p, picks, neighbours))
                if any(p.doc.metadata["id"] == c.doc.metadata["id"] for c in chosen):
                    continue
            elif p.lead and asks_for_list(q, p):  # the list asked for, not one of its items
                items = list_of(p, picks, neighbours)
                if words(chosen + items) <= LIST_BUDGET:
                    chosen += items
                    covered |= set().union(*(i.covered for i in items))
                    continue
            chosen += [p] + items_of(q, p, picks, neighbours)
            covered |= p.covered
    chosen = whole_lists(chosen + places(q, chosen, picks, neighbours), picks, neighbours)
    chosen = _opening_first(q, picks, _whole_paragraphs(q, chosen, picks, neighbours))
    return [asked_clause(q, c) for c in chosen] if is_figure(q) else chosen


def _opening_first(q: Query, picks: list[Candidate], chosen: list[Candidate]) -> list[Candidate]:
    """What the occupation is or does ("What do medical and health services managers do?")
    is answered first by the profile's opening sentence, which says it ("... plan, direct,
    and coordinate medical and health services"), when search found it."""
    if q.answer_type != AnswerType.DEFINITION or not q.about_subject or q.kinds or q.persons:
        return chosen
    opening = next((p for p in picks if int(p.doc.metadata["start"]) == 0), None)
    return chosen if opening is None or any(c is opening for c in chosen) else [opening, *chosen]


def _topic_sentence(
    q: Query, best: Candidate, picks: list[Candidate], neighbours: Neighbours
) -> list[Candidate]:
    """A paragraph's opening sentence states its point ("Although certification is not
    required, some managers choose to become certified."): a later sentence that answers is
    quoted with it when the opening names what the question asks about too, and states no
    figure of another thing than the one asked for."""
    if best.kind != "sentence" or best.lead or best.start == best.passage_key[1]:
        return []
    paragraph = [d for d in neighbours(best.doc) if int(d.metadata["passage_start"]) == best.passage_key[1]]
    if not paragraph or paragraph[0].metadata.get("lead") or any(
            d.page_content.rstrip().endswith("?") for d in paragraph):
        return []  # a list, or an FAQ entry, whose opening is no point of its own
    opening = candidate_for(paragraph[0], picks)
    asked = best.covered - GENERIC_STEMS
    other = is_figure(q) and other_figure(opening, asked)
    return [opening] if opening.covered & asked and not other else []


def _whole_paragraphs(
    q: Query, chosen: list[Candidate], picks: list[Candidate], neighbours: Neighbours
) -> list[Candidate]:
    """When the best sentence, or two sentences, of a short paragraph answer, the paragraph
    is the answer: its other sentences complete it ("Most work full time" beside "Some
    work more than 40 hours"). A paragraph stating other figures besides the one asked for
    is no whole answer to it ("the median wage?" gets no top 10 percent): it is left
    as chosen."""
    figure = is_figure(q)
    for p in list(chosen):
        same = [c for c in chosen if c.passage_key == p.passage_key]
        if len(same) < 2 and p is not chosen[0] or any(c.kind == "row" for c in same) \
                or p is not same[0]:
            continue  # a table keeps the rows chosen from it
        paragraph = [d for d in neighbours(p.doc)
                     if int(d.metadata["passage_start"]) == p.passage_key[1]]
        asks = any(d.page_content.rstrip().endswith("?") for d in paragraph)
        if not asks and sum(len(d.page_content.split()) for d in paragraph) <= WORD_BUDGET:
            ids = {c.doc.metadata["id"] for c in chosen}
            asked = set().union(*(c.covered for c in same)) - GENERIC_STEMS
            more = [candidate_for(d, picks) for d in paragraph if d.metadata["id"] not in ids]
            if not (figure and any(other_figure(c, asked) for c in more)):
                chosen += more
    return chosen


def _answer_to(question: Candidate, picks: list[Candidate], neighbours: Neighbours) -> Candidate | None:
    """The sentence that answers a question quoted from the corpus (an FAQ entry)."""
    for d in neighbours(question.doc):
        if int(d.metadata["start"]) > question.start and not d.page_content.endswith("?"):
            found = candidate_for(d, picks)
            found.score, found.covered = question.score, question.covered | found.covered
            return found
    return None


def _faq_question(chunk: Candidate, neighbours: Neighbours) -> bool:
    """An FAQ's question, or the sentence that opens its entry: never quoted beside another
    answer or as one."""
    return chunk.text.endswith("?") or _asked_next(chunk, neighbours)


def _asked_next(chunk: Candidate, neighbours: Neighbours) -> bool:
    """The chunk opens an FAQ entry: the next sentence of its passage is the question ("I
    think I have found an error. Who should I contact?"); the answer comes after."""
    after = [d for d in neighbours(chunk.doc) if int(d.metadata["start"]) > chunk.start]
    return bool(after) and int(after[0].metadata["passage_start"]) == chunk.passage_key[1] \
        and after[0].page_content.rstrip().endswith("?")


def _continuation(best: Candidate, picks: list[Candidate], neighbours: Neighbours) -> list[Candidate]:
    """Sentences that only make sense after the chosen one ("They ...", "For example, ...");
    a following paragraph that opens with "In addition" continues it too."""
    if best.kind == "row":
        return []
    after = [d for d in neighbours(best.doc) if int(d.metadata["start"]) > best.start]
    out: list[Candidate] = []
    for d in after:
        same = int(d.metadata["passage_start"]) == best.passage_key[1]
        text = d.page_content
        if not (same and (len(best.text.split()) <= 4 or _CONTINUES.match(text))
                or not same and _ADDS.match(text)):
            break
        out.append(candidate_for(d, picks))
        if words([best] + out) > LIST_BUDGET:
            out.pop()
            break
    return out


def gap(
    q: Query, docs: Sequence[Document], keywords: KeywordIndex, title: str, sections: Sequence[str]
) -> Answer | None:
    """The refusal of a question of a kind the profile never answers (benefits, remote
    work, schools...), naming the words it uses that the profile never does and the closest
    sections search found; None when it uses none (then it is no gap: "are they ever on
    call during the weekend?" is near "do they get paid overtime when on call?")."""
    lacking = unsaid(q, keywords)
    return refusal(gap_reason(lacking), title, _nearest(docs, sections)) if lacking else None


def not_answered(q: Query, docs: Sequence[Document], title: str, sections: Sequence[str]) -> Answer:
    """The refusal of a question the profile surely never answers though every word it uses
    is the profile's ("what percentage of them work part time?"): what it asks, reported."""
    return refusal(not_said(q), title, _nearest(docs, sections))


def _nearest(docs: Sequence[Document], sections: Sequence[str]) -> list[str]:
    """The sections search found, nearest first, then the profile's."""
    return [str(d.metadata["section"]) for d in docs] + list(sections)


def answer(
    q: Query,
    docs: Sequence[Document],
    neighbours: Neighbours,
    keywords: KeywordIndex,
    title: str,
    sections: Sequence[str],
) -> Answer:
    """Answer an analysed question from retrieved chunks, or refuse with the reason."""
    picks = score_units(q, docs, keywords)
    chosen = with_leaned_on(with_contrast(q, choose(q, picks, neighbours), picks, neighbours),
                            picks, neighbours)
    said = claimed(q.text)
    unsupported = [n for n in q.numbers if n not in keywords.numbers and not is_year(n) and n in said]
    reason = refusal_reason(q, chosen, keywords) or unnamed_thing(q, keywords)
    lacking = beside_known(q, keywords) if reason else []
    if lacking and not refusal_reason(replace(q, unknown=[]), chosen, keywords):
        # "mostly dictations and budgets?": what it says of budgets, and that it never
        # mentions dictations.
        result = compose(chosen, bool(unsupported))
        result.text = f"The {title} profile never mentions {quote_list(lacking)}.\n\n{result.text}"
        result.notes.append(f"never mentions {', '.join(lacking)}")
        return result
    if reason:
        sections = [str(d.metadata["section"]) for d in docs] + list(sections)
        offered = with_leaned_on(related(q, picks), picks, neighbours)
        return refusal(reason, title, sections, offered)
    result = compose(chosen, bool(unsupported))
    if q.injection:
        result.notes.append("ignored instructions inside the question")
    return result


def nearest_in_meaning(
    q: Query, docs: Sequence[Document], neighbours: Neighbours, keywords: KeywordIndex, n: int
) -> Answer:
    """The ``n`` sentences of ``docs`` nearest the question in meaning, whatever words they
    share, with what they lean on: what the profile says of a trait the user describes in
    their own words ("pretty introverted", "hates persuading people")."""
    picks = [p for p in sorted(score_units(q, docs, keywords), key=lambda p: -p.dense)[:n]
             if p.dense >= RELATED_MIN]  # near enough to say something of the trait
    return compose(with_leaned_on(picks, picks, neighbours), False)


def naming(
    q: Query, docs: Sequence[Document], neighbours: Neighbours, keywords: KeywordIndex, told: set[str],
    quoted: str = "",
) -> Answer:
    """The best chunk of ``docs`` that names one of the ``told`` terms (what a user says of
    themselves: "an admin assistant" -> "Others may begin their careers as ...
    administrative assistants") and is not in ``quoted``, with what it leans on; no FAQ
    question, no citation when none names one."""
    picks = [p for p in score_units(q, docs, keywords) if p.covered & told and p.text not in quoted
             and not _faq_question(p, neighbours)]
    return compose(with_leaned_on(picks[:1], picks, neighbours), False)


def overview(
    q: Query,
    docs: Sequence[Document],
    neighbours: Neighbours,
    keywords: KeywordIndex,
    title: str,
    sections: Sequence[str],
) -> Answer:
    """The key facts of the section a question points to ("tell me everything about pay"):
    its figures first, then the opening sentence of each paragraph, in reading order,
    within :data:`OVERVIEW_BUDGET` words. Headings and quoted questions are left out."""
    picks = score_units(q, docs, keywords)
    if not picks or refusal_reason(q, picks[:1], keywords):
        return answer(q, docs, neighbours, keywords, title, sections)
    # The section, with the sections whose name holds its name or is held in it
    # ("Education and Training", "Education"; not "Work Schedules", "Work Environment").
    name = term_set(str(picks[0].doc.metadata["section"]))
    named = [(str(p.doc.metadata["section"]), p.doc) for p in reversed(picks)]
    kin = {s: doc for s, doc in named if term_set(s) <= name or name <= term_set(s)}
    section = [candidate_for(d, picks) for doc in kin.values() for d in neighbours(doc)
               if d.page_content.rstrip().endswith((".", "!")) or d.metadata.get("lead")]
    section.sort(key=lambda p: p.start)
    opening = {p.passage_key: p for p in reversed(section)}
    figures = [p for p in section if any(is_number(t) for t in tokens(p.text))]
    kept: list[Candidate] = []
    for p in figures + list(opening.values()) + section:
        if all(p is not k for k in kept) and words(kept + [p]) <= OVERVIEW_BUDGET:
            kept.append(p)
    kept.sort(key=lambda p: p.start)
    return compose(kept, False) if kept else answer(q, docs, neighbours, keywords, title, sections)


__all__ = ["answer", "overview"]
