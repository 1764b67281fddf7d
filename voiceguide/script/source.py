"""Safe YAML loading that remembers where every value came from.

Routine scripts are shared between people, so they are data only: the safe
loader constructs no objects, aliases count against a node budget (no alias
bombs), and nesting and size are bounded. Every error names FILE:LINE:COL.
A value written without quotes is read as scalars.plain says, as an editor would.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voiceguide.script import scalars
from voiceguide.support.errors import ScriptError

MAX_FILE_BYTES = 256 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 40

Path_ = tuple[str | int, ...]

PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge")
}
"""YAML's plain data types; anything else (!!python/object, !!binary, custom tags) is refused."""


@dataclass
class Located:
    """Plain data from a YAML file plus the 1-based line and column of each value and key."""

    data: Any
    file: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    text: str = ""
    """The file's text, to point inside a value (see `within`)."""

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Position of the value at `path` (or of its key), falling back to the nearest parent."""
        table = self.keys if key else self.values
        for end in range(len(path), -1, -1):
            if path[:end] in table:
                return table[path[:end]]
            if path[:end] in self.values:
                return self.values[path[:end]]
        return (1, 1)

    def within(self, path: Path_, written: str) -> tuple[int, int]:
        """Where `written` first appears in the text from the value at `path` on: the spot inside a line
        of text (plain, quoted or a block) that an error is about; the value's own position if not found."""
        line, column = self.where(path)
        lines = self.text.splitlines()
        for number in range(line, min(line + 200, len(lines) + 1)):
            found = lines[number - 1].find(written, column - 1 if number == line else 0)
            if found >= 0:
                return (number, found + 1)
        return (line, column)

    def error(self, message: str, path: Path_, *, key: bool = False) -> ScriptError:
        line, column = self.where(path, key=key)
        return ScriptError(message, self.file, line, column)


def load_file(path: Path) -> Located:
    """Read and parse a script file, refusing what is not a small UTF-8 YAML mapping."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            # /dev/zero never ends and a FIFO without a writer never answers: neither is read at all
            raise ScriptError("this is not a file (a device, pipe or socket); save the routine to a .yaml file", path)
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)  # at most the limit, even if the file grows meanwhile
        if len(raw) > MAX_FILE_BYTES:
            raise ScriptError(
                f"file is over {MAX_FILE_BYTES // 1024} KB; routine scripts are limited to {MAX_FILE_BYTES // 1024} KB", path
            )
    except ScriptError:
        raise
    except FileNotFoundError:
        raise ScriptError("no such file; give a built-in routine name or a path to a .yaml file", path)
    except IsADirectoryError:
        raise ScriptError("this is a folder; give a path to a .yaml file", path)
    except OSError as exc:
        raise ScriptError(f"cannot read the file ({exc.strerror})", path)
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some editors write, is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScriptError("the file is not UTF-8 text; save it as UTF-8", path, line, column)
    return load_text(text, str(path))


def load_text(text: str, file: str) -> Located:
    try:
        loader = yaml.SafeLoader(text)
        node = _compose(loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ScriptError(f"invalid YAML: {problem}", file, line, column)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise ScriptError(f"the file holds a character YAML does not allow (U+{exc.character:04X}); remove it", file, line, column)
    except yaml.YAMLError as exc:
        raise ScriptError(f"invalid YAML: {exc}", file)
    except RecursionError:
        raise ScriptError(f"the YAML is nested too deeply (limit {MAX_DEPTH} levels)", file)
    if node is None:
        raise ScriptError("the file is empty; a routine needs at least a title and steps", file)
    located = Located(data=None, file=file, text=text)
    located.data = _Converter(loader, located).convert(node, (), 0)
    return located


def _compose(loader: yaml.SafeLoader) -> yaml.Node | None:
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class _Converter:
    """Turns a composed node tree into dicts, lists and scalars, recording positions."""

    def __init__(self, loader: yaml.SafeLoader, located: Located) -> None:
        self.loader = loader
        self.located = located
        self.nodes = 0

    def convert(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._error(node, f"the script has more than {MAX_NODES} values (repeated aliases?)")
        if depth > MAX_DEPTH:
            raise self._error(node, f"the script is nested more than {MAX_DEPTH} levels deep")
        self.located.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in PLAIN_TAGS:
            raise self._error(node, f"tags such as {node.tag.replace('tag:yaml.org,2002:', '!!')} are not allowed in a script")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        value = self.loader.construct_object(node, deep=True)
        if not isinstance(node, yaml.ScalarNode) or node.style is not None:
            return value  # quoted, or a block: text to every reader
        try:
            return scalars.plain(node.value, value)
        except ValueError as exc:
            raise self._error(node, str(exc)) from None

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self._error(key_node, "merge keys (<<) are not supported; write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._error(key_node, "a key must be a plain word")
            key = str(key_node.value)
            if key in result:
                raise self._error(key_node, f"'{key}' appears twice in the same mapping; keep one")
            self.located.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, path + (key,), depth + 1)
        return result

    def _error(self, node: yaml.Node, message: str) -> ScriptError:
        return ScriptError(message, self.located.file, node.start_mark.line + 1, node.start_mark.column + 1)
