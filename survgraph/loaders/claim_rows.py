"""The fast path for a CSV row of claims: its cells checked by position against the rules the Claim model
applies, without building a dict or the model, for the rows that are certainly valid.

The fast path only ever says "valid": `RowChecker.check` gives a CheckedClaim for a row whose every cell
is what the model accepts (and whose ends and sources are valid records the checks after the model accept:
see validate._Validator._fast_table), or None when it is not sure. A row it is not sure of goes the whole
slow way (its dict, the model, every check), which reports its problems, as every row went before. So
the problems are the slow path's by construction; what the fast path must be is sound (never accept a row
the model or the checks refuse), which tests/test_claim_rows.py checks by feeding bad rows through both.

What it accepts: a row as wide as the header; no cell given outside the claim's plain fields (figures,
nested parts and unknown columns are the slow path's); a type the registry has, between valid records of
kinds it joins; 1 to MAX_LIST_ITEMS sources, each a valid source record; a confidence and technologies
from their vocabularies; partial dates the model's check accepts; figure_sources, key, notes and the
claim's own id as the model's patterns and lengths allow."""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from survgraph.loaders.records import _split_list
from survgraph.schema.models import (
    CLAIM_KEY_MAX_CHARS,
    CLAIM_KEY_PATTERN,
    CLAIM_TYPE_MAX_CHARS,
    CLAIM_TYPE_PATTERN,
    ENTITY_ID_MAX_CHARS,
    ENTITY_ID_PATTERN,
    CheckedClaim,
)
from survgraph.schema.registry import Registry
from survgraph.schema.types import (
    CONTROL_IN_TEXT,
    MAX_LIST_ITEMS,
    MAX_TEXT_CHARS,
    Confidence,
    Technology,
    check_partial_date,
)


def _whole(pattern: str) -> Callable[[str], Any]:
    """A model's `^...$` pattern as Python's fullmatch: it matches no string the model's would refuse."""
    assert pattern.startswith("^") and pattern.endswith("$")
    return re.compile(pattern[1:-1]).fullmatch


_ENTITY_ID = _whole(ENTITY_ID_PATTERN)
_CLAIM_TYPE = _whole(CLAIM_TYPE_PATTERN)
_CLAIM_KEY = _whole(CLAIM_KEY_PATTERN)
_CONFIDENCE: dict[str, Confidence] = {c.value: c for c in Confidence}
_TECHNOLOGY: dict[str, Technology] = {t.value: t for t in Technology}

#: The columns the fast path reads; a cell in any other column sends its row the slow way.
FIELDS = ("id", "type", "from", "to", "sources", "confidence", "start", "end", "technologies")
FIELDS_MORE = ("figure_sources", "notes", "key")
#: How many distinct valid dates are remembered (dates repeat a lot; the check is a regex and some ints).
_DATES_KEPT = 65_536


class RowChecker:
    """The fast check of one table's rows (its header), against the records known once stage 1 is done:
    `labels` (valid record id -> its kind's label) and `sources` (the valid source records' ids)."""

    def __init__(
        self, header: list[str], registry: Registry, labels: dict[str, str], sources: frozenset[str] | set[str]
    ) -> None:
        self.width = len(header)
        at = {name: i for i, name in enumerate(header)}
        # A column the header lacks reads the cell after the row's last: "" (the row is padded for it).
        self.pad = any(name not in at for name in FIELDS + FIELDS_MORE)
        self.get = itemgetter(*(at.get(name, self.width) for name in FIELDS + FIELDS_MORE))
        known = set(FIELDS + FIELDS_MORE)
        others = [i for i, name in enumerate(header) if name not in known]
        self.others: Callable[[list[str]], Any] | None = itemgetter(*others) if others else None
        self.one_other = len(others) == 1
        self.labels = labels
        self.sources = sources
        self.triples = frozenset(
            (name, a, b)
            for name, edge in registry.edge_types.items()
            if len(name) <= CLAIM_TYPE_MAX_CHARS and _CLAIM_TYPE(name)
            for a, b in edge.endpoints
        )
        self.dates: set[str] = set()

    def _date(self, value: str) -> bool:
        try:
            check_partial_date(value)
        except ValueError:
            return False
        if len(self.dates) < _DATES_KEPT:
            self.dates.add(value)
        return True

    def _ids(self, ids: list[str]) -> bool:
        labels = self.labels
        return all(i in labels or (len(i) <= ENTITY_ID_MAX_CHARS and _ENTITY_ID(i)) for i in ids)

    def check(self, row: list[str]) -> CheckedClaim | None:
        """The claim of a row, if the fast path is sure the row is valid; else None (the slow path's)."""
        if len(row) != self.width:
            return None
        if self.others is not None:
            rest = self.others(row)
            if rest if self.one_other else any(rest):
                return None
        cid, typ, frm, to, src, conf, start, end, tech, fig, notes, key = self.get([*row, ""] if self.pad else row)
        labels = self.labels
        if (typ, labels.get(frm), labels.get(to)) not in self.triples:
            return None
        ids = _split_list(src)
        if not ids or len(ids) > MAX_LIST_ITEMS or not self.sources.issuperset(ids):
            return None
        confidence = _CONFIDENCE.get(conf)
        if confidence is None:
            return None
        dates = self.dates
        if start and start not in dates and not self._date(start):
            return None
        if end and end not in dates and not self._date(end):
            return None
        techs = None
        if tech:
            names = _split_list(tech)
            techs = list(map(_TECHNOLOGY.get, names))
            if len(techs) > MAX_LIST_ITEMS or None in techs:
                return None
        figs = None
        if fig:
            figs = _split_list(fig)
            if len(figs) > MAX_LIST_ITEMS or not self._ids(figs):
                return None
        if notes and (len(notes) > MAX_TEXT_CHARS or CONTROL_IN_TEXT.search(notes)):
            return None
        if key and (len(key) > CLAIM_KEY_MAX_CHARS or not _CLAIM_KEY(key)):
            return None
        if cid and (len(cid) > ENTITY_ID_MAX_CHARS or not _ENTITY_ID(cid)):
            return None
        return CheckedClaim(
            typ,
            frm,
            to,
            ids,
            confidence,
            start=start or None,
            end=end or None,
            technologies=techs,  # type: ignore[arg-type]  # no None in it (checked)
            figure_sources=figs,
            notes=notes or None,
            key=key or None,
            claim_id_=cid or None,
        )
