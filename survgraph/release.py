"""A release: the whole graph as a dated, versioned bundle, written all or nothing.

    OUT_DIR/
      manifest.json        version, data date, survgraph version, counts, every other file's sha256
      SHA256SUMS           `sha256sum -c SHA256SUMS` checks every file, manifest.json included
      CHANGELOG.md         the Markdown diff against the previous release ("First release." without one)
      rdf/survgraph.*      the export in every RDF format (survgraph.rdf.formats): .ttl .nt .jsonld .rdf .trig
      csv/entities-*.csv   one table per entity kind, every stored column
      csv/sources.csv      the sources
      csv/claims.csv       every claim, with its sources' ids and their citations
      schema/ontology.ttl  the OWL/RDFS ontology; schema/shapes.ttl the SHACL shapes

The store is read once, one kind or claim type and one keyset page at a time (GraphView), and every file
is made from the same rows: the RDF, the tables, the counts and the changelog agree by construction.
The bundle is written into a hidden folder beside OUT_DIR (its parents are created) and renamed to OUT_DIR
at the end; an error (or Ctrl-C) removes it, so OUT_DIR exists only complete. An existing OUT_DIR is
refused, never replaced.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from rdflib import Graph

from survgraph.diff import DiffFormat, Item, compare, read_side, render, stored_claim_item, stored_node_item
from survgraph.errors import SurvgraphError
from survgraph.graph import GraphStore
from survgraph.graph.view import PAGE_SIZE, GraphView, Row
from survgraph.network import LIST_SEPARATOR, cite, flat_cell
from survgraph.progress import progress
from survgraph.rdf.export import Triple, TripleMaker, ntriples_lines, serialize_graph, to_graph
from survgraph.rdf.formats import RdfFormat
from survgraph.rdf.ontology import build_ontology
from survgraph.rdf.shapes import build_shapes
from survgraph.rdf.vocab import Vocab
from survgraph.schema.types import check_as_of

#: The layout this module writes; a reader of bundles checks it.
BUNDLE_FORMAT = 1
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
CHANGELOG = "CHANGELOG.md"
RDF_STEM = "rdf/survgraph"
#: The RDF file a later release reads this one back from (streamed in id order, lossless).
PREVIOUS_RDF = RdfFormat.nt
SOURCE_LABEL = "Source"

_VERSION = re.compile(r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})")


class ReleaseError(SurvgraphError):
    """A release that cannot be made as asked: a bad version or date, an existing OUT_DIR, a previous
    release that is not one (or was altered)."""

    status = 422
    exit_code = 2


def parse_version(version: str) -> tuple[int, int, int]:
    m = _VERSION.fullmatch(version)
    if m is None:
        raise ReleaseError(f"--version {version!r}: expected X.Y.Z (three numbers, e.g. 1.4.0)")
    return int(m[1]), int(m[2]), int(m[3])


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# -- the previous release -----------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousRelease:
    path: Path
    version: str
    date: str
    base_iri: str

    @property
    def rdf(self) -> Path:
        return self.path / f"{RDF_STEM}{PREVIOUS_RDF.extension}"


def read_previous(path: Path) -> PreviousRelease:
    """The release in `path`, after checking its manifest and the checksum of the RDF a diff reads."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReleaseError(f"--previous {path}: cannot read {MANIFEST}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"--previous {path}: {MANIFEST} is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("bundle_format") != BUNDLE_FORMAT:
        raise ReleaseError(f"--previous {path}: not a survgraph release (bundle_format {BUNDLE_FORMAT})")
    try:
        version, date, base = str(manifest["version"]), str(manifest["date"]), str(manifest["base_iri"])
        files = {str(f["path"]): str(f["sha256"]) for f in manifest["files"]}
    except (KeyError, TypeError) as exc:
        raise ReleaseError(f"--previous {path}: {MANIFEST} lacks {exc}") from exc
    parse_version(version)
    prev = PreviousRelease(path, version, date, base)
    rel = prev.rdf.relative_to(path).as_posix()
    if rel not in files:
        raise ReleaseError(f"--previous {path}: {MANIFEST} lists no {rel}")
    try:
        actual = sha256_of(prev.rdf)
    except OSError as exc:
        raise ReleaseError(f"--previous {path}: cannot read {rel}: {exc.strerror}") from exc
    if actual != files[rel]:
        raise ReleaseError(f"--previous {path}: {rel} does not match its checksum in {MANIFEST} (altered?)")
    return prev


# -- the bundle ---------------------------------------------------------------------------------


