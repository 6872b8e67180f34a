"""The chat web page: a thin Gradio edge over :meth:`CareerBot.stream`.

The HTML comes from pure helpers (:mod:`careerbot.app.page_html`), facts and suggested
questions from :class:`~careerbot.CareerBot`; :func:`build_app` wires them into Gradio
and :func:`serve` launches it.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, NamedTuple

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import gradio as gr  # noqa: E402  (after the two settings above, which it reads on import)
from gradio.components.chatbot import ExampleMessage  # noqa: E402

from careerbot.app.access import MAX_BODY_BYTES, Bouncer, check_host
from careerbot.app.feedback import MAX_COMMENT_CHARS, FeedbackStore
from careerbot.app.page_html import (
    Turn,
    chat_messages,
    conversation_markdown,
    facts_html,
    friendly,
    pay_chart_html,
    render_answer,
    render_question,
    shorten,
    stored_turns,
    text_html,
)
from careerbot.bot import CareerBot
from careerbot.config import Settings
from careerbot.core.facts import OccupationFacts
from careerbot.core.suggest import follow_ups
from careerbot.core.text import clean
from careerbot.errors import CareerBotError
from careerbot.resources import read_text
from careerbot.result import Answer

SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Arial",
                "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
STREAM_EVERY = 0.05
"""Seconds between streamed updates: a slow answerer streams, a fast one is not slowed."""
SAVED_KEY = "careerbot-conversation"
"""The browser's storage key for the conversation, so a reload shows it again."""
SHOWN_VOTED_CHARS = 80
MAX_TURNS = 100
"""Turns a session keeps (and shows); older ones are dropped, so a session's state is bounded."""
CACHE_CLEANUP = (3600, 3600)
"""Gradio's ``delete_cache``: every hour drop cached files older than an hour, and all on exit."""
SAVE_JS = """(text) => {
  const url = URL.createObjectURL(new Blob([text], {type: "text/markdown"}));
  const a = Object.assign(document.createElement("a"), {href: url, download: "careerbot-conversation.md"});
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}"""
"""Saves the conversation in the browser: the server never writes it to disk."""

# -- the app ---------------------------------------------------------------------------


class PageUpdate(NamedTuple):
    """What one step of a reply sets on the page; ``build_app`` maps each field to its widget."""

    chat: list[dict[str, Any]]
    turns: list[Turn]
    box: str
    download: Any


