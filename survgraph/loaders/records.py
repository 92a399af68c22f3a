"""Read curated record files (YAML, CSV) into raw records that remember their file and line."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode

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


@dataclass(slots=True)
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


class Located(Protocol):
    """Where a record is, as a problem names it: a RawRecord, or the Where kept of one."""

    @property
    def file(self) -> str: ...

    @property
    def line(self) -> int: ...

    @property
    def label(self) -> str: ...

    def line_of(self, name: str) -> int: ...


class Where(NamedTuple):
    """What a problem needs of a record once its data is gone: its file, line, label and field lines
    (a tuple: it is pickled by the hundred thousand when records are kept on disk)."""

    file: str
    line: int
    label: str
    field_lines: dict[str, int]

    @classmethod
    def of(cls, rec: RawRecord) -> Where:
        return cls(rec.file, rec.line, rec.label, rec.field_lines)

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


#: The first characters of a plain scalar that one of the loader's implicit resolvers may turn into a
#: non-string (bool, int, float, null, merge, value); any other plain scalar is a string as written.
_RESOLVED_FIRST = frozenset(ch for ch in _Loader.yaml_implicit_resolvers if ch is not None) | {""}
_STR, _NULL, _BOOL, _INT = (f"tag:yaml.org,2002:{t}" for t in ("str", "null", "bool", "int"))
_BOOL_VALUES: dict[str, bool] = yaml.constructor.SafeConstructor.bool_values
#: The tag the resolvers give a plain scalar depends on its text alone: field names and other short words
#: recur on every record, so their tags are kept (a bounded cache).
_RESOLVED: dict[str, str] = {}
_RESOLVED_CACHE = 4096


def _scalar(loader: _Loader, event: Any) -> Any:
    """The Python value of a scalar event: strings, null, booleans and decimal integers directly (the
    bulk of a record file), anything else through the loader's constructor. Raises _Refused."""
    value: str = event.value
    tag = event.tag
    if tag is None:
        if not event.implicit[0] or value[:1] not in _RESOLVED_FIRST:
            return value  # quoted, or plain text no resolver would claim
        tag = _RESOLVED.get(value)
        if tag is None:
            tag = loader.resolve(ScalarNode, value, (True, False))
            if len(_RESOLVED) < _RESOLVED_CACHE and len(value) <= 64:
                _RESOLVED[value] = tag
    elif tag == "!":  # the non-specific tag: a string
        return value
    try:
        if tag == _STR:
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL and value.lower() in _BOOL_VALUES:
            return _BOOL_VALUES[value.lower()]
        if tag == _INT and value.isascii() and value.isdigit() and (value[0] != "0" or value == "0"):
            return int(value)  # a leading 0 is YAML 1.1 octal: left to the constructor
        node = ScalarNode(tag, value, event.start_mark, event.end_mark, style=event.style)
        return loader.construct_object(node, deep=True)
    except (ValueError, ArithmeticError, LookupError, yaml.YAMLError) as exc:
        # e.g. an integer of more digits than Python converts (ValueError)
        raise _Refused(
            event.start_mark.line + 1, f"cannot read the value: {str(exc).splitlines()[0].split(';')[0]}"
        ) from exc


class _Record:
    """A record (a mapping in a section's list) while it is read: its data, and where it and its fields are."""

    __slots__ = ("data", "dups", "field", "line", "lines", "problem", "section")

    def __init__(self, section: str, line: int) -> None:
        self.section = section
        self.line = line
        self.data: dict[str, Any] = {}
        self.lines: dict[str, int] = {}
        self.field = "-"
        #: The first thing refused in it: (line, record label then, field, message); the record is dropped.
        self.problem: tuple[int, str, str, str] | None = None
        self.dups: list[tuple[int, str]] = []

    def refuse(self, line: int, message: str, field_name: str | None = None) -> None:
        if self.problem is None:
            label = RawRecord(self.section, self.data, "", self.line).label
            self.problem = (line, label, self.field if field_name is None else field_name, message)


