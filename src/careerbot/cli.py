"""The ``careerbot`` command: parse options, call :class:`CareerBot`, print results.

Domain errors become one line on stderr and exit code 1; nothing here knows how an
answer is made.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from careerbot.config import Settings, settings_table
from careerbot.errors import CareerBotError

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
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

CorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Corpus folder of .txt/.md files.", show_default=False)
]
HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Data folder for the index and feedback.", show_default=False),
]


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn careerbot's errors (and Ctrl-C) into one line on stderr and exit code 1."""
    try:
        yield
    except CareerBotError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(1) from e
    except KeyboardInterrupt as e:
        err.print("interrupted")
        raise typer.Exit(130) from e


def make_bot(**overrides: Any) -> Any:
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
) -> None:
    """Answer one question, then list the numbered sources it cites.

    Example: careerbot ask "What degree do I need?" --json
    """
    with domain_errors():
        answer = make_bot(corpus=corpus, home=home, top_k=top_k).ask(question)
    if as_json:
        out.print_json(json.dumps(answer.to_dict()))
        return
    out.print(answer.text)
    if answer.citations:
        out.print("\n[bold]Sources[/bold]")
        out.print(answer.sources_text())


@app.command()
def ingest(
    corpus: CorpusOpt = None,
    home: HomeOpt = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Embed everything again from scratch.")
    ] = False,
) -> None:
    """Build or update the index from the corpus folder.

    Only new or changed passages are embedded; the previous index keeps answering until
    the new one is complete.
    """
    from careerbot.embed import LocalEmbeddings
    from careerbot.index import IndexStore

    with domain_errors():
        settings = Settings.resolve(corpus=corpus, home=home)
        store = IndexStore(settings, LocalEmbeddings(settings.model_dir))
        report = store.ingest(rebuild=rebuild, progress=sys.stderr.isatty())
    if report.rebuilt_because and report.rebuilt_because != "--rebuild":
        err.print(f"Rebuilding the index: {report.rebuilt_because}.")
    out.print(report.summary())


@app.command()
def settings() -> None:
    """List every setting, its environment variable and default."""
    for env, default, doc in settings_table():
        out.print(f"{env:32} {default or '-':10} {doc}")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    app(args=argv)


def register(command: Callable[..., Any], name: str | None = None) -> None:
    """Add a command defined in another module (keeps edge modules short)."""
    app.command(name=name)(command)


if __name__ == "__main__":
    main()