class ChatPage:
    """The per-process state of the page: the bot, feedback store and cached facts."""

    def __init__(self, bot: CareerBot, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings
        self.feedback = FeedbackStore(settings.home_dir / "feedback.db")
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
        """Stream one answer: chat messages (follow-ups under the last), turns, textbox, download.

        The question is cleaned before anything else sees it, and a question too long to
        answer is kept in the session only shortened, as it is shown.
        """
        turns = list(turns or [])[-MAX_TURNS:]
        question = clean(message) if isinstance(message, str) else ""
        history = [(t["question"], t["answer"]) for t in turns if not t.get("error")]
        shown = chat_messages(turns) + [{"role": "user", "content": render_question(question)}]
        keep = self._download(turns)
        yield PageUpdate(shown + [{"role": "assistant", "content": "…"}], turns, "", keep)
        kept = question if len(question) <= self.settings.max_question_chars else shorten(question)
        serial = int(turns[-1].get("n", len(turns))) + 1 if turns else 1
        turn: Turn = {"question": kept, "answer": "", "citations": [], "error": False, "n": serial}
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
                                     turns, "", keep)
        except Exception as e:  # the page never shows a traceback
            if not isinstance(e, CareerBotError):
                traceback.print_exc(file=sys.stderr)
            turn.update(answer=friendly(e), citations=[], error=True)
        turns = (turns + [turn])[-MAX_TURNS:]
        yield PageUpdate(self.messages(turns), turns, "", self._download(turns))

    def messages(self, turns: list[Turn]) -> list[dict[str, Any]]:
        """The chat for ``turns``, with up to 3 suggested follow-ups under the last answer."""
        cited = {c["section"] for c in turns[-1].get("citations", [])} if turns else set()
        ups = follow_ups(self.pool, [t["question"] for t in turns], cited) if turns else []
        return chat_messages(turns, ups)

    def _download(self, turns: list[Turn]) -> Any:
        return gr.Button(visible=bool(turns))  # only visibility changes: nothing is written

    def conversation(self, turns: list[Turn]) -> str:
        """The conversation as Markdown, made when Download is clicked and saved by the browser."""
        return conversation_markdown(self.title, turns or [])

    def restore(self, saved: Any) -> PageUpdate:
        """The conversation this browser saved, shown again after a reload (cleaned and capped
        like any input: it comes back from the browser)."""
        turns = stored_turns(saved)[-MAX_TURNS:]
        limit = self.settings.max_question_chars
        for n, t in enumerate(turns, 1):
            question = clean(t["question"], limit + 1)
            t["question"] = question if len(question) <= limit else shorten(question)
            t["answer"], t["n"] = clean(t["answer"]), n
        return PageUpdate(self.messages(turns), turns, "", self._download(turns))

    def vote(
        self, turns: list[Turn], votes: dict[int, int] | None, like: gr.LikeData
    ) -> tuple[str, int | None, Any, Any, dict[int, int]]:
        """Store a thumbs up/down on the answer ``like.index`` points at, then offer a comment.

        Returns the status line, the stored row (for the comment), updates that open the
        comment prompt, whose label names the voted answer, and ``votes``: each voted turn's
        row, so a second vote on the same answer replaces the first (one per session).
        """
        votes = dict(votes or {})
        closed = gr.Textbox(), gr.Column(visible=False)
        index = like.index[0] if isinstance(like.index, (list, tuple)) else like.index
        if like.liked not in (True, False) or not turns or not 0 <= int(index) // 2 < len(turns):
            return "", None, *closed, votes
        i = int(index) // 2
        t = turns[i]
        key = int(t.get("n", i + 1))
        history = [(p["question"], p["answer"]) for p in turns[:i] if not p.get("error")]
        value = 1 if like.liked else -1
        try:
            if key in votes and self.feedback.revote(votes[key], value):
                row = votes[key]
            else:
                row = self.feedback.record(t["question"], history, t["answer"], t["citations"],
                                           value, "", t.get("kind", ""))
        except CareerBotError as e:  # a damaged feedback.db: say so, never fail silently
            return f"Your vote was not saved: {e}", None, *closed, votes
        votes[key] = row
        asked = t["question"] if len(t["question"]) <= SHOWN_VOTED_CHARS else (
            t["question"][:SHOWN_VOTED_CHARS] + "…")
        ask = "What was useful" if like.liked else "What was wrong or missing"
        label = f"Thanks for rating the answer to “{asked}”. {ask}? (optional)"
        return ("", row, gr.Textbox(label=label, value=""), gr.Column(visible=True), votes)

    def add_comment(self, comment: str, row: int | None) -> tuple[str, str, Any]:
        """Attach a comment to this session's last vote; the prompt closes once it is saved."""
        comment = clean(comment or "", MAX_COMMENT_CHARS)
        if not comment.strip():
            return "Type a comment first, or choose Not now.", comment, gr.Column()
        if row is None:
            return ("Rate an answer with thumbs up or down first, then add your comment.",
                    comment, gr.Column(visible=False))
        try:
            self.feedback.comment(row, comment)
        except CareerBotError as e:
            return f"Your comment was not saved: {e}", comment, gr.Column()
        return "Thanks, your comment was saved.", "", gr.Column(visible=False)

    def panel(self) -> tuple[str, str]:
        """Quick facts HTML and the pay-by-industry chart, for the current index."""
        self.refresh()
        return facts_html(self.facts), pay_chart_html(self.facts)