#: Frame kinds: the top-level mapping, a list under it, a record in that list, anything inside a record
#: (or anywhere else, read for the checks and then dropped).
_ROOT, _SECTION, _RECORD, _INNER = range(4)
_NO_KEY: Any = object()  # a mapping frame waiting for its next key
_BAD_KEY: Any = object()  # a key that was a list or mapping: its value is read and dropped


class _Frame:
    __slots__ = ("container", "is_key", "key", "key_line", "kind", "line", "mapping", "record", "section")

    def __init__(self, kind: int, mapping: bool, line: int, is_key: bool, record: _Record | None, section: Any) -> None:
        self.kind = kind
        self.mapping = mapping
        self.line = line
        self.is_key = is_key
        self.record = record
        self.section = section
        self.key: Any = _NO_KEY
        self.key_line = line
        self.container: Any = (
            record.data if record is not None and kind == _RECORD else ({} if mapping and kind != _ROOT else [])
        )


#: A section's value once read: a list [(item, its line, its _Record or None)], or ("scalar", text), or
#: ("other", None) for a mapping.
_Entry = tuple[Any, int, Any]


def _put(frame: _Frame, value: Any, line: int) -> None:
    """Add a finished value (scalar, list or mapping) to the open frame it belongs to."""
    if frame.kind == _ROOT:
        if frame.key is _NO_KEY:
            frame.key, frame.key_line = value, line
        else:
            frame.container.append((frame.key, frame.key_line, value))
            frame.key = _NO_KEY
        return
    if frame.kind == _SECTION:
        frame.container.append(value)
        return
    if not frame.mapping:
        frame.container.append(value)
        return
    if frame.key is _NO_KEY:
        frame.key, frame.key_line = value, line
        rec = frame.record
        if frame.kind == _RECORD and rec is not None and value is not _BAD_KEY:
            rec.field = str(value)
        return
    key, frame.key = frame.key, _NO_KEY
    if key is _BAD_KEY:
        return
    if frame.kind == _RECORD:
        rec = frame.record
        assert rec is not None
        name = str(key)
        if rec.problem is None:
            if name in rec.data:
                rec.dups.append((frame.key_line, name))
            rec.data[name] = value
            rec.lines[name] = frame.key_line
        return
    frame.container[key] = value


