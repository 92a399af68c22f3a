"""Validate raw records into models and check every reference; collect ALL problems, never stop at one."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from pydantic import ValidationError

from survgraph.errors import SurvgraphError
from survgraph.graph.spill import PlanSpill
from survgraph.loaders import evidence
from survgraph.loaders.claim_rows import CONFIDENCE_OF, RowChecker
from survgraph.loaders.records import (
    ClaimTable,
    Located,
    Problem,
    RawRecord,
    Where,
    claim_table_rows,
    nest_parts,
    parse_csv,
    read_file,
    read_paths,
    record_files,
    unique_header_plan,
    unique_row_data,
)
from survgraph.schema import REGISTRY, Claim, Confidence, Node, Registry, Source
from survgraph.schema.models import ClaimLike, checked_claim
from survgraph.schema.registry import ColumnType


@dataclass
class Dataset:
    """Validated nodes and claims, ready to write, with the problems found on the way. A streamed
    validation (validate_streamed) leaves `nodes` and `claims` empty: its rows are in `plan`, on disk, or,
    validated only (rows=False), nowhere: then `counts` has how many passed."""

    nodes: list[Node] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    plan: PlanSpill | None = None
    counts: tuple[int, int] | None = None  # (entities, claims) that passed, when neither models nor rows are kept

    @property
    def entity_count(self) -> int:
        if self.counts is not None:
            return self.counts[0]
        return self.plan.node_count if self.plan is not None else len(self.nodes)

    @property
    def claim_count(self) -> int:
        if self.counts is not None:
            return self.counts[1]
        return self.plan.edge_count if self.plan is not None else len(self.claims)

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


_NO_FIELD_LINES: dict[str, int] = {}  # a CSV row's fields are all on its line (never written to)


class NodeFacts(NamedTuple):
    """What the checks after stage 1 need of a valid node, kept (spilled) instead of its model: plain
    values, which pickle about ten times faster than a model (whose enum members pickle through Python
    calls). `row` is its write row when the validation makes a plan; `model` the node itself when the
    validation keeps models (a list in memory, never spilled)."""

    id: str
    source_ids: list[str]
    confidence: str | None  # the Confidence's value
    is_source: bool
    self_evident: bool
    country: str | None
    hq_country: str | None
    row: dict[str, Any] | None
    model: Node | None


class _Kept(Protocol):
    """Where the validator keeps records between its stages: a list, or a SpilledRows on disk."""

    def append(self, item: Any, /) -> None: ...

    def __iter__(self) -> Iterator[Any]: ...


class _Out(Protocol):
    """Where validated records go: models in a Dataset, or rows in a PlanSpill."""

    def node(self, node: NodeFacts, label: str) -> None: ...

    def claim(self, claim: ClaimLike) -> None: ...


class Sink(_Out, Protocol):
    """Where a streamed validation sends its valid records instead of a write plan (e.g. neo4j-admin's CSV
    files, written as the records pass: graph/neo4j_admin.ImportWriter): a node comes with its write row
    (`NodeFacts.row`, as a plan's), a claim as its model or CheckedClaim. `counts`: (entities, claims)."""

    @property
    def counts(self) -> tuple[int, int]: ...


class _Validator:
    """The checks, in stages, so that records can stream by:
    1. `add` each record as it is read: a node is validated (`_validate_node`: its fields, id, model),
       and what later stages need of every node is kept per id (kind, where first defined, the source
       records); each valid node is kept (in `kept_nodes`: a list, or a file) with where it was; each
       claim is kept as read (`kept_claims`), and so is a CSV table of claims (`add_claim_table`: its text,
       parsed in stage 2; the problems of that parse go to `read_problems`).
    2. `finish`: the claims (`_validate_claim`, then references, endpoints, sources, duplicates,
       evidence), then the nodes (sources, uncited sources, evidence, derived claims), each sent to
       `out` once it passed."""

    def __init__(
        self, registry: Registry, out: _Out, kept_nodes: _Kept, kept_claims: _Kept, *, fast: bool = True
    ) -> None:
        self.registry = registry
        self.out = out
        # the fast path for the rows of CSV tables of claims (claim_rows.py), and derived claims not built as
        # models (CheckedClaim): for a validation whose output is rows or counts, not models
        self.fast = fast
        # a node's write row made in stage 1, kept instead of its model (for rows on disk, or a Sink's files)
        self.node_rows = not isinstance(out, (_Models, _Counts))
        self.keep_models = isinstance(out, _Models)
        self.problems: list[Problem] = []
        self.kept_nodes = kept_nodes  # (Node, Where) of each valid node, in order
        self.kept_claims = kept_claims  # (data, file, line, field lines) of each claim, or a ClaimTable, in order
        self.list_fields = _list_fields(registry)
        self.read_problems: list[Problem] = []  # those of the claim tables parsed in stage 2
        self.seen: dict[str, tuple[str, int]] = {}  # every node id (valid or not) -> where first defined
        self.labels: dict[str, str] = {}  # valid node id -> its kind's label
        self.sources: dict[str, Source] = {}
        self.used_sources: set[str] = set()
        self.claim_ids: dict[str, tuple[str, int]] = {}  # claim id -> where first given
        self.refused_claims: set[str] = set()  # ids of claims given but not written (a reference was bad)

    # -- stage 1 ---------------------------------------------------------------------------------------

    def add(self, rec: RawRecord) -> None:
        if rec.section == "claims":
            # Checked in stage 2, when every node is known. Kept as plain data, which pickles several
            # times faster than a model: each claim is validated once, then.
            self.kept_claims.append((rec.data, rec.file, rec.line, rec.field_lines))
        else:
            self._validate_node(rec)

    def add_claim_table(self, table: ClaimTable) -> None:
        """A CSV table of claims, unparsed: one string pickles far faster than a record a row."""
        self.kept_claims.append(table)

    def _validate_claim(self, rec: RawRecord) -> Claim | None:
        try:
            return Claim.model_validate(rec.data)
        except ValidationError as exc:
            self.problems.extend(_pydantic_problems(rec, exc))
            return None

    def _validate_node(self, rec: RawRecord) -> None:
        registry = self.registry
        rid = rec.data.get("id")
        if not isinstance(rid, str) or not rid:
            self.problems.append(Problem(rec.file, rec.line, "-", "id", "every record needs an id"))
            return
        kind = registry.kind_of_id(rid)
        if kind is None:
            prefixes = ", ".join(f"{k.prefix}:" for k in registry.node_kinds.values())
            self.problems.append(
                Problem(rec.file, rec.line_of("id"), rid, "id", f"unknown id prefix; expected one of {prefixes}")
            )
            return
        if rec.section == "sources" and kind.model is not Source:
            self.problems.append(
                Problem(rec.file, rec.line_of("id"), rid, "id", "records under 'sources' need a source: id")
            )
            return
        declared = rec.data.get("type")
        data = {k: v for k, v in rec.data.items() if k != "type"}
        if declared is not None and declared != kind.label:
            self.problems.append(
                Problem(
                    rec.file,
                    rec.line_of("type"),
                    rid,
                    "type",
                    f"{declared!r} does not match the id prefix {kind.prefix}: ({kind.label})",
                )
            )
            return
        try:
            node = kind.model.model_validate(data)
        except ValidationError as exc:
            self.problems.extend(_pydantic_problems(rec, exc))
            # still remember the id so that references to it are not reported twice
            self.seen.setdefault(rid, (rec.file, rec.line))
            return
        if rid in self.seen:
            first_file, first_line = self.seen[rid]
            self.problems.append(
                Problem(
                    rec.file, rec.line_of("id"), rid, "id", f"duplicate id (first defined at {first_file}:{first_line})"
                )
            )
            return
        self.seen[rid] = (rec.file, rec.line)
        self.labels[rid] = kind.label
        if isinstance(node, Source):
            self.sources[rid] = node
        self.used_sources.update(node.source_ids)
        fields = vars(node)  # a kind without the field has no key (getattr's default goes through an exception)
        facts = NodeFacts(
            rid,
            node.source_ids,
            node.confidence.value if node.confidence is not None else None,
            isinstance(node, Source),
            node.self_evident,
            fields.get("country"),
            fields.get("hq_country"),
            self.registry.node_row(node) if self.node_rows else None,
            node if self.keep_models else None,
        )
        # as plain tuples: a NamedTuple unpickles through a Python call
        self.kept_nodes.append((tuple(facts), (rec.file, rec.line, rec.label, rec.field_lines)))

    # -- stage 2 ---------------------------------------------------------------------------------------

    def finish(self) -> None:
        for kept in self.kept_claims:
            if type(kept) is ClaimTable:
                if self.fast and self._fast_table(kept):
                    del kept
                    continue
                records, problems = parse_csv(kept.file, kept.text, self.list_fields)
                self.read_problems.extend(problems)
                del kept
                for rec in records:
                    claim = self._validate_claim(rec)
                    if claim is not None:
                        self._check_claim(claim, rec)
                del records
                continue
            data, file, line, field_lines = kept
            rec = RawRecord("claims", data, file, line, field_lines)
            claim = self._validate_claim(rec)
            if claim is not None:
                self._check_claim(claim, rec)
        self._close_reposts()
        for facts, where in self.kept_nodes:
            self._check_node(NodeFacts._make(facts), Where._make(where))

    def _fast_table(self, table: ClaimTable) -> bool:
        """A table of claims, row by row: each row the fast path is sure of (claim_rows.RowChecker: every
        cell as the model wants it, valid ends of kinds the type joins, valid sources), not a claim given
        already and breaking no evidence rule, passes as the slow path would pass it (its sources cited, its
        id taken, sent to `out`); any other row goes the slow way (its record, the model, every check), in
        its place in the order. False, with nothing done, for a table parse_csv must read itself."""
        parsed = claim_table_rows(table)
        if parsed is None:
            return False
        header, rows, lines = parsed
        check = RowChecker(header, self.registry, self.labels, frozenset(self.sources)).check
        id_at = header.index("id") if "id" in header else None
        lists, dotted, parts = unique_header_plan(header, self.list_fields)
        file = table.file
        claim_ids = self.claim_ids
        sources = self.sources
        used = self.used_sources
        out_claim = self.out.claim
        may_breach = evidence.may_breach
        for i, row in enumerate(rows):
            if not row:
                continue  # a blank line
            line = i + 2 if lines is None else lines[i]
            claim = check(row)
            if claim is not None and claim.id not in claim_ids:
                if may_breach(claim):
                    # how a problem would name the row (RawRecord.label): its id if given, else its ends
                    given = id_at is not None and row[id_at]
                    label = str(claim.id) if given else f"{claim.from_id} -{claim.type}-> {claim.to_id}"
                    place = Where(file, line, label, _NO_FIELD_LINES)
                    breaches = evidence.check_claim(claim, place, sources)
                else:
                    breaches = []
                if not breaches:
                    used.update(claim.source_ids)
                    claim_ids[claim.id] = (file, line)
                    out_claim(claim)
                    continue
            data, cells = unique_row_data(header, row, lists, dotted, parts)
            nest_parts(data, cells)  # no field is given both whole and by parts (claim_table_rows)
            rec = RawRecord("claims", data, file, line)
            model = self._validate_claim(rec)
            if model is not None:
                self._check_claim(model, rec)
        return True

    def _check_sources(self, ids: list[str], rec: Located, label: str) -> None:
        for sid in ids:
            if sid not in self.seen:
                self.problems.append(
                    Problem(rec.file, rec.line_of("sources"), label, "sources", f"unknown source {sid!r}")
                )
            elif sid in self.labels and sid not in self.sources:
                self.problems.append(
                    Problem(rec.file, rec.line_of("sources"), label, "sources", f"{sid!r} is not a source")
                )

    def _check_claim(self, claim: Claim, rec: Located) -> None:
        problems = self.problems
        labels = self.labels
        from_label, to_label = labels.get(claim.from_id), labels.get(claim.to_id)
        # Most claims: both ends are valid nodes of kinds the (known) type joins; _check_ends has nothing to say.
        ok = (
            from_label is not None and to_label is not None and self.registry.allows(claim.type, from_label, to_label)
        ) or self._check_ends(claim, rec)
        self.used_sources.update(claim.source_ids)
        sources = self.sources
        for sid in claim.source_ids:
            if sid not in sources:  # a problem (most claims cite only source records: no call for them)
                self._check_sources(claim.source_ids, rec, rec.label)
                break
        assert claim.id is not None
        first = self.claim_ids.get(claim.id)
        if first is not None:
            problems.append(
                Problem(
                    rec.file,
                    rec.line,
                    rec.label,
                    "id",
                    f"same claim as {first[0]}:{first[1]} (same type, endpoints, dates and figures): "
                    "merge their sources, or set a distinct key",
                )
            )
            return
        self.claim_ids[claim.id] = (rec.file, rec.line)
        if ok:
            problems.extend(evidence.check_claim(claim, rec, self.sources))  # at once [] for most claims
            self.out.claim(claim)
        else:
            self.refused_claims.add(claim.id)

    def _check_ends(self, claim: Claim, rec: Located) -> bool:
        """The claim's type and endpoints (a known type, known ids, valid nodes of kinds the type joins):
        False, with the problems, if any is wrong."""
        registry = self.registry
        problems = self.problems
        ok = True
        if claim.type not in registry.edge_types:
            problems.append(
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
            if ref not in self.seen:
                problems.append(Problem(rec.file, rec.line_of(end), rec.label, end, f"unknown id {ref!r}"))
                ok = False
            elif ref in self.labels:
                kinds[end] = self.labels[ref]
        if ok and len(kinds) == 2 and not registry.allows(claim.type, kinds["from"], kinds["to"]):
            allowed = ", ".join(f"{a}->{b}" for a, b in registry.edge_types[claim.type].endpoints)
            ok = False
            problems.append(
                Problem(
                    rec.file,
                    rec.line_of("to"),
                    rec.label,
                    "type",
                    f"{claim.type} cannot go from {kinds['from']} to {kinds['to']}; allowed: {allowed}",
                )
            )
        return ok

    def _close_reposts(self) -> None:
        """A source that a cited repost reposts is cited through it (and so on along a chain of reposts)."""
        reposts = {sid: s.reposts for sid, s in self.sources.items() if s.reposts}
        frontier = [s for s in self.used_sources if s in reposts]
        while frontier:
            original = reposts[frontier.pop()]
            if original not in self.used_sources:
                self.used_sources.add(original)
                if original in reposts:
                    frontier.append(original)

    def _check_node(self, node: NodeFacts, rec: Located) -> None:
        self._check_sources(node.source_ids, rec, node.id)
        if node.is_source and node.id not in self.used_sources:
            self.problems.append(
                Problem(rec.file, rec.line_of("id"), node.id, "id", "source is not cited by any record", "warning")
            )
        confidence = None if node.confidence is None else CONFIDENCE_OF[node.confidence]
        source = self.sources[node.id] if node.is_source else None
        self.problems.extend(
            evidence.check_node(
                node.id, node.self_evident, confidence, node.source_ids, source, rec, self.sources, self.seen
            )
        )
        label = self.labels[node.id]
        self.out.node(node, label)
        self._derive_claims(node, confidence, label, rec)

    def _derive_claims(self, node: NodeFacts, confidence: Confidence | None, label: str, rec: Located) -> None:
        """Location fields imply LOCATED_IN / HEADQUARTERED_IN claims, on the node's own sources."""
        for fname, edge, code in (
            ("country", "LOCATED_IN", node.country),
            ("hq_country", "HEADQUARTERED_IN", node.hq_country),
        ):
            if not code or not node.source_ids:
                continue
            target = f"country:{code}"
            if target not in self.seen:
                self.problems.append(
                    Problem(
                        rec.file,
                        rec.line_of(fname),
                        node.id,
                        fname,
                        f"no record for {target} (load the country table too)",
                    )
                )
                continue
            if not self.registry.allows(edge, label, "Country"):
                continue
            notes = f"derived from the {fname} field"
            claim: ClaimLike
            if self.fast and confidence is not None:
                # What the model makes of these fields, which it cannot refuse (a registered type, the
                # ids and sources of a valid node, a valid country code, its confidence): not built.
                claim = checked_claim(None, edge, node.id, target, node.source_ids, confidence, notes=notes)
            else:
                claim = Claim.model_validate(
                    {
                        "type": edge,
                        "from": node.id,
                        "to": target,
                        "sources": node.source_ids,
                        "confidence": confidence,
                        "notes": notes,
                    }
                )
            assert claim.id is not None
            if claim.id in self.claim_ids and claim.id not in self.refused_claims:
                continue  # given as a claim already
            self.claim_ids[claim.id] = (rec.file, rec.line)
            self.refused_claims.discard(claim.id)
            self.out.claim(claim)


class _Models:
    """Validated records as models (a Dataset's `nodes` and `claims`)."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds

    def node(self, node: NodeFacts, label: str) -> None:
        assert node.model is not None  # kept (keep_models)
        self.ds.nodes.append(node.model)

    def claim(self, claim: ClaimLike) -> None:
        assert isinstance(claim, Claim)  # build() makes models only (no fast path, no CheckedClaim)
        self.ds.claims.append(claim)


class _Rows:
    """Validated records as write-plan rows on disk (plan_write's rows, grouped as it groups them)."""

    def __init__(self, spill: PlanSpill, registry: Registry, labels: dict[str, str]) -> None:
        self.spill = spill
        self.registry = registry
        self.labels = labels

    def node(self, node: NodeFacts, label: str) -> None:
        assert node.row is not None  # made in stage 1 (node_rows)
        self.spill.add_node(label, node.row)

    def _label(self, node_id: str) -> str:
        label = self.labels.get(node_id)
        if label is None:  # an endpoint whose record was invalid: the load is refused anyway
            kind = self.registry.kind_of_id(node_id)
            label = kind.label if kind is not None else "-"
        return label

    def claim(self, claim: ClaimLike) -> None:
        row = self.registry.edge_row(claim)
        self.spill.add_edge(claim.type, self._label(claim.from_id), self._label(claim.to_id), row)


class _Counts:
    """Validated records only counted (a validation that writes nothing needs no rows)."""

    def __init__(self) -> None:
        self.nodes = 0
        self.claims = 0

    def node(self, node: NodeFacts, label: str) -> None:
        self.nodes += 1

    def claim(self, claim: ClaimLike) -> None:
        self.claims += 1


def build(records: list[RawRecord], registry: Registry = REGISTRY) -> Dataset:
    """Turn raw records into a Dataset, checking fields, ids, kinds and references."""
    ds = Dataset()
    v = _Validator(registry, _Models(ds), [], [], fast=False)
    for rec in records:
        v.add(rec)
    v.finish()
    ds.problems = v.problems
    return ds


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
    """Every record validated, as models in memory (see validate_streamed for a large load)."""
    with gc_paused():
        records, problems = read_paths(paths, _list_fields(registry))
        ds = build(records, registry)
        ds.problems = sorted(problems + ds.problems, key=lambda p: (p.file, p.line))
    return ds


def validate_streamed(
    paths: list[Path],
    spill: PlanSpill,
    registry: Registry = REGISTRY,
    *,
    rows: bool = True,
    fast: bool = True,
    sink: Sink | None = None,
) -> Dataset:
    """Validate as validate_paths does (the same problems, in the same order), reading a file at a time
    and keeping the valid records in `spill`'s files, not in memory; the Dataset's `plan` is the write
    plan of the valid records (plan_write's rows). With `rows=False` (a validation that writes nothing)
    no plan is made: the Dataset has only the problems and the `counts`. What stays in memory is kept
    per id: kinds, where each id was first given, the source records. A CSV table of claims is kept as
    its text and parsed when the claims are checked; with `fast` (the default), the rows of such a table
    that are certainly valid pass by the fast path (claim_rows.py), the others the slow way: the same
    problems and plan (`fast=False`: every row the slow way, as tests compare). With a `sink`, the valid
    records go to it, as they pass, instead of into a plan (`spill` then keeps only what the stages keep);
    the Dataset has the sink's `counts`."""
    v: _Validator
    with gc_paused():
        labels: dict[str, str] = {}
        out: _Out = sink if sink is not None else _Rows(spill, registry, labels) if rows else _Counts()
        kept_claims = spill.rows("claims")
        v = _Validator(registry, out, spill.rows("nodes"), kept_claims, fast=fast)
        v.labels = labels
        files, read_problems = record_files(paths)
        list_fields = _list_fields(registry)
        for f in files:
            records, problems = read_file(f, list_fields, claim_tables=True)
            read_problems.extend(problems)
            if isinstance(records, ClaimTable):
                v.add_claim_table(records)
                kept_claims.flush()  # a chunk of its own: read back, one table is in memory at a time
                continue
            for rec in records:
                v.add(rec)
            del records
        v.finish()
    if isinstance(out, _Rows):
        ds = Dataset(plan=spill)
    elif isinstance(out, _Counts):
        ds = Dataset(counts=(out.nodes, out.claims))
    else:
        assert sink is not None
        ds = Dataset(counts=sink.counts)
    # A claim table's read problems come after the other files' (the sort by file and line is stable).
    problems = read_problems + v.read_problems + v.problems
    ds.problems = sorted(problems, key=lambda p: (p.file, p.line))
    return ds
