"""What changed between two versions of the graph: entities and claims added, removed and changed.

A side is a folder of records, an RDF export (any format), or a store. Each is read into the same
validated records (the loaders' models) and then into rows keyed by id, so a changed confidence, a new
source or an edited note shows as a field change, whatever the side was read from. A store is read
through GraphView, one kind or type and one page at a time (`read_store`), never in one query.

A claim's id is derived from its defining fields (type, endpoints, dates, figures, key): a claim whose
figure or date changed is another claim, and the diff shows it as one removed and one added, next to each
other. Lists (sources, aliases, technologies) compare as sets: their order carries no meaning.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from survgraph.errors import SurvgraphError
from survgraph.graph.view import PAGE_SIZE, GraphView, Row
from survgraph.loaders import Dataset, InvalidRecords, validate_paths
from survgraph.progress import progress
from survgraph.rdf.formats import RdfFormat
from survgraph.rdf.importer import parse_rdf, records_to_dataset
from survgraph.rdf.vocab import RdfError, Vocab
from survgraph.schema import REGISTRY, Claim, Node, Registry


class InvalidSide(InvalidRecords):
    """A version whose records do not validate: listed like a refused load, but exit code 2 (not 1, which
    says "changes")."""

    exit_code = 2
    outcome = "nothing was compared"


class UnreadableSide(SurvgraphError):
    """A version that cannot be read at all (a missing file, malformed RDF): exit code 2, as for InvalidSide."""

    status = 422
    exit_code = 2


class UnreadableStoreRow(SurvgraphError):
    """A row in the store that is not a valid record (written by hand, or by another program)."""

    status = 500
    exit_code = 2


class DiffFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


@dataclass(frozen=True)
class Item:
    """One entity or claim as rows of fields: `kind` is the node kind or the edge type."""

    id: str
    kind: str
    fields: dict[str, Any]
    is_claim: bool

    @property
    def title(self) -> str:
        if self.is_claim:
            return f"{self.fields.get('from_id')} -{self.kind}-> {self.fields.get('to_id')}"
        return str(self.fields.get("name") or self.id)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Changed:
    old: Item
    new: Item
    changes: list[FieldChange]


@dataclass
class Diff:
    added: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def counts(self) -> dict[str, dict[str, int]]:
        def count(items: Iterable[Item], claims: bool) -> int:
            return sum(1 for i in items if i.is_claim == claims)

        return {
            what: {
                "added": count(self.added, claims),
                "removed": count(self.removed, claims),
                "changed": count((c.new for c in self.changed), claims),
            }
            for what, claims in (("entities", False), ("claims", True))
        }


# -- reading a side -----------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def node_item(node: Node, registry: Registry = REGISTRY) -> Item:
    """An entity as its stored columns (the row a store would hold)."""
    row = registry.node_row(node)
    return Item(node.id, registry.kind_of_model(node).label, {k: _canonical(v) for k, v in row.items()}, False)


def claim_item(claim: Claim, registry: Registry = REGISTRY) -> Item:
    """A claim as its stored columns."""
    row = registry.edge_row(claim)
    assert claim.id is not None
    return Item(claim.id, claim.type, {k: _canonical(v) for k, v in row.items()}, True)


def items_of(nodes: Iterable[Node], claims: Iterable[Claim], registry: Registry = REGISTRY) -> dict[str, Item]:
    """Entities and claims by id, each as its stored columns (the rows a store would hold)."""
    out = {n.id: node_item(n, registry) for n in nodes}
    for c in claims:
        item = claim_item(c, registry)
        out[item.id] = item
    return out


def read_side(path: Path, registry: Registry = REGISTRY, vocab: Vocab | None = None) -> dict[str, Item]:
    """A folder or file of records, or an RDF export (recognised by its extension; its entity IRIs under
    `vocab`'s base, default SURVGRAPH_BASE_IRI). Raises InvalidSide with every problem found."""
    fmt = _rdf_format(path)
    try:
        ds = validate_paths([path], registry) if fmt is None else _rdf_dataset(path, fmt, registry, vocab)
    except RdfError as exc:  # exit code 1 elsewhere; here 1 says "changes"
        raise UnreadableSide(str(exc)) from exc
    if ds.errors:
        raise InvalidSide(ds.errors)
    return items_of(ds.nodes, ds.claims, registry)


def stored_node_item(label: str, row: Row, registry: Registry = REGISTRY) -> Item:
    """A node row as the store returns it, read back through its model (so it compares equal to the same
    record read from a folder or an RDF export)."""
    try:
        return node_item(registry.node_from_row(label, row), registry)
    except ValidationError as exc:
        raise UnreadableStoreRow(f"store: {label} {row.get('id')!r} is not a valid record: {_first(exc)}") from exc


def stored_claim_item(etype: str, row: Row, registry: Registry = REGISTRY) -> Item:
    """A claim row as the store returns it, read back through the Claim model."""
    try:
        return claim_item(registry.claim_from_row(etype, row), registry)
    except ValidationError as exc:
        raise UnreadableStoreRow(f"store: {etype} {row.get('id')!r} is not a valid claim: {_first(exc)}") from exc


def _first(exc: ValidationError) -> str:
    e = exc.errors()[0]
    where = ".".join(str(p) for p in e.get("loc", ())) or "record"
    return f"{where}: {e.get('msg')}" + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")


def read_store(view: GraphView, *, page_size: int = PAGE_SIZE) -> dict[str, Item]:
    """Every entity and claim of a store, read one kind or claim type and one keyset page at a time."""
    registry = view.registry
    out: dict[str, Item] = {}
    total = view.count_entities() + view.count_claims()
    with progress(total=total, desc="reading the store", unit="row") as bar:
        for label in registry.node_kinds:
            for page in view.iter_entities(label, page_size=page_size):
                for row in page:
                    item = stored_node_item(label, row, registry)
                    out[item.id] = item
                bar.update(len(page))
        for etype in registry.edge_types:
            for page in view.iter_claims(etype, page_size=page_size):
                for row in page:
                    item = stored_claim_item(etype, row, registry)
                    out[item.id] = item
                bar.update(len(page))
    return out


def _rdf_format(path: Path) -> RdfFormat | None:
    if path.is_dir():
        return None
    for fmt in RdfFormat:
        if path.name.endswith(fmt.extension):
            return fmt
    return None


def _rdf_dataset(path: Path, fmt: RdfFormat, registry: Registry, vocab: Vocab | None) -> Dataset:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RdfError(f"{path}: cannot read: {exc.strerror}") from exc
    graph = parse_rdf(data, fmt, str(path), vocab)
    return records_to_dataset(graph, vocab, name=str(path), registry=registry)


# -- comparing ----------------------------------------------------------------------------------


def compare(old: dict[str, Item], new: dict[str, Item]) -> Diff:
    """Added, removed and changed items, entities before claims, each list in a stable order."""
    diff = Diff()
    for item_id in sorted(new.keys() - old.keys()):
        diff.added.append(new[item_id])
    for item_id in sorted(old.keys() - new.keys()):
        diff.removed.append(old[item_id])
    for item_id in sorted(old.keys() & new.keys()):
        a, b = old[item_id], new[item_id]
        changes = [
            FieldChange(name, a.fields.get(name), b.fields.get(name))
            for name in sorted(a.fields.keys() | b.fields.keys())
            if a.fields.get(name) != b.fields.get(name)
        ]
        if a.kind != b.kind:
            changes.insert(0, FieldChange("kind", a.kind, b.kind))
        if changes:
            diff.changed.append(Changed(a, b, changes))

    def order(item: Item) -> tuple[bool, str, str, str]:
        # A claim replaced by one with another figure sits next to it: ordered by its endpoints first.
        return (item.is_claim, item.kind, item.title, item.id)

    diff.added.sort(key=order)
    diff.removed.sort(key=order)
    diff.changed.sort(key=lambda c: order(c.new))
    return diff


# -- output -------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _list_delta(old: Any, new: Any) -> str | None:
    if not (isinstance(old, list | type(None)) and isinstance(new, list | type(None))):
        return None
    before, after = set(map(str, old or [])), set(map(str, new or []))
    parts = [f"+{v}" for v in sorted(after - before)] + [f"-{v}" for v in sorted(before - after)]
    return ", ".join(parts) if parts else None


def _change_text(ch: FieldChange) -> str:
    delta = _list_delta(ch.old, ch.new)
    if delta is not None:
        return f"{ch.field}: {delta}"
    return f"{ch.field}: {_show(ch.old)} -> {_show(ch.new)}"


def _item_line(item: Item) -> str:
    if item.is_claim:
        conf = item.fields.get("confidence")
        sources = ", ".join(item.fields.get("source_ids") or [])
        return f"{item.id} {item.title} ({conf}; sources: {sources})"
    return f"{item.id} {item.kind} {item.title!r}"


def _sections(diff: Diff) -> Iterator[tuple[str, list[str], list[list[str]]]]:
    """(heading, lines, sub-lines per line) for each non-empty section."""
    for what, claims in (("Entities", False), ("Claims", True)):
        added = [i for i in diff.added if i.is_claim == claims]
        removed = [i for i in diff.removed if i.is_claim == claims]
        changed = [c for c in diff.changed if c.new.is_claim == claims]
        if added:
            yield f"{what} added ({len(added)})", [_item_line(i) for i in added], [[] for _ in added]
        if removed:
            yield f"{what} removed ({len(removed)})", [_item_line(i) for i in removed], [[] for _ in removed]
        if changed:
            yield (
                f"{what} changed ({len(changed)})",
                [_item_line(c.new) for c in changed],
                [[_change_text(ch) for ch in c.changes] for c in changed],
            )


def render(diff: Diff, fmt: DiffFormat, *, old_name: str = "old", new_name: str = "new") -> str:
    if fmt is DiffFormat.json:
        return json.dumps(_as_json(diff, old_name, new_name), indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt is DiffFormat.markdown:
        out = [f"# Changes from {_md(old_name)} to {_md(new_name)}", ""]
        if diff.empty:
            out += ["No changes.", ""]
        for heading, lines, subs in _sections(diff):
            out += [f"## {heading}", ""]
            for line, sub in zip(lines, subs, strict=True):
                ident, _, rest = line.partition(" ")
                out.append(f"- `{ident}` {_md(rest)}")
                out += [f"  - {_md(s)}" for s in sub]
            out.append("")
        return "\n".join(out)
    out = [f"{old_name} -> {new_name}"]
    if diff.empty:
        out.append("no changes")
    for heading, lines, subs in _sections(diff):
        out.append(f"{heading}:")
        for line, sub in zip(lines, subs, strict=True):
            out.append(f"  {line}")
            out += [f"      {s}" for s in sub]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown list item: no markup from the data is interpreted."""
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text.replace("\n", " "))


def _as_json(diff: Diff, old_name: str, new_name: str) -> dict[str, Any]:
    def item(i: Item) -> dict[str, Any]:
        return {"id": i.id, "kind": i.kind, "claim": i.is_claim, "fields": i.fields}

    return {
        "old": old_name,
        "new": new_name,
        "counts": diff.counts(),
        "added": [item(i) for i in diff.added],
        "removed": [item(i) for i in diff.removed],
        "changed": [
            {
                "id": c.new.id,
                "kind": c.new.kind,
                "claim": c.new.is_claim,
                "changes": [{"field": ch.field, "old": ch.old, "new": ch.new} for ch in c.changes],
            }
            for c in diff.changed
        ],
    }