def _read_events(loader: _Loader) -> tuple[Any, int]:
    """Read the one document straight from the parser's events into plain data, without recursion.

    The checks run on the events themselves, before anything is built or expanded: an alias or anchor (the
    "billion laughs" and recursive-alias attacks need one), an explicit tag outside the core schema, and
    nesting deeper than MAX_YAML_DEPTH are refused (_Refused) at the event that shows them. Record files use
    none of these. No node tree is built (building one and then constructing from it took most of a load's
    time): records come out as dicts with the line of each field. Returns the top level, a list of
    (section, line, _Entry-or-value) when it is a mapping, else ("scalar" or "other", None); and its line."""
    root: Any = None
    root_line = 1
    stack: list[_Frame] = []
    documents = 0
    while loader.check_event():
        event: Any = loader.get_event()
        etype = type(event)
        if etype is ScalarEvent or etype is MappingStartEvent or etype is SequenceStartEvent:
            line = event.start_mark.line + 1
            if event.anchor is not None:
                raise _Refused(
                    line, f"YAML anchor &{event.anchor} refused: record files may not use anchors or aliases"
                )
            tag = event.tag
            if tag is not None and tag not in ALLOWED_TAGS:
                raise _Refused(line, f"YAML tag {tag!r} refused: record files hold plain text, numbers and lists")
            parent = stack[-1] if stack else None
            is_key = parent is not None and parent.mapping and parent.key is _NO_KEY
            if etype is ScalarEvent:
                if parent is None:
                    root, root_line = ("scalar", event.value), line
                elif parent.kind == _ROOT:
                    _put(parent, event.value if is_key else ("scalar", event.value), line)
                elif parent.kind == _SECTION:
                    _put(parent, (event.value, line, None), line)
                else:
                    rec = parent.record
                    value: Any = None
                    if rec is None or rec.problem is None:  # a refused record is read on, not built
                        if is_key and parent.kind == _RECORD and rec is not None:
                            rec.field = "-"
                        try:
                            value = _scalar(loader, event)
                        except _Refused as exc:
                            if rec is not None:
                                rec.refuse(exc.line, exc.message)
                    _put(parent, value, line)
                continue
            # a list or mapping opens
            if len(stack) >= MAX_YAML_DEPTH:
                raise _Refused(line, f"YAML nested deeper than {MAX_YAML_DEPTH} levels: refused")
            mapping = etype is MappingStartEvent
            if parent is None:
                root_line = line
                frame = _Frame(_ROOT if mapping else _INNER, mapping, line, False, None, None)
            elif parent.kind == _ROOT:
                kind = _SECTION if not mapping and not is_key else _INNER
                frame = _Frame(kind, mapping, line, is_key, None, parent.key)
            elif parent.kind == _SECTION:
                rec = _Record(str(parent.section), line) if mapping else None
                frame = _Frame(_RECORD if mapping else _INNER, mapping, line, False, rec, parent.section)
            else:
                rec = parent.record
                if is_key and rec is not None:
                    if parent.kind == _RECORD:
                        rec.refuse(line, "a field name must be plain text, not a list or mapping", "-")
                    else:
                        rec.refuse(line, "a mapping key must be plain text, not a list or mapping")
                frame = _Frame(_INNER, mapping, line, is_key, rec, parent.section)
            stack.append(frame)
            continue
        if etype is MappingEndEvent or etype is SequenceEndEvent:
            frame = stack.pop()
            if not stack:
                root = frame.container if frame.kind == _ROOT else ("other", None)
                continue
            parent = stack[-1]
            if parent.kind == _ROOT:
                if frame.is_key:
                    _put(parent, None, frame.line)  # a list or mapping as a section name
                else:
                    _put(parent, frame.container if frame.kind == _SECTION else ("other", None), frame.line)
            elif parent.kind == _SECTION:
                _put(parent, (frame.container, frame.line, frame.record if frame.kind == _RECORD else None), frame.line)
            else:
                _put(parent, _BAD_KEY if frame.is_key else frame.container, frame.line)
            continue
        if etype is AliasEvent:
            raise _Refused(
                event.start_mark.line + 1,
                f"YAML alias *{event.anchor} refused: record files may not use anchors or aliases",
            )
        if etype is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Refused(event.start_mark.line + 1, "a record file holds one YAML document; found a second")
    return root, root_line


class _NotFlat(Exception):
    """A file that is not (only) section lines and one-line JSON records: the event reader reads it."""


def _no_constant(text: str) -> Any:
    raise _NotFlat(text)  # NaN, Infinity: JSON reads them as floats, YAML as text


def _float(text: str) -> float:
    if "e" in text or "E" in text:
        raise _NotFlat(text)  # YAML 1.1 reads 1e5 (no dot, or no exponent sign) as text
    return float(text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _NotFlat("a key given twice")  # the event reader names it
    return data


_JSON = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=_float, parse_constant=_no_constant)
#: What PyYAML's reader refuses anywhere in a file (yaml.reader.Reader.NON_PRINTABLE), and what it reads as
#: a line break besides \n or as an escape: a file holding any of them goes through the event reader.
_NOT_FLAT_TEXT = re.compile("[^\t\n -~\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\r\x85\u2028\u2029\\\\]")
_FLAT_SECTION = {f"{section}:": section for section in SECTIONS}


def _flat_depth(value: Any, depth: int) -> int:
    if isinstance(value, dict):
        return max((_flat_depth(v, depth + 1) for v in value.values()), default=depth)
    if isinstance(value, list):
        return max((_flat_depth(v, depth + 1) for v in value), default=depth)
    return depth


