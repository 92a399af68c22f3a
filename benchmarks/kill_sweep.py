"""Kill sweep: SIGKILL a load at many instants and check that the store is exactly as before or as after.

    python benchmarks/kill_sweep.py --instants 500                  # both stores, prints the outcome table
    python benchmarks/kill_sweep.py --store embedded --instants 200 --size 3000
    python benchmarks/kill_sweep.py --store neo4j-batched --instants 200 --size 300 --neo4j-batched 40
    python benchmarks/kill_sweep.py --store neo4j-batched --instants 200 --size 300 --during-writes

A child process validates a dataset, says READY, and on GO opens the store, writes the dataset with the
loader API (`load_dataset`: one all-or-nothing write) and closes the store (the embedded engine
checkpoints there). It prints a marker at each step (OPENED, LAST_WRITE when the last batch is written
and COMMIT is next, COMMITTED, CLOSED). The parent kills it with SIGKILL at an instant: most instants are
spread over the commit window (LAST_WRITE + t, for t from 0 to past the end of the close and its
checkpoint), the rest over the whole run (GO + t). After each kill:

- embedded: a fresh process opens the store read-only (as `survgraph query` and other readers do) and
  takes its fingerprint (`tests/fingerprint.fingerprint`), then opens it read-write (as the next load
  does, which is where recovery runs) and takes it again;
- neo4j: the parent takes the fingerprint through a new driver, then loads the dataset again (the next
  load must be accepted and give the "after" graph).

Neo4j, batched loads (`--store neo4j-batched`, or `--neo4j-batched TX_ROWS` beside the Neo4j sweep): the
child's load is larger than TX_ROWS rows (SURVGRAPH_NEO4J_TX_ROWS), so it goes in batch transactions behind
a load marker (survgraph/graph/neo4j_load.py); besides the timed instants, the child also kills itself at
exact points (EXACT_KILLS: after the first and second batch, right after the commit flip, after the first
journal record's clean-up). After each kill a new store opens the database (its recovery rolls the load
back or completes it) and the fingerprint must be before or after with nothing of the load left.

Each fingerprint is classed as `before` (equal to the store before the load), `after` (equal to the store
after an unkilled load), `other` (anything else: a half state) or `unopenable`. `other` and `unopenable`
must be 0. Neo4j: the server named by NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD, or one started here from the
test jars (tools/neo4j/neo4j-test-server) when NEO4J_URI is not set. The sweep clears that database.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ("before", "after", "other", "unopenable")
MARKERS = ("GO", "OPENED", "LAST_WRITE", "COMMITTED", "CLOSED")


# -- the data -------------------------------------------------------------------------------------


def write_records(folder: Path, size: int, version: int) -> None:
    """A dataset of about `size` records. Version 2 rewrites every record of version 1 (new names,
    confidences) and adds as many new ones, so a half-written load shows in the fingerprint."""
    rng = random.Random(11)
    scale = version  # version 2 holds twice as many ids
    vendors, projects = max(2, size // 10), max(2, size // 4)
    claims_n = max(1, size - vendors - projects)
    sources = [
        {
            "id": "source:killsweep",
            "publisher": "Kill sweep",
            "kind": "dataset",
            "title": "Synthetic records",
            "date": "2024",
        }
    ]
    countries = [
        {"id": f"country:{c}", "name": f"{c} (v{version})", "sources": ["source:killsweep"]}
        for c in ("CN", "PK", "ZW", "KE", "EC")
    ]
    conf = "reported" if version == 1 else "confirmed"
    entities = [
        {
            "id": f"vendor:ks{i}",
            "name": f"Vendor {i} (v{version})",
            "hq_country": "CN",
            "sources": ["source:killsweep"],
            "confidence": conf,
        }
        for i in range(vendors * scale)
    ] + [
        {
            "id": f"project:ks{i}",
            "name": f"Project {i} (v{version})",
            "country": ("PK", "ZW", "KE", "EC")[i % 4],
            "technologies": ["cctv"],
            "sources": ["source:killsweep"],
            "confidence": conf,
        }
        for i in range(projects * scale)
    ]
    pairs: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    while len(pairs) < claims_n * 2:
        pair = (rng.randrange(vendors * 2), rng.randrange(projects * 2))
        if pair not in seen:
            seen.add(pair)
            pairs.append(pair)
    # Version 1 holds the first half of the pairs (within its own ids); version 2 all of them.
    chosen = [p for p in pairs[:claims_n] if p[0] < vendors and p[1] < projects] if version == 1 else pairs
    rels = [
        {
            "type": "SUPPLIES",
            "from": f"vendor:ks{v}",
            "to": f"project:ks{p}",
            "sources": ["source:killsweep"],
            "confidence": "alleged" if version == 1 else "reported",
        }
        for v, p in chosen
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "records.yaml").write_text(
        yaml.safe_dump({"sources": sources, "entities": countries + entities, "claims": rels}, sort_keys=False)
    )


# -- the child: one load, with markers --------------------------------------------------------------


def child_main(store_kind: str, records: Path) -> None:
    from survgraph.graph import StoreKind, StoreSettings, open_store
    from survgraph.graph.spill import PlanSpill
    from survgraph.loaders import load_dataset
    from survgraph.loaders.validate import validate_streamed

    # Through the spill, as `survgraph load` writes: the rows on disk beside the records (a killed child
    # cannot remove its temporary files; the sweep's folder goes with them).
    ds = validate_streamed([records], PlanSpill(dir=records.parent))
    if ds.errors:
        raise SystemExit(f"invalid records: {ds.errors[0]}")
    out = sys.stdout.fileno()

    def mark(name: str) -> None:
        os.write(out, f"{name}\n".encode())

    total = ds.entity_count + ds.claim_count
    kill_at = os.environ.get(KILL_AT_ENV, "")
    if kill_at:
        _arm_kill(kill_at)
    mark("READY")
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd != "GO":
            continue
        settings = StoreSettings()
        settings.store = StoreKind(store_kind)
        if arg:
            settings.data_dir = Path(arg)
        store = open_store(settings)
        mark("OPENED")
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            done += n
            _KILL_COUNTS["batch"] += 1
            if kill_at == f"batch:{_KILL_COUNTS['batch']}":
                os.kill(os.getpid(), signal.SIGKILL)
            if done >= total:
                mark("LAST_WRITE")

        load_dataset(store, ds, progress=progress)
        mark("COMMITTED")
        store.close()
        mark("CLOSED")
        return


#: Env var of the child: SIGKILL itself at an exact point of a batched Neo4j load (tests use it for
#: deterministic kills): "batch:N" (after the Nth batch committed), "flip" (right after the commit flip,
#: before the clean-up), "clean:N" (after N journal records were cleaned up).
KILL_AT_ENV = "SURVGRAPH_KILL_AT"
_KILL_COUNTS: Counter[str] = Counter()


def _arm_kill(kill_at: str) -> None:
    """Instrument the batched load's steps in this (child) process so that it kills itself at `kill_at`."""
    from survgraph.graph.neo4j_load import LoadJournal

    commit, clean = LoadJournal.commit, LoadJournal._clean_record

    def commit_then_die(self: LoadJournal, load: str) -> None:
        commit(self, load)
        if kill_at == "flip":
            os.kill(os.getpid(), signal.SIGKILL)

    def clean_then_die(self: LoadJournal, tx: Any, load: str, seq: int) -> None:
        clean(self, tx, load, seq)
        _KILL_COUNTS["clean"] += 1

    def clean_up(self: LoadJournal, load: str) -> None:
        for seq in self._journal(load):
            with self._session() as s:
                s.execute_write(clean_then_die, self, load, seq)
            if kill_at == f"clean:{_KILL_COUNTS['clean']}":
                os.kill(os.getpid(), signal.SIGKILL)
        self._drop_marker(load)

    LoadJournal.commit = commit_then_die  # type: ignore[method-assign]
    LoadJournal.clean_up = clean_up  # type: ignore[method-assign]


