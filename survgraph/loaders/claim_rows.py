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
    _new_tuple,
    checked_claim,
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
#: Each confidence by its value, for a dict lookup per row instead of a call to the enum.
CONFIDENCE_OF: dict[str, Confidence] = {c.value: c for c in Confidence}
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
        # what `others` gives for a row with none of those cells (one cell: a string, else a tuple)
        self.no_others: Any = "" if len(others) == 1 else ("",) * len(others)
        self.labels = labels
        self.sources = sources
        self.triples = frozenset(
            (name, a, b)
            for name, edge in registry.edge_types.items()
            if len(name) <= CLAIM_TYPE_MAX_CHARS and _CLAIM_TYPE(name)
            for a, b in edge.endpoints
        )
        self.dates: set[str] = set()
        self._check = self._make_check()

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
        return self._check(row)

    def _make_check(self) -> Callable[[list[str]], CheckedClaim | None]:
        """`check`, as a closure over this table's state (locals, not attributes: it runs for every row)."""
        width, pad, get, others, no_others = self.width, self.pad, self.get, self.others, self.no_others
        labels, sources, triples, dates, date_ok, ids_ok = (
            self.labels,
            self.sources,
            self.triples,
            self.dates,
            self._date,
            self._ids,
        )
        confidences, technologies, split = CONFIDENCE_OF, _TECHNOLOGY, _split_list
        max_items, max_text, max_key, max_id = MAX_LIST_ITEMS, MAX_TEXT_CHARS, CLAIM_KEY_MAX_CHARS, ENTITY_ID_MAX_CHARS
        control, key_ok, id_ok, new = CONTROL_IN_TEXT.search, _CLAIM_KEY, _ENTITY_ID, _new_tuple

        def check(row: list[str]) -> CheckedClaim | None:
            if len(row) != width:
                return None
            if others is not None and others(row) != no_others:
                return None
            cid, typ, frm, to, src, conf, start, end, tech, fig, notes, key = get([*row, ""] if pad else row)
            if (typ, labels.get(frm), labels.get(to)) not in triples:
                return None
            if ";" in src:
                ids = split(src)
                if not ids or len(ids) > max_items or not sources.issuperset(ids):
                    return None
            else:
                one = src.strip()
                if one not in sources:  # "" is not a source either
                    return None
                ids = [one]
            confidence = confidences.get(conf)
            if confidence is None:
                return None
            if start:
                if start not in dates and not date_ok(start):
                    return None
            else:
                start = None
            if end:
                if end not in dates and not date_ok(end):
                    return None
            else:
                end = None
            techs = []
            if tech:
                techs = list(map(technologies.get, split(tech)))
                if len(techs) > max_items or None in techs:
                    return None
            figs = []
            if fig:
                figs = split(fig)
                if len(figs) > max_items or not ids_ok(figs):
                    return None
            if notes:
                if len(notes) > max_text or control(notes):
                    return None
            else:
                notes = None
            if key:
                if len(key) > max_key or not key_ok(key):
                    return None
            else:
                key = None
            if not cid:
                # (techs holds no None: checked above)
                return checked_claim(None, typ, frm, to, ids, confidence, start, end, techs, figs, notes, key)  # type: ignore[arg-type]
            if len(cid) > max_id or not id_ok(cid):
                return None
            return new(
                CheckedClaim, (cid, typ, frm, to, ids, confidence, start, end, techs, figs, notes, key, None, None)
            )

        return check