def _read_flat(name: str, text: str) -> list[RawRecord] | None:
    """The records of a file written as `benchmarks/generate.py` writes them (and as any JSON-lines export
    can be): section lines (`claims:`) and one record a line, `  - {"field": value, ...}` in JSON, which
    is YAML too. Each line is read by the json module's C decoder, about ten times faster than libyaml's
    events through Python. Only where YAML reads the line to the same values: no backslash escape, no
    exponent without a dot, no NaN or Infinity, no key given twice, no character YAML refuses, no nesting
    deeper than a record's fields allow. Any other file, or any other line, returns None and the whole
    file goes through the event reader, with its checks and located problems."""
    if _NOT_FLAT_TEXT.search(text):
        return None
    records: list[RawRecord] = []
    section: str | None = None
    decode = _JSON.raw_decode
    try:
        for number, line in enumerate(text.split("\n"), 1):
            if line.startswith("  - {") and line.endswith("}") and section is not None:
                data, end = decode(line, 4)
                # k brackets nest at most k deep (the record's own is depth 3): count before walking.
                deep = line.count("{") + line.count("[") > 4 and _flat_depth(data, 3) > 6
                if end != len(line) or deep:
                    return None
                records.append(RawRecord(section, data, name, number))
            elif line in _FLAT_SECTION:
                section = _FLAT_SECTION[line]
            elif line:
                return None
    except (ValueError, RecursionError, _NotFlat):
        return None
    return records if section is not None else None


def read_yaml(path: Path) -> tuple[list[RawRecord], list[Problem]]:
    name = str(path)
    text, problem = read_text_bounded(path)
    if text is None:
        return [], [problem] if problem else []
    flat = _read_flat(name, text)
    if flat is not None:
        return flat, []
    loader = _Loader(text)
    try:
        root, root_line = _read_events(loader)
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
    if isinstance(root, tuple):
        return [], [Problem(name, root_line, "-", "-", f"top level must be a mapping of {', '.join(SECTIONS)}")]
    records: list[RawRecord] = []
    problems: list[Problem] = []
    for section, line, value in root:
        if section not in SECTIONS:
            problems.append(
                Problem(name, line, "-", str(section), f"unknown section; expected one of {', '.join(SECTIONS)}")
            )
            continue
        if isinstance(value, tuple):
            if value[0] == "scalar" and value[1] in ("", "null", "~"):
                continue
            problems.append(Problem(name, line, "-", section, "must be a list of records"))
            continue
        for _item, item_line, rec in value:
            if rec is None:
                problems.append(Problem(name, item_line, "-", section, "each record must be a mapping of field: value"))
                continue
            problems.extend(Problem(name, dup_line, "-", dup, "field given twice") for dup_line, dup in rec.dups)
            if rec.problem is not None:
                at, label, field_name, message = rec.problem
                problems.append(Problem(name, at, label, field_name, message))
                continue
            records.append(RawRecord(section, rec.data, name, item_line, rec.lines))
    return records, problems


def _split_list(value: str) -> list[str]:
    if ";" not in value:  # one item, the usual case
        item = value.strip()
        return [item] if item else []
    return [part.strip() for part in value.split(";") if part.strip()]


#: The columns that make a CSV a table of claims (any other CSV is a table of entities, with an id column).
CLAIM_CSV_COLUMNS = frozenset({"type", "from", "to"})


def read_csv(path: Path, list_fields: frozenset[str]) -> tuple[list[RawRecord], list[Problem]]:
    """A CSV table: a header of field names, one record a row, list fields split on ';', and a nested
    field's parts as `field.part` columns (`amount.amount`, `amount.currency`). A table whose header has
    `type`, `from` and `to` holds claims; any other holds entities (sources among them) and needs an `id`
    column. An empty cell is a field not given.

    The file is bounded (MAX_RECORD_FILE_BYTES) and so is each cell (the csv module's field size limit,
    128 KiB by default); every field is then bounded again by the models."""
    text, problem = read_text_bounded(path)
    if text is None:
        return [], [problem] if problem else []
    return parse_csv(str(path), text, list_fields)