@dataclass
class Child:
    """A child that has validated its records and waits for GO (so the kill instants do not include
    Python's start-up)."""

    proc: subprocess.Popen[bytes]
    lines: queue.Queue[tuple[str, float]] = field(default_factory=queue.Queue)

    @classmethod
    def spawn(cls, store_kind: str, records: Path, env: dict[str, str]) -> Child:
        proc = subprocess.Popen(
            [sys.executable, __file__, "_child", store_kind, str(records)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        child = cls(proc)
        threading.Thread(target=child._pump, args=(proc.stdout,), daemon=True).start()
        return child

    def _pump(self, stream: IO[bytes]) -> None:
        for raw in stream:
            self.lines.put((raw.decode().strip(), time.monotonic()))
        self.lines.put(("EOF", time.monotonic()))

    def wait_for(self, marker: str, timeout: float = 120.0) -> float:
        """Block until `marker`; return the instant it was read."""
        end = time.monotonic() + timeout
        while True:
            try:
                name, at = self.lines.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"child: no {marker} within {timeout} s") from None
            if name == marker:
                return at
            if name == "EOF":
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"child ended before {marker}:\n{err[-3000:]}")

    def go(self, arg: str = "") -> float:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"GO {arg}\n".encode())
        self.proc.stdin.flush()
        return time.monotonic()

    def markers_seen(self) -> list[str]:
        seen = []
        while True:
            try:
                name, _ = self.lines.get(timeout=5)
            except queue.Empty:
                break
            if name == "EOF":
                break
            seen.append(name)
        return seen


