"""Validate raw records into models and check every reference; collect ALL problems, never stop at one."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from survgraph.errors import SurvgraphError
from survgraph.loaders import evidence
from survgraph.loaders.records import Problem, RawRecord, read_paths
from survgraph.schema import REGISTRY, Claim, Node, Registry, Source
from survgraph.schema.registry import ColumnType


@dataclass
class Dataset:
    """Validated nodes and claims, ready to write, with the problems found on the way."""

    nodes: list[Node] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


class InvalidRecords(SurvgraphError):
    """Raised when a load is refused: the store was not touched."""

    status = 422
    exit_code = 1
    #: What the refusal meant, for the verdict after the problems.
    outcome = "nothing was written"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the records; {self.outcome}")


def _list_fields(registry: Registry) -> frozenset[str]:
    names = {"sources", "figure_sources"}
    for cols in registry.node_columns.values():
        names.update(c.name for c in cols if c.type is ColumnType.string_list)
    return frozenset(names)


def _field_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(x) for x in loc]
    return ".".join(parts) if parts else "-"


def _pydantic_problems(rec: RawRecord, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        msg = err["msg"]
        fname = _field_name(loc)
        if not loc and msg.startswith("Value error, "):
            # model-level checks name their field as "field: message"
            msg = msg.removeprefix("Value error, ")
            head, sep, rest = msg.partition(": ")
            if sep and " " not in head:
                fname, msg = head, rest
        else:
            msg = msg.removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required"
        top = str(loc[0]) if loc else fname
        out.append(Problem(rec.file, rec.line_of(top), rec.label, fname, msg))
    return out


def build(records: list[RawRecord], registry: Registry = REGISTRY) -> Dataset:
    """Turn raw records into a Dataset, checking fields, ids, kinds and references."""
    ds = Dataset()
    seen: dict[str, RawRecord] = {}
    node_recs: list[tuple[Node, RawRecord]] = []
    claim_recs: list[tuple[Claim, RawRecord]] = []

    for rec in records:
        if rec.section == "claims":
            try:
                claim = Claim.model_validate(rec.data)
            except ValidationError as exc:
                ds.problems.extend(_pydantic_problems(rec, exc))
                continue
            claim_recs.append((claim, rec))
            continue
        rid = rec.data.get("id")
        if not isinstance(rid, str) or not rid:
            ds.problems.append(Problem(rec.file, rec.line, "-", "id", "every record needs an id"))
            continue
        kind = registry.kind_of_id(rid)
        if kind is None:
            prefixes = ", ".join(f"{k.prefix}:" for k in registry.node_kinds.values())
            ds.problems.append(
                Problem(rec.file, rec.line_of("id"), rid, "id", f"unknown id prefix; expected one of {prefixes}")
            )
            continue
        if rec.section == "sources" and kind.model is not Source:
            ds.problems.append(
                Problem(rec.file, rec.line_of("id"), rid, "id", "records under 'sources' need a source: id")
            )
            continue
        declared = rec.data.get("type")
        data = {k: v for k, v in rec.data.items() if k != "type"}
        if declared is not None and declared != kind.label:
            ds.problems.append(
                Problem(
                    rec.file,
                    rec.line_of("type"),
                    rid,
                    "type",
                    f"{declared!r} does not match the id prefix {kind.prefix}: ({kind.label})",
                )
            )
            continue
        try:
            node = kind.model.model_validate(data)
        except ValidationError as exc:
            ds.problems.extend(_pydantic_problems(rec, exc))
            # still remember the id so that references to it are not reported twice
            seen.setdefault(rid, rec)
            continue
        if rid in seen:
            first = seen[rid]
            ds.problems.append(
                Problem(
                    rec.file, rec.line_of("id"), rid, "id", f"duplicate id (first defined at {first.file}:{first.line})"
                )
            )
            continue
        seen[rid] = rec
        node_recs.append((node, rec))

    nodes = {n.id: n for n, _ in node_recs}
    known_ids = set(seen)
    used_sources: set[str] = set()

    def check_sources(ids: list[str], rec: RawRecord, label: str | None) -> None:
        """`label` None: the record's own (computed only for a problem)."""
        used_sources.update(ids)
        for sid in ids:
            target = nodes.get(sid)
            if sid not in known_ids:
                ds.problems.append(
                    Problem(rec.file, rec.line_of("sources"), label or rec.label, "sources", f"unknown source {sid!r}")
                )
            elif target is not None and not isinstance(target, Source):
                ds.problems.append(
                    Problem(rec.file, rec.line_of("sources"), label or rec.label, "sources", f"{sid!r} is not a source")
                )

    for node, rec in node_recs:
        check_sources(node.source_ids, rec, node.id)

    claim_ids: dict[str, RawRecord] = {}
    valid_claims: list[tuple[Claim, RawRecord]] = []
    for claim, rec in claim_recs:
        ok = True
        if claim.type not in registry.edge_types:
            ds.problems.append(
                Problem(
                    rec.file,
                    rec.line_of("type"),
                    rec.label,
                    "type",
                    f"unknown edge type {claim.type!r}; expected one of {', '.join(registry.edge_types)}",
                )
            )
            ok = False
        kinds = {}
        for end, ref in (("from", claim.from_id), ("to", claim.to_id)):
            target = nodes.get(ref)
            if ref not in known_ids:
                ds.problems.append(Problem(rec.file, rec.line_of(end), rec.label, end, f"unknown id {ref!r}"))
                ok = False
            elif target is not None:
                kinds[end] = registry.kind_of_model(target).label
        if ok and len(kinds) == 2 and not registry.allows(claim.type, kinds["from"], kinds["to"]):
            allowed = ", ".join(f"{a}->{b}" for a, b in registry.edge_types[claim.type].endpoints)
            ok = False
            ds.problems.append(
                Problem(
                    rec.file,
                    rec.line_of("to"),
                    rec.label,
                    "type",
                    f"{claim.type} cannot go from {kinds['from']} to {kinds['to']}; allowed: {allowed}",
                )
            )
        check_sources(claim.source_ids, rec, None)
        assert claim.id is not None
        if claim.id in claim_ids:
            first = claim_ids[claim.id]
            ds.problems.append(
                Problem(
                    rec.file,
                    rec.line,
                    rec.label,
                    "id",
                    f"same claim as {first.file}:{first.line} (same type, endpoints, dates and figures): "
                    "merge their sources, or set a distinct key",
                )
            )
            continue
        claim_ids[claim.id] = rec
        if ok:
            ds.claims.append(claim)
            valid_claims.append((claim, rec))

    # A source that a cited repost reposts is cited through it (and so on along a chain of reposts).
    reposts = {n.id: n.reposts for n, _ in node_recs if isinstance(n, Source) and n.reposts}
    frontier = [s for s in used_sources if s in reposts]
    while frontier:
        original = reposts[frontier.pop()]
        if original not in used_sources:
            used_sources.add(original)
            if original in reposts:
                frontier.append(original)
    for node, rec in node_recs:
        if isinstance(node, Source) and node.id not in used_sources:
            ds.problems.append(
                Problem(rec.file, rec.line_of("id"), node.id, "id", "source is not cited by any record", "warning")
            )
    ds.nodes = [n for n, _ in node_recs]
    ds.problems.extend(evidence.check(node_recs, valid_claims, known_ids))
    ds.problems.extend(_derived_claims(ds, node_recs, known_ids, registry))
    return ds


