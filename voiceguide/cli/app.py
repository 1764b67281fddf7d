"""The command line: parse arguments, call the pipeline, print, and map errors to exit codes.

Heavy modules (pydantic, numpy, pydub, the speech engine) are imported inside
the commands, so `voiceguide --help` stays instant. The Environment (streams,
terminals, cache folder, engine) is made here once per command, unless a caller
passes its own as the context's `obj` (tests do), and everything below gets it.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from voiceguide.support import interruptions
from voiceguide.support.environment import Environment
from voiceguide.support.errors import DoesNotFit, ScriptError, UsageError, VoiceguideError

if TYPE_CHECKING:
    from voiceguide.export.files import ExportSettings
    from voiceguide.live.ahead import SpeechAhead
    from voiceguide.live.inputs import InputSettings
    from voiceguide.live.speakers import Speaker
    from voiceguide.script.routine import Routine
    from voiceguide.session import Options, Session


@dataclass(frozen=True)
class Run:
    """One command's surroundings: the Environment, and how to say its output is in place."""

    environment: Environment
    done: Callable[[], None]
    """Once called, Ctrl-C is too late to undo the command's work and is dropped (see interruptions.until_done)."""

    def say(self, text: str) -> None:
        """A line on stdout, written now: a full disk or a closed pipe must not pass for success."""
        stdout = self.environment.stdout
        try:
            typer.echo(text, file=stdout)
            stdout.flush()
        except OSError as exc:
            _abandon(stdout)
            if isinstance(exc, BrokenPipeError):  # the reader has gone (`| head -1`): stop quietly, as Unix tools do
                raise typer.Exit(PIPE_CLOSED)
            raise VoiceguideError(f"cannot write the output: {exc.strerror or exc}; nothing more was written")


    def note(self, text: str) -> None:
        """A line on stderr about something that works less well here, while the command goes on."""
        with suppress(OSError, ValueError):  # no stderr to tell: the command goes on all the same
            typer.echo(f"voiceguide: {text}", file=self.environment.stderr)


PIPE_CLOSED = 128 + 13
"""The status of a Unix tool stopped by SIGPIPE."""


def _abandon(stream: IO[str]) -> None:
    """Point the stream's file at /dev/null: what is still buffered in it would fail again, noisily, at exit."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (OSError, ValueError):  # no file behind it (a test's StringIO)
        pass


class _Commands(TyperGroup):
    """The one place where errors become messages and exit codes (0 ok, 1 failure, 2 bad input, 130 Ctrl-C).

    Reading the arguments counts too: typer builds pydantic validators for them,
    which takes a moment on a busy machine, and would end a Ctrl-C then silently.
    Signal handlers changed for a command are put back when it ends, so a Python
    caller (a test's CliRunner, say) keeps its own.
    """

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _reported(sys.stderr):
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _reported(ctx.obj.stderr if isinstance(ctx.obj, Environment) else sys.stderr):
            # reading the process imports platformdirs: a Ctrl-C then is typer's, which exits 130 without a word
            from voiceguide.cli.environment import from_process

            environment = ctx.obj if isinstance(ctx.obj, Environment) else from_process()
        with _reported(environment.stderr), interruptions.until_done() as done:
            ctx.obj = Run(environment, done)
            return super().invoke(ctx)


@contextmanager
def _reported(stderr: IO[str]) -> Iterator[None]:
    try:
        yield
    except ScriptError as exc:
        typer.echo(str(exc), file=stderr)
        raise typer.Exit(exc.exit_code)
    except VoiceguideError as exc:
        typer.echo(f"voiceguide: {exc}", file=stderr)
        raise typer.Exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo(interruptions.MESSAGE, file=stderr)
        raise typer.Exit(interruptions.EXIT_CODE)


app = typer.Typer(
    cls=_Commands,
    help="Spoken, timed guides for self-acupressure and massage routines.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

RoutineArg = Annotated[str, typer.Argument(help="A built-in routine name (see `voiceguide list`) or a path to a .yaml file.")]


def _finite(value: float | None) -> float | None:
    """nan passes every range check (all its comparisons are false), and inf is no length or level."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number to use here")
    return value


MinutesOpt = Annotated[
    Optional[float],
    typer.Option(
        "--minutes", "-m", help="Fit the session to this many minutes by scaling holds and pauses.", callback=_finite
    ),
]
def _voice_name(value: str | None) -> str | None:
    """A voice file is named in a script (beside it) or put in the voices folder, so a name is all --voice takes."""
    if value is not None and not value.strip():
        raise UsageError("--voice needs a voice's name, e.g. espeak:en-us; `voiceguide voices` lists them")
    if value is not None and value.casefold().endswith(".onnx"):
        raise UsageError(
            f"--voice: '{value}' is a voice file; put it in your voices folder (`voiceguide voices` says where) "
            "and give its name, e.g. piper:NAME"
        )
    return value


