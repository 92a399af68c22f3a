"""Docs that run: every `survgraph` and `curl` line of the README's question and API sections, with
the answers the README states, on the seed data (embedded store; curl against a real uvicorn)."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from survgraph.api import create_app
from survgraph.cli import app
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.time import claim_in_force
from survgraph.loaders import load_paths

from .conftest import SEED
from .readme_support import readme_lines, run_readme_commands
from .test_api_support import ApiServer, settings

runner = CliRunner()


def _ids(rows: list[dict[str, Any]], key: str) -> list[str]:
    return [r[key] for r in rows]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("readme") / "data"
    store = EmbeddedStore(data)
    load_paths(store, [SEED])
    store.close()
    return data


def _answers(outputs: list[str]) -> None:
    """The answers the README states, in the order of its questions."""
    touching, footprint, bri, funding, path = outputs
    rows = json.loads(touching)
    assert _ids(rows, "vendor_id") == [
        "vendor:huawei",
        "vendor:inspur",
        "vendor:sino-zimbabwe",
        "vendor:cloudwalk",
        "vendor:atlas-international",
        "vendor:camtel",
        "vendor:citcc",
        "vendor:cmec",
        "vendor:ceiec",
        "vendor:citic-guoan-it",
        "vendor:fisca",
        "vendor:hikvision",
        "vendor:linn-it-solution",
        "vendor:nations-hardware-electrical",
        "vendor:naung-yoe",
        "vendor:orange",
        "vendor:safaricom",
        "vendor:thales",
        "vendor:dahua",
        "vendor:zte",
    ]
    assert [r["hops"] for r in rows] == [1, 1, 1, 2] + [3] * 16
    assert all(r["sources"] for r in rows)
    assert "-[SUPPLIES]-> Senegal national data centre (Diamniadio)" in rows[0]["path_text"]
    assert "CloudWalk Technology <-[CONTRACTED]- Government of Zimbabwe -[DEPLOYS]->" in rows[3]["path_text"]
    for country in ("Ecuador", "Kenya", "Pakistan", "Serbia", "Uganda", "Zimbabwe", "ECU-911", "Belgrade Safe City"):
        assert country in footprint
    for country in ("Senegal", "Zambia", "Philippines", "Tajikistan", "Botswana"):
        assert country in footprint
    assert footprint.count("\ncountry,") == 20 and "country:CN" in footprint
    assert footprint.count("\norganization,") == 13
    assert footprint.count("\ntechnology,") == 10
    assert bri.count("\nproject:") == 9 and "project:gwadar-safe-city" in bri and "project:uz-safe-city" in bri
    assert "org:china-exim-bank" in funding and "850000000" in funding and "6170000" in funding
    (shortest,) = json.loads(path)
    assert shortest["hops"] == 2
    assert shortest["path_text"] == (
        "CloudWalk Technology <-[CONTRACTED]- Government of Zimbabwe -[DEPLOYS]-> Zimbabwe National Data Centre"
    )


def test_question_commands_run_and_answer(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVGRAPH_STORE", "embedded")
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(seeded))
    commands = readme_lines("Asking questions", "survgraph ")
    assert len(commands) == 5
    outputs = []
    for line in commands:
        result = runner.invoke(app, shlex.split(line)[1:])
        assert result.exit_code == 0, (line, result.output)
        outputs.append(result.stdout)
    _answers(outputs)
    # the max_hops=6 figure stated in prose
    wide = runner.invoke(
        app, ["query", "vendors_touching_national_data_centres", "-p", "max_hops=6", "--format", "json"]
    )
    # 28: the 26 of the wider coverage plus Nanjing LES (the 2012 Kenya CCTV grant, its own project since
    # issue 12's fixes) and Transsion (its phones in Kenya and other markets), both at six claims.
    assert len(json.loads(wide.stdout)) == 28


def test_curl_calls_answer_the_same(seeded: Path) -> None:
    store = EmbeddedStore(seeded)
    calls = readme_lines("Asking questions", "curl ") + readme_lines("The API", "curl ")
    assert len(calls) == 7
    with ApiServer(create_app(settings(), store=store)) as server:
        bodies = []
        for line in calls:
            argv = shlex.split(line.replace("http://127.0.0.1:8000", server.url))
            done = subprocess.run([*argv, "--fail-with-body"], capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, (line, done.stdout, done.stderr)
            bodies.append(json.loads(done.stdout))
    store.close()
    touching, footprint, bri, funding, paths, stats, cloudwalk = bodies
    assert [r["vendor_id"] for r in touching["rows"]][:4] == [
        "vendor:huawei",
        "vendor:inspur",
        "vendor:sino-zimbabwe",
        "vendor:cloudwalk",
    ]
    assert len(bri["rows"]) == 9
    assert {r["object_id"] for r in funding["rows"] if r["relation"] == "FUNDED_BY"} == {
        "org:china-exim-bank",
        "country:PK",
    }
    assert {r["category"] for r in footprint["rows"]} >= {"country", "project", "technology"}
    assert json.dumps(paths).count("Government of Zimbabwe") >= 1
    assert stats["nodes"]["Vendor"] >= 16
    assert cloudwalk["entity"]["id"] == "vendor:cloudwalk" and cloudwalk["outgoing"]


def test_time_commands_run_and_answer(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's Time section: its commands, and the answers it states, checked against the seed
    files through the Python rule (claim_in_force)."""
    from survgraph.graph.time import claim_in_force
    from survgraph.loaders import validate_paths

    monkeypatch.setenv("SURVGRAPH_STORE", "embedded")
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(seeded))
    claims = validate_paths([SEED]).claims
    commands = readme_lines("Time", "survgraph ")
    curls = readme_lines("Time", "curl ")
    assert len(commands) == 2 and len(curls) == 1
    outputs = []
    for line in commands:
        result = runner.invoke(app, shlex.split(line)[1:])
        assert result.exit_code == 0, (line, result.output)
        outputs.append(result.stdout)
    timeline, footprint = outputs

    lahore = "project:lahore-safe-city"
    rows = json.loads(timeline)
    touching = [c for c in claims if lahore in (c.from_id, c.to_id)]
    assert sorted(r["claim_id"] for r in rows) == sorted(str(c.id) for c in touching)
    dated = [r for r in rows if r["start"]]
    assert len(dated) == 4 and rows[:4] == dated and len(rows) - len(dated) == 6
    assert {(r["start"], r["type"], r["other_id"]) for r in dated} == {("2016", "SUPPLIES", "vendor:huawei")}
    assert len({s["id"] for r in dated for s in r["sources"]}) == 3
    assert all(s["publisher"] and s["title"] for r in rows for s in r["sources"])

    countries = [ln.split(",")[1] for ln in footprint.splitlines() if ln.startswith("country,")]
    assert len(countries) == 18 and not {"country:UG", "country:EC"} & set(countries)
    every = runner.invoke(app, ["query", "vendor_footprint", "-p", "vendor=vendor:huawei", "--format", "json"])
    assert len([r for r in json.loads(every.stdout) if r["category"] == "country"]) == 20

    wrong = runner.invoke(app, ["query", "vendor_footprint", "-p", "vendor=vendor:huawe"])
    assert wrong.exit_code == 2 and "did you mean vendor:huawei" in " ".join(wrong.stderr.split())

    day = "2016-06-30"
    assert day in curls[0]
    store = EmbeddedStore(seeded)
    with ApiServer(create_app(settings(), store=store)) as server:
        argv = shlex.split(curls[0].replace("http://127.0.0.1:8000", server.url))
        done = subprocess.run([*argv, "--fail-with-body"], capture_output=True, text=True, timeout=60)
    store.close()
    assert done.returncode == 0, (done.stdout, done.stderr)
    body = json.loads(done.stdout)
    by_id = {str(c.id): c for c in claims}
    assert body["rows"] and all(claim_in_force(r["start"], r["end"], day) for r in body["rows"])
    direct = {str(c.id) for c in claims if "country:PK" in (c.from_id, c.to_id) and claim_in_force(c.start, c.end, day)}
    assert direct <= {r["claim_id"] for r in body["rows"]}
    assert all(by_id[r["claim_id"]].start == r["start"] for r in body["rows"])