class ClaimTable(NamedTuple):
    """A CSV table of claims as read (bounded, decoded) but not parsed: a validation that checks claims
    only once every node is known keeps the table as this one string until then, not a record a row."""

    file: str
    text: str


def claim_table(name: str, text: str) -> ClaimTable | None:
    """The text as a ClaimTable if its header makes it a table of claims (as parse_csv decides), else None."""
    end = text.find("\n") + 1
    head = text[:end] if end and '"' not in text[:end] else text  # a quoted header may span lines: all of it
    try:
        header = next(csv.reader(io.StringIO(head, newline="")), None)
    except csv.Error:
        return None  # parse_csv reports it
    return ClaimTable(name, text) if header is not None and set(header) >= CLAIM_CSV_COLUMNS else None


def unique_header_plan(
    header: list[str], list_fields: frozenset[str]
) -> tuple[list[str], frozenset[str], list[tuple[str, str, str]]]:
    """For a header that names each column once: its list fields, its dotted columns, and each dotted
    column as (column, field, part)."""
    lists = [key for key in header if "." not in key and key in list_fields]
    dotted = frozenset(key for key in header if "." in key)
    parts = [(key, key.partition(".")[0], key.partition(".")[2]) for key in header if "." in key]
    return lists, dotted, parts


def nest_parts(data: dict[str, Any], cells: Iterable[tuple[str, str, str]]) -> str | None:
    """Each nested field's given parts gathered into a dict under the field; the field given both as a
    whole and by parts (the last such), if any."""
    clash = None
    for key, part, value in cells:
        whole = data.setdefault(key, {})
        if not isinstance(whole, dict):
            clash = key
            continue
        whole[part] = value
    return clash


def unique_row_data(
    header: list[str], row: list[str], lists: list[str], dotted: frozenset[str], parts: list[tuple[str, str, str]]
) -> tuple[dict[str, Any], Iterable[tuple[str, str, str]]]:
    """A row's fields under a header that names each column once (see parse_csv): its non-empty cells paired
    with their names in C (compress), the list fields split; and the (field, part, value) of each nested
    field's given parts, taken out of the dict. A short row's missing cells are fields not given."""
    data: dict[str, Any] = dict(compress(zip(header, row, strict=False), row))
    for key in lists:
        value = data.get(key)
        if value is not None:
            data[key] = _split_list(value)
    cells = () if dotted.isdisjoint(data) else [(k, part, data.pop(c)) for c, k, part in parts if c in data]
    return data, cells


def claim_table_rows(table: ClaimTable) -> tuple[list[str], list[list[str]], list[int] | None] | None:
    """A table of claims as its header and rows (blank lines kept, as []) and the line of each row, for a
    check by position; None for a table parse_csv must read itself (any problem of the table as a whole:
    a CSV error, a row with more cells than header columns; or a header naming a column twice). The lines
    are None when row i is on line i + 2: a text without quotes (so no cell spans lines) and with no
    line break but \n and \r\n."""
    text = table.text
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or len(set(header)) != len(header) or not set(header) >= CLAIM_CSV_COLUMNS:
            return None
        if any(key.partition(".")[0] in header for key in header if "." in key):
            return None  # a field both whole and by parts: parse_csv stops the table at the first such row
        lines: list[int] | None
        if '"' not in text and text.count("\r") == text.count("\r\n"):
            rows = list(reader)
            lines = None
        else:
            rows, lines = [], []
            for row in reader:
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error:
        return None
    width = len(header)
    if rows and max(map(len, rows)) > width:
        return None
    return header, rows, lines


