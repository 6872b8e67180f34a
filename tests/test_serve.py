"""`careerbot serve`: the OpenAI-compatible API and MCP tools, asked by real clients.

One real server (uvicorn, real HTTP) per module over the session's index: the official
`openai` SDK, LangChain's `ChatOpenAI`, the `mcp` client and `gradio_client` for the page
mounted beside them. A subprocess test covers the command itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from conftest import CORPUS, free_port, stop
from typer.testing import CliRunner

from careerbot import CareerBot
from careerbot.app.api import ApiError, Gate, Message, conversation
from careerbot.app.cli import app
from careerbot.app.server import build_server, check_serve_host, parse_keys
from careerbot.errors import ConfigError

KEY = "test-key-123"
Q_PAY = "How much do medical and health services managers earn?"
PAY = "$101,340"
HOSPITALS = "$119,450"


@pytest.fixture(scope="module")
def base_url(bot: CareerBot) -> Iterator[str]:
    """`/` (page), `/v1` and `/mcp` served by uvicorn in a thread, with an API key."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(build_server(bot, bot.settings, [KEY], mcp=True), host="127.0.0.1",
                            port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url + "/v1", api_key=KEY, max_retries=0)


def extra(obj: Any, name: str) -> Any:
    return (obj.model_extra or {})[name]


# -- the openai SDK ------------------------------------------------------------------


