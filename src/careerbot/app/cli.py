"""The ``careerbot`` command: parse options, call :class:`CareerBot`, print results.

Domain errors become one line on stderr and exit code 1; nothing here knows how an
answer is made.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from careerbot.config import Settings, settings_table
from careerbot.errors import CareerBotError

if TYPE_CHECKING:
    from careerbot.bot import CareerBot

app = typer.Typer(
    name="careerbot",
    help=(
        "Grounded, cited answers about an occupation, from the profile in the corpus folder.\n\n"
        "Start with `careerbot ask \"How much do medical and health services managers earn?\"`; "
        "the index is built on first use. Settings come from CAREERBOT_* environment variables "
        "(see `careerbot settings`) and the options below."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def inert_console(stderr: bool = False) -> Console:
    """A console that prints text as it is, never as Rich markup or emoji codes.

    Answers, quotes and error messages carry corpus and user text ("[/note]", ":x:");
    styling goes through ``Text`` and ``style=`` instead.
    """
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False, soft_wrap=True)


out = inert_console()
err = inert_console(stderr=True)

CorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Corpus folder of .txt/.md files.", show_default=False)
]
HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Data folder for the index and feedback.", show_default=False),
]
ChromaUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--chroma-url", help="Chroma server URL (http://HOST:PORT) instead of the embedded index.",
        show_default=False,
    ),
]
LlmOpt = Annotated[
    str | None,
    typer.Option(
        "--llm", help="Answer backend: extractive (default), openai or ollama (CAREERBOT_LLM_*).",
        show_default=False,
    ),
]


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn careerbot's errors (and Ctrl-C) into one line on stderr and exit code 1."""
    try:
        yield
    except CareerBotError as e:
        err.print(Text.assemble(("error:", "red"), " ", str(e)))
        raise typer.Exit(1) from e
    except KeyboardInterrupt as e:
        err.print("interrupted")
        raise typer.Exit(130) from e