def _derived_claims(
    ds: Dataset, node_recs: list[tuple[Node, RawRecord]], known_ids: set[str], registry: Registry
) -> list[Problem]:
    """Location fields imply LOCATED_IN / HEADQUARTERED_IN claims, on the node's own sources."""
    problems: list[Problem] = []
    existing = {c.id for c in ds.claims}
    for node, rec in node_recs:
        for fname, edge in (("country", "LOCATED_IN"), ("hq_country", "HEADQUARTERED_IN")):
            code = getattr(node, fname, None)
            if not code or not node.source_ids:
                continue
            target = f"country:{code}"
            if target not in known_ids:
                problems.append(
                    Problem(
                        rec.file,
                        rec.line_of(fname),
                        node.id,
                        fname,
                        f"no record for {target} (load the country table too)",
                    )
                )
                continue
            if not registry.allows(edge, registry.kind_of_model(node).label, "Country"):
                continue
            claim = Claim.model_validate(
                {
                    "type": edge,
                    "from": node.id,
                    "to": target,
                    "sources": node.source_ids,
                    "confidence": node.confidence,
                    "notes": f"derived from the {fname} field",
                }
            )
            if claim.id not in existing:
                existing.add(claim.id or "")
                ds.claims.append(claim)
    return problems


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a bulk step (reading, validating, writing records).
    Records and models hold no reference cycles, so reference counting frees them as before; but with a
    hundred thousand or a million of them alive, every full collection walks them all (measured at 100k
    claims: validation and the write plan 2-2.5 times faster without it). The collector runs again after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def validate_paths(paths: list[Path], registry: Registry = REGISTRY) -> Dataset:
    with gc_paused():
        records, problems = read_paths(paths, _list_fields(registry))
        ds = build(records, registry)
        ds.problems = sorted(problems + ds.problems, key=lambda p: (p.file, p.line))
    return ds
