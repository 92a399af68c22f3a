"""`python -m survgraph`: the same command line as the `survgraph` script."""

from survgraph.cli import main

main()
