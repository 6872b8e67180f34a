"""The chat page's HTML, built by pure functions: every piece of user or corpus text is
escaped, inside an HTML block, so no Markdown link, image or tag of its own is rendered.

Tested without a server; :mod:`careerbot.app.web` wires them into Gradio.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any

from careerbot.core.facts import OccupationFacts
from careerbot.core.text import clean
from careerbot.errors import CareerBotError, IndexBusy
from careerbot.result import ANSWER_KINDS, Citation

Turn = dict[str, Any]
"""One exchange: question, answer (raw text), citations (dicts), error (bool)."""

SHOWN_QUESTION_CHARS = 400


def text_html(text: str) -> str:
    """The one escaping function for text shown on the page: cleaned (no carriage return or
    other line break that could end the HTML block and let Markdown run, no control
    characters, no lone surrogates), entities for markup, ``<br>`` for new lines."""
    return html.escape(clean(text), quote=True).replace("\n", "<br>")


def shorten(question: str, limit: int = SHOWN_QUESTION_CHARS) -> str:
    """A very long question cut to ``limit`` characters, with its full length."""
    return question if len(question) <= limit else f"{question[:limit]}… ({len(question):,} characters)"


def render_question(question: str, limit: int = SHOWN_QUESTION_CHARS) -> str:
    """The user's message as shown in the chat: escaped, a very long one shortened."""
    return f'<div class="cb-q">{text_html(shorten(question, limit))}</div>'


def sources_html(citations: Sequence[Citation]) -> str:
    """Numbered sources: section and cited sentence, the whole passage expandable."""
    if not citations:
        return ""
    items = []
    for c in citations:
        passage = c.passage or c.quote
        at = passage.find(c.quote) if c.quote else -1
        if at >= 0:
            body = (text_html(passage[:at]) + "<mark>" + text_html(c.quote) + "</mark>"
                    + text_html(passage[at + len(c.quote):]))
        else:
            body = text_html(passage)
        items.append(
            f"<details><summary>[{c.n}] <b>{text_html(c.section)}</b>: "
            f"“{text_html(c.quote)}”</summary><div class=\"cb-passage\">{body}"
            f"<br><small>{text_html(c.source)}, characters {c.start}–{c.end}</small>"
            "</div></details>"
        )
    return '<div class="cb-sources"><b>Sources</b>' + "".join(items) + "</div>"


def render_answer(text: str, citations: Sequence[Citation] = (), error: bool = False) -> str:
    """An assistant message: the escaped answer text, then its sources."""
    cls = "cb-a cb-error" if error else "cb-a"
    return f'<div class="{cls}">{text_html(text)}</div>' + sources_html(citations)


def citations_of(turn: Turn) -> list[Citation]:
    """The citations of a stored turn, as objects again."""
    return [Citation(**c) for c in turn.get("citations", [])]


