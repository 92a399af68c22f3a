"""Rows as the CLI prints them: JSON (a list of row objects), CSV, or a rich table for people."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

FORMATS = ("table", "json", "csv")


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
        table.add_row(*[cell_text(row.get(c)) for c in columns])
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
