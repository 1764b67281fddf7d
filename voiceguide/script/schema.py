"""The JSON Schema of the script format, for editors: it accepts and refuses what `check` does,
but for what no JSON Schema can say (BEYOND_SCHEMA, listed in the README too)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from voiceguide.script import scalars, texts
from voiceguide.script.routine import STEP_KINDS, Routine, step_kind

BEYOND_SCHEMA: dict[str, tuple[str, str]] = {
    "yaml": (
        (
            "a plain value that YAML 1.1 reads as a date or as another number (2024-01-01, 010, 1_000, 0b1), "
            "or yes, no, on or off in quotes where a number or a yes/no goes"
        ),
        (
            "an editor reads YAML 1.2, where 2024-01-01 and 1_000 are text, 010 is 10 and yes is the same text "
            "with or without quotes"
        ),
    ),
    "nan": ("`.nan` as a number", "JSON has no NaN, and no bound refuses it: every comparison with NaN is false"),
    "sum": (
        "a duration written in parts that add up to over 6 hours, such as 5h 90m",
        "a pattern cannot add; it holds each part to 6 hours",
    ),
    "quoted": (
        'a number in quotes outside its field\'s range, such as rate: "50"',
        "a pattern can tell digits, not compare them",
    ),
    "range": ("a hold's `min` longer than its `for` or `max`, or a `max` shorter than `for`", "it compares two values"),
    "countdown": ("a countdown longer than `words.numbers`", "it compares a value with a list elsewhere in the script"),
    "taper": (
        "a step's volume that the routine's taper brings under the lowest usable volume",
        "it multiplies two values",
    ),
    "sides": (
        "one side written twice, once as a number and once in quotes, such as sides: [1, '1']",
        "uniqueItems tells the number 1 from the text '1'",
    ),
    "commands": (
        "one command phrase given twice",
        "it compares phrases across commands, as they are heard (in any case, a hyphen as a space)",
    ),
    "sound": (
        "a sound file that is missing, outside the script's folder, or not a usable sound",
        "it needs the file system",
    ),
    "voice": ("a voice that is not installed", "it depends on the machine"),
    "fit": (
        "a reminder, countdown or breath that its words do not fit, or a session over 12 hours",
        "it needs the length of the spoken words, known once they are made",
    ),
    "size": (
        "a script over 256 KB, nested over 40 levels or with over 20,000 values, or a session of over 20,000 parts",
        "a schema cannot count so far (repeats multiply)",
    ),
}
"""What `check` refuses and the JSON Schema cannot say, and why (README: Writing a routine)."""

_DEFINITION = "voiceguide-definition-itself"


class _EditorSchema(GenerateJsonSchema):
    """pydantic's JSON Schema, with steps told apart the way `step_kind` tells them apart, and numbers
    as a script may write them (scalars.number).

    pydantic writes the step union as a `oneOf`, which a validator must try whole, every branch, at
    every level: a block nested 20 deep took check-jsonschema over 9 minutes. An if/then chain on
    the step's first key (in STEP_KINDS order) sends each step to one branch, in linear time.
    """

    def tagged_union_schema(self, schema: core_schema.TaggedUnionSchema) -> JsonSchemaValue:
        if schema["discriminator"] is not step_kind:
            union = super().tagged_union_schema(schema)
            return {"anyOf": union.pop("oneOf"), **union}  # the tags keep the branches apart
        chain: JsonSchemaValue = {"anyOf": [{"required": [kind]} for kind in STEP_KINDS]}  # no step key at all
        for kind, choice in reversed(list(schema["choices"].items())):
            chain = {"if": {"required": [kind]}, "then": self.generate_inner(choice), "else": chain}
        return {texts.SHARED: "Step", _DEFINITION: chain}

    def int_schema(self, schema: core_schema.IntSchema) -> JsonSchemaValue:
        return scalars.number_schema(super().int_schema(schema), scalars.INTEGER)

    def float_schema(self, schema: core_schema.FloatSchema) -> JsonSchemaValue:
        return scalars.number_schema(super().float_schema(schema), scalars.REAL)


def json_schema(cues: Sequence[str] | None = None, beds: Sequence[str] | None = None) -> dict[str, Any]:
    """The JSON Schema of the script format, for editors: it accepts what `check` accepts, but BEYOND_SCHEMA.

    `cues` and `beds` are the built-in chimes and ambiences (known to the audio layer, above this
    one); without them, any lowercase name is taken for one.
    """
    schema = Routine.model_json_schema(by_alias=True, schema_generator=_EditorSchema)
    definitions = schema["$defs"]
    definitions.update(texts.definitions(cues, beds))
    _point_at_definitions(schema, definitions)
    _steps_inside_sides(definitions)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "voiceguide routine script"
    return schema


def _point_at_definitions(node: Any, definitions: dict[str, JsonSchemaValue]) -> None:
    """Each type marked as shared becomes a `$ref` to its definition (its own keywords kept beside it)."""
    if isinstance(node, dict):
        if texts.SHARED in node:
            name = node.pop(texts.SHARED)
            if _DEFINITION in node:
                definitions[name] = node.pop(_DEFINITION)
            node["$ref"] = f"#/$defs/{name}"
        for value in list(node.values()):
            _point_at_definitions(value, definitions)
    elif isinstance(node, list):
        for value in node:
            _point_at_definitions(value, definitions)


def _steps_inside_sides(definitions: dict[str, JsonSchemaValue]) -> None:
    """`{side}` only inside `sides:`, and no `sides:` inside another (as routine._check_steps has it).

    The definitions say what each step allows inside `sides:`. Outside, their words may not say
    `{side}`; inside, a copy of each (named ...InSides) keeps it, and a `sides:` step is refused.
    A `sides:` step's own `switch:` may always say `{side}`.
    """
    sides = "#/$defs/SidesStep"
    nested = {"properties": {"sides": False}, "description": "`sides:` blocks cannot be nested"}

    def keywords(node: Any) -> Iterator[tuple[str, Any]]:
        for key, value in node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ():
            yield str(key), value
            yield from keywords(value)

    def refs(node: Any) -> set[str]:
        return {value.removeprefix("#/$defs/") for key, value in keywords(node) if key == "$ref"}

    def with_side(node: Any) -> bool:
        return any(key == "pattern" and texts.SIDE_FILLED in value for key, value in keywords(node))

    # the definitions that read otherwise inside `sides:`: those with words, and those that reach them
    differ = {name for name, node in definitions.items() if name == "Step" or with_side(node)} - {"SidesStep"}
    while more := {n for n, node in definitions.items() if n not in differ | {"SidesStep"} and differ & refs(node)}:
        differ |= more

    def copy(node: Any, inner: bool) -> Any:
        if isinstance(node, dict):
            if node.get("$ref") == sides and inner:
                return nested
            if node.get("$ref", "").removeprefix("#/$defs/") in differ and inner:
                return {**node, "$ref": node["$ref"] + "InSides"}
            return {key: copy(value, inner) for key, value in node.items()}
        if isinstance(node, list):
            return [copy(value, inner) for value in node]
        return node.replace(texts.SIDE_FILLED, "") if isinstance(node, str) and not inner else node

    for name in sorted(differ):
        definitions[name + "InSides"] = copy(definitions[name], inner=True)
        definitions[name] = copy(definitions[name], inner=False)
    definitions["SidesStep"]["properties"]["steps"]["items"] = {"$ref": "#/$defs/StepInSides"}
