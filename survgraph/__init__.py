"""survgraph: a cited knowledge graph of surveillance vendors, states and projects."""

__version__ = "0.1.0"