# -- the embedded checker: opens a store in a separate process, so a native crash is counted ---------


def checker_main() -> None:
    sys.path.insert(0, str(ROOT))
    from survgraph.graph.embedded import EmbeddedStore
    from tests.fingerprint import fingerprint

    for line in sys.stdin:
        req = json.loads(line)
        result: dict[str, Any] = {}
        for mode in req.get("modes", ("ro", "rw")):
            try:
                with EmbeddedStore(Path(req["path"]), read_only=mode == "ro") as store:
                    result[mode] = {"fp": fingerprint(store)}
            except Exception as exc:  # every failure to open is an outcome
                result[mode] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        result["files"] = sorted(os.listdir(req["path"]))
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


class Checker:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: subprocess.Popen[str] | None = None

    def check(self, path: Path, modes: tuple[str, ...] = ("ro", "rw")) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, __file__, "_check"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=self.env,
            )
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"path": str(path), "modes": modes}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:  # the engine crashed the process while opening the store
            code = self.proc.wait()
            self.proc = None
            err = {"error": f"checker process died (exit {code})"}
            return {**dict.fromkeys(modes, err), "files": sorted(os.listdir(path))}
        return json.loads(line)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.proc is not None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            self.proc.wait(timeout=30)


# -- the sweep ------------------------------------------------------------------------------------


@dataclass
class Calibration:
    last_write: float  # GO -> LAST_WRITE
    committed: float  # GO -> COMMITTED
    end: float  # GO -> the child's exit


@dataclass
class Result:
    store: str
    counts: Counter[str] = field(default_factory=Counter)
    ro_counts: Counter[str] = field(default_factory=Counter)  # embedded: what a read-only opener saw
    phases: Counter[str] = field(default_factory=Counter)  # the last marker before each kill
    failures: list[str] = field(default_factory=list)
    calibration: Calibration | None = None
    attempts: int = 0
    seconds: float = 0.0


def schedule(n: int, cal: Calibration, seed: int = 5, *, during_writes: bool = False) -> list[tuple[str, float]]:
    """`n` kill instants, each (anchor marker, delay after it), in a shuffled order:
    - 35% over COMMIT (LAST_WRITE + t, t from 0 to twice the time COMMIT took: the WAL is written here);
    - 30% over everything after the last write (LAST_WRITE + t up to 1.2x the rest of the run: COMMIT,
      the close and its checkpoint, the exit);
    - 15% over the writes (GO + t up to the last write: the open, the checkpoint before the load);
    - 20% over the whole run (GO + t).
    `during_writes`: every instant over the writes (GO + t up to the last write), for a load whose writes
    are many transactions (the batched Neo4j load: each batch commits on its own)."""
    rng = random.Random(seed)
    commit = max(0.002, cal.committed - cal.last_write) * 2
    tail = max(commit, (cal.end - cal.last_write) * 1.2)
    parts = [
        ("LAST_WRITE", commit, 0.35),
        ("LAST_WRITE", tail, 0.30),
        ("GO", cal.last_write, 0.15),
        ("GO", cal.end * 1.05, 0.20),
    ]
    if during_writes:
        parts = [("GO", cal.last_write, 1.0)]
    out: list[tuple[str, float]] = []
    for k, (anchor, span, share) in enumerate(parts):
        m = n - len(out) if k == len(parts) - 1 else round(n * share)
        out += [(anchor, span * (i + rng.random()) / m) for i in range(m)]
    rng.shuffle(out)
    return out


def _await_no_other_transaction(store: Any, timeout: float = 60.0) -> None:
    """Wait until the Neo4j server runs no transaction but this check's own: a killed client's last
    transaction has then committed or been rolled back."""
    others = (
        "SHOW TRANSACTIONS YIELD currentQuery WHERE NOT coalesce(currentQuery, '') STARTS WITH 'SHOW TRANSACTIONS' "
        "RETURN count(*) AS n"
    )
    deadline = time.monotonic() + timeout
    while store.query(others)[0]["n"] > 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"a transaction was still running on the server after {timeout:.0f} s")
        time.sleep(0.05)


def classify(fp: str | None, before: str, after: str) -> str:
    if fp is None:
        return "unopenable"
    return "before" if fp == before else "after" if fp == after else "other"


