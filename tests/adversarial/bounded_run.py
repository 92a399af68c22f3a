"""Run an attack in a child process bounded in time and memory, so that a regression fails instead of hanging
CI or eating the machine: the child gets RLIMIT_AS and a wall-clock timeout, and is killed past either.

Used by the input-limit suites (test_records.py, test_rdf_input.py) for the cases that once ran for minutes.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

#: Wall-clock seconds an attack may take in the child: generous for a loaded CI machine, far below "minutes".
TIMEOUT_S = 60
#: Address space of the child: the interpreter, rdflib, pydantic and the parse must fit; a bomb does not.
MEMORY_BYTES = 1536 * 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def _run(prelude_args: list[str], stdin: bytes | None, timeout: float) -> Outcome:
    try:
        proc = subprocess.run(
            [sys.executable, *prelude_args], input=stdin, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:  # subprocess.run kills the child before raising
        raise AssertionError(f"still running after {timeout} s (killed): {prelude_args[-3:]}") from exc
    return Outcome(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))


# The limit is set by the child itself, first thing: no preexec_fn in a test process that has threads.
_LIMIT = f"import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_BYTES}, {MEMORY_BYTES}))"


def run_module_bounded(module: str, *args: str, stdin: bytes | None = None, timeout: float = TIMEOUT_S) -> Outcome:
    """`python -m MODULE ARGS` with the limits; fails the test (AssertionError) if it runs past `timeout`."""
    code = f"{_LIMIT}; sys.argv = sys.argv[1:]; runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
    return _run(["-c", code, module, *args], stdin, timeout)


def run_code_bounded(code: str, *args: str, stdin: bytes | None = None, timeout: float = TIMEOUT_S) -> Outcome:
    """`python -c CODE ARGS` with the limits; fails the test (AssertionError) if it runs past `timeout`."""
    return _run(["-c", f"{_LIMIT}\n{code}", *args], stdin, timeout)
