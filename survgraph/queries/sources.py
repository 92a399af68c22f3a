"""Template rows name their sources by id; what people and clients are shown resolves them.

`resolve_sources` replaces each `sources` cell (a list of source ids) by the source records,
`[{id, publisher, title, date, url}]` in the same order, read through `GraphView.sources` in one
batched look-up for the whole answer. `source_text` is one record as a readable line, for tables
and CSV. `run_template` itself keeps ids, so the graph exports and selections built on it are unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from survgraph.graph import GraphStore, GraphView

SOURCES_COLUMN = "sources"
SOURCE_FIELDS = ("publisher", "title", "date", "url")


def _ids(cell: Any) -> list[str] | None:
    if isinstance(cell, list) and all(isinstance(s, str) for s in cell):
        return list(cell)
    return None


def resolve_sources(store: GraphStore, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose `sources` lists of ids become lists of {id, publisher, title, date, url}; a cited id
    without a record keeps its id, with the other fields null."""
    wanted = {s for r in rows for s in _ids(r.get(SOURCES_COLUMN)) or ()}
    found = GraphView(store).sources(wanted) if wanted else {}
    out = []
    for row in rows:
        ids = _ids(row.get(SOURCES_COLUMN))
        if ids is None:
            out.append(dict(row))
            continue
        records = [{"id": s, **{f: found.get(s, {}).get(f) for f in SOURCE_FIELDS}} for s in ids]
        out.append({**row, SOURCES_COLUMN: records})
    return out


def source_text(record: Mapping[str, Any]) -> str:
    """ "Publisher, Title (date) URL [id]", leaving out what the record lacks."""
    head = ", ".join(str(record[f]) for f in ("publisher", "title") if record.get(f))
    if record.get("date"):
        head = f"{head} ({record['date']})" if head else f"({record['date']})"
    if record.get("url"):
        head = f"{head} {record['url']}" if head else str(record["url"])
    return f"{head} [{record['id']}]" if head else str(record["id"])


def sources_as_text(rows: Sequence[Mapping[str, Any]], sep: str) -> list[dict[str, Any]]:
    """Rows whose resolved `sources` are one text cell, the records' `source_text` joined by `sep`."""
    out = []
    for row in rows:
        cell = row.get(SOURCES_COLUMN)
        if isinstance(cell, list) and all(isinstance(s, Mapping) and "id" in s for s in cell):
            out.append({**row, SOURCES_COLUMN: sep.join(source_text(s) for s in cell)})
        else:
            out.append(dict(row))
    return out