def make_bot(**overrides: Any) -> CareerBot:
    """Build the bot from settings (environment < options); imported late for a fast --help."""
    from careerbot.bot import CareerBot

    return CareerBot(Settings.resolve(**overrides))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full answer as JSON.")] = False,
    corpus: CorpusOpt = None,
    home: HomeOpt = None,
    top_k: Annotated[int | None, typer.Option(help="Passages to retrieve.")] = None,
    chroma_url: ChromaUrlOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Answer one question, then list the numbered sources it cites.

    Example: careerbot ask "What degree do I need?" --json
    """
    with domain_errors():
        bot = make_bot(corpus=corpus, home=home, top_k=top_k, chroma_url=chroma_url, llm=llm)
        answer = bot.ask(question)
    if bot.chat_model is not None and not as_json:
        for note in answer.notes:
            err.print(f"note: {note}", style="dim")
    if as_json:
        out.print_json(json.dumps(answer.to_dict()))
        return
    out.print(answer.text)
    if answer.citations:
        out.print("\nSources", style="bold")
        out.print(answer.sources_text())


@app.command()
def ingest(
    corpus: CorpusOpt = None,
    home: HomeOpt = None,
    chroma_url: ChromaUrlOpt = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Embed everything again from scratch.")
    ] = False,
) -> None:
    """Build or update the index from the corpus folder.

    Only new or changed passages are embedded; the previous index keeps answering until
    the new one is complete.
    """
    with domain_errors():
        bot = make_bot(corpus=corpus, home=home, chroma_url=chroma_url)
        report = bot.ingest(rebuild=rebuild, progress=sys.stderr.isatty())
    if report.rebuilt_because and report.rebuilt_because != "--rebuild":
        err.print(f"Rebuilding the index: {report.rebuilt_because}.")
    out.print(report.summary())


@app.command()
def chat(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to bind; only loopback without a password.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 7860,
    auth: Annotated[
        str | None,
        typer.Option(help="Require this USER:PASSWORD to log in; on a shared machine prefer "
                     "--auth-file or the CAREERBOT_AUTH variable, which `ps` does not show.",
                     envvar="CAREERBOT_AUTH", show_default=False, show_envvar=False),
    ] = None,
    auth_file: Annotated[
        Path | None,
        typer.Option(help="File of USER:PASSWORD lines allowed to log in.", show_default=False),
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Allow a non-loopback --host without a password.")
    ] = False,
    corpus: CorpusOpt = None,
    home: HomeOpt = None,
) -> None:
    """Serve the chat web page (streamed, cited answers; quick facts; feedback).

    Example: careerbot chat --port 7860, then open http://127.0.0.1:7860/
    """
    from careerbot.app.access import auth_warning, check_host, parse_auth

    with domain_errors():
        credentials = parse_auth(auth, auth_file)
        check_host(host, credentials, insecure)
        # Typer ships its own click, so the source is compared by name.
        typed = getattr(ctx.get_parameter_source("auth"), "name", "") == "COMMANDLINE"
        warning = auth_warning(host, auth, typed)
        if warning:
            err.print(warning)
        from careerbot.app import web

        web.serve(Settings.resolve(corpus=corpus, home=home), host, port, credentials, insecure)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; only loopback without an API key and a login.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    api_key: Annotated[
        str | None, typer.Option(help="Require 'Authorization: Bearer KEY' on /v1 and /mcp.",
                                 show_default=False)
    ] = None,
    api_key_file: Annotated[
        Path | None, typer.Option(help="File of API keys, one per line.", show_default=False)
    ] = None,
    auth: Annotated[
        str | None, typer.Option(help="Require this USER:PASSWORD on the chat page.", show_default=False)
    ] = None,
    auth_file: Annotated[
        Path | None,
        typer.Option(help="File of USER:PASSWORD lines for the chat page.", show_default=False),
    ] = None,
    mcp: Annotated[bool, typer.Option("--mcp", help="Also serve MCP tools at /mcp.")] = False,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Allow a non-loopback --host unprotected.")
    ] = False,
    corpus: CorpusOpt = None,
    home: HomeOpt = None,
) -> None:
    """Serve an OpenAI-compatible API at /v1 beside the chat page at / (one process).

    Example: careerbot serve --port 8000, then point any OpenAI client at
    http://127.0.0.1:8000/v1 with the model "careerbot".
    """
    from careerbot.app.access import parse_auth

    with domain_errors():
        from careerbot.app import server

        keys = server.parse_keys(api_key, api_key_file)
        credentials = parse_auth(auth, auth_file)
        server.check_serve_host(host, keys, credentials, insecure)
        server.serve(Settings.resolve(corpus=corpus, home=home), host, port, keys, credentials,
                     insecure, mcp)


feedback_app = typer.Typer(help="Votes and comments left on the chat page.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    home: HomeOpt = None,
) -> None:
    """Print every feedback row (question, history, answer, citations, vote, comment, ...)."""
    from careerbot.app.feedback import FeedbackStore

    with domain_errors():
        settings = Settings.resolve(home=home)
        FeedbackStore(settings.home_dir / "feedback.db").export(sys.stdout, fmt)


@feedback_app.command("report")
def feedback_report(
    chart: Annotated[
        Path | None,
        typer.Option(help="Where to write the chart (PNG). Default: feedback-report.png in the home folder.",
                     show_default=False),
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Votes per cited section and per answer kind, the down-voted questions with their
    comments, and a chart of votes per section."""
    from careerbot.app import feedback_report as report
    from careerbot.app.feedback import FeedbackStore

    with domain_errors():
        folder = Settings.resolve(home=home).home_dir
        summary = report.summarize(FeedbackStore(folder / "feedback.db").rows())
    out.print(report.render(summary))
    if summary.total.total:
        written = report.chart(summary, chart or folder / "feedback-report.png")
        out.print(f"\nChart: {written}")


@app.command("eval")
def eval_(
    files: Annotated[list[Path], typer.Argument(help="Question files (JSONL), e.g. evals/questions.jsonl.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Write summary.json, per_question.jsonl, report.md, a chart."),
    ] = None,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(help="NAME=VALUE bar; exit 1 when a metric misses it. Repeatable."),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="A summary.json to show differences against.")
    ] = None,
    corpus: CorpusOpt = None,
    home: HomeOpt = None,
    chroma_url: ChromaUrlOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Run question sets through the bot and score facts, citations, refusals and latency.

    Example: careerbot eval evals/questions.jsonl --fail-under fact_recall=0.95
    """
    from careerbot.evaluation.runner import run_cli

    with domain_errors():
        code = run_cli(
            files,
            lambda: make_bot(corpus=corpus, home=home, chroma_url=chroma_url, llm=llm),
            json_out=as_json,
            out_dir=out_dir,
            fail_under=fail_under or [],
            baseline=baseline,
            show_progress=sys.stderr.isatty(),
        )
    raise typer.Exit(code)


@app.command()
def settings() -> None:
    """List every setting, its environment variable and default."""
    for env, default, doc in settings_table():
        out.print(f"{env:32} {default or '-':10} {doc}")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    app(args=argv)


if __name__ == "__main__":
    main()
