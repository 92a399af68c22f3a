"""Read curated record files (YAML, CSV) into raw records that remember their file and line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    Event,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceStartEvent,
)
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

#: Top-level sections of a record file, and the record type each holds.
SECTIONS = ("sources", "entities", "claims")

#: Folders inside a data directory that hold tables for importers, not curated records.
SKIPPED_DIRS = frozenset({"external"})

#: The largest record file (YAML or CSV) read, in bytes; a larger one is refused unread.
MAX_RECORD_FILE_BYTES = 8 * 1024 * 1024
#: How deep YAML mappings and lists may nest. A record file needs 5 levels (sections, list, record,
#: a field like `amount`, its value); anything much deeper is not a record file.
MAX_YAML_DEPTH = 32
#: Explicit YAML tags a record file may carry (the core schema); anything else (!!binary, !!set,
#: !!python/..., local !tags) is refused, so that construction only ever builds plain data.
ALLOWED_TAGS = frozenset(
    {"!"} | {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}
)


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


class _Refused(Exception):
    """A YAML construct a record file may not use, found in the parser's events before anything is built."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _compose(loader: _Loader) -> Node | None:
    """Build the node tree of the one document from the parser's events, without recursion.

    This replaces the parser's own composer so that the checks run on the events themselves, before
    anything is built or expanded: an alias or anchor (the "billion laughs" and recursive-alias attacks
    need one), an explicit tag outside the core schema, and nesting deeper than MAX_YAML_DEPTH are
    refused at the event that shows them. Record files use none of these."""
    root: Node | None = None
    stack: list[tuple[CollectionNode, list[Node]]] = []  # open collections, and a mapping's pending key
    documents = 0
    while loader.check_event():
        event: Event = loader.get_event()
        start: Any = event.start_mark  # libyaml's Mark, or PyYAML's
        end: Any = event.end_mark
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, AliasEvent):
            raise _Refused(line, f"YAML alias *{event.anchor} refused: record files may not use anchors or aliases")
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Refused(line, "a record file holds one YAML document; found a second")
            continue
        if isinstance(event, NodeEvent):
            if event.anchor is not None:
                raise _Refused(
                    line, f"YAML anchor &{event.anchor} refused: record files may not use anchors or aliases"
                )
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in ALLOWED_TAGS:
                raise _Refused(line, f"YAML tag {tag!r} refused: record files hold plain text, numbers and lists")
        node: Node
        if isinstance(event, ScalarEvent):
            if event.tag is None:  # plain or quoted: the loader's resolver decides (dates stay strings)
                tag = loader.resolve(ScalarNode, event.value, event.implicit)
            elif event.tag == "!":  # the non-specific tag: a string
                tag = "tag:yaml.org,2002:str"
            else:
                tag = event.tag
            node = ScalarNode(tag, event.value, start, end, style=event.style)
        elif isinstance(event, CollectionStartEvent):
            if len(stack) >= MAX_YAML_DEPTH:
                raise _Refused(line, f"YAML nested deeper than {MAX_YAML_DEPTH} levels: refused")
            if isinstance(event, SequenceStartEvent):
                node = SequenceNode("tag:yaml.org,2002:seq", [], start, None)
            else:
                assert isinstance(event, MappingStartEvent)
                node = MappingNode("tag:yaml.org,2002:map", [], start, None)
            stack.append((node, []))
            continue
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            node, _ = stack.pop()
            node.end_mark = end
        else:  # stream and document start/end
            continue
        if not stack:
            root = node
        else:
            parent, pending = stack[-1]
            if isinstance(parent, SequenceNode):
                parent.value.append(node)
            elif pending:
                parent.value.append((pending.pop(), node))
            else:
                pending.append(node)
    return root


