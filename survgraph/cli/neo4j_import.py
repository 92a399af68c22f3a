"""`survgraph neo4j-import`: records into a NEW Neo4j database through neo4j-admin's offline bulk import."""

from __future__ import annotations

import json
import resource
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from survgraph.cli.common import FormatOpt, err
from survgraph.cli.output import print_counts
from survgraph.errors import UsageError
from survgraph.graph.neo4j_admin import (
    ARRAY_DELIMITERS,
    CSV_MARKER,
    CSV_MARKER_TEXT,
    ImportWriter,
    Neo4jHome,
    admin_command,
    check_csv_folder,
    run_admin_import,
)
from survgraph.graph.spill import PlanSpill
from survgraph.graph.store import StoreError
from survgraph.loaders import InvalidRecords
from survgraph.loaders.validate import validate_streamed
from survgraph.progress import progress

LOG_NAME = "survgraph-neo4j-import.log"


def _rss_mib() -> float:
    """The resident memory now (Linux; 0 where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def neo4j_import(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of records.")],
    neo4j_home: Annotated[
        Path, typer.Option("--neo4j-home", help="The offline Neo4j's home (NEO4J_HOME); its conf/neo4j.conf is read.")
    ],
    neo4j_conf: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional here
        typer.Option(
            "--neo4j-conf",
            envvar="NEO4J_CONF",
            help="The folder of its neo4j.conf (NEO4J_CONF) [default: HOME/conf].",
        ),
    ] = None,
    database: Annotated[str, typer.Option(help="The database to create.")] = "neo4j",
    neo4j_admin: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional here
        typer.Option(
            "--neo4j-admin",
            help="Command that runs neo4j-admin [default: HOME/bin/neo4j-admin, else neo4j-admin on PATH]; "
            "'tools/neo4j/neo4j-test-server admin' runs it from the jars the tests fetch.",
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Delete the database if it exists, and import in its place.")
    ] = False,
    csv_dir: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional here
        typer.Option("--csv-dir", help="Keep the CSV files here [default: a temporary folder, removed after]."),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Validate as `load` does, then build a NEW Neo4j database with neo4j-admin (server stopped).

    For a first load of a large graph: far faster than `load --store neo4j`, but it creates the database
    and cannot add to one. survgraph creates its constraints when the server first serves it."""
    if fmt not in ("table", "json"):
        raise UsageError(f"--format {fmt!r}: expected table or json")
    target = Neo4jHome.at(neo4j_home, neo4j_conf)
    target.check_target(database, overwrite=overwrite)
    command = admin_command(target.home, neo4j_admin)
    if csv_dir is not None:
        check_csv_folder(csv_dir)
    timings: dict[str, float] = {}

    # The valid records are written as neo4j-admin's CSVs as they pass the validation (ImportWriter), into
    # a staging folder: a temporary one (removed after, failed or not), or one inside --csv-dir, whose
    # files move into it only once every record passed (an earlier import's files there stay until then).
    made_csv_dir = csv_dir is not None and not csv_dir.exists()
    with tempfile.TemporaryDirectory(prefix="survgraph-neo4j-import-") as tmp:
        try:
            if csv_dir is not None:
                csv_dir.mkdir(parents=True, exist_ok=True)
                (csv_dir / CSV_MARKER).write_text(CSV_MARKER_TEXT)
                staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=csv_dir))
            else:
                staging = Path(tmp)
            t0 = time.perf_counter()
            for delimiter in ARRAY_DELIMITERS:
                shutil.rmtree(staging / "files", ignore_errors=True)
                with PlanSpill() as spill, progress(total=None, desc="validating, writing CSV", unit="row") as bar:

                    def advance(n: int) -> None:
                        bar.update(n)

                    writer = ImportWriter(staging / "files", delimiter=delimiter, progress=advance)
                    try:
                        ds = validate_streamed(paths, spill, sink=writer)
                    finally:
                        writer.close()
                if ds.errors:
                    raise InvalidRecords(ds.problems)
                if not writer.clash:
                    break
            else:
                raise StoreError(
                    "every array delimiter survgraph tries occurs inside a list item; nothing was imported"
                )
            timings["validate_s"] = time.perf_counter() - t0
            for p in ds.warnings:
                typer.echo(f"warning: {p}", err=True)
            validated_rss = _rss_mib()
            t0 = time.perf_counter()
            files = writer.finish()
            if csv_dir is not None:
                files = writer.move_to(csv_dir)
            timings["csv_s"] = time.perf_counter() - t0
        except BaseException:
            if csv_dir is not None and csv_dir.exists():
                for leftover in csv_dir.glob(".staging-*"):
                    shutil.rmtree(leftover, ignore_errors=True)
                if made_csv_dir:
                    shutil.rmtree(csv_dir, ignore_errors=True)
            raise
        if csv_dir is not None:
            shutil.rmtree(staging, ignore_errors=True)
        folder = files.folder
        client_peak = _peak_rss_mib()
        target.check_target(database, overwrite=overwrite)  # again: a server may have started meanwhile
        # neo4j-admin's output: beside the kept CSVs, else in the home's logs (the temporary folder goes).
        log = folder / "neo4j-admin-import.log" if csv_dir is not None else target.home / "logs" / LOG_NAME
        log.parent.mkdir(parents=True, exist_ok=True)

        # On a terminal, neo4j-admin's own progress (stage by stage, with percentages) shows as it comes.
        def echo(text: str) -> None:
            sys.stderr.write(text)
            sys.stderr.flush()

        run = run_admin_import(
            files, target, database, command, overwrite=overwrite, log=log, echo=echo if sys.stderr.isatty() else None
        )
        timings["neo4j_admin_s"] = run.seconds

    total = sum(timings.values())
    claims_per_s = ds.claim_count / total if total else 0.0
    err.print(
        f"imported {files.node_count} entities and {files.relationship_count} claims into database {database!r} "
        f"of {target.home} in {total:.1f} s ({claims_per_s:,.0f} claims/s: validate {timings['validate_s']:.1f} s, "
        f"CSV {timings['csv_s']:.1f} s, neo4j-admin {timings['neo4j_admin_s']:.1f} s); log: {log}. "
        "survgraph creates its constraints and indexes on the first use after the server starts.",
        highlight=False,
    )
    counts = {
        "nodes": dict(sorted(files.node_counts.items())),
        "edges": dict(sorted(files.relationship_counts.items())),
    }
    if fmt == "json":
        typer.echo(
            json.dumps(
                {
                    **counts,
                    "database": database,
                    "home": str(target.home),
                    "entities": files.node_count,
                    "claims": files.relationship_count,
                    "timings": {k: round(v, 3) for k, v in timings.items()},
                    "claims_per_s": round(claims_per_s, 1),
                    "client_peak_rss_mib": client_peak,
                    "client_rss_after_validation_mib": validated_rss,
                    "command": shlex.join(command),
                },
                indent=2,
            )
        )
    else:
        print_counts("imported", counts, fmt)
