"""`python -m survgraph` is the same command line as the `survgraph` script."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import FIXTURES


def test_python_dash_m_runs_the_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "survgraph", "validate", str(FIXTURES / "small")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "survgraph", "validate", str(FIXTURES / "bad" / "unknown_reference.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert "unknown_reference.yaml:" in bad.stdout + bad.stderr