def parse_csv(name: str, text: str, list_fields: frozenset[str]) -> tuple[list[RawRecord], list[Problem]]:
    """The records of a CSV file's text (see read_csv)."""
    records: list[RawRecord] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        section = "claims" if header is not None and set(header) >= CLAIM_CSV_COLUMNS else "entities"
        if header is None or (section == "entities" and "id" not in header):
            return [], [Problem(name, 1, "-", "id", "a CSV of entities needs a header with an id column")]
        width = len(header)
        # Each column name once, the value of its last column (as a dict of the header gives); the plain
        # fields first, then the parts of nested ones.
        last = {key: i for i, key in enumerate(header)}
        flat: list[tuple[int, str, bool]] = []  # (cell index, field, whether a list)
        nested: list[tuple[int, str, str]] = []  # (cell index, field, part)
        for key in dict.fromkeys(header):
            field_name, dot, part = key.partition(".")
            if dot:
                nested.append((last[key], field_name, part))
            else:
                flat.append((last[key], key, key in list_fields))
        id_at = last.get("id")
        split = _split_list
        # Each name once (the usual header): a row's non-empty cells, paired with their names in C (compress),
        # then the list fields split and the parts of nested ones gathered: the same dict, in the same order.
        unique = len(last) == width
        lists, dotted, parts = unique_header_plan(header, list_fields)
        for row in reader:
            if not row:
                continue  # a blank line (csv.DictReader skips these too)
            line = reader.line_num
            n = len(row)
            if n > width:
                rid = row[id_at] if id_at is not None else ""
                return records, [Problem(name, line, rid or "-", "-", "more cells than header columns")]
            cells: Iterable[tuple[str, str, str]]  # (field, part, value) of each nested field's given parts
            if unique:
                data, cells = unique_row_data(header, row, lists, dotted, parts)
            elif n == width:
                data = {key: split(row[i]) if is_list else row[i] for i, key, is_list in flat if row[i] != ""}
                cells = [(key, part, row[i]) for i, key, part in nested if row[i] != ""]
            else:  # a short row: the cells it lacks are fields not given
                data = {key: split(row[i]) if is_list else row[i] for i, key, is_list in flat if i < n and row[i]}
                cells = [(key, part, row[i]) for i, key, part in nested if i < n and row[i] != ""]
            clash = nest_parts(data, cells)
            record = RawRecord(section, data, name, line)
            if clash is not None:
                return records, [
                    Problem(name, line, record.label, clash, "field given twice (as a whole and by parts)")
                ]
            records.append(record)
    except csv.Error as exc:
        return [], [Problem(name, max(reader.line_num, 1), "-", "-", f"cannot read CSV: {exc}")]
    return records, []


def record_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """The record files of files and directories (recursively: *.yaml, *.yml, *.csv, sorted), and a problem
    for each path that does not exist."""
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
    return files, problems


def read_file(
    path: Path, list_fields: frozenset[str], *, claim_tables: bool = False
) -> tuple[list[RawRecord] | ClaimTable, list[Problem]]:
    """A record file's records and problems; with `claim_tables`, a CSV table of claims comes back unparsed,
    as a ClaimTable (parse_csv gives its records and problems later)."""
    if path.suffix != ".csv":
        return read_yaml(path)
    text, problem = read_text_bounded(path)
    if text is None:
        return [], [problem] if problem else []
    table = claim_table(str(path), text) if claim_tables else None
    return (table, []) if table is not None else parse_csv(str(path), text, list_fields)


def streamed(paths: list[Path], list_fields: frozenset[str]) -> Iterator[tuple[list[RawRecord], list[Problem]]]:
    """Read files and directories (recursively: *.yaml, *.yml, *.csv, sorted), one file at a time: its
    records and problems (first, a path that does not exist)."""
    files, problems = record_files(paths)
    if problems:
        yield [], problems
    for f in files:
        yield read_csv(f, list_fields) if f.suffix == ".csv" else read_yaml(f)


def read_paths(paths: list[Path], list_fields: frozenset[str]) -> tuple[list[RawRecord], list[Problem]]:
    """Every record of the files and directories at once (see streamed)."""
    records: list[RawRecord] = []
    problems: list[Problem] = []
    for got, probs in streamed(paths, list_fields):
        records.extend(got)
        problems.extend(probs)
    return records, problems