@pytest.mark.server
def test_models_lists_careerbot(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["careerbot"]


@pytest.mark.server
def test_sdk_answer_with_markers_sources_and_citations(client: openai.OpenAI) -> None:
    resp = client.chat.completions.create(model="careerbot",
                                          messages=[{"role": "user", "content": Q_PAY}])
    text = resp.choices[0].message.content or ""
    answer, sources = text.split("\n\nSources\n")
    assert PAY in answer and "[1]" in answer and sources.startswith("[1] Pay: ")
    cites = extra(resp, "citations")
    assert cites[0]["section"] == "Pay" and PAY in cites[0]["quote"]
    original = (CORPUS / cites[0]["source"]).read_text()
    assert original[cites[0]["start"]:cites[0]["end"]] == cites[0]["quote"]
    assert resp.choices[0].finish_reason == "stop"


@pytest.mark.server
def test_sdk_stream_same_text_and_citations_on_the_last_chunk(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model="careerbot",
                                           messages=[{"role": "user", "content": Q_PAY}])
    chunks = list(client.chat.completions.create(
        model="careerbot", messages=[{"role": "user", "content": Q_PAY}], stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == whole.choices[0].message.content
    assert len(chunks) > 5  # streamed in pieces, not one blob
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert extra(last, "citations") == extra(whole, "citations")


@pytest.mark.server
def test_sdk_follow_up_uses_history(client: openai.OpenAI, bot: CareerBot) -> None:
    first = client.chat.completions.create(model="careerbot",
                                           messages=[{"role": "user", "content": Q_PAY}])
    history = [{"role": "system", "content": "Be brief."},
               {"role": "user", "content": Q_PAY},
               {"role": "assistant", "content": first.choices[0].message.content}]
    follow = client.chat.completions.create(
        model="careerbot", messages=[*history, {"role": "user", "content": "What about in hospitals?"}])
    text = follow.choices[0].message.content or ""
    assert HOSPITALS in text
    alone = bot.ask("What about in hospitals?")
    assert HOSPITALS not in alone.text  # the figure comes from reading the history


@pytest.mark.server
def test_wrong_or_missing_key_is_401(base_url: str) -> None:
    wrong = openai.OpenAI(base_url=base_url + "/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="API key"):
        wrong.models.list()
    r = httpx.post(base_url + "/v1/chat/completions", json={"model": "careerbot", "messages": []})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    assert r.headers["www-authenticate"] == "Bearer"
    assert httpx.post(base_url + "/mcp", json={}).status_code == 401


@pytest.mark.server
def test_errors_are_openai_style_json(client: openai.OpenAI, base_url: str) -> None:
    with pytest.raises(openai.NotFoundError, match="serves 'careerbot'"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError, match="question is empty"):
        client.chat.completions.create(model="careerbot", messages=[{"role": "user", "content": " "}])
    with pytest.raises(openai.BadRequestError, match="last message must be the user"):
        client.chat.completions.create(model="careerbot",
                                       messages=[{"role": "assistant", "content": "hi"}])
    auth = {"Authorization": f"Bearer {KEY}"}
    cases = [(b"{not json", 400, "not JSON"), (b'{"model": "careerbot"}', 400, "messages"),
             (b"x" * 1_100_000, 413, "over 1,048,576 bytes")]
    for body, status, words in cases:
        r = httpx.post(base_url + "/v1/chat/completions", content=body, headers=auth)
        assert r.status_code == status and words in r.json()["error"]["message"], r.text
    r = httpx.get(base_url + "/v1/nowhere", headers=auth)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@pytest.mark.server
def test_langchain_chat_openai_against_careerbot(base_url: str) -> None:
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model="careerbot", base_url=base_url + "/v1", api_key=KEY, max_retries=0)
    reply = llm.invoke(Q_PAY)
    assert PAY in str(reply.content) and "[1]" in str(reply.content)
    streamed = "".join(str(c.content) for c in llm.stream(Q_PAY))
    assert streamed == reply.content
    follow = llm.invoke([("user", Q_PAY), ("assistant", str(reply.content)),
                         ("user", "What about in hospitals?")])
    assert HOSPITALS in str(follow.content)


@pytest.mark.server
def test_chat_page_is_served_beside_the_api(base_url: str) -> None:
    from gradio_client import Client

    out = Client(base_url + "/", verbose=False).predict(Q_PAY, api_name="/chat")
    assert PAY in str(out[0][-1]["content"])


# -- MCP -----------------------------------------------------------------------------


@pytest.mark.server
def test_mcp_tools_list_and_ask_with_citations(base_url: str) -> None:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def session() -> tuple[Any, Any, Any, Any]:
        headers = {"Authorization": f"Bearer {KEY}"}
        async with httpx.AsyncClient(headers=headers, timeout=60) as http, \
                streamable_http_client(base_url + "/mcp", http_client=http) as (read, write, _), \
                ClientSession(read, write) as s:
            await s.initialize()
            tools = await s.list_tools()
            asked = await s.call_tool("ask", {"question": Q_PAY})
            follow = await s.call_tool("ask", {"question": "What about in hospitals?",
                                               "history": [[Q_PAY, "It is $101,340 [1]."]]})
            found = await s.call_tool("search", {"query": "job outlook", "k": 3})
            return tools, asked, follow, found

    tools, asked, follow, found = asyncio.run(session())
    described = {t.name: t.description for t in tools.tools}
    assert set(described) == {"ask", "quick_facts", "search"}
    assert all(len(d or "") > 40 for d in described.values())
    result = asked.structuredContent
    assert not asked.isError and PAY in result["text"] and "[1]" in result["text"]
    assert result["citations"][0]["section"] == "Pay" and PAY in result["citations"][0]["quote"]
    assert HOSPITALS in follow.structuredContent["text"]
    assert len(found.structuredContent["result"]) == 3


# -- pieces without a server -----------------------------------------------------------


def test_conversation_pairs_turns_and_strips_sources() -> None:
    msgs = [Message(role="system", content="x"), Message(role="user", content="Pay?"),
            Message(role="assistant", content="$1 [1].\n\nSources\n[1] Pay: $1."),
            Message(role="user", content="a"), Message(role="user",
                                                        content=[{"type": "text", "text": "More?"}])]
    assert conversation(msgs) == ("More?", [("Pay?", "$1 [1]."), ("a", "")])
    with pytest.raises(ApiError, match="last message"):
        conversation([Message(role="user", content="a"), Message(role="assistant", content="b")])


def test_gate_refuses_beyond_slots_and_queue() -> None:
    async def run() -> int:
        gate = Gate(slots=1, queue=1)
        await gate.acquire()
        waiting = asyncio.ensure_future(gate.acquire())
        await asyncio.sleep(0)
        with pytest.raises(ApiError) as busy:
            await gate.acquire()
        gate.release()
        await waiting
        gate.release()
        assert gate.admitted == 0
        return busy.value.status

    assert asyncio.run(run()) == 429


def test_keys_and_host_checks(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# ours\nabc\n  def  \n")
    assert parse_keys("k1", keys) == ["k1", "abc", "def"]
    keys.write_text("# none\n")
    with pytest.raises(ConfigError, match="no keys"):
        parse_keys(None, keys)
    with pytest.raises(ConfigError, match="--api-key KEY.*--auth USER"):
        check_serve_host("0.0.0.0", [], None, False)
    with pytest.raises(ConfigError, match="--auth USER") as e:
        check_serve_host("0.0.0.0", ["k"], None, False)
    assert "--api-key" not in str(e.value)
    check_serve_host("0.0.0.0", ["k"], [("u", "p")], False)
    check_serve_host("::1", [], None, False)
    check_serve_host("0.0.0.0", [], None, True)


def test_serve_refuses_an_open_address_in_one_line() -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "Refusing to serve on 0.0.0.0" in result.output and "Traceback" not in result.output


@pytest.mark.server
@pytest.mark.slow
def test_careerbot_serve_command_serves_page_and_api(built_home: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CAREERBOT_HOME": str(built_home), "CAREERBOT_CORPUS": str(CORPUS),
           "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    exe = Path(sys.executable).with_name("careerbot")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "careerbot.app.cli"]
    proc = subprocess.Popen([*cmd, "serve", "--port", str(port)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                with urllib.request.urlopen(base + "/v1/models", timeout=2) as r:
                    assert json.load(r)["data"][0]["id"] == "careerbot"
                break
            except OSError:
                assert time.monotonic() < deadline, "careerbot serve did not start"
                time.sleep(0.3)
        with urllib.request.urlopen(base + "/config", timeout=5) as r:
            assert r.status == 200  # the chat page, same port
        answer = openai.OpenAI(base_url=base + "/v1", api_key="unused").chat.completions.create(
            model="careerbot", messages=[{"role": "user", "content": Q_PAY}])
        assert PAY in (answer.choices[0].message.content or "")
    finally:
        stop(proc)
