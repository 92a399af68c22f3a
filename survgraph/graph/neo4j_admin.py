"""A fresh Neo4j database in one go: validated records as the CSV files `neo4j-admin database import full`
reads, and the import itself, run offline on the Neo4j home.

The files hold exactly what `Neo4jStore.write` stores for the same records: one node file per label and
one relationship file per type; the `id` of every node and relationship is a string property (the node's
also its `:ID`, in one global id space: ids are unique across kinds, their prefix names the kind);
a null value is no property at all (`SET n = row` leaves nulls out too); lists are string arrays,
except that an empty list is no property either (neo4j-admin cannot write an empty array; the driver's
load stores [], and survgraph's reads normalise both to []).

Cells are written so that any text survives the round trip: every string is quoted (inner quotes
doubled, RFC 4180, which neo4j-admin reads), an empty string is `""` (a value) while a null is an empty
unquoted cell (no value), line breaks inside a value turn on `--multiline-fields`, and the array
delimiter is a control character that the record models refuse in text (and that the writer checks no
list item holds; it picks another one if one does).

The database must not exist yet (or `overwrite=True`): neo4j-admin builds a new store, it cannot add to
one. survgraph's constraints and indexes are created by `Neo4jStore.ensure_schema` on the first use
after the server starts, as for any new database.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TextIO

from survgraph.graph.store import StoreError, WritePlan
from survgraph.schema import REGISTRY, Claim, Node, Registry
from survgraph.schema.registry import Column, ColumnType

#: neo4j-admin's header type for each registry column type (lists add "[]").
HEADER_TYPES = {
    ColumnType.string: "string",
    ColumnType.string_list: "string[]",
    ColumnType.float: "double",
    ColumnType.int: "long",
    ColumnType.bool: "boolean",
}

#: Array delimiters to try, in order: C0 controls that every text field of the models refuses
#: (survgraph.schema.types.CONTROL_IN_TEXT), so no list item can hold them.
ARRAY_DELIMITERS = ("\x1f", "\x1e", "\x1d", "\x1c")

#: Database names neo4j-admin accepts (Neo4j's own rule: a letter, then letters, digits, dots and dashes).
DATABASE_NAME = re.compile(r"[a-z][a-z0-9.-]{2,62}")

#: Called with the number of rows written since the last call.
Progress = Callable[[int], None]


class Neo4jImportError(StoreError):
    """neo4j-admin cannot or did not import: the target exists or is in use, or the tool failed."""

    status = 500
    exit_code = 2


class _Null(int):
    """A null cell: the csv module writes it as nothing and, being a number, leaves it unquoted under
    QUOTE_NONNUMERIC, which quotes every string (an empty string becomes "", a value)."""

    def __str__(self) -> str:
        return ""

    __repr__ = __str__


NULL = _Null()


class _DelimiterClash(Exception):
    pass


@dataclass
class ImportFiles:
    """The CSV files of one import and the neo4j-admin arguments that read them."""

    folder: Path
    nodes: dict[str, Path] = field(default_factory=dict)  # label -> file
    relationships: dict[str, Path] = field(default_factory=dict)  # type -> file
    node_counts: dict[str, int] = field(default_factory=dict)  # label -> rows
    relationship_counts: dict[str, int] = field(default_factory=dict)  # type -> rows
    array_delimiter: str = ARRAY_DELIMITERS[0]
    multiline: bool = False

    @property
    def node_count(self) -> int:
        return sum(self.node_counts.values())

    @property
    def relationship_count(self) -> int:
        return sum(self.relationship_counts.values())

    def admin_args(self, database: str) -> list[str]:
        """The arguments after `neo4j-admin database import full` (the database first: the file options
        take every word after them)."""
        args = [
            database,
            f"--array-delimiter=U+{ord(self.array_delimiter):04X}",
            "--delimiter=,",
            '--quote="',
            "--id-type=string",
            "--ignore-empty-strings=false",
            "--trim-strings=false",
            "--legacy-style-quoting=false",
            "--bad-tolerance=0",  # validated records: any bad entry is a bug, and must abort the import
            "--skip-bad-relationships=false",
            "--skip-duplicate-nodes=false",
            f"--multiline-fields={'true' if self.multiline else 'false'}",
            f"--report-file={self.folder / 'import.report'}",  # not in the working directory
        ]
        args += [f"--nodes={label}={path}" for label, path in sorted(self.nodes.items())]
        args += [f"--relationships={etype}={path}" for etype, path in sorted(self.relationships.items())]
        return args


def _header(col: Column, id_column: bool) -> str:
    if id_column and col.name == "id":
        return "id:ID"
    return f"{col.name}:{HEADER_TYPES[col.type]}"


def _cells(columns: Sequence[Column], delimiter: str, *, rows: bool = False) -> Callable[[Any], list[Any]]:
    """A function from a validated model to its CSV cells, column by column as `Registry.node_row` /
    `edge_row` flatten it (a nested model's `field_sub` columns, enums as their values); with `rows`,
    from such a row (a write plan's) instead.

    It is generated for the columns, one expression a column (as dataclasses generate __init__): a
    loop over the columns was most of the writing time. Only registry identifiers enter the source."""
    exprs = []
    for c in columns:
        for part in (c.field, c.sub or ""):
            if part and not part.isidentifier():
                raise ValueError(f"not a registry identifier: {part!r}")
        ident = 'm["id"]' if rows else "m.id"
        if rows:
            get = f"m[{c.name!r}]"
        else:
            get = f"m.{c.field}" if c.sub is None else f"(None if (s := m.{c.field}) is None else s.{c.sub})"
        if c.type is ColumnType.string_list:
            exprs.append(f"_list({ident}, {c.name!r}, {get})")
        elif c.type is ColumnType.bool:
            exprs.append(f"(NULL if (v := {get}) is None else ('true' if v else 'false'))")
        else:
            # str (StrEnum members included: csv writes a str subclass's own text) is quoted; int and float
            # are written bare (float as repr: exact); any other enum as its value.
            exprs.append(
                f"(NULL if (v := {get}) is None else v.value if isinstance(v, Enum) and not isinstance(v, str) else v)"
            )

    def _list(ident: str, name: str, value: list[Any] | None) -> Any:
        if not value:
            # No property: neo4j-admin has no way to write an empty array (a quoted "" is a null too);
            # the driver's load stores []. Every survgraph read normalises both to [].
            return NULL
        items = [v.value if isinstance(v, Enum) else v for v in value]
        joined = delimiter.join(items)
        if joined.count(delimiter) != len(items) - 1:
            raise _DelimiterClash
        if "" in items:
            raise StoreError(f"{ident!r}: {name} holds an empty item, which an array cannot carry")
        return joined

    source = "def cells(m):\n    return [\n" + "".join(f"        {e},\n" for e in exprs) + "    ]\n"
    namespace: dict[str, Any] = {"NULL": NULL, "Enum": Enum, "_list": _list}
    exec(compile(source, "<survgraph.graph.neo4j_admin cells>", "exec"), namespace)
    cells: Callable[[Any], list[Any]] = namespace["cells"]
    return cells


def write_import_files(
    folder: Path,
    nodes: Sequence[Node],
    claims: Sequence[Claim],
    registry: Registry = REGISTRY,
    *,
    progress: Progress | None = None,
) -> ImportFiles:
    """Stream validated records to `folder` (see check_csv_folder; an earlier import's files there are
    replaced) as neo4j-admin's CSV files. Memory beyond the records themselves: one id -> label map."""

    def node_items() -> Iterator[tuple[str, str, Any]]:
        return ((registry.kind_of_model(n).label, n.id, n) for n in nodes)

    def claim_items() -> Iterator[tuple[str, str, str, str | None, Any]]:
        return ((c.type, c.from_id, c.to_id, c.id, c) for c in claims)

    return _write_files(folder, node_items, claim_items, registry, progress, rows=False)


def write_import_plan(
    folder: Path, plan: WritePlan, registry: Registry = REGISTRY, *, progress: Progress | None = None
) -> ImportFiles:
    """write_import_files from a write plan's rows (on disk for a large load: see graph/spill.py), read
    as they are written; the claims of a type are in the plan's order (grouped by their endpoints' kinds)."""

    def node_items() -> Iterator[tuple[str, str, Any]]:
        return ((label, r["id"], r) for label, rows in plan.nodes.items() for r in rows)

    def claim_items() -> Iterator[tuple[str, str, str, str | None, Any]]:
        return ((b.type, r["from_id"], r["to_id"], r["id"], r) for b in plan.edges for r in b.rows)

    return _write_files(folder, node_items, claim_items, registry, progress, rows=True)


def _write_files(
    folder: Path,
    node_items: Callable[[], Iterator[tuple[str, str, Any]]],
    claim_items: Callable[[], Iterator[tuple[str, str, str, str | None, Any]]],
    registry: Registry,
    progress: Progress | None,
    *,
    rows: bool,
) -> ImportFiles:
    check_csv_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CSV_MARKER).write_text(CSV_MARKER_TEXT)
    for delimiter in ARRAY_DELIMITERS:
        try:
            return _write(folder, node_items(), claim_items(), registry, delimiter, progress, rows=rows)
        except _DelimiterClash:
            continue
    raise StoreError("every array delimiter survgraph tries occurs inside a list item; nothing was imported")


#: The file that marks a folder as ours: only such a folder (or an empty one) is written into.
CSV_MARKER = ".survgraph-neo4j-import"
CSV_MARKER_TEXT = "CSV files written by `survgraph neo4j-import`; replaced by the next one.\n"


def check_csv_folder(folder: Path) -> None:
    """Refuse a folder that holds anything but an earlier import's files (its CSVs are replaced, and
    a records folder given by mistake must not lose a table), or whose path neo4j-admin would misread."""
    if "," in str(folder.resolve()):
        raise StoreError(f"{folder}: neo4j-admin reads ',' in a path as a list of files; choose another folder")
    if folder.exists() and (not folder.is_dir() or (any(folder.iterdir()) and not (folder / CSV_MARKER).exists())):
        raise StoreError(f"{folder} exists and is not an earlier import's folder: give a new or empty folder")


def _write(
    folder: Path,
    nodes: Iterator[tuple[str, str, Any]],
    claims: Iterator[tuple[str, str, str, str | None, Any]],
    registry: Registry,
    delimiter: str,
    progress: Progress | None,
    *,
    rows: bool,
) -> ImportFiles:
    """`nodes`: (label, id, model or row); `claims`: (type, from, to, id, model or row)."""
    files = ImportFiles(folder.resolve(), array_delimiter=delimiter)
    for pattern in ("nodes-*.csv", "rels-*.csv"):
        for old in folder.glob(pattern):
            old.unlink()
    opened: list[TextIO] = []

    def writer(path: Path, header: list[str]) -> Any:
        return _csv_writer(path, header, opened)

    label_of: dict[str, str] = {}
    step = 10_000
    try:
        node_writers: dict[str, tuple[Any, Callable[[Any], list[Any]]]] = {}
        for i, (label, node_id, node) in enumerate(nodes, 1):
            got = node_writers.get(label)
            if got is None:
                cols = registry.node_columns[label]
                path = files.folder / f"nodes-{label}.csv"
                files.nodes[label] = path
                got = node_writers[label] = (
                    writer(path, [_header(c, True) for c in cols]),
                    _cells(cols, delimiter, rows=rows),
                )
            if node_id in label_of:
                raise StoreError(f"{node_id!r} appears twice among the records")
            label_of[node_id] = label
            files.node_counts[label] = files.node_counts.get(label, 0) + 1
            got[0].writerow(got[1](node))
            if progress and i % step == 0:
                progress(step)
        if progress:
            progress(len(label_of) % step)
        edge_cols = registry.edge_columns
        edge_header = [":START_ID", ":END_ID", *(_header(c, False) for c in edge_cols)]
        edge_cells = _cells(edge_cols, delimiter, rows=rows)
        edge_writers: dict[str, Any] = {}
        seen: set[str] = set()
        for i, (etype, from_id, to_id, claim_id, claim) in enumerate(claims, 1):
            for end in (from_id, to_id):
                if end not in label_of:
                    raise StoreError(
                        f"claim {claim_id!r}: {end!r} is not among the records (a new database holds nothing else)"
                    )
            w = edge_writers.get(etype)
            if w is None:
                if etype not in registry.edge_types:
                    raise StoreError(f"claim {claim_id!r}: unknown edge type {etype!r}")
                path = files.folder / f"rels-{etype}.csv"
                files.relationships[etype] = path
                w = edge_writers[etype] = writer(path, edge_header)
            assert claim_id is not None
            if claim_id in seen:
                raise StoreError(f"claim {claim_id!r} appears twice among the records")
            seen.add(claim_id)
            files.relationship_counts[etype] = files.relationship_counts.get(etype, 0) + 1
            w.writerow([from_id, to_id, *edge_cells(claim)])
            if progress and i % step == 0:
                progress(step)
        if progress:
            progress(len(seen) % step)
    finally:
        for f in opened:
            f.close()
    files.multiline = _multiline(files)
    return files


def _csv_writer(path: Path, header: list[str], opened: list[TextIO]) -> Any:
    """A CSV writer of neo4j-admin's dialect on a new file at `path` (added to `opened`, for the caller
    to close), its header written."""
    f = path.open("w", encoding="utf-8", newline="")
    opened.append(f)
    w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    w.writerow(header)
    return w


def _multiline(files: ImportFiles) -> bool:
    """Whether a value in the written files holds a line break (neo4j-admin's --multiline-fields): more
    line breaks in a file than its rows and header."""
    return any(_line_breaks(files.nodes[label]) > 1 + n for label, n in files.node_counts.items()) or any(
        _line_breaks(files.relationships[etype]) > 1 + n for etype, n in files.relationship_counts.items()
    )


class ImportWriter:
    """neo4j-admin's CSV files written as a streamed validation passes each valid record
    (validate_streamed's `sink`): one pass, no write plan between (no row dicts, no spill files read
    back). The same files, checks and cells as write_import_plan, except that the claims of a type are
    in the order they passed, not grouped by their endpoints' kinds.

    The files go to `folder` (a new, empty folder: the caller's staging place; written only if the
    validation passes, see `finish`). A list item holding the array delimiter sets `clash` and stops the
    writing (the caller runs again with the next delimiter, as write_import_plan does). A duplicate id
    raises at once; a claim end that is no written node raises in `finish`, when every node is known."""

    def __init__(
        self,
        folder: Path,
        registry: Registry = REGISTRY,
        delimiter: str = ARRAY_DELIMITERS[0],
        *,
        progress: Progress | None = None,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if any(folder.iterdir()):
            raise StoreError(f"{folder}: not empty")
        self.files = ImportFiles(folder.resolve(), array_delimiter=delimiter)
        self.registry = registry
        self.delimiter = delimiter
        self.clash = False
        self._opened: list[TextIO] = []
        self._node_writers: dict[str, tuple[Any, Callable[[Any], list[Any]]]] = {}
        self._edge_writers: dict[str, Any] = {}
        self._edge_header = [":START_ID", ":END_ID", *(_header(c, False) for c in registry.edge_columns)]
        self._edge_cells = _cells(registry.edge_columns, delimiter)
        self._node_ids: set[str] = set()
        self._claim_ids: set[str] = set()
        self._ends: set[str] = set()
        self._progress = progress
        self._rows = 0  # written since the last progress call

    def _step(self) -> None:
        self._rows += 1
        if self._rows == 10_000 and self._progress is not None:
            self._progress(self._rows)
            self._rows = 0

    def _writer(self, path: Path, header: list[str]) -> Any:
        return _csv_writer(path, header, self._opened)

    @property
    def counts(self) -> tuple[int, int]:
        return self.files.node_count, self.files.relationship_count

    def node(self, node: Any, label: str) -> None:
        """A valid node (validate.NodeFacts, with its write row) of kind `label`."""
        if self.clash:
            return
        got = self._node_writers.get(label)
        if got is None:
            cols = self.registry.node_columns[label]
            path = self.files.folder / f"nodes-{label}.csv"
            self.files.nodes[label] = path
            got = self._node_writers[label] = (
                self._writer(path, [_header(c, True) for c in cols]),
                _cells(cols, self.delimiter, rows=True),
            )
        node_id = node.id
        if node_id in self._node_ids:
            raise StoreError(f"{node_id!r} appears twice among the records")
        try:
            cells = got[1](node.row)
        except _DelimiterClash:
            self.clash = True
            return
        self._node_ids.add(node_id)
        self.files.node_counts[label] = self.files.node_counts.get(label, 0) + 1
        got[0].writerow(cells)
        self._step()

    def claim(self, claim: Any) -> None:
        """A valid claim (a Claim model or a CheckedClaim)."""
        if self.clash:
            return
        etype, claim_id = claim.type, claim.id
        w = self._edge_writers.get(etype)
        if w is None:
            if etype not in self.registry.edge_types:
                raise StoreError(f"claim {claim_id!r}: unknown edge type {etype!r}")
            path = self.files.folder / f"rels-{etype}.csv"
            self.files.relationships[etype] = path
            w = self._edge_writers[etype] = self._writer(path, self._edge_header)
        if claim_id in self._claim_ids:
            raise StoreError(f"claim {claim_id!r} appears twice among the records")
        try:
            cells = self._edge_cells(claim)
        except _DelimiterClash:
            self.clash = True
            return
        self._claim_ids.add(claim_id)
        from_id, to_id = claim.from_id, claim.to_id
        self._ends.add(from_id)
        self._ends.add(to_id)
        self.files.relationship_counts[etype] = self.files.relationship_counts.get(etype, 0) + 1
        w.writerow([from_id, to_id, *cells])
        self._step()

    def close(self) -> None:
        for f in self._opened:
            f.close()
        self._opened = []

    def finish(self) -> ImportFiles:
        """Close the files, check that every claim's ends are written nodes, and tell whether a value holds
        a line break (neo4j-admin's --multiline-fields)."""
        self.close()
        if self._progress is not None and self._rows:
            self._progress(self._rows)
            self._rows = 0
        missing = self._ends - self._node_ids
        if missing:
            raise StoreError(f"claim end {min(missing)!r} is not among the records (a new database holds nothing else)")
        self.files.multiline = _multiline(self.files)
        return self.files

    def move_to(self, folder: Path) -> ImportFiles:
        """The finished files moved (renamed: the same file system) into `folder` (see check_csv_folder),
        replacing an earlier import's files there."""
        check_csv_folder(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / CSV_MARKER).write_text(CSV_MARKER_TEXT)
        for pattern in ("nodes-*.csv", "rels-*.csv"):
            for old in folder.glob(pattern):
                old.unlink()
        files = self.files
        target = folder.resolve()
        for paths in (files.nodes, files.relationships):
            for key, path in paths.items():
                paths[key] = path.rename(target / path.name)
        files.folder = target
        return files


def _line_breaks(path: Path) -> int:
    """Line feeds and carriage returns in the file: one a row (header included) unless a value holds some."""
    breaks = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            breaks += chunk.count(b"\n") + chunk.count(b"\r")
    return breaks


# -- the Neo4j home ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Neo4jHome:
    """Where an offline Neo4j keeps its databases, read from DIR/conf/neo4j.conf (Neo4j's defaults when
    it does not say)."""

    home: Path
    conf_dir: Path
    data_dir: Path
    run_dir: Path

    @classmethod
    def at(cls, home: Path, conf_dir: Path | None = None) -> Neo4jHome:
        home = home.resolve()
        conf_dir = (conf_dir or home / "conf").resolve()
        settings = _read_conf(conf_dir / "neo4j.conf")

        def directory(key: str, default: str) -> Path:
            p = Path(settings.get(key, default))
            return p if p.is_absolute() else home / p

        return cls(
            home,
            conf_dir,
            directory("server.directories.data", "data"),
            directory("server.directories.run", "run"),
        )

    def database_dir(self, database: str) -> Path:
        return self.data_dir / "databases" / database

    def transactions_dir(self, database: str) -> Path:
        return self.data_dir / "transactions" / database

    def running_pid(self) -> int | None:
        """The pid of a Neo4j server running on this home, as far as its pid files tell."""
        for name in ("neo4j.pid", "neo4j-test-server.pid"):
            try:
                pid = int((self.run_dir / name).read_text().strip())
            except (OSError, ValueError):
                continue
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            except PermissionError:
                return pid  # alive, someone else's
            cmdline = Path(f"/proc/{pid}/cmdline")
            if cmdline.exists() and b"neo4j" not in cmdline.read_bytes().lower():
                continue  # a stale pid file whose number another program now has
            return pid
        return None

    def check_target(self, database: str, *, overwrite: bool) -> None:
        """Refuse a database name neo4j-admin would not take, a running server, and an existing database
        unless `overwrite`."""
        if not DATABASE_NAME.fullmatch(database):
            raise Neo4jImportError(
                f"bad database name {database!r}: 3 to 63 characters, a lower-case letter first, "
                "then lower-case letters, digits, '.' or '-'"
            )
        if database == "system":
            raise Neo4jImportError("refusing to import into Neo4j's system database")
        if not self.home.is_dir() and not self.home.parent.is_dir():
            raise Neo4jImportError(f"no Neo4j home at {self.home}, nor a folder {self.home.parent} to make it in")
        pid = self.running_pid()
        if pid is not None:
            raise Neo4jImportError(
                f"a Neo4j server is running on {self.home} (pid {pid}); stop it first: neo4j-admin imports offline"
            )
        target = self.database_dir(database)
        if not overwrite and target.is_dir() and any(target.iterdir()):
            raise Neo4jImportError(
                f"database {database!r} already exists in {target}: neo4j-admin builds a new database, it cannot "
                "add to one; pass --overwrite to delete it and import in its place, or load into it with "
                "`survgraph load --store neo4j`"
            )


def _read_conf(path: Path) -> dict[str, str]:
    settings: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return settings
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def admin_command(home: Path, explicit: str | None = None) -> list[str]:
    """The command that runs neo4j-admin: `explicit` (split like a shell would), else the home's own
    bin/neo4j-admin, else neo4j-admin on PATH."""
    if explicit:
        words = shlex.split(explicit)
        if not words:
            raise Neo4jImportError("--neo4j-admin is empty")
        return words
    own = home / "bin" / "neo4j-admin"
    if own.is_file() and os.access(own, os.X_OK):
        return [str(own)]
    found = shutil.which("neo4j-admin")
    if found:
        return [found]
    raise Neo4jImportError(
        f"no neo4j-admin: neither {own} nor one on PATH; give --neo4j-admin CMD "
        "(e.g. 'tools/neo4j/neo4j-test-server admin' for the jars the tests fetch)"
    )


@dataclass(frozen=True)
class AdminRun:
    seconds: float
    log: Path
    summary: str  # neo4j-admin's closing lines (IMPORT DONE ..., counts, peak memory)


def run_admin_import(
    files: ImportFiles,
    target: Neo4jHome,
    database: str,
    command: Sequence[str],
    *,
    overwrite: bool,
    log: Path,
    echo: Callable[[str], None] | None = None,
) -> AdminRun:
    """Run `COMMAND database import full ...` with NEO4J_HOME and NEO4J_CONF set to the target; its
    output goes to `log`, and to `echo` as it comes (neo4j-admin's own progress, stage by stage). A
    failure or an interrupt raises (Neo4jImportError with the log's last lines, or KeyboardInterrupt)
    after removing the store files of a database that did not exist before: all or nothing."""
    args = [*command, "database", "import", "full", *files.admin_args(database)]
    if overwrite:
        args.append("--overwrite-destination=true")
    env = {**os.environ, "NEO4J_HOME": str(target.home), "NEO4J_CONF": str(target.conf_dir)}
    fresh = not target.database_dir(database).exists() and not target.transactions_dir(database).exists()

    def remove_partial() -> str:
        if not fresh:
            return f"--overwrite: what is left in {target.database_dir(database)} is likely unusable"
        # neo4j-admin leaves the store files of a failed import behind ("likely in an unusable state"):
        # the database did not exist before this run, so they go.
        for leftover in (target.database_dir(database), target.transactions_dir(database)):
            shutil.rmtree(leftover, ignore_errors=True)
        return "the partial database was removed"

    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        out.write("$ " + shlex.join(args) + "\n")
        out.flush()
        try:
            proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
            )
        except OSError as exc:
            raise Neo4jImportError(f"cannot run {shlex.join(list(command))}: {exc}") from exc
        assert proc.stdout is not None
        try:
            while chunk := os.read(proc.stdout.fileno(), 1 << 16):
                text = chunk.decode("utf-8", errors="replace")
                out.write(text)
                if echo:
                    echo(text)
            returncode = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            remove_partial()
            raise
    seconds = time.perf_counter() - start
    text = log.read_text(encoding="utf-8", errors="replace")
    if returncode != 0 or "IMPORT DONE" not in text:
        tail = "\n".join([ln for ln in text.splitlines() if not ln.startswith(".....")][-25:])
        outcome = remove_partial()
        raise Neo4jImportError(f"neo4j-admin import failed (exit {returncode}); {outcome}. Log: {log}\n{tail}")
    summary = text[text.index("IMPORT DONE") :].strip()
    return AdminRun(seconds, log, summary)