def run_trial(child: Child, anchor: str, offset: float, go_arg: str = "") -> str:
    """GO, wait for the anchor marker, sleep `offset`, SIGKILL. Returns the last marker the child
    printed before it died (the phase the kill landed in), or 'DONE' when it finished first."""
    t_go = child.go(go_arg)
    t_anchor = t_go if anchor == "GO" else child.wait_for(anchor)
    delay = t_anchor + offset - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    finished = child.proc.poll() is not None
    if not finished:
        child.proc.send_signal(signal.SIGKILL)
    child.proc.wait()
    seen = (["GO"] + ([anchor] if anchor != "GO" else [])) + child.markers_seen()
    if finished or child.proc.returncode == 0:
        return "DONE"
    return [m for m in MARKERS if m in seen][-1]


def run_to_own_kill(child: Child) -> str:
    """GO, and wait for the child to kill itself at its KILL_AT_ENV point: the last marker it printed, or
    'DONE' when it finished (the point was never reached)."""
    child.go()
    child.proc.wait(timeout=300)
    seen = ["GO", *child.markers_seen()]
    if child.proc.returncode == 0:
        return "DONE"
    return [m for m in MARKERS if m in seen][-1]


def sweep_embedded(
    n: int,
    size: int,
    workdir: Path,
    progress: bool = True,
    seed: int = 5,
    *,
    empty_base: bool = False,
    tx_rows: int | None = None,
) -> Result:
    """`empty_base`: the store before the load holds the schema and nothing else, so that the load goes
    through the bulk path (COPY into empty tables) rather than MERGE. `tx_rows`: the child's
    SURVGRAPH_EMBEDDED_TX_ROWS (with `empty_base` and a load of more rows, the load commits a statement at
    a time behind its marker)."""
    from survgraph.graph.embedded import EmbeddedStore
    from survgraph.loaders import load_paths

    res = Result("embedded" if tx_rows is None else f"embedded, tx_rows {tx_rows}")
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if tx_rows is not None:
        env["SURVGRAPH_EMBEDDED_TX_ROWS"] = str(tx_rows)
    base_records, load_records = workdir / "base", workdir / "load"
    write_records(base_records, size, 1)
    write_records(load_records, size, 2)
    template = workdir / "template"
    with EmbeddedStore(template) as store:
        if empty_base:
            store.ensure_schema()
        else:
            load_paths(store, [base_records])
    checker = Checker(env)
    trial = workdir / "trial"

    def fresh() -> Path:
        shutil.rmtree(trial, ignore_errors=True)
        shutil.copytree(template, trial)
        return trial

    try:
        before = checker.check(template)["rw"]["fp"]
        # Calibrate: unkilled loads give the "after" fingerprint and the timing of the phases.
        lasts, commits, ends, after = [], [], [], None
        for _ in range(3):
            child = Child.spawn("embedded", load_records, env)
            child.wait_for("READY")
            t_go = child.go(str(fresh()))
            lasts.append(child.wait_for("LAST_WRITE") - t_go)
            commits.append(child.wait_for("COMMITTED") - t_go)
            child.wait_for("CLOSED")
            child.proc.wait()
            ends.append(time.monotonic() - t_go)
            fp = checker.check(trial)["rw"]["fp"]
            if after is not None and fp != after:
                raise RuntimeError("two unkilled loads gave different graphs")
            after = fp
        assert after is not None and after != before
        res.calibration = cal = Calibration(sorted(lasts)[1], sorted(commits)[1], sorted(ends)[1])
        plan = schedule(n, cal, seed)
        nxt = Child.spawn("embedded", load_records, env)
        for i, (anchor, offset) in enumerate(plan):
            child = nxt
            child.wait_for("READY")
            path = fresh()
            phase = run_trial(child, anchor, offset, str(path))
            nxt = Child.spawn("embedded", load_records, env) if i + 1 < len(plan) else None
            seen = checker.check(path)
            ro = classify(seen["ro"].get("fp"), before, after)
            rw = classify(seen["rw"].get("fp"), before, after)
            res.attempts += 1
            res.counts[rw] += 1
            res.ro_counts[ro] += 1
            res.phases[phase] += 1
            if ro in ("other", "unopenable") or rw in ("other", "unopenable"):
                keep = workdir / f"failed-{i}"
                shutil.copytree(path, keep)
                res.failures.append(
                    f"#{i} {anchor}+{offset * 1000:.1f} ms (phase {phase}): read-only {ro} "
                    f"{seen['ro'].get('error', '')} / read-write {rw} {seen['rw'].get('error', '')}; "
                    f"files {seen['files']}; kept in {keep}"
                )
            if progress:
                _progress("embedded", i + 1, len(plan), res)
    finally:
        checker.close()
    res.seconds = time.monotonic() - started
    return res


def _drain(child: Child) -> list[tuple[str, float]]:
    out = []
    while True:
        try:
            name, at = child.lines.get(timeout=5)
        except queue.Empty:
            return out
        if name == "EOF":
            return out
        out.append((name, at))


