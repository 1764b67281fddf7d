"""The command line as a user meets it: output, errors on one line, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from voiceguide.cli.app import app
from voiceguide.script.library import builtin_folder, builtin_names

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_list_shows_each_builtin_routine_with_length_title_and_the_lengths_minutes_can_fit():
    result = run("list")

    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert len(rows) == len(builtin_names())
    headache = next(row for row in rows if row.startswith("headache "))
    name, length, *title, fits = headache.split()
    assert " ".join(title) == "Help for headaches"
    assert re.fullmatch(r"\d+:\d\d", length)  # a length such as 12:40
    shortest, longest = re.fullmatch(r"(\d+:\d\d)-(\d+:\d\d)", fits).groups()  # such as 9:40-16:40
    seconds = [int(m) * 60 + int(s) for m, s in (t.split(":") for t in (shortest, length, longest))]
    assert seconds == sorted(seconds) and seconds[0] < seconds[2]
    assert len({row.index(fits_of) for row, fits_of in zip(rows, (r.split()[-1] for r in rows))}) == 1  # a column


def test_show_prints_sections_instructions_holds_and_times():
    result = run("show", "headache")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Help for headaches  (")
    assert "== Hegu, right hand (" in result.stdout
    assert "(hold 2:00)" in result.stdout
    assert '"three"' in result.stdout
    assert "Safety: Get urgent medical care instead" in result.stdout


def test_show_json_is_the_documented_contract_and_honours_minutes():
    result = run("show", "headache", "--json", "--minutes", "12")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["duration"] == 720.0
    assert data["chapters"][0]["start"] == 0 and data["chapters"][-1]["end"] == 720.0
    assert {e["kind"] for e in data["events"]} == {"speech", "chime", "hold", "wait"}
    assert all(e["start"] <= e["end"] for e in data["events"])


def test_show_accepts_a_path_to_a_users_script(script):
    path = script("title: Mine\nsteps:\n  - say: Hello there.\n", name="my-routine.yaml")
    result = run("show", str(path), "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"] == "Mine"


def test_an_unknown_routine_name_lists_the_builtins_and_exits_2():
    result = run("show", "migrane")

    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no built-in routine named 'migrane'" in result.stderr and "headache" in result.stderr


def test_a_bad_script_prints_file_line_column_and_exits_2(script):
    path = script("title: T\nsteps:\n  - say: Hi\n    hold: soon\n")
    result = run("show", str(path))

    assert result.exit_code == 2
    assert result.stderr == f"{path}:4:11: `hold`: 'soon' is not a duration; write e.g. 90s, 1m30s, 2m, 1.5m or plain seconds\n"
    assert result.stdout == ""


def test_too_few_minutes_is_a_usage_error():
    result = run("show", "headache", "--minutes", "1")

    assert result.exit_code == 2
    assert "1 minutes is too short" in result.stderr


def test_check_reports_every_file_and_fails_if_any_is_wrong(script):
    good = script("title: Good\nsteps:\n  - say: Fine.\n", name="good.yaml")
    bad = script("title: Bad\nsteps:\n  - say: Hi\n    remind: {every: 5s, say: x}\n", name="bad.yaml")
    result = run("check", str(good), str(bad))

    assert result.exit_code == 2
    assert f"{good}: ok, " in result.stdout
    assert result.stderr.startswith(f"{bad}:3:5: `remind` belongs to a hold")


@pytest.mark.parametrize(
    ("hold", "column", "message"),
    [
        ("{for: 2m, min: 3m, max: 4m}", 26, "`min` (180s) is longer than `for` (120s)"),
        ("{for: 2m, min: 1m, max: 90s}", 35, "`max` (90s) is shorter than `for` (120s)"),
        ("{for: 2m, min: 3m, max: 1m}", 26, "`min` (180s) is longer than `max` (60s); swap them"),
    ],
)
def test_check_refuses_a_hold_range_out_of_order_at_the_key_to_change(script, hold, column, message):
    path = script(f"title: T\nsteps:\n  - say: Press the point.\n    hold: {hold}\n")
    result = run("check", str(path))

    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:4:{column}: {message}") and result.stderr.count("\n") == 1


def test_check_refuses_an_unknown_placeholder_at_its_own_line_and_column(script):
    path = script("title: T\nsteps:\n  - say: >\n      This takes about\n      {minute} minutes.\n")
    result = run("check", str(path))

    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:5:7: unknown placeholder {{minute}}; did you mean {{minutes}}?")


def test_check_passes_every_builtin_routine():
    files = [str(p) for p in sorted(builtin_folder().glob("*.yaml"))]
    result = run("check", *files)

    assert result.exit_code == 0, result.output
    assert result.stdout.count(": ok, ") == len(files)


def test_check_of_a_missing_file_says_so():
    result = run("check", "nowhere.yaml")
    assert result.exit_code == 2
    assert "nowhere.yaml:1:1: no such file" in result.stderr


def test_voices_lists_the_engine_voices_and_filters_by_language():
    everything = run("voices")
    german = run("voices", "--language", "de")

    assert everything.exit_code == 0 and german.exit_code == 0
    assert "gmw/en-us" in everything.stdout
    rows = german.stdout.splitlines()[1:]  # under the header
    assert rows and all(" de" in row for row in rows)
    assert run("voices", "--language", "xx-none").exit_code == 2


def test_schema_validates_the_builtin_routines_and_rejects_typos():
    result = run("schema")
    schema = json.loads(result.stdout)

    for path in sorted(builtin_folder().glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"title": "T", "steps": [{"say": "x", "hodl": 5}]}, schema)


def test_help_does_not_import_the_heavy_modules():
    code = (
        "import sys\nfrom voiceguide.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('numpy', 'pydantic', 'pyttsx3', 'pydub', 'scipy', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_python_dash_m_runs_the_same_program():
    result = subprocess.run([sys.executable, "-m", "voiceguide", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "show" in result.stdout and "check" in result.stdout


def test_the_wheel_ships_the_routines_and_the_cues(tmp_path):
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("voiceguide-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    assert "voiceguide/scripts/headache.yaml" in names
    assert {"voiceguide/audio_cues/bowl.wav", "voiceguide/audio_cues/soft.wav"} <= names
    assert not any(name.startswith(("scripts/", "audio_cues/", "tests/")) for name in names)


@pytest.mark.parametrize("option", ["--minutes", "--loudness"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_number_that_is_no_number_is_refused(option, value, tmp_path):
    result = run("export", "headache", "-o", str(tmp_path / "h.wav"), option, value)

    said = " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())  # typer draws the message in a box
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in said  # nan passes every range check; inf fails one
    assert not (tmp_path / "h.wav").exists()


def test_a_bitrate_the_format_cannot_take_is_refused_before_any_work(tmp_path):
    result = run("export", "headache", "-o", str(tmp_path / "h.ogg"), "--bitrate", "300")

    assert result.exit_code == 2
    assert result.stderr == "voiceguide: .ogg files take at most 256 kbps; lower --bitrate\n"
    assert run("export", "--all", "-o", str(tmp_path), "--format", "opus", "--bitrate", "257").exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_as_the_output_file_is_refused_before_any_work(tmp_path):
    result = run("export", "headache", "-o", str(tmp_path))

    assert result.exit_code == 2
    assert result.stderr == f"voiceguide: '{tmp_path}' is a folder; name the file to write, e.g. {tmp_path / 'session.mp3'}\n"


def test_a_file_named_like_a_builtin_routine_never_hides_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("sleep").write_text("left here by `voiceguide show sleep > sleep`")

    assert json.loads(run("show", "sleep", "--json").stdout)["title"] == "Winding down for sleep"
    unknown = run("show", "notes")
    Path("notes").write_text("title: Notes\nsteps: [{say: Hello.}]\n")
    with_hint = run("show", "notes")
    assert unknown.exit_code == with_hint.exit_code == 2
    assert with_hint.stderr.rstrip().endswith("for the file 'notes' here, write ./notes")
    assert run("show", "./notes").exit_code == 0


def test_output_that_cannot_be_written_fails_in_one_line():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "voiceguide", "show", "headache", "--json"],
                                stdout=full, stderr=subprocess.PIPE, text=True)
    assert result.returncode == 1
    assert result.stderr == "voiceguide: cannot write the output: No space left on device; nothing more was written\n"


def test_a_reader_that_goes_away_ends_it_quietly():
    process = subprocess.Popen([sys.executable, "-m", "voiceguide", "show", "headache", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # as `| head -1` does once it has its line
    assert process.wait(60) == 141
    assert process.stderr.read() == ""


def test_export_all_names_each_routine_that_cannot_fit_and_exports_the_others(tmp_path):
    result = run("export", "--all", "-o", str(tmp_path), "--format", "wav", "--minutes", "5")

    refused = [line for line in result.stderr.splitlines() if "5 minutes is too short" in line]
    written = sorted(p.stem for p in tmp_path.glob("*.wav"))
    assert result.exit_code == 2
    assert refused and written, "five minutes fits the quick routines and not the others"
    assert all(re.search(r"this routine takes \d+:\d\d to \d+:\d\d; ask for", line) for line in refused)
    assert sorted(written + [line.split(":")[1].strip() for line in refused]) == builtin_names()
    assert (tmp_path / "playlist.m3u").read_text().count(".wav") == len(written)
