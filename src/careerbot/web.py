"""The chat web page: a thin Gradio edge over :meth:`CareerBot.stream`.

Pure helpers (escaping, sources, quick facts, follow-ups, the Markdown download, the
host check) come first and are tested without a server; :func:`build_app` wires them
into Gradio and :func:`serve` launches it. Every piece of user or corpus text reaches
the page HTML-escaped, inside an HTML block, so no Markdown link, image or tag of its
own is ever rendered.
"""

from __future__ import annotations

import html
import ipaddress
import os
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import gradio as gr  # noqa: E402  (after the two settings above, which it reads on import)
from gradio.components.chatbot import ExampleMessage  # noqa: E402

from careerbot.config import Settings
from careerbot.errors import CareerBotError, ConfigError, IndexBusy
from careerbot.facts import OccupationFacts, extract
from careerbot.result import Answer, Citation

Turn = dict[str, Any]
"""One exchange: question, answer (raw text), citations (dicts), error (bool)."""

SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Arial",
                "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
SHOWN_QUESTION_CHARS = 400
STREAM_EVERY = 0.05
"""Seconds between streamed updates: a slow answerer streams, a fast one is not slowed."""
CSS = """
.cb-sources { margin-top: .6em; font-size: .92em; border-top: 1px solid #ddd; padding-top: .4em; }
.cb-sources details { margin: .25em 0; }
.cb-sources summary { cursor: pointer; }
.cb-passage { margin: .3em 0 .3em 1.2em; color: #444; white-space: pre-wrap; }
.cb-facts dt { font-weight: 600; margin-top: .5em; }
.cb-facts dd { margin: 0; }
.cb-facts .cb-cite { font-size: .85em; color: #555; }
"""

# Follow-up topics: (words in a section name, question template).
_TOPICS = [
    ("pay", "How much do {t} earn?"),
    ("duties", "What are the typical duties of {t}?"),
    ("education", "What education do {t} need?"),
    ("outlook", "What is the job outlook for {t}?"),
    ("licens", "Do {t} need a license?"),
    ("environment", "Where do {t} work?"),
    ("schedule", "Do {t} work full time?"),
    ("experience", "What work experience do {t} need?"),
    ("advancement", "How do {t} advance?"),
    ("personality", "What qualities do {t} need?"),
]


# -- pure helpers ----------------------------------------------------------------------


def text_html(text: str) -> str:
    """Escape text for an HTML block: entities for markup, ``<br>`` for new lines."""
    return html.escape(text, quote=True).replace("\n", "<br>")


def render_question(question: str, limit: int = SHOWN_QUESTION_CHARS) -> str:
    """The user's message as shown in the chat: escaped, a very long one shortened."""
    shown = question if len(question) <= limit else (
        f"{question[:limit]}… ({len(question):,} characters)"
    )
    return f'<div class="cb-q">{text_html(shown)}</div>'


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


