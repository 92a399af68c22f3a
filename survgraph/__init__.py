"""survgraph: a cited knowledge graph of surveillance vendors, states and projects."""

from importlib.metadata import version

#: The one version string is pyproject.toml's; this reads it from the installed package's metadata.
__version__ = version("survgraph")
