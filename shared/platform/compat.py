"""The compatibility gate: current public event schemas against the committed baseline.

The baseline is the committed `docs/events/*.json` (one file per event type, plus
`envelope.json`). A change to an existing type is breaking when a message valid
under the old schema may be rejected under the new one, or a consumer of the old
schema may miss what it relied on:

- a property removed,
- a property's type changed (or narrowed: e.g. null no longer allowed),
- a new required property (a new one, or an optional one made required),
- an enum narrowed (a value removed, or an enum/const introduced on a free field),
- a constraint narrowed (maxLength lowered, minimum raised, a pattern or format added/changed,
  additionalProperties closed),
- an event type removed, unless it is listed in `docs/events/RETIRED.md` with a date.

A breaking change needs a new version (`...v2`, a new schema file); the old
version keeps being published or is retired (RETIRED.md). Additive optional
properties and widened enums pass.

    python -m bootstrap.contract gate [--baseline DIR]   # exit 1 and list the breaking changes
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RETIRED_LINE = re.compile(r"(shequ\.[a-z]+\.[A-Z][A-Za-z]+\.v[1-9][0-9]*).*?(\d{4}-\d{2}-\d{2})")
_NARROWING_UPPER = ("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum")
_NARROWING_LOWER = ("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum")
_ANY = "any"


@dataclass(frozen=True, order=True)
class BreakingChange:
    schema: str  # event type (or "envelope")
    path: str  # JSON path of the property, "" for the schema itself
    reason: str

    def __str__(self) -> str:
        where = f"{self.schema}:{self.path}" if self.path else self.schema
        return f"{where}: {self.reason}"


# -- baseline -----------------------------------------------------------------------------


def load_schemas(directory: Path) -> dict[str, dict[str, Any]]:
    """Committed schemas by name (file stem: the event type, or `envelope`)."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))}


def retired_types(path: Path) -> dict[str, str]:
    """Event types documented as retired (type -> date) in RETIRED.md."""
    if not path.exists():
        return {}
    retired: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = RETIRED_LINE.search(line)
        if match:
            retired[match.group(1)] = match.group(2)
    return retired


def compare_with_baseline(current: Mapping[str, dict[str, Any]], directory: Path) -> list[BreakingChange]:
    return compare_catalogues(load_schemas(directory), current, retired_types(directory / "RETIRED.md"))


def compare_catalogues(
    baseline: Mapping[str, dict[str, Any]], current: Mapping[str, dict[str, Any]],
    retired: Mapping[str, str] | None = None,
) -> list[BreakingChange]:
    retired = retired or {}
    changes: list[BreakingChange] = []
    for name, old in sorted(baseline.items()):
        new = current.get(name)
        if new is None:
            if name not in retired:
                changes.append(BreakingChange(name, "", "event type removed without being retired "
                                                        "(list it in docs/events/RETIRED.md with a date)"))
            continue
        changes.extend(compare_schemas(name, old, new))
    return changes


# -- one schema ----------------------------------------------------------------------------


