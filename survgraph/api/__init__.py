"""The HTTP API over the graph (FastAPI): read endpoints for everyone, writes behind an API key."""

from survgraph.api.app import create_app
from survgraph.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
