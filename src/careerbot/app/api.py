"""An OpenAI-compatible chat API over :class:`CareerBot`: ``GET /v1/models`` and
``POST /v1/chat/completions``, streamed (server-sent events) or not.

Any OpenAI client (the ``openai`` SDK, LangChain's ``ChatOpenAI``, Open WebUI) can then
ask careerbot. The answer text keeps its ``[n]`` markers and ends with a sources block,
so a client that shows only text still shows where each figure comes from; clients that
read more find a structured ``citations`` list on the response and on the final chunk.

The request's ``messages`` become the question (the last user message) and the history
(earlier user/assistant pairs), exactly what the chat page passes for a follow-up.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from careerbot.bot import CareerBot
from careerbot.errors import BackendUnavailable, BadQuestion, CareerBotError, IndexBusy
from careerbot.result import Answer

MODEL_ID = "careerbot"
MAX_MESSAGES = 200
"""Messages one request may carry (the question and its history)."""
SOURCES_HEADING = "\n\nSources\n"
"""Starts the sources block after an answer; stripped again from assistant turns sent back."""


class ApiError(Exception):
    """An error to send as OpenAI-style JSON: ``{"error": {"message", "type", "code"}}``."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error",
                 code: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.code = status, message, kind, code
        self.headers = headers

    def response(self) -> JSONResponse:
        """The JSON error response."""
        return JSONResponse(error_body(self.message, self.kind, self.code), self.status, self.headers)


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """The error object OpenAI's clients parse (they show ``message``)."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def domain_error(e: CareerBotError) -> ApiError:
    """A careerbot error as an HTTP error: the question's fault is 400, the server's 503."""
    if isinstance(e, BadQuestion):
        return ApiError(400, str(e), code="bad_question")
    retry = {"Retry-After": "5"} if isinstance(e, (IndexBusy, BackendUnavailable)) else None
    return ApiError(503, str(e), "server_error", type(e).__name__, retry)


class Gate:
    """At most ``slots`` answers at once and ``queue`` more waiting; beyond that, 429.

    The bot is CPU-bound: letting every request in only makes all of them slow, so an
    overloaded server says so at once and the client (the SDKs retry 429) tries again.
    """

    def __init__(self, slots: int, queue: int) -> None:
        self.slots, self.limit = slots, slots + queue
        self.admitted = 0
        self._free: asyncio.Semaphore | None = None

    async def acquire(self) -> None:
        """Wait for a slot, or raise a 429 :class:`ApiError` when the queue is full."""
        if self.admitted >= self.limit:
            raise ApiError(429, f"careerbot is answering {self.slots} questions with "
                           f"{self.limit - self.slots} waiting; retry in a moment.",
                           "rate_limit_error", "server_busy", {"Retry-After": "1"})
        self._free = self._free or asyncio.Semaphore(self.slots)
        self.admitted += 1
        try:
            await self._free.acquire()
        except BaseException:
            self.admitted -= 1
            raise

    def release(self) -> None:
        """Give back the slot :meth:`acquire` took."""
        assert self._free is not None
        self._free.release()
        self.admitted -= 1

    @asynccontextmanager
    async def enter(self) -> AsyncIterator[None]:
        """Hold one slot for the body of the ``async with``."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()


class HeldStream(StreamingResponse):
    """A streamed response that gives its gate slot back however the stream ends
    (finished, failed, or the client gone before the first byte)."""

    def __init__(self, content: AsyncIterator[str], gate: Gate) -> None:
        super().__init__(content, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        self.gate = gate

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Stream the body, then release the slot."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.gate.release()


# -- requests ------------------------------------------------------------------------


class Message(BaseModel):
    """One chat message; content as text or as OpenAI content parts."""

    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """The fields of a chat completion request careerbot reads; others are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    n: int = 1


def parse_request(body: bytes) -> ChatRequest:
    """The request body as a :class:`ChatRequest`, or a 400 naming the first problem."""
    try:
        return ChatRequest.model_validate_json(body)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        problem = "the body is not JSON" if first["type"] == "json_invalid" else (
            f"{where or 'body'}: {first['msg']}")
        raise ApiError(400, f"Invalid request: {problem}.", code="invalid_request") from e


def text_of(message: Message) -> str:
    """A message's text: the string, or its ``text`` parts joined."""
    if isinstance(message.content, list):
        return "\n".join(str(p.get("text", "")) for p in message.content if p.get("type") == "text")
    return message.content or ""


def conversation(messages: Sequence[Message]) -> tuple[str, list[tuple[str, str]]]:
    """The question (the last message, from the user) and earlier (user, assistant) turns.

    System and tool messages are skipped: the bot's instructions are its own. An assistant
    turn loses the sources block careerbot appended to it, so history reads as answers.
    """
    chat = [m for m in messages if m.role in ("user", "assistant")]
    if not chat or chat[-1].role != "user":
        raise ApiError(400, "The last message must be the user's question.", code="no_question")
    turns: list[tuple[str, str]] = []
    pending: str | None = None
    for m in chat[:-1]:
        if m.role == "user":
            if pending is not None:
                turns.append((pending, ""))
            pending = text_of(m)
        else:
            turns.append((pending or "", text_of(m).split(SOURCES_HEADING)[0]))
            pending = None
    if pending is not None:
        turns.append((pending, ""))
    return text_of(chat[-1]), turns


# -- responses -----------------------------------------------------------------------


def citations(answer: Answer) -> list[dict[str, Any]]:
    """The structured citations: marker number, section, verbatim quote and its offsets."""
    return [{"n": c.n, "source": c.source, "title": c.title, "section": c.section,
             "quote": c.quote, "start": c.start, "end": c.end} for c in answer.citations]


def sources_block(answer: Answer) -> str:
    """The text after the answer: a heading, then ``[n] Section: quote`` per citation."""
    return SOURCES_HEADING + answer.sources_text() if answer.citations else ""


def completion(answer: Answer, cid: str, created: int) -> dict[str, Any]:
    """A ``chat.completion`` object for one answer."""
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant",
                                 "content": answer.text + sources_block(answer)}}],
        "citations": citations(answer), "careerbot": {"kind": answer.kind, "refused": answer.refused},
    }