VoiceOpt = Annotated[
    Optional[str],
    typer.Option(
        "--voice",
        callback=_voice_name,
        help="Speak with this voice instead of the routine's default: ENGINE:ID such as espeak:en-us, "
        "or an id or language (see `voiceguide voices`).",
    ),
]
LoudnessOpt = Annotated[
    Optional[float],
    typer.Option(
        help="Target loudness in LUFS, -30 to -16 (default -16, or the routine's own).", min=-30, max=-16, callback=_finite
    ),
]


@app.command("list")
def list_routines(ctx: typer.Context) -> None:
    """The built-in routines: name, length, title, and the lengths --minutes can fit each to."""
    from voiceguide.script import library
    from voiceguide.session import Options
    from voiceguide.support.units import clock

    run: Run = ctx.obj
    rows = []
    for name in library.builtin_names():
        session = _prepare(run, library.load(name), Options())
        shortest, longest = session.fitting_range
        fits = f"{clock(shortest)}-{clock(longest)}" if longest is not None else f"{clock(shortest)} or more"
        rows.append((name, clock(session.timeline.duration), session.routine.title, fits))
    width = max((len(name) for name, _, _, _ in rows), default=0)
    title_width = max((len(title) for _, _, title, _ in rows), default=0)
    for name, length, title, fits in rows:
        run.say(f"{name:<{width}}  {length:>7}  {title:<{title_width}}  {fits}")


@app.command()
def show(
    ctx: typer.Context,
    routine: RoutineArg,
    minutes: MinutesOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the timeline as JSON (times in seconds).")] = False,
    voice: VoiceOpt = None,
) -> None:
    """The session as a readable timeline: sections, instructions, holds and times."""
    from voiceguide.cli.describe import describe
    from voiceguide.script import library
    from voiceguide.session import Options

    run: Run = ctx.obj
    session = _prepare(run, library.load(routine), Options(minutes, voice=voice))
    if as_json:
        spoken_by = session.timeline.as_json(lambda utterance: session.speech.voice(utterance).spec)
        run.say(json.dumps(spoken_by, indent=2, ensure_ascii=False))
    else:
        run.say(describe(session.routine, session.timeline))


@app.command()
def play(
    ctx: typer.Context,
    routine: RoutineArg,
    minutes: MinutesOpt = None,
    section: Annotated[Optional[str], typer.Option("--from", help="Start at this section (its title, any case).")] = None,
    player: Annotated[Optional[str], typer.Option(help="miniaudio (the default), or simpleaudio (an optional extra).")] = None,
    loudness: LoudnessOpt = None,
    voice: VoiceOpt = None,
    listen: Annotated[
        bool,
        typer.Option(
            "--listen",
            help="Obey spoken commands through the default microphone: pause, continue, next, back, louder, softer, "
            "stop (twice). Offline; nothing is recorded or sent. Needs pip install 'voiceguide\\[listen]'.",
        ),
    ] = False,
    wake: Annotated[
        bool,
        typer.Option("--wake", help="Obey a command only after \"hey jarvis\" (Linux and Windows); implies --listen."),
    ] = False,
) -> None:
    """Play a session through the speakers. Keys: space pause, n/p section, +/- volume, q stop;
    on Linux, media keys and headset buttons too (MPRIS).

    Speech not in the cache yet is made while the session plays, just ahead of it, unless
    the session needs every line's length first: to fit `--minutes`, or to find where `--from` starts.
    """
    from voiceguide.cli.quiet import quiet_stderr
    from voiceguide.live.ahead import SpeechAhead
    from voiceguide.live.player import chapter_named
    from voiceguide.live.speakers import SPEAKERS, open_speaker
    from voiceguide.script import library
    from voiceguide.session import Options

    name = player or next(iter(SPEAKERS))
    if name not in SPEAKERS:
        raise UsageError(f"--player must be {' or '.join(SPEAKERS)}")
    run: Run = ctx.obj
    session = _prepare(run, library.load(routine), Options(minutes, loudness, voice), ahead=section is None)
    start = chapter_named(session.timeline, section).start if section else 0
    with SpeechAhead(session) as ahead:  # the voice loads while the device opens
        with quiet_stderr():  # ALSA prints a page of errors while it looks for a device
            speaker = open_speaker(name)
        try:
            _play(run, session, speaker, start, ahead, _input_settings(session, listen or wake, wake))
        finally:
            speaker.close()


