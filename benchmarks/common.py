"""What every benchmark pair shares: the generated graph it runs on, and the Result row it reports.

A pair module (benchmarks/bench_*.py) exposes

    def run(graph: GeneratedGraph, store: str, workdir: Path) -> list[Result]: ...

and measures the same work twice in the same run: once through survgraph (`ours`) and once on the
plain engine (`plain`). `benchmarks/run.py` discovers the modules, calls them and prints one table.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: Units a Result may carry. For "s", "ms" and "MiB" (memory) lower is better; for rates ("req/s",
#: "triples/s") higher is.
UNITS = ("s", "ms", "MiB", "req/s", "triples/s")
RATE_UNITS = frozenset({"req/s", "triples/s"})


#: The harness's profile (`run.py --profile`), read by pairs that scale their work with it.
PROFILE_ENV = "SURVGRAPH_BENCH_PROFILE"
PROFILES = ("ci", "full")


def profile() -> str:
    """ "ci" (short runs, small sizes: the smoke test) or "full" (longer runs for the published figures)."""
    value = os.environ.get(PROFILE_ENV, "ci")
    return value if value in PROFILES else "ci"


@dataclass(frozen=True)
class Result:
    """One measured pair: the same `work` done through survgraph (`ours`) and on the plain engine (`plain`)."""

    work: str
    store: str
    size: int  # claims in the generated graph
    ours: float
    plain: float
    unit: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, not {self.unit!r}")

    @property
    def ratio(self) -> float:
        """How many times worse survgraph is than the plain engine: > 1 always means survgraph is slower/worse.

        Times: ours / plain. Rates: plain / ours. NaN when the denominator is zero or a figure is missing."""
        num, den = (self.plain, self.ours) if self.unit in RATE_UNITS else (self.ours, self.plain)
        if den == 0 or math.isnan(num) or math.isnan(den):
            return math.nan
        return num / den

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


@dataclass
class GeneratedGraph:
    """A graph written by benchmarks/generate.py, and where each of its formats lies.

    Paths are None for formats that were not asked for. `sample_*` are ids a benchmark can query."""

    claims: int
    entities: int
    sources: int
    seed: int
    root: Path
    yaml_dir: Path | None = None  # survgraph record files (YAML), loadable with `survgraph load`
    csv_dir: Path | None = None  # survgraph entity CSV tables (the loader's CSV layout) + claims YAML
    ladybug_dir: Path | None = None  # one CSV per node table and per (rel table, from, to) for COPY FROM
    neo4j_dir: Path | None = None  # neo4j-admin database import CSVs (headers in the first line)
    hubs: list[str] = field(default_factory=list)  # the few huge hubs (country:CN, initiative:bri, big vendors)
    sample_entities: list[str] = field(default_factory=list)  # a spread of entity ids (hubs excluded)
    national_data_centres: list[str] = field(default_factory=list)
    sample_sources: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)  # the generator's manifest.json as read


def fmt(value: float) -> str:
    if math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def markdown_table(results: list[Result]) -> str:
    """The harness table: work, store, size, survgraph, plain engine, ratio (> 1: survgraph slower)."""
    lines = [
        "| work | store | size (claims) | survgraph | plain engine | unit | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        work = f"{r.work} ({r.note})" if r.note else r.work
        lines.append(
            f"| {work} | {r.store} | {r.size:,} | {fmt(r.ours)} | {fmt(r.plain)} | {r.unit} | {fmt(r.ratio)} |"
        )
    return "\n".join(lines)


def copy_into_ladybug(graph: GeneratedGraph, dest: Path) -> Path:
    """A LadybugDB store at `dest` (the folder survgraph's embedded store opens) holding `graph`, built
    the plain engine's way: survgraph's schema DDL, then COPY FROM the native tables. Reused when present."""
    import ladybug  # the engine itself; benchmarks only

    from survgraph.graph.ddl import ladybug_statements
    from survgraph.graph.embedded import DB_FILE
    from survgraph.schema import REGISTRY

    if graph.ladybug_dir is None:
        raise ValueError("the graph was generated without --formats native")
    marker = dest / "copied.ok"
    if marker.exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    db = ladybug.Database(str(dest / DB_FILE))
    conn = ladybug.Connection(db)
    try:
        for stmt in ladybug_statements(REGISTRY):
            conn.execute(stmt)
        for line in (graph.ladybug_dir / "copy.cypher").read_text().splitlines():
            if line.startswith("COPY "):
                # copy.cypher names files relative to its folder
                name = line.split("'")[1]
                conn.execute(line.replace(f"'{name}'", f"'{graph.ladybug_dir / name}'"))
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
        db.close()
    marker.write_text("ok\n")
    return dest


#: Run as `python -S -c _LAUNCH OUT CMD...` (see `launched`): forks and execs CMD, waits for it, writes its wait4 rusage
#: (peak RSS in KiB, user + system CPU seconds) to the file OUT, and exits with its exit code. The child is
#: forked from this small process, so its ru_maxrss is its own.
_LAUNCH = """
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def launched(args: list[str], report: Path) -> list[str]:
    """`args` started from a small launcher process, which writes the command's peak RSS (KiB) and CPU
    seconds to `report`. Linux counts the address space a process was forked from in its ru_maxrss (exec
    records the old one's peak), in wait4's figure and in the command's own getrusage alike: a command
    started straight from a process that grew to gigabytes (the harness, after an in-process pair) reports
    that process's peak instead of its own."""
    return [sys.executable, "-S", "-c", _LAUNCH, str(report), *args]