def sweep_readers(n: int, size: int, workdir: Path, progress: bool = True, seed: int = 5) -> Result:
    """Readers beside a live writer: the load runs to its end (no kill) while another process opens the
    store read-only at an instant of the run and takes its fingerprint; it must be before or after."""
    from survgraph.graph.embedded import EmbeddedStore
    from survgraph.loaders import load_paths

    res = Result("embedded, read-only opener beside a live load")
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base_records, load_records = workdir / "base", workdir / "load"
    write_records(base_records, size, 1)
    write_records(load_records, size, 2)
    template, trial = workdir / "template", workdir / "trial"
    with EmbeddedStore(template) as store:
        load_paths(store, [base_records])
    checker = Checker(env)
    try:
        before = checker.check(template)["rw"]["fp"]
        shutil.rmtree(trial, ignore_errors=True)
        shutil.copytree(template, trial)
        child = Child.spawn("embedded", load_records, env)
        child.wait_for("READY")
        t_go = child.go(str(trial))
        last = child.wait_for("LAST_WRITE") - t_go
        committed = child.wait_for("COMMITTED") - t_go
        child.wait_for("CLOSED")
        child.proc.wait()
        res.calibration = cal = Calibration(last, committed, time.monotonic() - t_go)
        after = checker.check(trial)["rw"]["fp"]
        checker.check(trial, ("ro",))  # the reader process has imported everything before the first instant
        for i, (anchor, offset) in enumerate(schedule(n, cal, seed)):
            shutil.rmtree(trial, ignore_errors=True)
            shutil.copytree(template, trial)
            child = Child.spawn("embedded", load_records, env)
            child.wait_for("READY")
            t_go = child.go(str(trial))
            t_anchor = t_go if anchor == "GO" else child.wait_for(anchor)
            time.sleep(max(0.0, t_anchor + offset - time.monotonic()))
            t_read = time.monotonic()
            seen = checker.check(trial, ("ro",))
            child.proc.wait()
            early = [anchor] + [m for m, at in _drain(child) if at < t_read]
            res.phases[[m for m in MARKERS if m in early][-1]] += 1  # the phase the read began in
            outcome = classify(seen["ro"].get("fp"), before, after)
            res.attempts += 1
            res.counts[outcome] += 1
            if outcome in ("other", "unopenable"):
                res.failures.append(f"#{i} {anchor}+{offset * 1000:.1f} ms: {outcome} {seen['ro'].get('error', '')}")
            if progress:
                _progress("readers", i + 1, n, res)
    finally:
        checker.close()
    res.seconds = time.monotonic() - started
    return res


@contextmanager
def neo4j_env(workdir: Path) -> Iterator[dict[str, str]]:
    """NEO4J_* variables for the server to sweep: the one in the environment, or one started here."""
    if os.environ.get("NEO4J_URI"):
        yield {k: v for k, v in os.environ.items() if k.startswith("NEO4J_")}
        return
    script, home, password = ROOT / "tools" / "neo4j" / "neo4j-test-server", workdir / "neo4j", "kill-sweep-pw"
    proc = subprocess.run(
        [str(script), "start", "--home", str(home), "--password", password], capture_output=True, text=True
    )
    ready = [ln for ln in proc.stdout.splitlines() if ln.startswith("NEO4J_READY ")]
    if proc.returncode != 0 or not ready:
        raise RuntimeError(f"Neo4j did not start:\n{proc.stderr[-3000:]}")
    try:
        yield {"NEO4J_URI": ready[-1].split()[1], "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": password}
    finally:
        subprocess.run([str(script), "stop", "--home", str(home)], capture_output=True)


