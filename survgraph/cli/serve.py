"""The HTTP API (survgraph.api), after seeding an empty store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from survgraph.cli.common import StoreOpt, err
from survgraph.errors import UsageError


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 in a container).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    store: StoreOpt = None,
    seed: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional here
        typer.Option(help="Records to load if the store is empty (default: ./seed_data, else the checkout's)."),
    ] = None,
    no_seed: Annotated[bool, typer.Option("--no-seed", help="Never load seed data.")] = False,
    wait: Annotated[
        float, typer.Option(min=0, max=3600, help="Seconds to keep retrying an unreachable store before seeding.")
    ] = 0,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs), after loading the seed data into an empty store."""
    # Imported here so that the other commands do not pay for FastAPI and uvicorn.
    from survgraph.api.seed import find_seed_dir
    from survgraph.api.serve import run, seed_or_warn
    from survgraph.api.settings import ApiSettings

    settings = ApiSettings()
    if store is not None:
        settings.store = store
    if seed is not None and not seed.exists():
        raise UsageError(f"--seed {seed}: no such file or directory")
    seed_path = None if no_seed else (seed or find_seed_dir())
    if seed_path is not None:
        err.print(seed_or_warn(settings, seed_path, wait), highlight=False)
    run(settings, host, port, log_level)