def build_app(bot: CareerBot, settings: Settings) -> Any:
    """The Gradio Blocks app around ``bot``."""
    page = ChatPage(bot, settings)
    examples: list[ExampleMessage] = [{"text": q} for q, _s in page.pool[:4]]
    with gr.Blocks(title=f"careerbot: {page.title}", analytics_enabled=False,
                   delete_cache=CACHE_CLEANUP) as demo:
        turns = gr.State([])
        votes = gr.State({})
        saved = gr.BrowserState([], storage_key=SAVED_KEY)
        last_row = gr.State(None)
        gr.HTML(f"<h1>careerbot: {text_html(page.title)}</h1><p>Answers come only from the "
                "occupation profile, each with numbered sources.</p>", elem_id="header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    label="Chat", show_label=False, height="68vh", min_height=360, latex_delimiters=[],
                    sanitize_html=True, allow_tags=False, examples=examples or None,
                    elem_id="chat", buttons=["copy"],
                    placeholder="Ask about pay, education, duties or the job outlook.",
                )
                with gr.Column(visible=False, elem_id="vote-prompt", variant="panel") as prompt:
                    comment = gr.Textbox(label="Comment", lines=2, max_lines=6,
                                         elem_id="comment", placeholder="Your comment")
                    with gr.Row():
                        send = gr.Button("Send comment", size="sm", variant="primary",
                                         elem_id="send-comment")
                        later = gr.Button("Not now", size="sm", elem_id="skip-comment")
                status = gr.Markdown(elem_id="status")
                box = gr.Textbox(show_label=False, placeholder="Type your question…",
                                 elem_id="question", submit_btn=True, label="Your question")
                with gr.Row():
                    clear = gr.Button("Clear", size="sm", elem_id="clear")
                    download = gr.Button("Download conversation (.md)", size="sm",
                                         visible=False, elem_id="download")
                    markdown = gr.Textbox(visible=False)
            with gr.Column(scale=2, min_width=320):
                facts = gr.HTML(elem_id="facts")
                chart = gr.HTML(elem_id="pay-chart")
        widgets = dict(chat=chatbot, turns=turns, box=box, download=download)
        outputs = [widgets[name] for name in PageUpdate._fields]

        def remember(event: Any) -> None:
            """After each change to the conversation (not after restoring it), the browser
            stores it, so every write is one user action."""
            event.then(lambda now: now, turns, saved, api_visibility="private")

        remember(box.submit(page.respond, [box, turns], outputs, api_name="chat"))

        def pick(turns_now: list[Turn], evt: gr.SelectData) -> Iterator[PageUpdate]:
            value = evt.value.get("text", "") if isinstance(evt.value, dict) else evt.value
            yield from page.respond(value, turns_now)

        remember(chatbot.example_select(pick, [turns], outputs, api_visibility="private"))
        remember(chatbot.option_select(pick, [turns], outputs, api_visibility="private"))
        chatbot.like(page.vote, [turns, votes], [status, last_row, comment, prompt, votes],
                     api_visibility="private")
        download.click(page.conversation, [turns], [markdown], api_visibility="private").then(
            None, [markdown], None, js=SAVE_JS, api_visibility="private")
        send.click(page.add_comment, [comment, last_row], [status, comment, prompt],
                   api_visibility="private")
        later.click(lambda: ("", gr.Column(visible=False)), None, [comment, prompt],
                    api_visibility="private")

        def reset() -> tuple[Any, ...]:
            return (*page.restore([]), None, "", gr.Column(visible=False), {})

        for event in (clear.click, chatbot.clear):
            remember(event(reset, None, [*outputs, last_row, status, prompt, votes],
                           api_visibility="private"))
        demo.load(page.restore, saved, outputs, api_visibility="private")
        demo.load(page.panel, None, [facts, chart], api_visibility="private")
    demo.queue(default_concurrency_limit=settings.chat_concurrency,
               max_size=settings.chat_queue_size)
    return demo


def theme() -> Any:
    """Gradio's default look with system fonts, so nothing is fetched from the internet.

    Primary buttons take a darker orange, so their white text meets WCAG contrast (4.5:1).
    """
    return gr.themes.Default(font=SYSTEM_FONTS, font_mono=MONO_FONTS).set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_hover_dark="*primary_800",
    )


def launch_options(host: str, port: int, auth: list[tuple[str, str]] | None) -> dict[str, Any]:
    """``Blocks.launch`` arguments: no share link, no extra files, no telemetry, system fonts."""
    return dict(
        server_name=host, server_port=port, auth=auth, share=False, show_error=False,
        ssr_mode=False, pwa=False, mcp_server=False, enable_monitoring=False, quiet=True,
        theme=theme(), css=read_text("data/page.css"), js=read_text("data/page.js"),
        prevent_thread_lock=True,
        footer_links=["gradio", "settings"],
        max_file_size=MAX_BODY_BYTES, app_kwargs={"middleware": [Bouncer.middleware()]},
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