def test_paths_section_commands_run_and_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """## Paths: at a date, a page at a time: the pages join up, each row carries the total, and the
    path at a date uses only claims in force that day."""
    ran = run_readme_commands(
        "Paths: at a date, a page at a time",
        tmp_path,
        monkeypatch,
        [
            ["load", "seed_data/"],
            *[["query", "vendors_touching_national_data_centres"]] * 2,
            ["query", "shortest_path"],
        ],
        prepare=lambda args: [*args, "--format", "json"] if args[:2] == ["query", "shortest_path"] else args,
    )
    first, second = (json.loads(result.stdout) for _, result in ran[1:3])
    whole = json.loads(
        runner.invoke(app, ["query", "vendors_touching_national_data_centres", "--format", "json"]).stdout
    )
    assert [r["vendor_id"] for r in first + second] == [r["vendor_id"] for r in whole][:4]
    assert [r["vendor_id"] for r in first] == ["vendor:huawei", "vendor:inspur"]
    assert [r["vendor_id"] for r in second] == ["vendor:sino-zimbabwe", "vendor:cloudwalk"]
    assert {r["total"] for r in first} == {len(whole)} == {20}
    assert {r["total"] for r in second} == {None}  # count=false
    paths = json.loads(ran[3][1].stdout)
    undated = json.loads(
        runner.invoke(
            app,
            [
                *("query", "shortest_path", "-p", "from=vendor:cloudwalk"),
                *("-p", "to=database:zw-national-data-centre", "--format", "json"),
            ],
        ).stdout
    )
    # Only claims in force on the day: a path no shorter than the one over every claim, all of one length.
    assert paths and len({p["hops"] for p in paths}) == 1 and paths[0]["hops"] >= undated[0]["hops"] == 2
    for path in paths:
        assert path["path"]["nodes"][0]["id"] == "vendor:cloudwalk"
        for rel in path["path"]["relationships"]:
            assert claim_in_force(rel["start"], rel["end"], "2019-06-30")
    (call,) = readme_lines("Paths: at a date, a page at a time", "curl ")
    store = EmbeddedStore(tmp_path / "data")
    with ApiServer(create_app(settings(), store=store)) as server:
        argv = shlex.split(call.replace("http://127.0.0.1:8000", server.url))
        done = subprocess.run([*argv, "--fail-with-body"], capture_output=True, text=True, timeout=60)
    store.close()
    assert done.returncode == 0, done.stdout
    body = json.loads(done.stdout)
    assert [p["hops"] for p in body["paths"]] == [p["hops"] for p in paths]
