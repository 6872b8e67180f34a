"""careerbot as MCP tools (``careerbot serve --mcp``): ask, quick_facts and search.

Each tool's docstring is the description an MCP client (Claude Desktop, an IDE agent)
shows its model, so it says what the tool returns and when to use it. The tools go
through the same :class:`~careerbot.app.api.Gate` as the HTTP API: one bound on the CPU.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from starlette.concurrency import run_in_threadpool

from careerbot.app.api import ApiError, Gate, citations
from careerbot.bot import CareerBot
from careerbot.errors import CareerBotError

PATH = "/mcp"
MAX_SEARCH_K = 50


def build_mcp(bot: CareerBot, gate: Gate, host: str) -> FastMCP:
    """An MCP server (streamable HTTP at :data:`PATH`, stateless JSON) with careerbot's tools.

    ``host`` is the address served: on loopback the SDK's DNS-rebinding protection stays on.
    """
    server = FastMCP(
        "careerbot", host=host, streamable_http_path=PATH, stateless_http=True, json_response=True,
        log_level="WARNING",
        instructions=(
            "Answers about one occupation profile (the US BLS Occupational Outlook Handbook), "
            "quoted from the profile with numbered citations. Prefer `ask`; cite its sources."
        ),
    )

    async def run(fn: Any, *args: Any) -> Any:
        try:
            async with gate.enter():
                return await run_in_threadpool(fn, *args)
        except CareerBotError as e:
            raise ToolError(str(e)) from e
        except ApiError as e:  # the server is busy
            raise ToolError(e.message) from e

    async def ask(question: str, history: list[list[str]] | None = None) -> dict[str, Any]:
        """Answer a question about the occupation from its profile, with citations.

        Use it for pay, duties, education, work environment, job outlook and how to become
        one. For a follow-up, pass the earlier turns as ``history``: a list of
        [question, answer] pairs, oldest first. Returns ``text`` with [n] markers and
        ``citations`` (n, section, verbatim quote, start/end offsets in the source file);
        ``refused`` is true when the profile does not answer the question.
        """
        answer = await run(bot.ask, question, history or [])
        return {"text": answer.text, "citations": citations(answer), "refused": answer.refused,
                "kind": answer.kind}

    async def quick_facts() -> list[dict[str, Any]]:
        """The occupation's quick facts (median pay, entry education, number of jobs, outlook...)
        and median pay by industry, each fact with the sentence and offsets it comes from."""
        return [asdict(doc) for doc in await run(bot.facts)]

    async def search(query: str, k: int = 5) -> list[dict[str, Any]]:
        """The ``k`` passages of the profile most relevant to ``query`` (1 to 50), best first,
        each with its section, text, source file, character offsets and fused score. Use it
        to read around a topic; use ``ask`` for an answer."""
        if not 1 <= k <= MAX_SEARCH_K:
            raise ToolError(f"k must be between 1 and {MAX_SEARCH_K}, not {k}.")
        docs = await run(lambda: bot.retriever.invoke(query, k=k))
        return [{"section": d.metadata["section"], "text": d.page_content,
                 "source": d.metadata["source"], "start": d.metadata["start"],
                 "end": d.metadata["end"], "score": d.metadata["score"]} for d in docs]

    for tool in (ask, quick_facts, search):
        server.add_tool(tool)
    return server