def chat_messages(turns: Sequence[Turn], options: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The Chatbot value for some turns: exactly two messages per turn.

    ``options`` (suggested follow-ups) become Gradio's clickable message options on the last
    answer, so they sit under the answer they follow and disappear with the next question.
    """
    out: list[dict[str, Any]] = []
    for t in turns:
        out.append({"role": "user", "content": render_question(t["question"])})
        out.append({"role": "assistant",
                    "content": render_answer(t["answer"], citations_of(t), t.get("error", False))})
    if out and options:
        out[-1]["options"] = [{"label": q, "value": q} for q in options]
    return out


_KINDS: dict[str, type | tuple[type, ...]] = {"int": int, "float": (int, float), "str": str}
_CITATION_FIELDS = {f.name: _KINDS[str(f.type)] for f in fields(Citation)}


def stored_turns(value: Any) -> list[Turn]:
    """Turns read back from the browser's storage, keeping only well-formed ones.

    The browser holds the saved conversation, so what comes back is untrusted input: a turn
    with a missing field or a field of the wrong type is dropped rather than shown.
    """
    if not isinstance(value, list):
        return []
    out = []
    for t in value:
        if not (isinstance(t, dict) and isinstance(t.get("question"), str)
                and isinstance(t.get("answer"), str) and isinstance(t.get("citations", []), list)):
            continue
        cites = t.get("citations", [])
        if not all(isinstance(c, dict) and c.keys() == _CITATION_FIELDS.keys()
                   and all(isinstance(c[k], kind) for k, kind in _CITATION_FIELDS.items())
                   for c in cites):
            continue
        turn: Turn = {"question": t["question"], "answer": t["answer"],
                      "citations": [asdict(Citation(**c)) for c in cites],
                      "error": t.get("error") is True}
        if t.get("kind") in ANSWER_KINDS:
            turn["kind"] = t["kind"]
        out.append(turn)
    return out


def friendly(error: BaseException) -> str:
    """What the chat says when a question cannot be answered."""
    if isinstance(error, IndexBusy):
        return "The index is being rebuilt, try again in a few seconds."
    if isinstance(error, CareerBotError):
        return str(error)
    return "Sorry, something went wrong on our side. Please try again in a moment."


def facts_html(facts: OccupationFacts | None) -> str:
    """The "Quick facts" panel: each fact with its section and cited sentence."""
    if facts is None or not facts.facts:
        return "<h2>Quick facts</h2><p>No quick facts could be found in the corpus.</p>"
    rows = [
        f"<dt>{text_html(f.label)}</dt><dd>{text_html(f.value)}<br>"
        f"<span class=\"cb-cite\" title=\"{text_html(f.source)}, characters {f.start}–{f.end}\">"
        f"{text_html(f.section)}: “{text_html(f.sentence)}”</span></dd>"
        for f in facts.facts
    ]
    return (f"<h2>Quick facts: {text_html(facts.title)}</h2>"
            f"<dl class=\"cb-facts\">{''.join(rows)}</dl>")


def pay_rows(facts: OccupationFacts | None) -> list[dict[str, Any]]:
    """Bar chart rows (industry, median pay), highest first."""
    if facts is None:
        return []
    rows = [{"industry": p.industry, "median_pay": p.wage} for p in facts.pay_by_industry]
    return sorted(rows, key=lambda r: -r["median_pay"])


def pay_chart_html(facts: OccupationFacts | None) -> str:
    """Median pay by industry as horizontal bars: each label in full, each value printed.

    Plain HTML and CSS rather than a plotting widget, so long industry names wrap instead of
    being cut off, the figures are text a screen reader reads, and the colours follow the
    page's light or dark theme.
    """
    rows = pay_rows(facts)
    if not rows:
        return ""
    top = max(r["median_pay"] for r in rows) or 1
    bars = "".join(
        f'<li><span class="cb-bar-label">{text_html(r["industry"])}</span>'
        f'<span class="cb-bar-row"><span class="cb-bar-track" aria-hidden="true">'
        f'<span class="cb-bar" style="width: {100 * r["median_pay"] / top:.1f}%"></span></span>'
        f'<span class="cb-bar-value">${r["median_pay"]:,}</span></span></li>'
        for r in rows
    )
    cite = facts.pay_citation if facts is not None else None
    source = (f'<figcaption class="cb-cite">{text_html(cite.section)}: '
              f"“{text_html(cite.sentence)}”</figcaption>" if cite is not None else "")
    return ('<figure class="cb-chart"><h2 id="cb-pay-title">Median annual pay by industry</h2>'
            f'<ul class="cb-bars" aria-labelledby="cb-pay-title">{bars}</ul>{source}</figure>')


def conversation_markdown(title: str, turns: Sequence[Turn]) -> str:
    """The conversation as a Markdown document, each answer followed by its sources."""
    lines = [f"# careerbot conversation: {title}", ""]
    for t in turns:
        lines += ["## You", "", t["question"], "", "## careerbot", "", t["answer"], ""]
        cites = citations_of(t)
        if cites:
            lines += ["Sources:", ""]
            lines += [f"- [{c.n}] **{c.section}**: “{c.quote}” ({c.source}, characters "
                      f"{c.start}–{c.end})" for c in cites]
            lines.append("")
    return "\n".join(lines)
