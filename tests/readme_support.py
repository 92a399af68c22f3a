"""The README's shell lines by section, for the tests that run them (docs that run)."""

from __future__ import annotations

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
