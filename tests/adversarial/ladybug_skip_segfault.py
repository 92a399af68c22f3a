"""LadybugDB 0.22.0: ORDER BY ... SKIP s LIMIT k with s past the last row ends the process with SIGSEGV.

Standalone (needs only `ladybug`): python ladybug_skip_segfault.py [rows] [skip]
Exits 0 and prints the rows if the engine survives; a segfault kills it (exit status -11 / 139).
"""

import sys
import tempfile

import ladybug

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
skip = int(sys.argv[2]) if len(sys.argv) > 2 else 12000

with tempfile.TemporaryDirectory() as tmp:
    db = ladybug.Database(f"{tmp}/g.lbug")
    conn = ladybug.Connection(db)
    conn.execute("CREATE NODE TABLE N(id STRING, PRIMARY KEY(id))")
    conn.execute("UNWIND range(1, $n) AS i CREATE (:N {id: 'n' + to_string(i)})", {"n": rows})
    result = conn.execute("MATCH (n:N) RETURN n.id AS id ORDER BY n.id SKIP $skip LIMIT 5", {"skip": skip})
    found = []
    while result.has_next():
        found.append(result.get_next())
    print(f"survived: {rows} rows, SKIP {skip}: {found}")
