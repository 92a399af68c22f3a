"""Loaders: read curated records (YAML, CSV), validate them, and write them to a store."""

from survgraph.loaders.load import load_dataset, load_paths
from survgraph.loaders.records import Problem, RawRecord
from survgraph.loaders.validate import Dataset, InvalidRecords, validate_paths

__all__ = ["Dataset", "InvalidRecords", "Problem", "RawRecord", "load_dataset", "load_paths", "validate_paths"]
