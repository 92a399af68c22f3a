"""API settings: the CLI's store variables plus the API's own (write key, limits on raw Cypher)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from survgraph.graph import StoreSettings


class ApiSettings(StoreSettings):
    """SURVGRAPH_STORE, SURVGRAPH_DATA_DIR, NEO4J_* as for the CLI, plus:

    SURVGRAPH_API_KEY: enables the write endpoints and is the key they require (X-API-Key).
    SURVGRAPH_CYPHER_TIMEOUT / SURVGRAPH_CYPHER_ROW_CAP: limits on POST /cypher.
    SURVGRAPH_MAX_BODY_BYTES: the largest record file POST /records accepts.
    SURVGRAPH_STORE_CHECK_INTERVAL: seconds between pings of Neo4j (a dead driver is dropped at once).
    """

    model_config = SettingsConfigDict(extra="ignore")

    api_key: SecretStr | None = Field(default=None, validation_alias="SURVGRAPH_API_KEY")
    cypher_timeout_s: float = Field(default=10.0, gt=0, le=300, validation_alias="SURVGRAPH_CYPHER_TIMEOUT")
    cypher_row_cap: int = Field(default=1000, ge=1, le=100_000, validation_alias="SURVGRAPH_CYPHER_ROW_CAP")
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, validation_alias="SURVGRAPH_MAX_BODY_BYTES")
    store_check_interval_s: float = Field(default=3.0, gt=0, le=3600, validation_alias="SURVGRAPH_STORE_CHECK_INTERVAL")

    @field_validator("api_key", mode="before")
    @classmethod
    def _blank_means_unset(cls, value: object) -> object:
        # docker compose passes `${SURVGRAPH_API_KEY:-}` as an empty string: that must not enable writes.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @property
    def writes_enabled(self) -> bool:
        return self.api_key is not None