def _input_settings(session: Session, listen: bool, wake: bool) -> InputSettings:
    """The inputs' settings: the options, and the routine's command words in the language of its voice."""
    from voiceguide.live.inputs import InputSettings
    from voiceguide.timeline import narration

    if not listen:
        return InputSettings()
    try:
        language = session.speech.voice(narration(session.routine, "")).language
    except LookupError:
        language = "en-us"
    return InputSettings(listen=True, wake=wake, phrases=session.routine.words.commands.phrases(), language=language)


def _play(
    run: Run, session: Session, speaker: Speaker, start: int, ahead: SpeechAhead, settings: InputSettings
) -> None:
    from voiceguide.cli.quiet import quiet_stderr
    from voiceguide.live.console import follow, waiting_line
    from voiceguide.live.inputs import listening
    from voiceguide.live.player import Player, narrator
    from voiceguide.render import Renderer

    renderer = Renderer(session)
    live = Player(renderer, speaker, narrator(session))
    ahead.play_into(live, renderer.correction)
    live.start(start)
    with listening(live, run.environment, run.note, settings, quietly=quiet_stderr) as working:  # keys, media keys, voice
        waiting = waiting_line(settings.said_to_go_on() if "voice" in working else None)
        follow(live, session.routine.title, run.environment, run.say, waiting)


@app.command()
def export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write (.mp3, .wav, .ogg or .opus, .m4a); with --all, a folder.")],
    routine: Annotated[Optional[str], typer.Argument(help="A built-in routine name or a path to a .yaml file.", show_default=False)] = None,
    minutes: MinutesOpt = None,
    loudness: LoudnessOpt = None,
    bitrate: Annotated[int, typer.Option(help="Constant bitrate in kbps (MP3, M4A, Ogg).", min=32, max=320)] = 96,
    transcript: Annotated[bool, typer.Option("--transcript", help="Also write the spoken lines as WebVTT beside the audio.")] = False,
    every: Annotated[bool, typer.Option("--all", help="Export every built-in routine into the -o folder, with a playlist.")] = False,
    file_format: Annotated[str, typer.Option("--format", help="File format for --all: mp3, wav, ogg, opus or m4a.")] = "mp3",
    voice: VoiceOpt = None,
) -> None:
    """Write a session to an audio file for a phone: MP3 with chapters, loudness-normalized."""
    from voiceguide.export.files import ExportSettings, ready_to_write
    from voiceguide.script import library
    from voiceguide.session import Options

    run: Run = ctx.obj
    settings = ExportSettings(bitrate=bitrate, transcript=transcript)
    if every == (routine is not None):
        raise UsageError("give either a ROUTINE or --all")
    if every:
        _export_all(run, output, file_format, Options(minutes, loudness, voice), settings)
        return
    assert routine is not None
    ready_to_write(output, settings)  # a wrong name, folder, bitrate or missing ffmpeg is said before speech is made
    session = _prepare(run, library.load(routine), Options(minutes, loudness, voice))
    session.speech.rest()  # every clip is made: the voice's memory is let go before encoding adds its own
    _export_one(run, session, output, settings, committed=run.done)
    run.say(_written(output, session))


def _export_one(
    run: Run, session: Session, output: Path, settings: ExportSettings, committed: Callable[[], None] | None = None
) -> None:
    from voiceguide.cli import progress
    from voiceguide.export.files import export as write

    with progress.writing(run.environment, output.name, session.timeline.duration) as advance:
        write(session, output, settings, advance, committed)