def compare_schemas(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[BreakingChange]:
    changes: list[BreakingChange] = []
    _Comparison(name, old, new, changes).compare(old, new, "")
    return sorted(set(changes))


class _Comparison:
    def __init__(self, name: str, old_root: dict[str, Any], new_root: dict[str, Any],
                 out: list[BreakingChange]) -> None:
        self.name, self.old_root, self.new_root, self.out = name, old_root, new_root, out

    def breaking(self, path: str, reason: str) -> None:
        self.out.append(BreakingChange(self.name, path, reason))

    def compare(self, old: Any, new: Any, path: str, depth: int = 0) -> None:
        if depth > 20:  # recursive models
            return
        old_alts = _alternatives(old, self.old_root)
        new_alts = _alternatives(new, self.new_root)
        old_types, new_types = _types(old_alts), _types(new_alts)
        if _ANY not in new_types:
            lost = {t for t in old_types if not _accepts(new_types, t)}
            if lost or (_ANY in old_types):
                self.breaking(path, f"type changed from {_show(old_types)} to {_show(new_types)}")
                return
        old_values, new_values = _values(old_alts), _values(new_alts)
        if new_values is not None:
            if old_values is None:
                self.breaking(path, f"enum introduced on a free value: {_show_values(new_values)}")
            elif old_values - new_values:
                self.breaking(path, f"enum narrowed: {_show_values(old_values - new_values)} removed")
        old_one, new_one = _single(old_alts), _single(new_alts)
        if old_one is None or new_one is None:
            return
        self.constraints(old_one, new_one, path)
        if "object" in new_types and ("properties" in old_one or "properties" in new_one):
            self.properties(old_one, new_one, path, depth)
        if "array" in new_types and "items" in new_one:
            self.compare(old_one.get("items", {}), new_one["items"], f"{path}[]", depth + 1)

    def properties(self, old: dict[str, Any], new: dict[str, Any], path: str, depth: int) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for prop in sorted(set(old_props) - set(new_props)):
            self.breaking(_join(path, prop), "property removed")
        newly_required = set(new.get("required", ())) - set(old.get("required", ()))
        for prop in sorted(newly_required):
            what = "optional property made required" if prop in old_props else "new required property"
            self.breaking(_join(path, prop), what)
        for prop in sorted(set(old_props) & set(new_props)):
            self.compare(old_props[prop], new_props[prop], _join(path, prop), depth + 1)
        if old.get("additionalProperties", True) is not False and new.get("additionalProperties", True) is False:
            self.breaking(path, "additional properties no longer allowed")

    def constraints(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        for key in _NARROWING_UPPER:
            if key in new and (key not in old or new[key] < old[key]):
                self.breaking(path, f"{key} narrowed from {old.get(key, 'none')} to {new[key]}")
        for key in _NARROWING_LOWER:
            if key in new and (key not in old or new[key] > old[key]):
                self.breaking(path, f"{key} narrowed from {old.get(key, 'none')} to {new[key]}")
        for key in ("pattern", "format"):
            if key in new and new[key] != old.get(key):
                self.breaking(path, f"{key} changed from {old.get(key, 'none')!r} to {new[key]!r}")


def _join(path: str, prop: str) -> str:
    return f"{path}.{prop}" if path else prop


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return schema  # external: compared by reference only
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **siblings}
        seen += 1
    return schema


def _alternatives(schema: Any, root: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema, root)
    if schema is True or schema == {}:
        return [{}]
    if not isinstance(schema, dict):
        return [{}]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            rest = {k: v for k, v in schema.items() if k != key}
            alts: list[dict[str, Any]] = []
            for alt in schema[key]:
                alts.extend(_alternatives({**rest, **_resolve(alt, root)} if rest else alt, root))
            return alts
    if "allOf" in schema and len(schema["allOf"]) == 1:
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return _alternatives({**rest, **_resolve(schema["allOf"][0], root)}, root)
    return [schema]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _types(alts: list[dict[str, Any]]) -> set[str]:
    types: set[str] = set()
    for alt in alts:
        if "type" in alt:
            types.update([alt["type"]] if isinstance(alt["type"], str) else alt["type"])
        elif "const" in alt:
            types.add(_json_type(alt["const"]))
        elif "enum" in alt:
            types.update(_json_type(v) for v in alt["enum"])
        else:
            types.add(_ANY)
    return types


def _accepts(types: set[str], wanted: str) -> bool:
    return wanted in types or (wanted == "integer" and "number" in types)


def _values(alts: list[dict[str, Any]]) -> set[str] | None:
    """The allowed values (JSON-encoded) if every alternative is an enum, const or null; else None."""
    values: set[str] = set()
    for alt in alts:
        if "const" in alt:
            values.add(json.dumps(alt["const"], sort_keys=True))
        elif "enum" in alt:
            values.update(json.dumps(v, sort_keys=True) for v in alt["enum"])
        elif alt.get("type") == "null":
            values.add("null")
        else:
            return None
    return values


def _single(alts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The one non-null alternative, if there is exactly one."""
    non_null = [a for a in alts if a.get("type") != "null"]
    return non_null[0] if len(non_null) == 1 else None


def _show(types: set[str]) -> str:
    return "|".join(sorted(types))


def _show_values(values: set[str]) -> str:
    return ", ".join(sorted(values))
