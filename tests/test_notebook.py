"""docs/notebook.ipynb runs on a real kernel (nbclient, ipykernel from this environment) without an error,
and prints the answers computed here independently from the records; the README's Python example runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter, defaultdict, deque
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from survgraph.loaders import Dataset, validate_paths

from .conftest import ROOT, SEED
from .readme_support import readme_section

NOTEBOOK = ROOT / "docs" / "notebook.ipynb"
#: Seconds any one cell may take (the load of seed_data/ is the longest: a few seconds).
CELL_TIMEOUT = 300

#: What the data-centre question does not follow (templates/vendors_touching_national_data_centres.cypher).
NOT_A_LINK = {"HEADQUARTERED_IN", "LOCATED_IN"}


@pytest.fixture(scope="module")
def seed() -> Dataset:
    ds = validate_paths([SEED])
    assert not ds.errors
    return ds


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # Git holds the notebook without outputs; it is run here, not trusted from a file.
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    with pytest.MonkeyPatch.context() as mp:
        # The kernel spec runs `python`: this environment's, with survgraph and ipykernel in it.
        mp.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        client.execute()
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif "data" in out and "text/plain" in out.data:
                parts.append(out.data["text/plain"])
    return "\n".join(parts)


def test_runs_without_errors_and_draws_charts(executed: nbformat.NotebookNode) -> None:
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    images = [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2  # growth by year, sources by confidence
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")


def test_loads_the_seed_data(executed: nbformat.NotebookNode, seed: Dataset) -> None:
    assert f"loaded {len(seed.nodes)} entities and {len(seed.claims)} claims" in _text(executed)


def _vendor_hops(ds: Dataset, max_hops: int) -> dict[str, int]:
    """Each vendor within `max_hops` claims (any direction, not HEADQUARTERED_IN or LOCATED_IN) of a
    national data centre, with its distance: a breadth-first search over the records themselves."""
    adjacent: dict[str, set[str]] = defaultdict(set)
    for c in ds.claims:
        if c.type not in NOT_A_LINK:
            adjacent[c.from_id].add(c.to_id)
            adjacent[c.to_id].add(c.from_id)
    centres = [
        n.id for n in ds.nodes if n.id.startswith("database:") and getattr(n, "kind", None) == "national_data_centre"
    ]
    assert centres
    dist = dict.fromkeys(centres, 0)
    queue = deque(centres)
    while queue:
        node = queue.popleft()
        if dist[node] == max_hops:
            continue
        for other in adjacent[node]:
            if other not in dist:
                dist[other] = dist[node] + 1
                queue.append(other)
    return {n: d for n, d in dist.items() if n.startswith("vendor:")}


def test_vendors_touching_data_centres(executed: nbformat.NotebookNode, seed: Dataset) -> None:
    hops = _vendor_hops(seed, 3)
    text = _text(executed)
    assert f"{len(hops)} vendors touch a national data centre within 3 claims" in text
    for h, count in sorted(Counter(hops.values()).items()):
        assert f"at {h} claim(s): {count} vendors" in text
    names = {n.id: n.name for n in seed.nodes}
    for vendor in hops:
        assert names[vendor] in text


def _safe_city_growth(ds: Dataset) -> tuple[int, int, dict[int, int]]:
    """(countries, undated countries, countries by each year) for safe-city projects that a vendor
    headquartered in China supplies: each dated by its start or else its earliest dated supply claim."""
    nodes = {n.id: n for n in ds.nodes}
    chinese = {n.id for n in ds.nodes if n.id.startswith("vendor:") and getattr(n, "hq_country", None) == "CN"}
    chinese |= {c.from_id for c in ds.claims if c.type == "HEADQUARTERED_IN" and c.to_id == "country:CN"}
    located = {c.from_id: c.to_id for c in ds.claims if c.type == "LOCATED_IN"}
    supplied = {
        c.to_id for c in ds.claims if c.type == "SUPPLIES" and c.from_id in chinese and c.to_id.startswith("project:")
    }
    first: dict[str, int | None] = {}
    for pid in supplied:
        project = nodes[pid]
        if "safe" not in (project.name or "").lower():
            continue
        country = getattr(project, "country", None) or located.get(pid, "")[len("country:") :]
        dates = [getattr(project, "start", None)]
        dates += [c.start for c in ds.claims if c.type == "SUPPLIES" and c.to_id == pid]
        years = [int(d[:4]) for d in dates if d]
        year = min(years) if years else None
        known = first.get(country)
        first[country] = year if known is None else (known if year is None else min(known, year))
    dated = [y for y in first.values() if y is not None]
    growth = {y: sum(1 for d in dated if d <= y) for y in range(min(dated), max(dated) + 1)}
    return len(first), len(first) - len(dated), growth


def test_safe_city_growth(executed: nbformat.NotebookNode, seed: Dataset) -> None:
    countries, undated, growth = _safe_city_growth(seed)
    text = _text(executed)
    assert f"{countries} countries have a safe-city project supplied by a Chinese vendor; {undated} undated" in text
    printed = {int(y): int(n) for y, n in re.findall(r"^by (\d{4}): (\d+) countries$", text, re.MULTILINE)}
    assert printed == growth
    assert growth[max(growth)] == countries - undated > 1


def test_sources_with_most_claims(executed: nbformat.NotebookNode, seed: Dataset) -> None:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for c in seed.claims:
        for s in c.source_ids:
            counts[s][str(c.confidence.value)] += 1
    ranked = sorted(counts, key=lambda s: (-sum(counts[s].values()), s))[:10]
    text = _text(executed)
    assert f"{len(seed.claims)} claims cite {len(counts)} sources" in text
    lines = re.findall(r"^(source:\S+): \d+ claims \(.*\)$", text, re.MULTILINE)
    assert lines == ranked
    for s in ranked:
        c = counts[s]
        line = (
            f"{s}: {sum(c.values())} claims ({c['confirmed']} confirmed, {c['reported']} reported, "
            f"{c['alleged']} alleged)"
        )
        assert line in text


def test_readme_python_example_runs(tmp_path: Path) -> None:
    """The README's Notebooks example, as written, from the checkout (it loads seed_data/)."""
    block = readme_section("Notebooks").split("```python\n", 1)[1].split("```", 1)[0]
    assert len(block.strip().splitlines()) <= 6
    env = {**os.environ, "SURVGRAPH_DATA_DIR": str(tmp_path / "data"), "SURVGRAPH_STORE": "embedded"}
    done = subprocess.run([sys.executable, "-c", block], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Huawei Technologies" in done.stdout


def test_the_notebook_extra_is_declared() -> None:
    """`pip install 'survgraph[notebook]'` (the README's install line) brings pandas and matplotlib."""
    from importlib.metadata import metadata

    meta = metadata("survgraph")
    assert "notebook" in (meta.get_all("Provides-Extra") or [])
    wanted = {
        r.split(";")[0].split(">")[0].strip() for r in meta.get_all("Requires-Dist") or [] if 'extra == "notebook"' in r
    }
    assert wanted == {"pandas", "matplotlib"}
    assert "pip install -e '.[notebook]'" in readme_section("Notebooks")
