"""The evidence rules: what a record's sources must be for the confidence and the figures it states.

The one place these rules live in code; seed_data/README.md ("Evidence rules") states them for curators,
and `RULES` below is what both say. Each breach is a located Problem, an error or a warning by rule.

1. `confirmed` (claim or entity) needs at least one primary source, or secondary sources from at least
   two independent publishers. Independence is counted on `publisher_key`; a repost counts as the publisher
   of what it reposts, so a repost and its original count once.                                    (error)
2. A claim with a figure (amount, quantity, start or end) that cites more than one source names the ones
   that state the figure in `figure_sources`.                                                        (error)
3. `figure_sources` is a subset of the claim's `sources`.                                            (error)
4. `figure_sources` on a claim with no figure says nothing.                                          (warning)
5. A repost's `reposts` names a source record (and the chain of reposts ends).                       (error)
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass

from survgraph.loaders.records import Located, Problem
from survgraph.schema import Confidence, Source
from survgraph.schema.models import PRIMARY_SOURCE_KINDS, ClaimLike, SourceKind


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    text: str


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "confirmed-needs-evidence",
            "error",
            "confirmed needs a primary source, or secondary sources from two independent publishers",
        ),
        Rule("figure-needs-source", "error", "a figure on a claim citing several sources names them in figure_sources"),
        Rule("figure-sources-cited", "error", "figure_sources are among the claim's sources"),
        Rule("figure-sources-without-figure", "warning", "figure_sources on a claim without a figure"),
        Rule("repost-names-original", "error", "a repost reposts a source record"),
    )
}

#: Claim fields that carry a figure a source must state.
FIGURE_FIELDS = ("amount", "quantity", "start", "end")


def publisher_identity(source: Source, sources: Mapping[str, Source]) -> str:
    """Who a source speaks for when counting independence: its publisher, or for a repost, the publisher
    of the source it reposts (followed to the original)."""
    seen = {source.id}
    current = source
    while current.kind is SourceKind.repost and current.reposts is not None:
        original = current.reposts
        if original not in sources or original in seen:
            break
        seen.add(original)
        current = sources[original]
    return current.publisher_key or ""


def supports_confirmed(source_ids: Iterable[str], sources: Mapping[str, Source]) -> bool:
    """Rule 1: a primary source, or two independent secondary publishers. A cited id that is not a
    valid source record is reported elsewhere (unknown or invalid source) and not judged here."""
    ids = list(source_ids)
    if any(s not in sources for s in ids):
        return True
    cited = [sources[s] for s in ids]
    if any(s.kind in PRIMARY_SOURCE_KINDS for s in cited):
        return True
    return len({publisher_identity(s, sources) for s in cited}) >= 2


def _figures(claim: ClaimLike) -> list[str]:
    return [f for f in FIGURE_FIELDS if getattr(claim, f) is not None]


def _problem(rec: Located, label: str, field: str, rule: str, message: str, at: str | None = None) -> Problem:
    return Problem(rec.file, rec.line_of(at or field), label, field, message, RULES[rule].severity)


def _weak(source_ids: list[str], sources: Mapping[str, Source]) -> str:
    cited = [sources[s] for s in source_ids if s in sources]
    publishers = sorted({publisher_identity(s, sources) for s in cited})
    return (
        "confirmed needs a primary source or secondary sources from two independent publishers; "
        f"cited: {len(cited)} secondary source(s) from {len(publishers)} publisher(s) ({', '.join(publishers)})"
    )


def check_node(
    node_id: str,
    self_evident: bool,
    confidence: Confidence | None,
    source_ids: list[str],
    source: Source | None,
    rec: Located,
    sources: Mapping[str, Source],
    all_ids: Container[str],
) -> list[Problem]:
    """Every breach of the evidence rules by one validated node (its id, its kind's self_evident, its
    confidence and sources, and the node itself if it is a source record), given every source record (by
    id) and every id of the records (valid or not)."""
    problems: list[Problem] = []
    if source is not None and source.reposts is not None and source.reposts not in sources:
        what = "is not a source" if source.reposts in all_ids else "unknown source"
        problems.append(_problem(rec, node_id, "reposts", "repost-names-original", f"{what} {source.reposts!r}"))
    if self_evident or confidence is not Confidence.confirmed:
        return problems
    if not supports_confirmed(source_ids, sources):
        problems.append(_problem(rec, node_id, "confidence", "confirmed-needs-evidence", _weak(source_ids, sources)))
    return problems


def may_breach(claim: ClaimLike) -> bool:
    """Whether any rule can apply to a claim: False for most claims, which check_claim then passes at once
    (a caller may skip it, and what it would need to report a breach)."""
    # Most claims: not confirmed and no figure_sources, so rules 1, 3 and 4 cannot apply, and rule 2 only to
    # a figure on a claim citing several sources.
    if claim.confidence is Confidence.confirmed or claim.figure_sources:
        return True
    return len(claim.source_ids) > 1 and bool(_figures(claim))


def check_claim(claim: ClaimLike, rec: Located, sources: Mapping[str, Source]) -> list[Problem]:
    """Every breach of the evidence rules by one validated claim, given every source record (by id)."""
    if not may_breach(claim):
        return []
    problems: list[Problem] = []
    label = rec.label
    if claim.confidence is Confidence.confirmed and not supports_confirmed(claim.source_ids, sources):
        problems.append(
            _problem(rec, label, "confidence", "confirmed-needs-evidence", _weak(claim.source_ids, sources))
        )
    figures = _figures(claim)
    stray = [s for s in claim.figure_sources if s not in claim.source_ids]
    if stray:
        problems.append(
            _problem(
                rec,
                label,
                "figure_sources",
                "figure-sources-cited",
                f"{', '.join(repr(s) for s in stray)} not among the claim's sources",
            )
        )
    if not figures:
        if claim.figure_sources:
            problems.append(
                _problem(
                    rec,
                    label,
                    "figure_sources",
                    "figure-sources-without-figure",
                    "the claim states no figure (amount, quantity, start, end)",
                )
            )
    elif len(claim.source_ids) > 1 and not claim.figure_sources:
        problems.append(
            _problem(
                rec,
                label,
                "figure_sources",
                "figure-needs-source",
                f"the claim states {', '.join(figures)} and cites {len(claim.source_ids)} sources: "
                "name the ones that state it",
                at=figures[0],
            )
        )
    return problems
