"""Reading the graph at a date: which claims are in force on the day `$as_of`.

A claim's `start` and `end` are partial dates ("2016", "2016-05", "2016-05-20"). On the day D a claim
is in force when

- it has no `start`, or its start period began on or before D (`start <= D` as text: "2019" and
  "2019-06" sort before "2019-06-30"), and
- it has no `end`, or its end period has not finished before D (the end "2019" runs to 31 December
  2019, so D's first len(end) characters must not sort after `end`).

Undated claims therefore count at every date; a claim with only a start counts from then on; one with
only an end counts until then. `$as_of = ''` means "no date": every claim counts. docs/as-of.md states
the same rules for analysts.

The predicate is plain Cypher that both stores run (`left` and `size` on strings, string comparison),
so templates and the read layer share this one text (`{{in_force r}}` in a template).
"""

from __future__ import annotations

import re

AS_OF_PARAM = "as_of"
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def in_force(var: str, param: str = AS_OF_PARAM) -> str:
    """Cypher: true when the relationship bound to `var` is in force on `$param` (or `$param` is '')."""
    if not _VARIABLE.fullmatch(var) or not _VARIABLE.fullmatch(param):
        raise ValueError(f"in_force: {var!r} / {param!r} must be Cypher identifiers")
    return (
        f"(${param} = '' OR (({var}.start IS NULL OR {var}.start <= ${param}) "
        f"AND ({var}.`end` IS NULL OR left(${param}, size({var}.`end`)) <= {var}.`end`)))"
    )


def claim_in_force(start: str | None, end: str | None, as_of: str | None) -> bool:
    """The same rule in Python, for data read outside Cypher (records, RDF) and for tests."""
    if not as_of:
        return True
    if start is not None and start > as_of:
        return False
    return end is None or as_of[: len(end)] <= end
