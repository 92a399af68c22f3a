"""Which store to open, from flags or the environment (the CLI and the API read the same variables)."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from survgraph.graph.store import GraphStore

#: The defaults of survgraph/graph/neo4j_load.py (repeated here so that reading the settings does not
#: import the Neo4j driver); tests/test_neo4j_batched.py checks they agree.
DEFAULT_TX_ROWS = 10_000
DEFAULT_STALE_AFTER_S = 120.0
DEFAULT_WAIT_S = 180.0
#: survgraph/graph/embedded.py's DEFAULT_TX_ROWS (tests/test_stores.py checks they agree).
DEFAULT_EMBEDDED_TX_ROWS = 100_000


class StoreKind(StrEnum):
    embedded = "embedded"
    neo4j = "neo4j"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "survgraph"


class StoreSettings(BaseSettings):
    """SURVGRAPH_STORE, SURVGRAPH_DATA_DIR, NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE, and the
    Neo4j batched loads' knobs (survgraph/graph/neo4j_load.py): SURVGRAPH_NEO4J_TX_ROWS (rows per batch
    transaction; a plan of more rows is loaded in batches behind a load marker), SURVGRAPH_NEO4J_LOAD_STALE_S
    (a load whose heartbeat is older is taken for dead), SURVGRAPH_NEO4J_LOAD_WAIT_S (how long a load waits
    for another), and SURVGRAPH_EMBEDDED_BUFFER_POOL_MIB (a bound on the embedded engine's buffer pool, in
    MiB; unset: the engine's default, about 80% of the machine's memory; see EmbeddedStore) and
    SURVGRAPH_EMBEDDED_TX_ROWS (a load of more rows into an embedded store holding no entity commits a
    statement at a time, all or nothing by a marker file; 0: always one transaction)."""

    model_config = SettingsConfigDict(extra="ignore")

    store: StoreKind = Field(default=StoreKind.embedded, validation_alias="SURVGRAPH_STORE")
    data_dir: Path = Field(default_factory=default_data_dir, validation_alias="SURVGRAPH_DATA_DIR")
    neo4j_uri: str = Field(default="bolt://localhost:7687", validation_alias="NEO4J_URI")
    neo4j_user: str = Field(default="neo4j", validation_alias="NEO4J_USER")
    neo4j_password: str = Field(default="neo4j", validation_alias="NEO4J_PASSWORD")
    neo4j_database: str | None = Field(default=None, validation_alias="NEO4J_DATABASE")
    neo4j_tx_rows: int = Field(default=DEFAULT_TX_ROWS, ge=1, validation_alias="SURVGRAPH_NEO4J_TX_ROWS")
    neo4j_load_stale_s: float = Field(
        default=DEFAULT_STALE_AFTER_S, gt=0, validation_alias="SURVGRAPH_NEO4J_LOAD_STALE_S"
    )
    neo4j_load_wait_s: float = Field(default=DEFAULT_WAIT_S, ge=0, validation_alias="SURVGRAPH_NEO4J_LOAD_WAIT_S")
    embedded_tx_rows: int = Field(default=DEFAULT_EMBEDDED_TX_ROWS, ge=0, validation_alias="SURVGRAPH_EMBEDDED_TX_ROWS")
    embedded_buffer_pool_mib: int | None = Field(
        default=None, ge=1, validation_alias="SURVGRAPH_EMBEDDED_BUFFER_POOL_MIB"
    )


def open_store(settings: StoreSettings, *, read_only: bool = False) -> GraphStore:
    if settings.store is StoreKind.neo4j:
        from survgraph.graph.neo4j_load import LoadOptions
        from survgraph.graph.neo4j_store import Neo4jStore

        options = LoadOptions(settings.neo4j_tx_rows, settings.neo4j_load_stale_s, settings.neo4j_load_wait_s)
        return Neo4jStore(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password,
            settings.neo4j_database,
            load_options=options,
        )
    from survgraph.graph.embedded import EmbeddedStore

    return EmbeddedStore(
        settings.data_dir,
        read_only=read_only,
        buffer_pool_mib=settings.embedded_buffer_pool_mib,
        tx_rows=settings.embedded_tx_rows or None,
    )
