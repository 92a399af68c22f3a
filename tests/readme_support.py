"""The README's shell lines by section, for the tests that run them (docs that run)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from survgraph.cli import app

from .conftest import ROOT


def readme_section(title: str) -> str:
    """The text under `## title`, up to the next `## ` heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def readme_lines(title: str, *prefixes: str) -> list[str]:
    """The lines of the section's ```sh blocks that start with one of `prefixes`, in order."""
    lines = []
    for block in readme_section(title).split("```sh")[1:]:
        lines += [ln for ln in block.split("```", 1)[0].splitlines() if ln.startswith(prefixes)]
    return lines


def readme_commands(title: str) -> list[list[str]]:
    """The `survgraph` commands of the section, as argument lists (without `survgraph`, comments dropped)."""
    return [shlex.split(line, comments=True)[1:] for line in readme_lines(title, "survgraph ")]


def run_readme_commands(
    title: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    heads: list[list[str]],
    prepare: Callable[[list[str]], list[str]] = lambda args: args,
) -> list[tuple[list[str], Result]]:
    """Run the section's `survgraph` commands in order, from the checkout, on a fresh embedded store in
    `tmp_path`: their first two words must be `heads`, each must exit 0. `prepare` may rewrite a command's
    arguments first (output paths, --format json). Returns each command as run, with its result."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SURVGRAPH_STORE", "embedded")
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(tmp_path / "data"))
    commands = readme_commands(title)
    assert [c[:2] for c in commands] == heads
    ran = []
    for args in commands:
        args = prepare(args)
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        ran.append((args, result))
    return ran