def chunk(cid: str, created: int, delta: dict[str, Any], finish: str | None = None,
          **extra: Any) -> str:
    """One server-sent event holding a ``chat.completion.chunk``."""
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def tail(answer: Answer, streamed: str) -> str:
    """Text to send after the streamed pieces: the checked answer if checking changed it
    (an LLM sentence its sources did not support), then the sources block."""
    fixed = "" if answer.text == streamed else (
        "\n\n(Checked against the sources, the answer reads:)\n" + answer.text)
    return fixed + sources_block(answer)


# -- the app -------------------------------------------------------------------------


class ChatApi:
    """The routes' state: the bot and the gate in front of it."""

    def __init__(self, bot: CareerBot, gate: Gate) -> None:
        self.bot, self.gate = bot, gate

    async def models(self) -> dict[str, Any]:
        """The one model this server serves."""
        return {"object": "list", "data": [
            {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "careerbot"}]}

    async def completions(self, http: Request) -> Any:
        """Answer the last user message in the context of the earlier ones."""
        request = parse_request(await http.body())
        if request.model != MODEL_ID:
            raise ApiError(404, f"The model {request.model!r} does not exist; this server serves "
                           f"{MODEL_ID!r}.", code="model_not_found")
        if request.n != 1:
            raise ApiError(400, "careerbot gives one answer per request (n=1).", code="unsupported_n")
        question, history = conversation(request.messages)
        cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not request.stream:
            async with self.gate.enter():
                answer = await run_in_threadpool(self.bot.ask, question, history)
            return completion(answer, cid, created)
        return await self._stream(question, history, cid, created)

    async def _stream(self, question: str, history: list[tuple[str, str]], cid: str,
                      created: int) -> HeldStream:
        # The slot is taken and the first piece computed before the response starts, so a
        # busy server or a bad question is an HTTP status, not an error inside the stream.
        await self.gate.acquire()
        try:
            pieces = self.bot.stream(question, history)
            first = await run_in_threadpool(next, pieces, None)
        except BaseException:
            self.gate.release()
            raise

        async def events() -> AsyncIterator[str]:
            yield chunk(cid, created, {"role": "assistant", "content": ""})
            async for event in _events(pieces, first, cid, created):
                yield event
            yield "data: [DONE]\n\n"

        return HeldStream(events(), self.gate)


async def _events(pieces: Iterator[str | Answer], item: str | Answer | None, cid: str,
                  created: int) -> AsyncIterator[str]:
    """Content deltas as the bot produces them, then the sources and the citations."""
    streamed: list[str] = []
    try:
        while item is not None:
            if isinstance(item, Answer):
                yield chunk(cid, created, {"content": tail(item, "".join(streamed))})
                yield chunk(cid, created, {}, "stop", citations=citations(item),
                            careerbot={"kind": item.kind, "refused": item.refused})
            else:
                streamed.append(item)
                yield chunk(cid, created, {"content": item})
            item = await run_in_threadpool(next, pieces, None)
    except CareerBotError as e:  # after the headers: the error travels as an event
        yield f"data: {json.dumps(error_body(str(e), 'server_error', type(e).__name__))}\n\n"


def build_api(bot: CareerBot, gate: Gate) -> FastAPI:
    """The ``/v1`` application: routes plus OpenAI-style JSON for every error."""
    api = FastAPI(title="careerbot OpenAI-compatible API", docs_url=None, redoc_url=None,
                  openapi_url=None)
    state = ChatApi(bot, gate)
    api.get("/models")(state.models)
    api.post("/chat/completions")(state.completions)

    @api.exception_handler(ApiError)
    async def _api_error(_: Request, e: ApiError) -> JSONResponse:
        return e.response()

    @api.exception_handler(CareerBotError)
    async def _domain(_: Request, e: CareerBotError) -> JSONResponse:
        return domain_error(e).response()

    @api.exception_handler(HTTPException)
    async def _http(_: Request, e: HTTPException) -> JSONResponse:
        return ApiError(e.status_code, str(e.detail), code="not_found"
                        if e.status_code == 404 else None).response()

    @api.exception_handler(Exception)
    async def _unexpected(_: Request, e: Exception) -> JSONResponse:
        traceback.print_exception(e, file=sys.stderr)
        return ApiError(500, "careerbot hit an internal error; the server log has the details.",
                        "server_error", "internal_error").response()

    return api
