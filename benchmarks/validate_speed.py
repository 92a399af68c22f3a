"""`survgraph validate` speed and peak RSS (issue 11: at least 100k records/s for CSV tables), beside the
plain parse bench_load.py uses (the csv module's reader, plus libyaml for YAML files beside; libyaml's
`yaml.load` for YAML), in the same run, optionally beside an older survgraph:

    python benchmarks/validate_speed.py --graph /work/gen/graph-100000-seed7 [--formats csv,yaml]
        [--repeat 3] [--before DIR]...

Each side is a process of its own (`python -m survgraph validate GRAPH/FORMAT`; the plain side this script
with --plain), its peak RSS the kernel's (os.wait4); the sides take turns, so that a busy machine slows
them alike, and each side's CPU time (user + system, from wait4) is printed beside its wall time: on a
busy machine a process waits for a core, and its CPU time is the steadier figure. `--before DIR`
(repeatable) also runs the survgraph package found in DIR (e.g. `git archive d49072d | tar -x -C DIR`), by
PYTHONPATH. Records/s counts entities and claims, derived ones
included, as the command's summary line does. survgraph's wall times include the interpreter's start and
imports (about 1 s on a quiet machine); the plain parse's is timed inside its process, parse only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_load import _plain_csv_parse, _plain_parse  # noqa: E402
from bench_load_memory import _run_cpu  # noqa: E402

SUMMARY = re.compile(r"(\d+) entities, (\d+) claims")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graph", type=Path, help="a folder written by benchmarks/generate.py")
    parser.add_argument("--formats", default="csv,yaml")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--before", type=Path, action="append", default=[], help="an older survgraph's tree")
    parser.add_argument("--plain", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain:
        fmt, folder = args.plain
        print((_plain_csv_parse if fmt == "csv" else _plain_parse)(Path(folder)))
        return 0
    if args.graph is None:
        parser.error("--graph is required")
    sides: list[tuple[str, dict[str, str] | None]] = [(str(d), {"PYTHONPATH": str(d)}) for d in args.before]
    sides.append(("this tree", None))
    columns = "wall s | CPU s | peak RSS MiB | records | records/s | records/CPU s | ratio to plain"
    print(f"| run | format | side | {columns} |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in range(args.repeat):
        for fmt in args.formats.split(","):
            folder = args.graph / fmt
            _, plain_rss, _, out = _run_cpu([sys.executable, __file__, "--plain", fmt, str(folder)])
            plain_s = float(out)  # the parse alone, without the interpreter's start
            print(f"| {n + 1} | {fmt} | plain parse | {plain_s:.2f} | | {plain_rss:.0f} | | | | 1 |", flush=True)
            for name, env in sides:
                # -P: not the survgraph of the working directory (this tree's root), but PYTHONPATH's
                argv = [sys.executable, "-P", "-m", "survgraph", "validate", str(folder)]
                seconds, rss, cpu, out = _run_cpu(argv, env, stderr=True)
                m = SUMMARY.search(out)
                if m is None:
                    raise RuntimeError(f"no summary line in {out[-300:]!r}")
                records = int(m[1]) + int(m[2])
                print(
                    f"| {n + 1} | {fmt} | {name} | {seconds:.2f} | {cpu:.2f} | {rss:.0f} | {records} "
                    f"| {records / seconds:,.0f} | {records / cpu:,.0f} | {seconds / plain_s:.2f} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
