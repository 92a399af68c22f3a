"""Validate a posted record file against the loaders' rules, with references to what is already stored.

A posted file may add a claim between two entities that are already in the graph, or cite a stored
source. The loaders check references within one dataset only, so the entities a body refers to but does
not define are read from the store and given to the validator as reference records; they are never
written back, and problems are reported for the body only, as "FILE:LINE: RECORD: FIELD: message".
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import yaml

from survgraph.graph import GraphStore
from survgraph.graph.view import GraphView
from survgraph.loaders import Dataset, Problem, RawRecord
from survgraph.loaders.records import read_yaml
from survgraph.loaders.validate import build

#: How problems name the posted file.
BODY_FILE = "request.yaml"
#: How reference records read from the store are named (their problems are never reported).
STORED = "<stored>"

#: Fields whose value names a country that the loaders turn into a derived claim.
_COUNTRY_FIELDS = ("country", "hq_country")


def _references(records: list[RawRecord]) -> set[str]:
    refs: set[str] = set()
    for rec in records:
        data = rec.data
        sources = data.get("sources")
        if isinstance(sources, list):
            refs.update(s for s in sources if isinstance(s, str))
        if rec.section == "claims":
            refs.update(data[end] for end in ("from", "to") if isinstance(data.get(end), str))
        for fname in _COUNTRY_FIELDS:
            code = data.get(fname)
            if isinstance(code, str) and code:
                refs.add(f"country:{code}")
    return refs


def _stored_records(store: GraphStore, ids: set[str]) -> list[RawRecord]:
    """The stored entities among `ids`, as records the validator accepts."""
    out = []
    found = GraphView(store).entities(ids)
    for node_id in sorted(found):
        label = found[node_id]["label"]
        node = store.registry.node_from_row(label, found[node_id])
        data: dict[str, Any] = node.model_dump(mode="json", by_alias=True, exclude_none=True)
        # Without their location fields, reference records derive no claims of their own.
        for fname in _COUNTRY_FIELDS:
            data.pop(fname, None)
        section = "sources" if label == "Source" else "entities"
        out.append(RawRecord(section, data, STORED, 0))
    return out


def validate_body(text: str, store: GraphStore) -> Dataset:
    """Validate a YAML record file; the Dataset holds only the body's own nodes and claims."""
    with tempfile.TemporaryDirectory(prefix="survgraph-post-") as tmp:
        path = Path(tmp) / BODY_FILE
        path.write_text(text, encoding="utf-8")
        try:
            records, problems = read_yaml(path)
        except yaml.YAMLError as exc:
            # read_yaml reports syntax errors as problems, but not characters YAML refuses outright (NUL).
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            return Dataset(problems=[Problem(BODY_FILE, line, "-", "-", f"YAML: {exc}".replace("\n", " "))])
    problems = [dataclasses.replace(p, file=BODY_FILE) for p in problems]
    for rec in records:
        rec.file = BODY_FILE
    defined = {r.data["id"] for r in records if isinstance(r.data.get("id"), str)}
    stored = _stored_records(store, _references(records) - defined)
    stored_ids = {r.data["id"] for r in stored}
    ds = build(records + stored, store.registry)
    ds.problems = sorted(problems + [p for p in ds.problems if p.file != STORED], key=_problem_order)
    ds.nodes = [n for n in ds.nodes if n.id not in stored_ids]
    return ds


def _problem_order(p: Problem) -> tuple[int, str]:
    return (p.line, p.message)
