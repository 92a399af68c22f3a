"""Read curated record files (YAML, CSV) into raw records that remember their file and line."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: Top-level sections of a record file, and the record type each holds.
SECTIONS = ("sources", "entities", "claims")

#: Folders inside a data directory that hold tables for importers, not curated records.
SKIPPED_DIRS = frozenset({"external"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located for a curator to fix."""

    file: str
    line: int
    record: str
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.record}: {self.field}: {self.message}"


@dataclass
class RawRecord:
    """A record as written, before validation: its section, data, and where each field is."""

    section: str
    data: dict[str, Any]
    file: str
    line: int
    field_lines: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How a problem names the record: its id, or the claim's endpoints, or '-'."""
        rid = self.data.get("id")
        if isinstance(rid, str) and rid:
            return rid
        if self.section == "claims":
            return f"{self.data.get('from', '?')} -{self.data.get('type', '?')}-> {self.data.get('to', '?')}"
        return "-"

    def line_of(self, name: str) -> int:
        return self.field_lines.get(name, self.line)


# libyaml's parser is about ten times faster than the pure-Python one, and keeps node marks.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that never builds dates or other implicit types beyond str/int/float/bool/null."""


# Partial dates must stay strings: YAML would turn 2016-05-20 into a date object.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct(loader: _Loader, node: Node) -> Any:
    if isinstance(node, MappingNode):
        return {_construct(loader, k): _construct(loader, v) for k, v in node.value}
    if isinstance(node, SequenceNode):
        return [_construct(loader, v) for v in node.value]
    assert isinstance(node, ScalarNode)
    return loader.construct_object(node, deep=True)


def _error_line(text: str, exc: yaml.YAMLError) -> int:
    position = getattr(exc, "position", None)
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else 1


def read_yaml(path: Path) -> tuple[list[RawRecord], list[Problem]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, 1, "-", "-", f"cannot read file: {exc}")]
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return [], [Problem(name, line, "-", "-", f"YAML syntax: {exc.problem}")]
    except yaml.YAMLError as exc:  # e.g. ReaderError: a NUL or other unprintable character
        return [], [Problem(name, _error_line(text, exc), "-", "-", f"YAML: {str(exc).splitlines()[0]}")]
    finally:
        loader.dispose()
    if root is None:
        return [], []
    if not isinstance(root, MappingNode):
        return [], [
            Problem(name, root.start_mark.line + 1, "-", "-", f"top level must be a mapping of {', '.join(SECTIONS)}")
        ]
    records: list[RawRecord] = []
    problems: list[Problem] = []
    for key_node, value_node in root.value:
        section = key_node.value if isinstance(key_node, ScalarNode) else None
        line = key_node.start_mark.line + 1
        if section not in SECTIONS:
            problems.append(
                Problem(name, line, "-", str(section), f"unknown section; expected one of {', '.join(SECTIONS)}")
            )
            continue
        if isinstance(value_node, ScalarNode) and value_node.value in ("", "null", "~"):
            continue
        if not isinstance(value_node, SequenceNode):
            problems.append(Problem(name, line, "-", section, "must be a list of records"))
            continue
        for item in value_node.value:
            item_line = item.start_mark.line + 1
            if not isinstance(item, MappingNode):
                problems.append(Problem(name, item_line, "-", section, "each record must be a mapping of field: value"))
                continue
            data: dict[str, Any] = {}
            lines: dict[str, int] = {}
            for k, v in item.value:
                fname = str(_construct(loader, k))
                if fname in data:
                    problems.append(Problem(name, k.start_mark.line + 1, "-", fname, "field given twice"))
                data[fname] = _construct(loader, v)
                lines[fname] = k.start_mark.line + 1
            records.append(RawRecord(section, data, name, item_line, lines))
    return records, problems


def _split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def read_csv(path: Path, list_fields: frozenset[str]) -> tuple[list[RawRecord], list[Problem]]:
    """A CSV of entities: a header of field names, one record a row; list fields split on ';'."""
    name = str(path)
    records: list[RawRecord] = []
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or "id" not in reader.fieldnames:
                return [], [Problem(name, 1, "-", "id", "a CSV of entities needs a header with an id column")]
            for row in reader:
                line = reader.line_num
                data: dict[str, Any] = {}
                for key, value in row.items():
                    if key is None:
                        return records, [
                            Problem(name, line, row.get("id") or "-", "-", "more cells than header columns")
                        ]
                    if value is None or value == "":
                        continue
                    data[key] = _split_list(value) if key in list_fields else value
                records.append(RawRecord("entities", data, name, line, {k: line for k in data}))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [], [Problem(name, 1, "-", "-", f"cannot read CSV: {exc}")]
    return records, []


def read_paths(paths: list[Path], list_fields: frozenset[str]) -> tuple[list[RawRecord], list[Problem]]:
    """Read files and directories (recursively: *.yaml, *.yml, *.csv, sorted)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        if p.is_dir():
            files.extend(
                sorted(
                    x
                    for x in p.rglob("*")
                    if x.suffix in (".yaml", ".yml", ".csv")
                    and x.is_file()
                    and not (set(x.relative_to(p).parts[:-1]) & SKIPPED_DIRS)
                )
            )
        elif p.is_file():
            files.append(p)
        else:
            problems.append(Problem(str(p), 0, "-", "-", "no such file or directory"))
    records: list[RawRecord] = []
    for f in files:
        got, probs = read_csv(f, list_fields) if f.suffix == ".csv" else read_yaml(f)
        records.extend(got)
        problems.extend(probs)
    return records, problems
