"""User text as a Lucene query for Neo4j's full-text index, with every special character escaped."""

from __future__ import annotations

import re

#: Characters with a meaning in Lucene's classic query syntax (`&&` and `||` are covered by & and |).
LUCENE_SPECIAL = frozenset('+-&|!(){}[]^"~*?:\\/')

_RUN = re.compile(r"[A-Za-z0-9]+")


def escape_lucene(text: str) -> str:
    """Backslash-escape every Lucene special character, so the text is only ever terms."""
    return "".join("\\" + ch if ch in LUCENE_SPECIAL else ch for ch in text)


def contains_query(text: str) -> str:
    """A query whose hits include every node whose name or alias contains `text`, ignoring case.

    Each run of ASCII letters and digits in the text becomes a lower-case `*run*` wildcard, ANDed.
    A name containing the text contains each run inside one indexed token (the standard tokenizer
    never splits a run of ASCII letters and digits), so no match is lost; the caller then applies
    the exact test. Text without such a run gives `*:*` (every node).
    """
    runs = list(dict.fromkeys(run.lower() for run in _RUN.findall(text)))
    if not runs:
        return "*:*"
    return " AND ".join(f"*{escape_lucene(run)}*" for run in runs)