def sweep_neo4j(
    n: int, size: int, workdir: Path, neo_env: dict[str, str], progress: bool = True, seed: int = 5
) -> Result:
    sys.path.insert(0, str(ROOT))
    from survgraph.graph.neo4j_store import Neo4jStore
    from survgraph.loaders import load_dataset, validate_paths
    from tests.fingerprint import fingerprint

    res = Result("neo4j")
    started = time.monotonic()
    env = {**os.environ, **neo_env, "PYTHONPATH": str(ROOT)}
    base_records, load_records = workdir / "base", workdir / "load"
    write_records(base_records, size, 1)
    write_records(load_records, size, 2)
    base_ds, load_ds = validate_paths([base_records]), validate_paths([load_records])
    db = neo_env.get("NEO4J_DATABASE")
    store = Neo4jStore(neo_env["NEO4J_URI"], neo_env.get("NEO4J_USER", "neo4j"), neo_env["NEO4J_PASSWORD"], db)

    def reset() -> None:
        store.clear()
        load_dataset(store, base_ds)

    try:
        reset()
        before = fingerprint(store)
        lasts, commits, ends = [], [], []
        for _ in range(2):
            reset()
            child = Child.spawn("neo4j", load_records, env)
            child.wait_for("READY")
            t_go = child.go()
            lasts.append(child.wait_for("LAST_WRITE") - t_go)
            commits.append(child.wait_for("COMMITTED") - t_go)
            child.wait_for("CLOSED")
            child.proc.wait()
            ends.append(time.monotonic() - t_go)
        after = fingerprint(store)
        assert after != before
        res.calibration = cal = Calibration(sorted(lasts)[1], sorted(commits)[1], sorted(ends)[1])
        plan = schedule(n, cal, seed)
        reset()
        nxt = Child.spawn("neo4j", load_records, env)
        for i, (anchor, offset) in enumerate(plan):
            child = nxt
            child.wait_for("READY")
            phase = run_trial(child, anchor, offset)
            nxt = Child.spawn("neo4j", load_records, env) if i + 1 < len(plan) else None
            try:
                # The killed client's transaction may still commit or roll back on the server: the
                # fingerprint's two reads (nodes, then edges) straddled a commit once, a false "other".
                _await_no_other_transaction(store)
                outcome = classify(fingerprint(store), before, after)
            except Exception as exc:  # an outcome to count
                outcome, detail = "unopenable", str(exc)
            else:
                detail = ""
            # The next load must be accepted (the killed client's transaction must not hold it up).
            try:
                load_dataset(store, load_ds)
                if fingerprint(store) != after:
                    detail += " the next load did not give the after graph"
                    outcome = "other"
            except Exception as exc:  # an outcome to count
                detail += f" the next load was refused: {exc}"
                outcome = "unopenable"
            res.attempts += 1
            res.counts[outcome] += 1
            res.phases[phase] += 1
            if outcome in ("other", "unopenable"):
                res.failures.append(f"#{i} {anchor}+{offset * 1000:.1f} ms (phase {phase}): {outcome}{detail}")
            reset()
            if progress:
                _progress("neo4j", i + 1, len(plan), res)
    finally:
        store.close()
    res.seconds = time.monotonic() - started
    return res


# -- Neo4j, batched loads (survgraph/graph/neo4j_load.py) ----------------------------------------------


#: The exact points every batched sweep also kills at: after the first batch, after the second, right
#: after the commit flip, and after the first journal record's clean-up.
EXACT_KILLS = ["batch:1", "batch:2", "flip", "clean:1"]


def leftovers(store: Any) -> dict[str, int]:
    """What a batched load leaves in Neo4j until it is finished or rolled back: markers and journal
    records (internal labels), and nodes and relationships still tagged with a load id. All 0 after a
    clean load, and after the recovery of an interrupted one."""
    from survgraph.graph.neo4j_load import TAG
    from survgraph.schema import LOAD_JOURNAL_LABEL, LOAD_MARKER_LABEL

    def count(cypher: str) -> int:
        return int(store.query(cypher)[0]["n"])

    return {
        "markers": count(f"MATCH (m:{LOAD_MARKER_LABEL}) RETURN count(m) AS n"),
        "journal": count(f"MATCH (j:{LOAD_JOURNAL_LABEL}) RETURN count(j) AS n"),
        "tagged nodes": count(f"MATCH (n) WHERE n.{TAG} IS NOT NULL RETURN count(n) AS n"),
        "tagged relationships": count(f"MATCH ()-[r]->() WHERE r.{TAG} IS NOT NULL RETURN count(r) AS n"),
    }


def open_and_check(neo_env: dict[str, str], before: str, after: str) -> tuple[str, str]:
    """Open the database as the next process does (a new store: ensure_schema runs the recovery), then
    class its fingerprint; anything left of a load after that counts as "other"."""
    from survgraph.graph.neo4j_store import Neo4jStore
    from tests.fingerprint import fingerprint

    try:
        store = Neo4jStore(
            neo_env["NEO4J_URI"],
            neo_env.get("NEO4J_USER", "neo4j"),
            neo_env["NEO4J_PASSWORD"],
            neo_env.get("NEO4J_DATABASE"),
        )
    except Exception as exc:  # an outcome to count
        return "unopenable", str(exc)
    try:
        store.ensure_schema()
        outcome = classify(fingerprint(store), before, after)
        left = {k: v for k, v in leftovers(store).items() if v}
    except Exception as exc:  # an outcome to count
        return "unopenable", str(exc)
    finally:
        store.close()
    if left:
        return "other", f" left after recovery: {left}"
    return outcome, ""


