"""survgraph from Python: for notebooks and scripts, over the same code the command line runs.

    import survgraph

    with survgraph.open("/tmp/graph") as g:              # an embedded store in this folder
        g.load("seed_data/")                             # validated first, all or nothing
        result = g.run("vendor_footprint", vendor="vendor:huawei")
        result.rows                                      # list of dicts, as `survgraph query --format json`
        result.to_dataframe()                            # pandas (pip install 'survgraph[notebook]')
        result.to_networkx()                             # the entities and claims the rows reference

`survgraph.open()` with no argument opens what the command line would (SURVGRAPH_STORE, SURVGRAPH_DATA_DIR,
NEO4J_URI ...); a path opens an embedded store there; a `bolt://` or `neo4j://` URI opens Neo4j (user and
password from the arguments or NEO4J_USER / NEO4J_PASSWORD). Errors are survgraph's own (SurvgraphError):
InvalidRecords for refused records, TemplateParamError for bad parameters, UnknownTemplate, StoreError.

Nothing here is a second implementation: loads go through survgraph.loaders, templates through
survgraph.queries.run_template, graphs through the `export graph` selection (survgraph.viz.SubgraphReader
and survgraph.network.to_networkx), entities through the API's reads. pandas is imported only by
`to_dataframe`, networkx only by the graph methods.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survgraph.errors import SurvgraphError, UsageError
from survgraph.graph import GraphStore, StoreKind, StoreSettings
from survgraph.graph import open_store as _open_store
from survgraph.graph.time import AS_OF_PARAM
from survgraph.loaders import Problem, load_paths, validate_paths
from survgraph.queries import TEMPLATES, Template, run_template
from survgraph.queries.sources import resolve_sources

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from survgraph.viz.subgraph import Subgraph

__all__ = [
    "Entity",
    "Graph",
    "Loaded",
    "MissingExtra",
    "Result",
    "Validation",
    "open",
    "templates",
    "validate",
]

#: What `pip install` needs for DataFrames and charts.
NOTEBOOK_EXTRA = "survgraph[notebook]"

#: A store given as a URI rather than a folder: Neo4j (bolt, neo4j, and their +s / +ssc variants).
_URI = re.compile(r"^(bolt|neo4j)(\+s|\+ssc)?://", re.IGNORECASE)

PathLike = str | os.PathLike[str]


class MissingExtra(SurvgraphError, ImportError):
    """An optional library (pandas) is not installed; the message names the extra that brings it."""


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise MissingExtra(
            f"to_dataframe() needs pandas, which is not installed: pip install '{NOTEBOOK_EXTRA}'"
        ) from exc
    return pandas


def _params(params: Mapping[str, Any] | None, kwargs: Mapping[str, Any], as_of: str | None) -> dict[str, Any]:
    """One parameter mapping: `params` (for names that are Python keywords, like `from`), then keywords,
    then `as_of` when given. Checking is the template's (TemplateParamError lists every problem)."""
    merged = {**(params or {}), **kwargs}
    if as_of is not None:
        merged[AS_OF_PARAM] = as_of
    return merged


# -- what the methods return -------------------------------------------------------------------------


@dataclass(frozen=True)
class Validation:
    """What `validate` found: counts of valid records, and every problem (FILE:LINE: RECORD: FIELD: message)."""

    entities: int
    claims: int
    errors: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        """True when nothing stops a load (warnings do not)."""
        return not self.errors


@dataclass(frozen=True)
class Loaded:
    """What `load` wrote: the records read, and per node kind and edge type how many were new
    (`created`) and how many were already there (`existing`): what `survgraph load --format json` prints."""

    entities: int
    claims: int
    written: dict[str, dict[str, dict[str, int]]]