@dataclass
class Counts:
    entities: Counter[str] = field(default_factory=Counter)
    claims: Counter[tuple[str, str]] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)

    def as_dict(self, triples: int) -> dict[str, Any]:
        by_type: Counter[str] = Counter()
        by_confidence: Counter[str] = Counter()
        nested: dict[str, dict[str, int]] = {}
        for (etype, conf), n in sorted(self.claims.items()):
            by_type[etype] += n
            by_confidence[conf] += n
            nested.setdefault(etype, {})[conf] = n
        return {
            "entities": {"total": sum(self.entities.values()), "by_kind": dict(sorted(self.entities.items()))},
            "claims": {
                "total": sum(self.claims.values()),
                "by_type": dict(sorted(by_type.items())),
                "by_confidence": dict(sorted(by_confidence.items())),
                "by_type_and_confidence": nested,
            },
            "sources": {"total": sum(self.sources.values()), "by_kind": dict(sorted(self.sources.items()))},
            "triples": triples,
        }


def entity_table(label: str) -> str:
    return "csv/sources.csv" if label == SOURCE_LABEL else f"csv/entities-{label.lower()}.csv"


CLAIMS_TABLE = "csv/claims.csv"


def _csv_writer(stack: ExitStack, path: Path, columns: list[str]) -> csv.DictWriter[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    f = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
    writer = csv.DictWriter(f, columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    return writer


def _cells(row: Row, columns: list[str]) -> dict[str, Any]:
    return {c: flat_cell(row.get(c)) for c in columns if row.get(c) not in (None, [])}


@dataclass
class _Pass:
    """The one read of the store: rows in, RDF / CSV / counts / diff items out."""

    view: GraphView
    root: Path
    vocab: Vocab
    page_size: int
    counts: Counts = field(default_factory=Counts)
    items: dict[str, Item] = field(default_factory=dict)
    sources: dict[str, Row] = field(default_factory=dict)

    def run(self) -> Graph:
        registry = self.view.registry
        maker = TripleMaker(self.vocab, registry)
        graph = to_graph((), RdfFormat.turtle)
        nt_path = self.root / f"{RDF_STEM}{RdfFormat.nt.extension}"
        nt_path.parent.mkdir(parents=True, exist_ok=True)
        total = self.view.count_entities() + self.view.count_claims()
        with ExitStack() as stack, progress(total=total, desc="reading the store", unit="row") as bar:
            nt = stack.enter_context(nt_path.open("wb"))

            def emit(triples: Iterator[Any]) -> None:
                batch = list(triples)
                for chunk in ntriples_lines(batch):
                    nt.write(chunk.encode("utf-8"))
                for t in batch:
                    graph.add(t)

            for label in registry.node_kinds:
                columns = [c.name for c in registry.node_columns[label]]
                table = _csv_writer(stack, self.root / entity_table(label), columns)
                for page in self.view.iter_entities(label, page_size=self.page_size):
                    for row in page:
                        item = stored_node_item(label, row, registry)
                        self.items[item.id] = item
                        emit(maker.node(label, row))
                        table.writerow(_cells(row, columns))
                        if label == SOURCE_LABEL:
                            self.sources[item.id] = row
                            self.counts.sources[str(row.get("kind") or "unknown")] += 1
                        else:
                            self.counts.entities[label] += 1
                    bar.update(len(page))
            edge_columns = [c.name for c in registry.edge_columns]
            columns = [
                "id",
                "type",
                "from_id",
                "to_id",
                *(c for c in edge_columns if c not in ("id", "from_id", "to_id")),
            ]
            claims = _csv_writer(stack, self.root / CLAIMS_TABLE, [*columns, "sources"])
            for etype in registry.edge_types:
                for page in self.view.iter_claims(etype, page_size=self.page_size):
                    for row in page:
                        item = stored_claim_item(etype, row, registry)
                        self.items[item.id] = item
                        emit(maker.claim(row))
                        cited = [cite(self.sources[s]) for s in row.get("source_ids") or [] if s in self.sources]
                        claims.writerow(
                            {**_cells({**row, "type": etype}, columns), "sources": LIST_SEPARATOR.join(cited)}
                        )
                        self.counts.claims[(etype, str(row.get("confidence")))] += 1
                    bar.update(len(page))
        return graph


def _write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _files(root: Path) -> Iterator[Path]:
    return (p for p in sorted(root.rglob("*")) if p.is_file())


@dataclass(frozen=True)
class Release:
    path: Path
    manifest: dict[str, Any]


def write_release(
    store: GraphStore,
    out_dir: Path,
    version: str,
    *,
    date: str | None = None,
    previous: Path | None = None,
    vocab: Vocab | None = None,
    page_size: int = PAGE_SIZE,
) -> Release:
    """Write the release bundle of `store` to `out_dir`, all or nothing (see the module's docstring)."""
    parsed = parse_version(version)
    try:
        date = check_as_of(date) if date else datetime.now(UTC).date().isoformat()
    except ValueError as exc:
        raise ReleaseError(f"--date: {exc} (expected YYYY-MM-DD)") from exc
    vocab = vocab or Vocab.from_env()
    if out_dir.exists() or out_dir.is_symlink():
        raise ReleaseError(f"{out_dir} exists: a release is never overwritten; choose a new folder")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReleaseError(f"{out_dir.parent}: cannot create the folder: {exc.strerror}") from exc
    prev = read_previous(previous) if previous is not None else None
    if prev is not None and parse_version(prev.version) >= parsed:
        raise ReleaseError(f"--version {version} is not after the previous release's {prev.version}")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    except OSError as exc:
        raise ReleaseError(f"{out_dir.parent}: cannot write there: {exc.strerror}") from exc
    try:
        manifest = _write_bundle(store, tmp, version, date, prev, vocab, page_size)
        if out_dir.exists() or out_dir.is_symlink():
            raise ReleaseError(f"{out_dir} appeared while the release was written; it is left as it was")
        tmp.rename(out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReleaseError(f"cannot write the release (nothing was left): {exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Release(out_dir, manifest)


def _write_bundle(
    store: GraphStore, root: Path, version: str, date: str, prev: PreviousRelease | None, vocab: Vocab, page_size: int
) -> dict[str, Any]:
    from survgraph import __version__

    root.chmod(0o755)  # mkdtemp makes it private; a release is for publishing
    one = _Pass(GraphView(store), root, vocab, page_size)
    graph = one.run()
    for fmt in RdfFormat:
        if fmt is not RdfFormat.nt:
            # TriG needs a Dataset (its triples in the default graph); the others share one Graph.
            g = to_graph(cast(Iterator[Triple], iter(graph)), fmt) if fmt is RdfFormat.trig else graph
            _write(root, f"{RDF_STEM}{fmt.extension}", serialize_graph(g, fmt, vocab, "inline"))
    _write(root, "schema/ontology.ttl", build_ontology(store.registry).serialize(format="turtle", encoding="utf-8"))
    _write(root, "schema/shapes.ttl", build_shapes(store.registry).serialize(format="turtle", encoding="utf-8"))

    this = f"{version} ({date})"
    changes = None
    if prev is None:
        changelog = f"# survgraph data {this}\n\nFirst release: no earlier release to compare with.\n"
    else:
        before = read_side(prev.rdf, store.registry, Vocab(prev.base_iri))
        diff = compare(before, one.items)
        changes = diff.counts()
        changelog = render(diff, DiffFormat.markdown, old_name=f"{prev.version} ({prev.date})", new_name=this)
    _write(root, CHANGELOG, changelog.encode("utf-8"))

    media = {f"{RDF_STEM}{f.extension}": f.media_type for f in RdfFormat}
    files = [
        {
            "path": p.relative_to(root).as_posix(),
            "bytes": p.stat().st_size,
            "sha256": sha256_of(p),
            "media_type": media.get(p.relative_to(root).as_posix(), _media_type(p)),
        }
        for p in _files(root)
    ]
    manifest: dict[str, Any] = {
        "bundle_format": BUNDLE_FORMAT,
        "name": "survgraph",
        "version": version,
        "date": date,
        "survgraph_version": __version__,
        "store": store.name,
        "base_iri": vocab.base,
        "previous": None if prev is None else {"version": prev.version, "date": prev.date},
        "counts": one.counts.as_dict(len(graph)),
        "changes": changes,
        "files": files,
    }
    _write(root, MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    sums = "".join(f"{sha256_of(p)}  {p.relative_to(root).as_posix()}\n" for p in _files(root))
    _write(root, CHECKSUMS, sums.encode("utf-8"))
    for p in _files(root):
        p.chmod(0o644)
    for d in (p for p in root.rglob("*") if p.is_dir()):
        d.chmod(0o755)
    return manifest


def _media_type(path: Path) -> str:
    return {".csv": "text/csv", ".ttl": "text/turtle", ".md": "text/markdown", ".json": "application/json"}.get(
        path.suffix, "application/octet-stream"
    )
