"""The process that reads the rows of a raw Cypher query (see survgraph.queries.raw.read_transaction_rows):
a job on stdin, one answer on stdout, its address space capped. Run only by survgraph.queries.raw."""

from __future__ import annotations

import sys

from survgraph.queries.raw import reader_main

if __name__ == "__main__":
    answer = reader_main(sys.stdin.buffer.read())
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()
