"""The benchmark tools: the generator writes valid, deterministic graphs whose native tables hold exactly
what survgraph writes, and the harness runs end to end at a tiny size (the smoke test)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from survgraph.graph.embedded import EmbeddedStore
from survgraph.loaders import load_paths, validate_paths

from .test_api_support import snapshot

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

from common import Result, copy_into_ladybug  # noqa: E402
from generate import generate, load_graph  # noqa: E402

CLAIMS = 2000


@pytest.fixture(scope="module")
def graph_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    generate(root, CLAIMS, seed=11)
    return root


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_generator_is_deterministic_and_seeded(graph_dir: Path, tmp_path: Path) -> None:
    # Another process with another hash seed: no set or dict order may leak into the files.
    cli = [sys.executable, str(BENCH / "generate.py"), "--claims", str(CLAIMS), "--seed", "11"]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([*cli, "--out", str(tmp_path / "again")], check=True, env=env, capture_output=True, timeout=120)
    generate(tmp_path / "other", CLAIMS, seed=12)
    assert _digest(tmp_path / "again") == _digest(graph_dir)
    assert _digest(tmp_path / "other") != _digest(graph_dir)


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_every_generated_record_is_valid(graph_dir: Path, fmt: str) -> None:
    graph = load_graph(graph_dir)
    ds = validate_paths([graph_dir / fmt])
    assert ds.problems == []
    assert len(ds.claims) == graph.claims
    assert len(ds.nodes) == graph.entities + graph.sources
    if fmt == "csv":
        assert any(p.suffix == ".csv" for p in (graph_dir / fmt).iterdir())


def test_generated_shape_has_hubs_data_centres_and_dates(graph_dir: Path) -> None:
    graph = load_graph(graph_dir)
    ds = validate_paths([graph_dir / "yaml"])
    degree: dict[str, int] = {}
    for c in ds.claims:
        for end in (c.from_id, c.to_id):
            degree[end] = degree.get(end, 0) + 1
    ranked = sorted(degree.values(), reverse=True)
    median = ranked[len(ranked) // 2]
    assert "country:CN" in graph.hubs and "initiative:bri" in graph.hubs
    assert degree["country:CN"] > 20 * median and degree["initiative:bri"] > 10 * median
    ndcs = {n.id for n in ds.nodes if getattr(n, "kind", None) == "national_data_centre"}
    assert ndcs and ndcs == set(graph.national_data_centres)
    for ndc in ndcs:
        suppliers = {c.from_id for c in ds.claims if c.type == "SUPPLIES" and c.to_id == ndc}
        assert 2 <= len(suppliers) <= 4, (ndc, suppliers)
    dated = sum(1 for c in ds.claims if c.start)
    assert 0.15 < dated / len(ds.claims) < 0.5
    cited: dict[str, int] = {}
    for c in ds.claims:
        for s in c.source_ids:
            cited[s] = cited.get(s, 0) + 1
    assert max(cited.values()) > 5 * (len(ds.claims) / graph.sources) / 2


def test_native_tables_hold_what_survgraph_writes(graph_dir: Path, tmp_path: Path) -> None:
    graph = load_graph(graph_dir)
    ours = EmbeddedStore(tmp_path / "ours")
    load_paths(ours, [graph_dir / "yaml"])
    copy_into_ladybug(graph, tmp_path / "plain")
    plain = EmbeddedStore(tmp_path / "plain")
    try:
        assert snapshot(plain) == snapshot(ours)
    finally:
        ours.close()
        plain.close()
    headers = (graph_dir / "native" / "neo4j" / "nodes-Vendor.csv").read_text().splitlines()[0]
    assert headers.startswith("id:ID,") and headers.endswith(",:LABEL") and "aliases:string[]" in headers
    args = (graph_dir / "native" / "neo4j" / "import-args.txt").read_text().split()
    assert "--nodes=nodes-Vendor.csv" in args and "--relationships=rels-SUPPLIES.csv" in args


def test_result_ratio_is_above_one_when_survgraph_is_worse() -> None:
    assert Result("w", "embedded", 1, ours=2.0, plain=1.0, unit="s").ratio == 2.0
    assert Result("w", "embedded", 1, ours=50.0, plain=100.0, unit="req/s").ratio == 2.0
    assert Result("w", "embedded", 1, ours=200.0, plain=100.0, unit="triples/s").ratio == 0.5
    assert math.isnan(Result("w", "embedded", 1, ours=1.0, plain=0.0, unit="ms").ratio)
    with pytest.raises(ValueError):
        Result("w", "embedded", 1, ours=1.0, plain=1.0, unit="minutes")


def test_harness_smoke_runs_every_pair_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {**os.environ, "SURVGRAPH_BENCH_API_CLIENTS": "4", "SURVGRAPH_BENCH_API_SECONDS": "0.5"}
    env.pop("NEO4J_URI", None)
    done = subprocess.run(
        [
            *(sys.executable, str(BENCH / "run.py"), "--sizes", str(CLAIMS), "--profile", "ci"),
            *("--workdir", str(tmp_path / "work"), "--json", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    pairs = sorted(p.stem.removeprefix("bench_") for p in BENCH.glob("bench_*.py"))
    assert "api" in pairs
    assert report["failures"] == []
    assert report["results"], "no pair gave a row"
    assert {r["store"] for r in report["results"]} == {"embedded"}
    api = [r for r in report["results"] if r["work"].startswith("GET /entities/{id}")]
    assert {r["unit"] for r in api} == {"req/s", "ms"}
    for r in report["results"]:
        assert r["size"] > 0 and r["ours"] > 0 and r["plain"] > 0
    assert "| work | store | size (claims) | survgraph | plain engine | unit | ratio |" in done.stdout
    assert report["markdown"] in done.stdout


def test_api_pair_names_wrk_when_it_is_missing(
    graph_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import bench_api

    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no wrk on it
    with pytest.raises(bench_api.MissingTool, match=r"`wrk`.*apt-get install wrk"):
        bench_api.run(load_graph(graph_dir), "embedded", tmp_path / "work")
    assert not (tmp_path / f"ladybug-{graph_dir.name}").exists()  # refused before copying the graph


def test_child_peak_rss_is_the_childs_own_not_the_parents() -> None:
    # Linux puts the address space a child was forked from into its ru_maxrss (exec records the old one's
    # peak): a small command started straight from a grown process reported that process's peak.
    from bench_load_memory import _run_cpu

    grown = bytearray(400 * 1024 * 1024)
    for i in range(0, len(grown), 4096):
        grown[i] = 1
    code = "x = bytearray(64 * 1024 * 1024)\nfor i in range(0, len(x), 4096): x[i] = 1\nprint('done')"
    _, rss, cpu, out = _run_cpu([sys.executable, "-c", code])
    assert out.strip() == "done"
    assert 64 <= rss < 250, rss
    assert cpu >= 0
    with pytest.raises(RuntimeError, match="exit 3"):
        _run_cpu([sys.executable, "-c", "raise SystemExit(3)"])
    del grown