def _export_all(run: Run, folder: Path, file_format: str, options: Options, settings: ExportSettings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from voiceguide.export.files import write_playlist
    from voiceguide.export.formats import FORMATS
    from voiceguide.export.playlist import Entry
    from voiceguide.script import library

    if file_format not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
    FORMATS[file_format].check(settings.bitrate, f".{file_format}")  # said before any speech is made
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VoiceguideError(f"cannot create the folder '{folder}': {exc.strerror}")
    names = library.builtin_names()
    entries = []
    left_out = 0
    with ThreadPoolExecutor(1, thread_name_prefix="voiceguide-next") as ahead:
        upcoming = ahead.submit(_prepare, run, library.load(names[0]), options)
        for index, name in enumerate(names):
            try:
                session: Session | None = upcoming.result()
            except DoesNotFit as problem:  # this routine cannot fit --minutes: say which, and go on with the others
                typer.echo(f"voiceguide: {name}: {problem}", file=run.environment.stderr)
                session, left_out = None, left_out + 1
            if index + 1 < len(names):  # the next routine's speech is made while ffmpeg encodes this one
                upcoming = ahead.submit(_prepare, run, library.load(names[index + 1]), options, quietly=True)
            if session is None:
                continue
            target = folder / f"{name}.{file_format}"
            _export_one(run, session, target, settings)
            run.say(_written(target, session))
            entries.append(Entry(target.name, session.routine.title, session.timeline.duration / session.timeline.sample_rate))
    if entries:
        playlist = write_playlist(folder, entries, committed=run.done)
        run.say(f"{playlist}  ({len(entries)} sessions)")
    if left_out:
        raise typer.Exit(UsageError.exit_code)


def _written(target: Path, session: Session) -> str:
    """The line that says a file is in place: its name, length and chapters."""
    from voiceguide.support.units import clock

    return f"{target}  ({clock(session.timeline.duration)}, {len(session.timeline.chapters)} chapters)"


@app.command()
def check(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Routine scripts to check.", show_default=False)],
) -> None:
    """Check scripts without playing them: format, words, timing and fit; exits 2 if any is wrong."""
    from voiceguide.script.routine import load_routine
    from voiceguide.session import Options
    from voiceguide.support.units import clock

    run: Run = ctx.obj
    failed = 0
    for file in files:
        try:
            session = _prepare(run, load_routine(file), Options())
        except (ScriptError, UsageError) as exc:
            failed += 1
            typer.echo(str(exc) if isinstance(exc, ScriptError) else f"{file}: {exc}", file=run.environment.stderr)
            continue
        timeline = session.timeline
        run.say(f"{file}: ok, {clock(timeline.duration)}, {len(timeline.chapters)} chapters")
    if failed:
        raise typer.Exit(ScriptError.exit_code)


@app.command()
def voices(
    ctx: typer.Context,
    language: Annotated[Optional[str], typer.Option("--language", "-l", help="Only voices for this language, e.g. en or de.")] = None,
) -> None:
    """Every installed engine's voices: name one as `voice:` in a script, or with --voice."""
    from voiceguide.speech.voices import Casting

    run: Run = ctx.obj
    casting = Casting(run.environment.voices_folder)
    default = casting.voice(None)
    found = []
    for engine_class in casting.installed():
        engine = casting.engine(engine_class.name)
        found += engine.voices()
        for problem in engine.unusable():
            typer.echo(f"voiceguide: left out: {problem}", file=run.environment.stderr)
    if run.environment.voices_folder is not None:
        typer.echo(f"voiceguide: your own Piper voices go in {run.environment.voices_folder}", file=run.environment.stderr)
    for engine_class in casting.missing():
        typer.echo(
            f"voiceguide: {engine_class.name} is not installed; for its voices: {engine_class.INSTALL_HINT}",
            file=run.environment.stderr,
        )
    if language:
        prefix = language.casefold().replace("_", "-")
        found = [v for v in found if any(lang.casefold().replace("_", "-").startswith(prefix) for lang in v.languages)]
        if not found:
            raise UsageError(f"no voice for language '{language}'; run `voiceguide voices` to see them all")
    rows = [("voice", "languages", "name", "installed from")]
    rows += [(v.spec, ", ".join(v.languages), v.name + (" (default)" if v == default else ""), v.source) for v in found]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        run.say("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])


@app.command()
def schema(ctx: typer.Context) -> None:
    """The JSON Schema of the routine script format, for editors."""
    from voiceguide.audio import cues
    from voiceguide.script.schema import json_schema

    run: Run = ctx.obj
    run.say(json.dumps(json_schema(cues.names(), cues.beds()), indent=2))


def _prepare(run: Run, routine: Routine, options: Options, quietly: bool = False, ahead: bool = False) -> Session:
    """`quietly`: without a progress bar, for a session prepared while another one's bar is shown;
    `ahead`: missing speech laid out at an estimated length, to be made while the session plays."""
    from functools import partial

    from voiceguide.cli import progress
    from voiceguide.session import prepare
    from voiceguide.speech.making import ClipMaker
    from voiceguide.speech.pace import estimated_length

    bar = None if quietly else partial(progress.preparing_speech, run.environment)
    speech = ClipMaker.for_environment(run.environment, routine.file.parent)
    return prepare(routine, options, speech, bar, estimated_length if ahead else None)
