"""Which store to open, from flags or the environment (the CLI and the API read the same variables)."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from survgraph.graph.store import GraphStore


class StoreKind(StrEnum):
    embedded = "embedded"
    neo4j = "neo4j"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "survgraph"


class StoreSettings(BaseSettings):
    """SURVGRAPH_STORE, SURVGRAPH_DATA_DIR, NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE."""

    model_config = SettingsConfigDict(extra="ignore")

    store: StoreKind = Field(default=StoreKind.embedded, validation_alias="SURVGRAPH_STORE")
    data_dir: Path = Field(default_factory=default_data_dir, validation_alias="SURVGRAPH_DATA_DIR")
    neo4j_uri: str = Field(default="bolt://localhost:7687", validation_alias="NEO4J_URI")
    neo4j_user: str = Field(default="neo4j", validation_alias="NEO4J_USER")
    neo4j_password: str = Field(default="neo4j", validation_alias="NEO4J_PASSWORD")
    neo4j_database: str | None = Field(default=None, validation_alias="NEO4J_DATABASE")


def open_store(settings: StoreSettings, *, read_only: bool = False) -> GraphStore:
    if settings.store is StoreKind.neo4j:
        from survgraph.graph.neo4j_store import Neo4jStore

        return Neo4jStore(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password, settings.neo4j_database)
    from survgraph.graph.embedded import EmbeddedStore

    return EmbeddedStore(settings.data_dir, read_only=read_only)
