"""`python -m survgraph` is the same command line as the `survgraph` script."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import FIXTURES, ROOT


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


def test_system_deps_names_what_it_cannot_install() -> None:
    """Without root or sudo, tools/system-deps installs nothing and names the missing package."""
    script = ROOT / "tools" / "system-deps"
    env = {"PATH": "/usr/bin:/bin", "CHROMIUM_PATH": "/nonexistent/chromium"}
    check = subprocess.run([str(script), "--check"], env=env, capture_output=True, text=True, timeout=60)
    assert check.returncode == 1
    assert "chromium" in check.stderr
    # As root (CI), drop to nobody; a developer's own account is already unprivileged.
    drop = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.geteuid() == 0 else []
    proc = subprocess.run([*drop, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "installing them needs root" in proc.stderr
    assert "chromium" in proc.stderr
