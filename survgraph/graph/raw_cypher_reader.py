"""The process that reads the rows of a raw Cypher query (see survgraph.graph.raw_cypher.read_transaction_rows):
a job on stdin, one answer on stdout, its address space capped. Run only by survgraph.graph.raw_cypher."""

from __future__ import annotations

import sys

from survgraph.graph.raw_cypher import reader_main

if __name__ == "__main__":
    answer = reader_main(sys.stdin.buffer.read())
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()