def _construct(loader: _Loader, node: Node) -> Any:
    """Plain Python data from a node (its depth is bounded by _compose). Raises _Refused."""
    if isinstance(node, MappingNode):
        out: dict[Any, Any] = {}
        for k, v in node.value:
            if not isinstance(k, ScalarNode):
                raise _Refused(k.start_mark.line + 1, "a mapping key must be plain text, not a list or mapping")
            out[_construct(loader, k)] = _construct(loader, v)
        return out
    if isinstance(node, SequenceNode):
        return [_construct(loader, v) for v in node.value]
    assert isinstance(node, ScalarNode)
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, ArithmeticError, yaml.YAMLError) as exc:
        # e.g. an integer of more digits than Python converts (ValueError)
        raise _Refused(
            node.start_mark.line + 1, f"cannot read the value: {str(exc).splitlines()[0].split(';')[0]}"
        ) from exc


def _error_line(text: str, exc: yaml.YAMLError) -> int:
    position = getattr(exc, "position", None)
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else 1


def _too_big(name: str, size: int) -> Problem:
    return Problem(name, 1, "-", "-", f"file is {size} bytes; the limit is {MAX_RECORD_FILE_BYTES} bytes")


def read_text_bounded(path: Path) -> tuple[str | None, Problem | None]:
    """A record file's text, refused unread (a located problem) if larger than MAX_RECORD_FILE_BYTES."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_RECORD_FILE_BYTES:
            return None, _too_big(name, size)
        with path.open("rb") as f:
            data = f.read(MAX_RECORD_FILE_BYTES + 1)  # a file that grew, or a device, is still bounded
        if len(data) > MAX_RECORD_FILE_BYTES:
            return None, _too_big(name, len(data))
        return data.decode("utf-8"), None
    except (OSError, UnicodeDecodeError) as exc:
        return None, Problem(name, 1, "-", "-", f"cannot read file: {exc}")


def read_yaml(path: Path) -> tuple[list[RawRecord], list[Problem]]:
    name = str(path)
    text, problem = read_text_bounded(path)
    if text is None:
        return [], [problem] if problem else []
    loader = _Loader(text)
    try:
        root = _compose(loader)
    except _Refused as exc:
        return [], [Problem(name, exc.line, "-", "-", exc.message)]
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
            fname = "-"
            try:
                for k, v in item.value:
                    fname = "-"
                    if not isinstance(k, ScalarNode):
                        raise _Refused(k.start_mark.line + 1, "a field name must be plain text, not a list or mapping")
                    fname = str(_construct(loader, k))
                    if fname in data:
                        problems.append(Problem(name, k.start_mark.line + 1, "-", fname, "field given twice"))
                    data[fname] = _construct(loader, v)
                    lines[fname] = k.start_mark.line + 1
            except _Refused as exc:
                label = RawRecord(section, data, name, item_line).label
                problems.append(Problem(name, exc.line, label, fname, exc.message))
                continue
            records.append(RawRecord(section, data, name, item_line, lines))
    return records, problems


def _split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def read_csv(path: Path, list_fields: frozenset[str]) -> tuple[list[RawRecord], list[Problem]]:
    """A CSV of entities: a header of field names, one record a row; list fields split on ';'.

    The file is bounded (MAX_RECORD_FILE_BYTES) and so is each cell (the csv module's field size limit,
    128 KiB by default); every field is then bounded again by the models."""
    name = str(path)
    text, problem = read_text_bounded(path)
    if text is None:
        return [], [problem] if problem else []
    records: list[RawRecord] = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if reader.fieldnames is None or "id" not in reader.fieldnames:
            return [], [Problem(name, 1, "-", "id", "a CSV of entities needs a header with an id column")]
        for row in reader:
            line = reader.line_num
            data: dict[str, Any] = {}
            for key, value in row.items():
                if key is None:
                    return records, [Problem(name, line, row.get("id") or "-", "-", "more cells than header columns")]
                if value is None or value == "":
                    continue
                data[key] = _split_list(value) if key in list_fields else value
            records.append(RawRecord("entities", data, name, line, {k: line for k in data}))
    except csv.Error as exc:
        # DictReader.line_num lags on a row that fails; the underlying reader's counts the line read.
        return [], [Problem(name, max(reader.reader.line_num, 1), "-", "-", f"cannot read CSV: {exc}")]
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
