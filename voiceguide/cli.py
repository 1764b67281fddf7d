"""The command line: parse arguments, call the pipeline, print, and map errors to exit codes.

Heavy modules (pydantic, numpy, pydub, the speech engine) are imported inside
the commands, so `voiceguide --help` stays instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from voiceguide.errors import ScriptError, UsageError, VoiceguideError

if TYPE_CHECKING:
    from voiceguide.routine import Routine
    from voiceguide.session import Session

EXIT_INTERRUPTED = 130


class _Commands(TyperGroup):
    """The one place where errors become messages and exit codes (0 ok, 1 failure, 2 bad input, 130 Ctrl-C)."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ScriptError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(exc.exit_code)
        except VoiceguideError as exc:
            typer.echo(f"voiceguide: {exc}", err=True)
            raise typer.Exit(exc.exit_code)
        except KeyboardInterrupt:
            typer.echo("voiceguide: interrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED)


app = typer.Typer(
    cls=_Commands,
    help="Spoken, timed guides for self-acupressure and massage routines.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

RoutineArg = Annotated[str, typer.Argument(help="A built-in routine name (see `voiceguide list`) or a path to a .yaml file.")]
MinutesOpt = Annotated[
    Optional[float],
    typer.Option("--minutes", "-m", help="Fit the session to this many minutes by scaling holds and pauses."),
]


def main() -> None:
    """Console-script entry point."""
    app()


@app.command("list")
def list_routines() -> None:
    """The built-in routines: name, title and length."""
    from voiceguide import library
    from voiceguide.units import clock

    rows = []
    for name in library.builtin_names():
        session = _prepare(library.load(name), None)
        rows.append((name, session.routine.title, clock(session.timeline.duration)))
    width = max((len(name) for name, _, _ in rows), default=0)
    for name, title, length in rows:
        typer.echo(f"{name:<{width}}  {length:>7}  {title}")


@app.command()
def show(
    routine: RoutineArg,
    minutes: MinutesOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the timeline as JSON (times in seconds).")] = False,
) -> None:
    """The session as a readable timeline: sections, instructions, holds and times."""
    from voiceguide import library
    from voiceguide.show import describe

    session = _prepare(library.load(routine), minutes)
    if as_json:
        typer.echo(json.dumps(session.timeline.as_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(describe(session.routine, session.timeline))


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Routine scripts to check.", show_default=False)],
) -> None:
    """Check scripts without playing them: format, words, timing and fit; exits 2 if any is wrong."""
    from voiceguide.routine import load_routine
    from voiceguide.units import clock

    failed = 0
    for file in files:
        try:
            session = _prepare(load_routine(file), None)
        except (ScriptError, UsageError) as exc:
            failed += 1
            typer.echo(str(exc) if isinstance(exc, ScriptError) else f"{file}: {exc}", err=True)
            continue
        timeline = session.timeline
        typer.echo(f"{file}: ok, {clock(timeline.duration)}, {len(timeline.chapters)} chapters")
    if failed:
        raise typer.Exit(ScriptError.exit_code)


@app.command()
def voices(
    language: Annotated[Optional[str], typer.Option("--language", "-l", help="Only voices for this language, e.g. en or de.")] = None,
) -> None:
    """The voices the speech engine offers; use an id or language in a script's `voice:`."""
    from voiceguide.speech import Pyttsx3Engine

    found = Pyttsx3Engine().voices()
    if language:
        prefix = language.casefold()
        found = [v for v in found if any(lang.casefold().startswith(prefix) for lang in v.languages)]
        if not found:
            raise UsageError(f"no voice for language '{language}'; run `voiceguide voices` to see them all")
    width = max(len(v.id) for v in found)
    for voice in found:
        typer.echo(f"{voice.id:<{width}}  {', '.join(voice.languages):<14}  {voice.name}")


@app.command()
def schema() -> None:
    """The JSON Schema of the routine script format, for editors."""
    from voiceguide.routine import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


def _prepare(routine: Routine, minutes: float | None) -> Session:
    from voiceguide.session import Options, prepare
    from voiceguide.speech import ClipCache

    return prepare(routine, Options(minutes=minutes), ClipCache(), _synthesis_progress)


def _synthesis_progress(total: int) -> Any:
    """A progress bar on stderr while clips are made, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return lambda: None
    from rich.console import Console
    from rich.progress import Progress

    progress = Progress(console=Console(stderr=True), transient=True)
    task = progress.add_task("Preparing speech", total=total)
    progress.start()

    def advance() -> None:
        progress.advance(task)
        if progress.tasks[0].completed >= total:
            progress.stop()

    return advance
