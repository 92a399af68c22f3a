"""`python -m survgraph.cli ...`, as the `survgraph` console script."""

from survgraph.cli import main

main()
