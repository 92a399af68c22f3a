"""`as_of`: the in-force rule in Cypher (survgraph.graph.time.in_force) agrees with the Python rule on
both stores, over partial dates at every precision and around every boundary."""

from __future__ import annotations

import itertools

import ladybug
import pytest

from survgraph.graph.time import claim_in_force, in_force
from survgraph.schema.types import check_as_of

STARTS = [None, "2018", "2019", "2019-06", "2019-06-30", "2019-07", "2019-07-01"]
ENDS = [None, "2018", "2019", "2019-06", "2019-06-29", "2019-06-30", "2019-07"]
DAYS = ["2018-12-31", "2019-01-01", "2019-06-29", "2019-06-30", "2019-07-01", "2019-12-31", "2020-01-01"]


def test_python_rule_reads_partial_dates_as_whole_periods() -> None:
    assert claim_in_force("2019", None, "2019-01-01")
    assert not claim_in_force("2019-07", None, "2019-06-30")
    assert claim_in_force(None, "2019", "2019-12-31")
    assert not claim_in_force(None, "2019", "2020-01-01")
    assert claim_in_force(None, "2019-06", "2019-06-30")
    assert not claim_in_force(None, "2019-06-29", "2019-06-30")
    assert claim_in_force(None, None, "1900-01-01")
    assert claim_in_force("2030", "2031", None)


def test_cypher_rule_matches_python_rule_on_the_embedded_engine() -> None:
    db = ladybug.Database(":memory:")
    conn = ladybug.Connection(db)
    conn.execute("CREATE NODE TABLE N(id STRING, PRIMARY KEY(id))")
    conn.execute("CREATE REL TABLE R(FROM N TO N, id STRING, start STRING, `end` STRING)")
    conn.execute("CREATE (:N {id: 'a'}), (:N {id: 'b'})")
    pairs = list(itertools.product(STARTS, ENDS))
    for i, (start, end) in enumerate(pairs):
        conn.execute(
            "MATCH (a:N {id: 'a'}), (b:N {id: 'b'}) CREATE (a)-[:R {id: $id, start: $s, `end`: $e}]->(b)",
            {"id": str(i), "s": start, "e": end},
        )
    query = f"MATCH ()-[r:R]->() WHERE {in_force('r')} RETURN r.id"
    for day in [*DAYS, ""]:
        got = {row[0] for row in conn.execute(query, {"as_of": day}).get_all()}
        want = {str(i) for i, (s, e) in enumerate(pairs) if claim_in_force(s, e, day)}
        assert got == want, day


# The last three: a trailing line break (Python's `$` matches before one), digits that are not ASCII.
@pytest.mark.parametrize(
    "bad",
    [
        "2019",
        "2019-06",
        "2019-02-30",
        "19-06-30",
        "2019-6-30",
        "",
        "2019-06-30T00:00",
        "2019-06-30\n",
        "\u0662\u0660\u0661\u0669-06-30",
        "2019-\uff10\uff16-30",
    ],
)
def test_as_of_is_a_real_full_date(bad: str) -> None:
    with pytest.raises(ValueError):
        check_as_of(bad)


def test_in_force_takes_identifiers_only() -> None:
    with pytest.raises(ValueError):
        in_force("r) OR (true")