def sweep_neo4j_batched(
    n: int,
    size: int,
    workdir: Path,
    neo_env: dict[str, str],
    tx_rows: int,
    progress: bool = True,
    seed: int = 5,
    kill_at: list[str] | None = None,
    next_load: bool = True,
    during_writes: bool = False,
) -> Result:
    """The batched load (SURVGRAPH_NEO4J_TX_ROWS=tx_rows in the child: a load larger than that many rows
    goes in batches behind a load marker) killed at `n` instants, and at each exact point of `kill_at`
    (KILL_AT_ENV values). After each kill a new store opens the database (its recovery rolls the load
    back, or finishes it if it had committed) and the fingerprint must be before or after, with nothing
    of the load left; then (`next_load`) the next load must be accepted and give the after graph (the
    reset to "before" that follows each trial is a load too, so a load is always accepted). `phases` counts
    "last marker -> outcome" (LAST_WRITE -> after: killed after the commit, in or before the clean-up).
    `during_writes`: every timed instant falls while the batches are written (see `schedule`)."""
    sys.path.insert(0, str(ROOT))
    from survgraph.graph.neo4j_store import Neo4jStore
    from survgraph.loaders import load_dataset, validate_paths
    from tests.fingerprint import fingerprint

    res = Result(f"neo4j, batched ({tx_rows} rows a transaction)")
    started = time.monotonic()
    env = {**os.environ, **neo_env, "PYTHONPATH": str(ROOT), "SURVGRAPH_NEO4J_TX_ROWS": str(tx_rows)}
    base_records, load_records = workdir / "base", workdir / "load"
    write_records(base_records, size, 1)
    write_records(load_records, size, 2)
    base_ds, load_ds = validate_paths([base_records]), validate_paths([load_records])
    if len(load_ds.nodes) + len(load_ds.claims) <= tx_rows * 2:
        raise ValueError(f"a load of {size * 2} records is not several batches of {tx_rows} rows")
    db = neo_env.get("NEO4J_DATABASE")
    store = Neo4jStore(neo_env["NEO4J_URI"], neo_env.get("NEO4J_USER", "neo4j"), neo_env["NEO4J_PASSWORD"], db)

    def reset() -> None:
        store.clear()
        load_dataset(store, base_ds)  # one transaction (the store's own tx_rows is the default)

    try:
        reset()
        before = fingerprint(store)
        # Calibrate on unkilled loads (the first one warms the server's query caches up and is not timed).
        lasts, commits, ends, after = [], [], [], ""
        for _ in range(2):
            reset()
            child = Child.spawn("neo4j", load_records, env)
            child.wait_for("READY")
            t_go = child.go()
            lasts.append(child.wait_for("LAST_WRITE") - t_go)
            commits.append(child.wait_for("COMMITTED") - t_go)
            child.wait_for("CLOSED")
            child.proc.wait()
            ends.append(time.monotonic() - t_go)
            fp = fingerprint(store)
            if fp == before or (after and fp != after) or any(leftovers(store).values()):
                raise RuntimeError(f"an unkilled batched load did not give a clean after graph: {leftovers(store)}")
            after = fp
        res.calibration = cal = Calibration(min(lasts[1:]), min(commits[1:]), min(ends[1:]))
        timed = schedule(n, cal, seed, during_writes=during_writes)
        plan: list[tuple[str, float, str]] = [(a, o, "") for a, o in timed]
        plan += [("GO", 0.0, point) for point in kill_at or []]
        reset()

        def spawn(point: str) -> Child:
            return Child.spawn("neo4j", load_records, {**env, KILL_AT_ENV: point} if point else env)

        nxt = spawn(plan[0][2]) if plan else None
        for i, (anchor, offset, point) in enumerate(plan):
            child = nxt
            assert child is not None
            child.wait_for("READY")
            phase = run_to_own_kill(child) if point else run_trial(child, anchor, offset)
            if point and phase == "DONE":
                raise RuntimeError(f"the child was not killed at {point}")
            nxt = spawn(plan[i + 1][2]) if i + 1 < len(plan) else None  # starts while this one is checked
            outcome, detail = open_and_check(neo_env, before, after)
            if next_load:
                # The next load must be accepted (nothing of the killed one may hold it up) and give "after".
                try:
                    load_dataset(store, load_ds)
                    if fingerprint(store) != after or any(leftovers(store).values()):
                        detail += " the next load did not give a clean after graph"
                        outcome = "other"
                except Exception as exc:  # an outcome to count
                    detail += f" the next load was refused: {exc}"
                    outcome = "unopenable"
            res.attempts += 1
            res.counts[outcome] += 1
            res.phases[f"{point or phase} -> {outcome}"] += 1
            if outcome in ("other", "unopenable"):
                where = point or f"{anchor}+{offset * 1000:.1f} ms"
                res.failures.append(f"#{i} {where} (phase {phase}): {outcome}{detail}")
            reset()
            if progress:
                _progress("neo4j batched", i + 1, len(plan), res)
    finally:
        store.close()
    res.seconds = time.monotonic() - started
    return res