def chat_messages(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """The Chatbot value for some turns: exactly two messages per turn."""
    out = []
    for t in turns:
        out.append({"role": "user", "content": render_question(t["question"])})
        out.append({"role": "assistant",
                    "content": render_answer(t["answer"], citations_of(t), t.get("error", False))})
    return out


def friendly(error: BaseException) -> str:
    """What the chat says when a question cannot be answered."""
    if isinstance(error, IndexBusy):
        return "The index is being rebuilt, try again in a few seconds."
    if isinstance(error, CareerBotError):
        return str(error)
    return "Sorry, something went wrong on our side. Please try again in a moment."


def subject(title: str) -> str:
    """A document title as it reads inside a question ("medical and health services managers")."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


def suggestions(title: str, sections: Sequence[str], facts: OccupationFacts | None = None,
                ) -> list[tuple[str, str]]:
    """(question, section) pairs the corpus can answer, from its section names and facts."""
    t = subject(title)
    out: list[tuple[str, str]] = []
    for words, template in _TOPICS:
        section = next((s for s in sections if words in s.lower()), None)
        if section and all(q != template.format(t=t) for q, _ in out):
            out.append((template.format(t=t), section))
        if words == "pay" and facts is not None and facts.pay_citation is not None:
            out.append((f"Which industries pay {t} the most?", facts.pay_citation.section))
    return out


def follow_ups(pool: Sequence[tuple[str, str]], turns: Sequence[Turn], k: int = 3) -> list[str]:
    """Up to ``k`` questions not asked yet, about sections the last answer did not cite."""
    asked = {t["question"].strip().lower() for t in turns}
    cited = {c["section"] for c in turns[-1].get("citations", [])} if turns else set()
    fresh = [(q, s) for q, s in pool if q.lower() not in asked]
    preferred = [q for q, s in fresh if s.strip() not in cited]
    rest = [q for q, _s in fresh if q not in preferred]
    return (preferred + rest)[:k]


def facts_html(facts: OccupationFacts | None) -> str:
    """The "Quick facts" panel: each fact with its section and cited sentence."""
    if facts is None or not facts.facts:
        return "<h3>Quick facts</h3><p>No quick facts could be found in the corpus.</p>"
    rows = [
        f"<dt>{text_html(f.label)}</dt><dd>{text_html(f.value)}<br>"
        f"<span class=\"cb-cite\" title=\"{text_html(f.source)}, characters {f.start}–{f.end}\">"
        f"{text_html(f.section)}: “{text_html(f.sentence)}”</span></dd>"
        for f in facts.facts
    ]
    return (f"<h3>Quick facts: {text_html(facts.title)}</h3>"
            f"<dl class=\"cb-facts\">{''.join(rows)}</dl>")


def pay_rows(facts: OccupationFacts | None) -> list[dict[str, Any]]:
    """Bar chart rows (industry, median pay), highest first."""
    if facts is None:
        return []
    rows = [{"industry": p.industry, "median_pay": p.wage} for p in facts.pay_by_industry]
    return sorted(rows, key=lambda r: -r["median_pay"])


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


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost"."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, auth: object, insecure: bool) -> None:
    """Refuse to serve beyond this machine without a password, unless told to."""
    if not is_loopback(host) and not auth and not insecure:
        raise ConfigError(
            f"Refusing to serve on {host} without a password: anyone on the network could use it. "
            "Pass --auth USER:PASSWORD or --auth-file FILE, or --insecure if you really mean it."
        )


def parse_auth(auth: str | None, auth_file: Path | None) -> list[tuple[str, str]] | None:
    """Credentials from ``USER:PASSWORD`` and/or a file of such lines (``#`` comments)."""
    entries = [auth] if auth else []
    if auth_file is not None:
        try:
            text = auth_file.read_text()
        except OSError as e:
            raise ConfigError(f"Cannot read the auth file {auth_file}: {e.strerror}.") from e
        entries += [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        if not entries:
            raise ConfigError(f"The auth file {auth_file} has no USER:PASSWORD lines.")
    pairs = []
    for entry in entries:
        user, sep, password = entry.partition(":")
        if not (sep and user and password):
            raise ConfigError("Credentials must look like USER:PASSWORD (both non-empty).")
        pairs.append((user, password))
    return pairs or None


# -- the app ---------------------------------------------------------------------------


class ChatPage:
    """The per-process state of the page: the bot, feedback store and cached facts."""

    def __init__(self, bot: Any, settings: Settings) -> None:
        from careerbot.feedback import FeedbackStore

        self.bot = bot
        self.settings = settings
        self.feedback = FeedbackStore(settings.home_dir / "feedback.db")
        self.downloads = Path(tempfile.mkdtemp(prefix="careerbot-chat-"))
        self._version: str | None = None
        self.facts: OccupationFacts | None = None
        self.title = "careerbot"
        self.pool: list[tuple[str, str]] = []
        self.refresh()

    def refresh(self) -> None:
        """Re-extract facts and suggestions when the index version changed."""
        version, chunks = self.bot.chunks()
        if version == self._version:
            return
        docs = extract(chunks)
        self.facts = docs[0] if docs else None
        self.title = " / ".join(d.title for d in docs) or "careerbot"
        sections = list(dict.fromkeys(c.section for c in chunks))
        pool = suggestions(self.title, sections, self.facts) if len(docs) == 1 else []
        self.pool = [(q, s) for q, s in pool if self._answers(q, s)]
        self._version = version

    def _answers(self, question: str, section: str) -> bool:
        """Whether the bot answers a suggestion from the section it is about."""
        try:
            got = self.bot.ask(question)
        except CareerBotError:
            return False
        return not got.refused and section.strip() in {c.section for c in got.citations}

    def respond(self, message: Any, turns: list[Turn] | None) -> Iterator[tuple[Any, ...]]:
        """Stream one answer: (chat messages, turns, textbox, 3 follow-ups, download)."""
        turns = list(turns or [])
        question = message if isinstance(message, str) else ""
        history = [(t["question"], t["answer"]) for t in turns if not t.get("error")]
        shown = chat_messages(turns) + [{"role": "user", "content": render_question(question)}]
        keep = self._buttons(turns)
        yield (shown + [{"role": "assistant", "content": "…"}], turns, "", *keep)
        turn: Turn = {"question": question, "answer": "", "citations": [], "error": False}
        try:
            text, last = "", 0.0
            for piece in self.bot.stream(question, history):
                if isinstance(piece, Answer):
                    turn["answer"] = piece.text
                    turn["citations"] = [asdict(c) for c in piece.citations]
                    continue
                text += piece
                if time.monotonic() - last >= STREAM_EVERY:  # the first piece at once
                    last = time.monotonic()
                    yield (shown + [{"role": "assistant", "content": render_answer(text)}],
                           turns, "", *keep)
        except Exception as e:  # the page never shows a traceback
            if not isinstance(e, CareerBotError):
                traceback.print_exc(file=sys.stderr)
            turn.update(answer=friendly(e), citations=[], error=True)
        turns = turns + [turn]
        yield (chat_messages(turns), turns, "", *self._buttons(turns))

    def _buttons(self, turns: list[Turn]) -> tuple[Any, ...]:
        ups = follow_ups(self.pool, turns) if turns else []
        buttons = [gr.Button(value=q, visible=True) for q in ups]
        buttons += [gr.Button(value="", visible=False) for _ in range(3 - len(buttons))]
        download = None
        if turns:
            path = self.downloads / f"careerbot-conversation-{uuid.uuid4().hex[:8]}.md"
            path.write_text(conversation_markdown(self.title, turns), encoding="utf-8", errors="replace")
            download = str(path)
        return (*buttons, gr.DownloadButton(value=download, visible=bool(turns)))

    def vote(self, turns: list[Turn], comment: str, like: gr.LikeData) -> tuple[str, int | None]:
        """Store a thumbs up/down on the answer ``like.index`` points at."""
        index = like.index[0] if isinstance(like.index, (list, tuple)) else like.index
        if like.liked not in (True, False) or not turns or not 0 <= int(index) // 2 < len(turns):
            return "", None
        i = int(index) // 2
        t = turns[i]
        history = [(p["question"], p["answer"]) for p in turns[:i] if not p.get("error")]
        row = self.feedback.record(t["question"], history, t["answer"], t["citations"],
                                   1 if like.liked else -1, comment or "")
        return "Thanks, your feedback was saved.", row

    def add_comment(self, comment: str, row: int | None) -> tuple[str, str]:
        """Attach a comment to this session's last vote."""
        if not (comment or "").strip():
            return "Type a comment first.", comment
        if row is None:
            return "Rate an answer with thumbs up or down first, then add your comment.", comment
        self.feedback.comment(row, comment)
        return "Thanks, your comment was saved.", ""

    def panel(self) -> tuple[str, Any]:
        """Quick facts HTML and the pay-by-industry chart, for the current index."""
        import pandas as pd

        self.refresh()
        rows = pay_rows(self.facts)
        frame = pd.DataFrame(rows, columns=["industry", "median_pay"])
        return facts_html(self.facts), frame


def build_app(bot: Any, settings: Settings) -> Any:
    """The Gradio Blocks app around ``bot``."""
    page = ChatPage(bot, settings)
    examples: list[ExampleMessage] = [{"text": q} for q, _s in page.pool[:4]]
    with gr.Blocks(title=f"careerbot: {page.title}", analytics_enabled=False) as demo:
        turns = gr.State([])
        last_row = gr.State(None)
        gr.HTML(f"<h2>careerbot: {text_html(page.title)}</h2><p>Answers come only from the "
                "occupation profile, each with numbered sources.</p>")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat", height=520, latex_delimiters=[], sanitize_html=True,
                    allow_tags=False, examples=examples or None, elem_id="chat", buttons=["copy"],
                    placeholder="Ask about pay, education, duties or the job outlook.",
                )
                with gr.Row():
                    box = gr.Textbox(show_label=False, placeholder="Type your question…",
                                     scale=5, elem_id="question", submit_btn=True)
                with gr.Row():
                    ups = [gr.Button(visible=False, size="sm", elem_classes="cb-follow")
                           for _ in range(3)]
                with gr.Row():
                    comment = gr.Textbox(show_label=False, scale=4, elem_id="comment",
                                         placeholder="Optional comment on your last thumbs up/down")
                    send = gr.Button("Send comment", size="sm", scale=1)
                status = gr.Markdown(elem_id="status")
                with gr.Row():
                    clear = gr.Button("Clear", size="sm", elem_id="clear")
                    download = gr.DownloadButton("Download conversation (.md)", size="sm",
                                                 visible=False, elem_id="download")
            with gr.Column(scale=2):
                facts = gr.HTML(elem_id="facts")
                chart = gr.BarPlot(x="industry", y="median_pay", title="Median pay by industry",
                                   x_title="Industry", y_title="Median annual pay ($)",
                                   x_label_angle=-30, sort="-y", y_lim=[0, None],
                                   elem_id="pay-chart")
        outputs = [chatbot, turns, box, *ups, download]
        box.submit(page.respond, [box, turns], outputs, api_name="chat")
        for b in ups:
            b.click(page.respond, [b, turns], outputs, api_visibility="private")

        def pick(turns_now: list[Turn], evt: gr.SelectData) -> Iterator[tuple[Any, ...]]:
            yield from page.respond(evt.value.get("text", ""), turns_now)

        chatbot.example_select(pick, [turns], outputs, api_visibility="private")
        chatbot.like(page.vote, [turns, comment], [status, last_row], api_visibility="private")
        send.click(page.add_comment, [comment, last_row], [status, comment],
                   api_visibility="private")
        def reset() -> tuple[Any, ...]:
            return ([], [], "", *page._buttons([]), None, "")

        for event in (clear.click, chatbot.clear):
            event(reset, None, [*outputs, last_row, status], api_visibility="private")
        demo.load(page.panel, None, [facts, chart], api_visibility="private")
    demo.queue(default_concurrency_limit=settings.chat_concurrency,
               max_size=settings.chat_queue_size)
    return demo


def theme() -> Any:
    """Gradio's default look with system fonts, so nothing is fetched from the internet."""
    return gr.themes.Default(font=SYSTEM_FONTS, font_mono=MONO_FONTS)


def launch_options(host: str, port: int, auth: list[tuple[str, str]] | None) -> dict[str, Any]:
    """``Blocks.launch`` arguments: no share link, no extra files, no telemetry, system fonts."""
    return dict(
        server_name=host, server_port=port, auth=auth, share=False, show_error=False,
        ssr_mode=False, pwa=False, mcp_server=False, enable_monitoring=False, quiet=True,
        theme=theme(), css=CSS, prevent_thread_lock=True, footer_links=["gradio", "settings"],
    )


def serve(settings: Settings, host: str, port: int, auth: list[tuple[str, str]] | None,
          insecure: bool = False) -> None:
    """Check the address, build the index if needed, and serve the page until Ctrl-C."""
    check_host(host, auth, insecure)
    from careerbot.bot import CareerBot

    demo = build_app(CareerBot(settings), settings)
    demo.launch(**launch_options(host, port, auth))
    shown = f"[{host}]" if ":" in host else host
    print(f"careerbot chat is running at http://{shown}:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()
