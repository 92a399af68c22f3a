"""What the CLI prints: rows as JSON (a list of row objects), CSV or a rich table for people; write counts;
files written whole or not at all."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import typer
from rich.table import Table
from rich.text import Text

from survgraph.cli.common import out

FORMATS = ("table", "json", "csv")

T = TypeVar("T")


def print_rows(rows: list[dict[str, Any]], columns: list[str], fmt: str, title: str | None = None) -> None:
    if fmt == "json":
        typer.echo(rows_json(rows))
    elif fmt == "csv":
        typer.echo(rows_csv(rows, columns), nl=False)
    else:
        out.print(rows_table(rows, columns_for_people(columns), title))


def columns_for_people(columns: list[str]) -> list[str]:
    """The table is read by people: a path shows once (as path_text), claim ids and an id beside its
    name are left to --format json/csv, which keep every column."""
    names = set(columns)

    def noise(c: str) -> bool:
        stem = c.removesuffix("_id")
        return (
            (c == "path" and "path_text" in names)
            or c in ("claims", "claim_id")
            or (c.endswith("_id") and (stem in names or f"{stem}_name" in names))
        )

    return [c for c in columns if not noise(c)] or columns


def print_counts(title: str, data: Mapping[str, Mapping[str, Any]], fmt: str) -> None:
    """Counts per node kind and edge type (`stats`, and what a load wrote), as tables or JSON."""
    if fmt == "json":
        typer.echo(json.dumps(data, indent=2))
        return
    for section, counts in data.items():
        table = Table(title=f"{title}: {section}", title_justify="left")
        table.add_column(section[:-1].capitalize())
        sample = next(iter(counts.values()), 0)
        cols = list(sample) if isinstance(sample, dict) else ["count"]
        for c in cols:
            table.add_column(c, justify="right")
        for name, value in counts.items():
            cells = [str(value[c]) for c in cols] if isinstance(value, dict) else [str(value)]
            table.add_row(name, *cells)
        out.print(table)


def write_output(output: Path | None, write: Callable[[IO[bytes]], T]) -> T:
    """Run `write(binary_stream)` into the file (via a temporary beside it, so a failure leaves no half
    file) or into stdout; returns what `write` returns."""
    if output is None:
        result = write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return result
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("wb") as f:
            result = write(f)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return result


def rows_json(rows: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(list(rows), indent=2, ensure_ascii=False, default=str)


def rows_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """One line per row; nested values (lists, objects) as compact JSON so nothing is lost."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def rows_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left")
    for c in columns:
        table.add_column(c, overflow="fold")
    for row in rows:
        # Text, not markup: data such as "[source:x]" or "[bold]" is shown as it is.
        table.add_row(*[Text(cell_text(row.get(c))) for c in columns])
    return table


def cell_text(value: Any) -> str:
    """A short human reading of a value: paths as arrows, lists joined, entities by name."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        if "nodes" in value and "relationships" in value:
            return _path_text(value)
        if "id" in value:
            label = str(value.get("name") or value["id"])
            return f"{label} ({value['hops']})" if "hops" in value else label
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    return str(value)


def _path_text(value: Mapping[str, Any]) -> str:
    nodes = list(value.get("nodes") or [])
    rels = list(value.get("relationships") or [])
    if not nodes:
        return ""
    parts = [cell_text(nodes[0])]
    for rel, node in zip(rels, nodes[1:], strict=False):
        rtype = rel.get("type", "?") if isinstance(rel, Mapping) else "?"
        back = isinstance(rel, Mapping) and rel.get("direction") == "<-"
        parts.append(f"<-[{rtype}]- {cell_text(node)}" if back else f"-[{rtype}]-> {cell_text(node)}")
    return " ".join(parts)