def _progress(store: str, i: int, n: int, res: Result) -> None:
    if sys.stderr.isatty():
        print(f"\r  {store} {i}/{n} {dict(res.counts)}", end="" if i < n else "\n", file=sys.stderr, flush=True)
    elif i % 10 == 0 or i == n:
        print(f"  {store} {i}/{n} {dict(res.counts)}", file=sys.stderr, flush=True)


def table(results: list[Result]) -> str:
    head = (
        "| store | attempts | before | after | other | unopenable "
        "| read-only opener: before / after / other / unopenable | seconds |"
    )
    lines = [head, "|" + "---|" * 8]
    for r in results:
        ro = " / ".join(str(r.ro_counts[k]) for k in OUTCOMES) if r.ro_counts else "n/a (server)"
        lines.append(
            f"| {r.store} | {r.attempts} | "
            + " | ".join(str(r.counts[k]) for k in OUTCOMES)
            + f" | {ro} | {r.seconds:.0f} |"
        )
    for r in results:
        if r.calibration:
            lines.append(
                f"\n{r.store}: unkilled load {r.calibration.end * 1000:.0f} ms: last write at "
                f"{r.calibration.last_write * 1000:.0f} ms, committed at {r.calibration.committed * 1000:.0f} ms; "
                "kills by phase (last marker before the kill): "
                + ", ".join(f"{k} {v}" for k, v in sorted(r.phases.items()))
            )
        for f in r.failures[:20]:
            lines.append(f"  FAIL {r.store} {f}")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child_main(sys.argv[2], Path(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_check":
        checker_main()
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instants", type=int, default=500, help="kill instants per store")
    ap.add_argument(
        "--store",
        choices=["embedded", "neo4j", "neo4j-batched", "both"],
        default="both",
        help="neo4j-batched: only the batched Neo4j load (--neo4j-batched rows a batch, 40 if not given)",
    )
    ap.add_argument("--size", type=int, default=3000, help="records in the base dataset (the load has twice)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--readers", type=int, default=0, help="also open read-only beside a live load N times")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (failed stores are copied there)")
    ap.add_argument(
        "--neo4j-batched",
        type=int,
        default=0,
        metavar="TX_ROWS",
        help="also sweep Neo4j's batched load, TX_ROWS rows a batch transaction (e.g. 40 with --size 300)",
    )
    ap.add_argument(
        "--empty-base",
        action="store_true",
        help="embedded: load into a store holding only the schema (the bulk path: COPY into empty tables)",
    )
    ap.add_argument(
        "--embedded-tx-rows",
        type=int,
        default=None,
        metavar="N",
        help="embedded: the child's SURVGRAPH_EMBEDDED_TX_ROWS (with --empty-base and 1: a commit per statement)",
    )
    ap.add_argument(
        "--during-writes",
        action="store_true",
        help="neo4j-batched: every timed instant while the batches are written (default: mostly the commit window)",
    )
    args = ap.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="kill-sweep-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        if args.store in ("embedded", "both") and args.instants:
            results.append(
                sweep_embedded(
                    args.instants,
                    args.size,
                    workdir / "embedded",
                    seed=args.seed,
                    empty_base=args.empty_base,
                    tx_rows=args.embedded_tx_rows,
                )
            )
        if args.readers and args.store in ("embedded", "both"):
            results.append(sweep_readers(args.readers, args.size, workdir / "readers", seed=args.seed))
        if args.store in ("neo4j", "neo4j-batched", "both") and args.instants:
            with neo4j_env(workdir) as neo_env:
                if args.store != "neo4j-batched":
                    results.append(sweep_neo4j(args.instants, args.size, workdir / "neo4j", neo_env, seed=args.seed))
                if args.store == "neo4j-batched" and not args.neo4j_batched:
                    args.neo4j_batched = 40
                if args.neo4j_batched:
                    results.append(
                        sweep_neo4j_batched(
                            args.instants,
                            args.size,
                            workdir / "neo4j-batched",
                            neo_env,
                            args.neo4j_batched,
                            seed=args.seed,
                            kill_at=EXACT_KILLS,
                            during_writes=args.during_writes,
                        )
                    )
    finally:
        if args.keep is None and not any(r.failures for r in results):
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(results))
    if any(r.counts["other"] or r.counts["unopenable"] or r.ro_counts["other"] for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