@dataclass
class Result:
    """The rows of one template run, in the template's column order (as `survgraph query --format json`)."""

    name: str
    params: dict[str, Any]
    columns: list[str]
    rows: list[dict[str, Any]]
    title: str = ""
    graph: Graph | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.rows[index]

    def to_dataframe(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame with the template's columns (even when there are no rows). Nested
        values (paths, lists of sources) stay Python objects. Needs pandas: pip install 'survgraph[notebook]'."""
        pandas = _pandas()
        frame: pd.DataFrame = pandas.DataFrame.from_records(self.rows, columns=self.columns)
        return frame

    def subgraph(self, *, context: int = 0) -> Subgraph:
        """The entities and claims the rows reference (witness paths, claim ids, entity ids), and the
        claims among them: the selection `survgraph export graph --query` writes."""
        if self.graph is None:
            raise UsageError("this result is not attached to an open graph")
        from survgraph.viz import SubgraphReader

        as_of = self.params.get(AS_OF_PARAM)
        reader = SubgraphReader(self.graph.store, as_of=as_of or None)
        return reader.query_rows(self.name, self.params, self.rows, context=context)

    def to_networkx(self, *, context: int = 0) -> nx.MultiDiGraph[str]:
        """`subgraph()` as a networkx MultiDiGraph: nodes keyed by entity id (kind, label, country,
        confidence, ...), one edge per claim keyed by claim id (claim_type, confidence, start_date, end_date,
        figures, source_ids, sources): the graph `survgraph export graph --query` writes."""
        from survgraph.network import to_networkx

        return to_networkx(self.subgraph(context=context))

    def _repr_html_(self) -> str:
        from html import escape

        from survgraph.cli.output import cell_text, columns_for_people

        shown = columns_for_people(self.columns)
        head = "".join(f"<th>{escape(c)}</th>" for c in shown)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(cell_text(row.get(c)))}</td>" for c in shown) + "</tr>"
            for row in self.rows[:50]
        )
        more = f"<p>... and {len(self.rows) - 50} more rows</p>" if len(self.rows) > 50 else ""
        caption = escape(f"{self.title or self.name}: {len(self.rows)} rows")
        return f"<table><caption>{caption}</caption><tr>{head}</tr>{body}</table>{more}"


@dataclass(frozen=True)
class Entity:
    """One entity with its sources and its claims both ways: what GET /entities/{id} answers, as plain
    dicts (`entity` has id, kind, name, aliases, ..., properties; each claim has its sources resolved and
    `other`, the entity at the far end)."""

    entity: dict[str, Any]
    sources: list[dict[str, Any]]
    outgoing: list[dict[str, Any]]
    incoming: list[dict[str, Any]]

    @property
    def id(self) -> str:
        return str(self.entity["id"])

    @property
    def kind(self) -> str:
        return str(self.entity["kind"])

    @property
    def name(self) -> str | None:
        name = self.entity.get("name")
        return str(name) if name is not None else None

    @property
    def claims(self) -> list[dict[str, Any]]:
        """Every claim, outgoing then incoming, each with `direction` ("->" out of this entity, "<-" into it)."""
        return [{**c, "direction": "->"} for c in self.outgoing] + [{**c, "direction": "<-"} for c in self.incoming]


# -- the open store ----------------------------------------------------------------------------------


class Graph:
    """An open store and what to ask it. A context manager: `with survgraph.open(...) as g:` closes it."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def __repr__(self) -> str:
        return f"<survgraph.Graph on the {self.store.name} store>"

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    # -- records ---------------------------------------------------------------------------------

    def validate(self, *paths: PathLike) -> Validation:
        """Check records (files or folders) as `survgraph validate` does, without writing anything."""
        return validate(*paths)

    def load(self, *paths: PathLike) -> Loaded:
        """Validate the records (files or folders), then write them all in one go or, if any record has an
        error, nothing (InvalidRecords lists every problem). Idempotent, like `survgraph load`."""
        if not paths:
            raise UsageError("give at least one file or folder of records")
        from survgraph.progress import progress

        # A bar (records written) only on a terminal and only after two seconds: silent in a notebook.
        with progress(total=None, desc="writing", unit="record") as bar:

            def advance(n: int) -> None:
                bar.update(n)

            ds, summary = load_paths(self.store, [Path(p) for p in paths], progress=advance)
        return Loaded(entities=len(ds.nodes), claims=len(ds.claims), written=summary.as_dict())

    def stats(self) -> dict[str, dict[str, int]]:
        """Counts per node kind and edge type, as `survgraph stats --format json`."""
        return self.store.stats().as_dict()

    # -- questions -------------------------------------------------------------------------------

    def templates(self) -> list[Template]:
        """The query templates, by name (see `templates()`)."""
        return templates()

    def run(
        self, name: str, params: Mapping[str, Any] | None = None, /, *, as_of: str | None = None, **kwargs: Any
    ) -> Result:
        """Run the template `name`. Parameters as keywords (`vendor="vendor:huawei"`), or as a mapping for
        names Python reserves (`{"from": ...}`); values as Python values or as the CLI's text. `as_of`
        (YYYY-MM-DD) is the templates' own parameter: only claims in force on that day."""
        values = _params(params, kwargs, as_of)
        template = TEMPLATES.get(name)
        # Sources as records ({id, publisher, title, date, url}), as `survgraph query --format json` gives them.
        rows = resolve_sources(self.store, run_template(self.store, name, values))
        return Result(
            name=name, params=values, columns=list(template.columns), rows=rows, title=template.title, graph=self
        )

    def paths(
        self,
        from_id: str,
        to_id: str,
        *,
        max_hops: int | None = None,
        types: Sequence[str] | None = None,
        limit: int | None = None,
        as_of: str | None = None,
    ) -> Result:
        """The shortest paths between two entities, either direction (the `shortest_path` template; each
        row has rank, hops, path, path_text and sources). Unset options take the template's defaults."""
        options = {"max_hops": max_hops, "types": list(types) if types is not None else None, "limit": limit}
        given = {k: v for k, v in options.items() if v is not None}
        return self.run("shortest_path", {"from": from_id, "to": to_id, **given}, as_of=as_of)

    def shortest_path(self, from_id: str, to_id: str, **options: Any) -> dict[str, Any] | None:
        """The first shortest path between two entities (a `paths` row), or None if there is none within reach."""
        result = self.paths(from_id, to_id, limit=1, **options)
        return result.rows[0] if result.rows else None

    def entity(self, entity_id: str) -> Entity:
        """An entity with its sources and claims (as GET /entities/{id}); NoSuchEntity if there is none."""
        from survgraph.api.reads import GraphReads
        from survgraph.viz.subgraph import NoSuchEntity

        detail = GraphReads(self.store).entity_detail(entity_id)
        if detail is None:
            raise NoSuchEntity(f"no entity with id {entity_id!r}")
        data = detail.model_dump(mode="json")
        return Entity(
            entity=data["entity"], sources=data["sources"], outgoing=data["outgoing"], incoming=data["incoming"]
        )

    def subgraph(
        self,
        *,
        entity: str | None = None,
        depth: int = 1,
        query: str | None = None,
        params: Mapping[str, Any] | None = None,
        as_of: str | None = None,
    ) -> nx.MultiDiGraph[str]:
        """The graph `survgraph export graph` writes, as a networkx MultiDiGraph: an entity and its
        neighbourhood (`entity`, `depth` 0 to 4), a template's result (`query`, `params`), or everything.
        With `as_of` only the claims in force on that day (and, for `query`, the template's `as_of`)."""
        from survgraph.network import to_networkx
        from survgraph.viz import SubgraphReader

        if entity is not None and query is not None:
            raise UsageError("give entity or query, not both")
        if params and query is None:
            raise UsageError("params go with query")
        reader = SubgraphReader(self.store, as_of=as_of)
        if entity is not None:
            sub = reader.ego(entity, depth)
        elif query is not None:
            sub = reader.query(query, _params(params, {}, as_of))
        else:
            sub = reader.whole()
        return to_networkx(sub)


# -- module-level entry points -----------------------------------------------------------------------


def open(  # survgraph.open(...), like shelve.open
    target: PathLike | None = None,
    *,
    store: StoreKind | str | None = None,
    user: str | None = None,
    password: str | None = None,
    database: str | None = None,
    read_only: bool = False,
) -> Graph:
    """Open a store and return a Graph (use it in a `with` block, or call `close()`).

    - `open()`: the store the command line would open (SURVGRAPH_STORE, SURVGRAPH_DATA_DIR, NEO4J_*);
      `open(store="neo4j")` picks the kind and reads the rest from the environment;
    - `open("path/to/folder")`: an embedded store in that folder (created if missing);
    - `open("bolt://host:7687", user=..., password=..., database=...)`: Neo4j (missing values from NEO4J_*).
    `read_only` opens an existing embedded store for reading only, beside a writer.
    """
    settings = StoreSettings()
    if store is not None:
        try:
            settings.store = StoreKind(str(store).lower())
        except ValueError as exc:
            raise UsageError(f"store {store!r}: expected embedded or neo4j") from exc
    if target is not None:
        text = os.fspath(target)
        if _URI.match(text):
            if store is not None and settings.store is not StoreKind.neo4j:
                raise UsageError(f"{text!r} is a Neo4j URI, but store={store!r}")
            settings.store = StoreKind.neo4j
            settings.neo4j_uri = text
        elif "://" in text:
            raise UsageError(f"{text!r}: a Neo4j URI starts with bolt://, neo4j:// (or +s, +ssc); else give a folder")
        elif settings.store is StoreKind.neo4j and store is not None:
            raise UsageError(f"{text!r} is a folder, for the embedded store; store={store!r} wants a URI")
        else:
            settings.store = StoreKind.embedded
            settings.data_dir = Path(text)
    if user is not None:
        settings.neo4j_user = user
    if password is not None:
        settings.neo4j_password = password
    if database is not None:
        settings.neo4j_database = database
    return Graph(_open_store(settings, read_only=read_only))


def validate(*paths: PathLike) -> Validation:
    """Check records (files or folders) as `survgraph validate` does; writes nothing, needs no store."""
    if not paths:
        raise UsageError("give at least one file or folder of records")
    ds = validate_paths([Path(p) for p in paths])
    return Validation(entities=len(ds.nodes), claims=len(ds.claims), errors=ds.errors, warnings=ds.warnings)


def templates() -> list[Template]:
    """The query templates, by name: each with `name`, `title`, `description`, `params` (name, type,
    default, required, description) and `columns`; `as_dict()` is `survgraph query --list --format json`."""
    return TEMPLATES.listing()
