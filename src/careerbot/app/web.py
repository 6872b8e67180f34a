"""The chat web page: a thin Gradio edge over :meth:`CareerBot.stream`.

The HTML comes from pure helpers (:mod:`careerbot.app.page_html`), facts and suggested
questions from :class:`~careerbot.CareerBot`; :func:`build_app` wires them into Gradio
and :func:`serve` launches it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import gradio as gr  # noqa: E402  (after the two settings above, which it reads on import)
from gradio.components.chatbot import ExampleMessage  # noqa: E402

from careerbot.app.access import check_host
from careerbot.app.feedback import FeedbackStore
from careerbot.app.page_html import (
    Turn,
    chat_messages,
    conversation_markdown,
    facts_html,
    friendly,
    pay_rows,
    render_answer,
    render_question,
    text_html,
)
from careerbot.bot import CareerBot
from careerbot.config import Settings
from careerbot.core.facts import OccupationFacts
from careerbot.core.suggest import follow_ups
from careerbot.errors import CareerBotError
from careerbot.result import Answer

SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Arial",
                "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
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

# -- the app ---------------------------------------------------------------------------


class PageUpdate(NamedTuple):
    """What one step of a reply sets on the page; ``build_app`` maps each field to its widget."""

    chat: list[dict[str, str]]
    turns: list[Turn]
    box: str
    up1: Any
    up2: Any
    up3: Any
    download: Any


class ChatPage:
    """The per-process state of the page: the bot, feedback store and cached facts."""

    def __init__(self, bot: CareerBot, settings: Settings) -> None:
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
        """Take facts and suggestions from the bot when the index version changed."""
        version = self.bot.version()
        if version == self._version:
            return
        docs = self.bot.facts()
        self.facts = docs[0] if docs else None
        self.title = " / ".join(d.title for d in docs) or "careerbot"
        self.pool = self.bot.suggestions()
        self._version = version

    def respond(self, message: Any, turns: list[Turn] | None) -> Iterator[PageUpdate]:
        """Stream one answer: chat messages, turns, textbox, 3 follow-ups, download."""
        turns = list(turns or [])
        question = message if isinstance(message, str) else ""
        history = [(t["question"], t["answer"]) for t in turns if not t.get("error")]
        shown = chat_messages(turns) + [{"role": "user", "content": render_question(question)}]
        keep = self._buttons(turns)
        yield PageUpdate(shown + [{"role": "assistant", "content": "…"}], turns, "", *keep)
        turn: Turn = {"question": question, "answer": "", "citations": [], "error": False}
        try:
            text, last = "", 0.0
            for piece in self.bot.stream(question, history):
                if isinstance(piece, Answer):
                    turn["answer"] = piece.text
                    turn["citations"] = [asdict(c) for c in piece.citations]
                    turn["kind"] = piece.kind
                    continue
                text += piece
                if time.monotonic() - last >= STREAM_EVERY:  # the first piece at once
                    last = time.monotonic()
                    yield PageUpdate(shown + [{"role": "assistant", "content": render_answer(text)}],
                                     turns, "", *keep)
        except Exception as e:  # the page never shows a traceback
            if not isinstance(e, CareerBotError):
                traceback.print_exc(file=sys.stderr)
            turn.update(answer=friendly(e), citations=[], error=True)
        turns = turns + [turn]
        yield PageUpdate(chat_messages(turns), turns, "", *self._buttons(turns))

    def _buttons(self, turns: list[Turn]) -> tuple[Any, ...]:
        cited = {c["section"] for c in turns[-1].get("citations", [])} if turns else set()
        ups = follow_ups(self.pool, [t["question"] for t in turns], cited) if turns else []
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
        try:
            row = self.feedback.record(t["question"], history, t["answer"], t["citations"],
                                       1 if like.liked else -1, comment or "", t.get("kind", ""))
        except CareerBotError as e:  # a damaged feedback.db: say so, never fail silently
            return f"Your vote was not saved: {e}", None
        return "Thanks, your feedback was saved.", row

    def add_comment(self, comment: str, row: int | None) -> tuple[str, str]:
        """Attach a comment to this session's last vote."""
        if not (comment or "").strip():
            return "Type a comment first.", comment
        if row is None:
            return "Rate an answer with thumbs up or down first, then add your comment.", comment
        try:
            self.feedback.comment(row, comment)
        except CareerBotError as e:
            return f"Your comment was not saved: {e}", comment
        return "Thanks, your comment was saved.", ""

    def panel(self) -> tuple[str, Any]:
        """Quick facts HTML and the pay-by-industry chart, for the current index."""
        import pandas as pd

        self.refresh()
        rows = pay_rows(self.facts)
        frame = pd.DataFrame(rows, columns=["industry", "median_pay"])
        return facts_html(self.facts), frame


def build_app(bot: CareerBot, settings: Settings) -> Any:
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
        widgets = dict(chat=chatbot, turns=turns, box=box, up1=ups[0], up2=ups[1], up3=ups[2],
                       download=download)
        outputs = [widgets[name] for name in PageUpdate._fields]
        box.submit(page.respond, [box, turns], outputs, api_name="chat")
        for b in ups:
            b.click(page.respond, [b, turns], outputs, api_visibility="private")

        def pick(turns_now: list[Turn], evt: gr.SelectData) -> Iterator[PageUpdate]:
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


def mount(app: Any, bot: CareerBot, settings: Settings, auth: list[tuple[str, str]] | None) -> Any:
    """Serve the page at ``/`` of a FastAPI ``app`` (``careerbot serve``), with the options
    ``careerbot chat`` launches it with; the host and port are the outer server's."""
    import inspect

    accepted = inspect.signature(gr.mount_gradio_app).parameters
    options = {k: v for k, v in launch_options("127.0.0.1", 0, auth).items() if k in accepted}
    return gr.mount_gradio_app(app, build_app(bot, settings), "/", **options)


def page_url(host: str, port: int) -> str:
    """The address to open; an IPv6 host is bracketed once, whether given as ``::1`` or ``[::1]``."""
    bare = host.strip().strip("[]")
    return f"http://[{bare}]:{port}/" if ":" in bare else f"http://{bare}:{port}/"


def serve(settings: Settings, host: str, port: int, auth: list[tuple[str, str]] | None,
          insecure: bool = False) -> None:
    """Check the address, build the index if needed, and serve the page until Ctrl-C."""
    check_host(host, auth, insecure)
    demo = build_app(CareerBot(settings), settings)
    demo.launch(**launch_options(host, port, auth))
    print(f"careerbot chat is running at {page_url(host, port)} (Ctrl-C to stop)", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()
