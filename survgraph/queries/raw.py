"""User-written Cypher, read-only, on Neo4j only: refused unless every layer of the guard agrees.

1. Text checks, on a lexer's tokens (string literals and comments set aside): one statement only
   (no `;` except a trailing one); no control or invisible format characters anywhere; nothing
   but ASCII outside string literals and comments (so fullwidth or look-alike letters cannot pass
   for keywords); it starts with MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN or CALL; no LOAD CSV
   (it reads files and URLs), no `IN TRANSACTIONS`, no USE; a procedure CALL only of a short list
   of read-only procedures (db.resampleIndex and others plan as reads but act).
2. Neo4j's planner: EXPLAIN must report query_type "r".
3. Execution in a READ access-mode transaction (the server refuses writes) with a timeout, rolled
   back at the end, never committed; at most `row_cap` rows are read.

The embedded engine is refused outright: it runs `;`-joined statements, so its read-only mode can
be escaped, and it reads and writes files (LOAD FROM, COPY TO).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from neo4j.exceptions import ClientError, Neo4jError

from survgraph.graph import GraphStore, ReadOnlyViolation, StoreError
from survgraph.graph.neo4j_store import Neo4jStore

MAX_QUERY_LENGTH = 10_000

#: Clauses a read query may start with.
FIRST_CLAUSES = frozenset({"MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL"})

#: Procedures that only read (schema introspection and full-text search), lower-cased.
READ_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.schema.visualization",
        "db.schema.nodetypeproperties",
        "db.schema.reltypeproperties",
        "db.index.fulltext.querynodes",
        "db.index.fulltext.queryrelationships",
    }
)


class RawRows(list[dict[str, Any]]):
    """Rows of a raw query; `truncated` is True when the query had more than the row cap."""

    truncated: bool = False
    columns: list[str]

    def __init__(self, rows: list[dict[str, Any]], columns: list[str], truncated: bool) -> None:
        super().__init__(rows)
        self.columns = columns
        self.truncated = truncated


@dataclass(frozen=True)
class Token:
    kind: str  # word, quoted (backticked name), string, number, punct
    text: str
    pos: int = field(default=0, compare=False)


def _refuse(message: str) -> ReadOnlyViolation:
    return ReadOnlyViolation(f"refused: {message}")


def _check_characters(text: str) -> None:
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if (cat == "Cc" and ch not in "\t\n\r") or cat in ("Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            raise _refuse(f"invisible or control character U+{ord(ch):04X} at offset {i}")


def tokenize(text: str) -> list[Token]:
    """Cypher tokens with comments dropped; raises ReadOnlyViolation on what it cannot read."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":  # only ASCII whitespace: str.isspace() also takes U+00A0 and friends
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise _refuse("unterminated /* comment")
            i = end + 2
        elif ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise _refuse("unterminated string literal")
            tokens.append(Token("string", text[i + 1 : j], i))
            i = j + 1
        elif ch == "`":
            j = i + 1
            while True:
                j = text.find("`", j)
                if j < 0:
                    raise _refuse("unterminated `quoted` name")
                if text.startswith("``", j):
                    j += 2
                    continue
                break
            name = text[i + 1 : j].replace("``", "`")
            if not name.isascii():
                raise _refuse("non-ASCII characters in a `quoted` name")
            tokens.append(Token("quoted", name, i))
            i = j + 1
        elif not ch.isascii():
            raise _refuse(
                f"non-ASCII character {ch!r} (U+{ord(ch):04X}) outside a string literal; "
                "look-alike letters are not accepted as Cypher"
            )
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("word", text[i:j], i))
            i = j
        elif ch.isdigit():
            j = i
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] in "._"):
                j += 1
            tokens.append(Token("number", text[i:j], i))
            i = j
        else:
            tokens.append(Token("punct", ch, i))
            i += 1
    return tokens


def _is_word(tok: Token | None, *words: str) -> bool:
    return tok is not None and tok.kind == "word" and tok.text.upper() in words


def check_text(text: str) -> str:
    """The query with a trailing `;` removed, if the text checks pass; else ReadOnlyViolation."""
    if len(text) > MAX_QUERY_LENGTH:
        raise _refuse(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    _check_characters(text)
    tokens = tokenize(text)
    if not tokens:
        raise _refuse("the query is empty")
    if tokens[-1] == Token("punct", ";"):
        text = text[: tokens[-1].pos]  # a trailing `;` (and any comment after it) is dropped
        tokens = tokens[:-1]
    if any(t == Token("punct", ";") for t in tokens):
        raise _refuse("one statement only: `;` joins several statements")
    if not tokens:
        raise _refuse("the query is empty")
    first = tokens[0]
    if not _is_word(first, *FIRST_CLAUSES):
        allowed = ", ".join(sorted(FIRST_CLAUSES))
        raise _refuse(f"a read query starts with one of {allowed}, not {first.text!r}")
    for i, tok in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        before = tokens[i - 1] if i > 0 else None
        if before == Token("punct", "."):
            continue  # a property key such as n.use
        if _is_word(tok, "LOAD") and _is_word(after, "CSV"):
            raise _refuse("LOAD CSV reads files and URLs")
        if _is_word(tok, "IN") and _is_word(after, "TRANSACTIONS"):
            raise _refuse("CALL { ... } IN TRANSACTIONS commits on its own")
        if _is_word(tok, "USE"):
            raise _refuse("USE switches database; queries run on the store's own database")
        if _is_word(tok, "CALL") and after is not None and after.kind in ("word", "quoted"):
            name = _procedure_name(tokens, i + 1)
            if name.lower() not in READ_PROCEDURES:
                listed = ", ".join(sorted(READ_PROCEDURES))
                raise _refuse(f"procedure {name!r} is not on the read-only list ({listed})")
    return text.strip()


def _procedure_name(tokens: list[Token], start: int) -> str:
    parts = [tokens[start].text]
    j = start + 1
    while j + 1 < len(tokens) and tokens[j] == Token("punct", ".") and tokens[j + 1].kind in ("word", "quoted"):
        parts.append(tokens[j + 1].text)
        j += 2
    return ".".join(parts)


def run_read_only(
    store: GraphStore,
    text: str,
    *,
    params: Mapping[str, Any] | None = None,
    timeout_s: float = 10,
    row_cap: int = 1000,
) -> RawRows:
    """Run user-written Cypher if, and only if, it can be shown to only read (see the module doc).

    Returns at most `row_cap` rows, normalised like GraphStore.query's (`.truncated` says whether
    there were more). Raises ReadOnlyViolation when refused, StoreError when Neo4j fails to run it
    (a timeout, a runtime error), StoreUnavailable when Neo4j cannot be reached.
    """
    if not isinstance(store, Neo4jStore):
        raise _refuse(
            f"raw Cypher runs only on the Neo4j store, not the {store.name} store: the embedded engine "
            "runs `;`-joined statements and reads and writes files, so it cannot be held to read-only"
        )
    if row_cap < 1 or timeout_s <= 0:
        raise ValueError("row_cap must be >= 1 and timeout_s > 0")
    query = check_text(text)
    with _guarded(timeout_s):
        try:
            query_type = store.explain_query_type(query, params)
        except ClientError as exc:
            raise _refuse(f"Neo4j cannot plan the query, so it cannot be shown to only read: {exc.message}") from exc
        if query_type != "r":
            kinds = {"w": "writes", "rw": "reads and writes", "s": "changes the schema or the system"}
            raise _refuse(f"Neo4j's planner says the query {kinds.get(query_type, repr(query_type))}")
    return read_transaction_rows(store, query, params=params, timeout_s=timeout_s, row_cap=row_cap)


def read_transaction_rows(
    store: Neo4jStore,
    query: str,
    *,
    params: Mapping[str, Any] | None = None,
    timeout_s: float = 10,
    row_cap: int = 1000,
) -> RawRows:
    """The last layer on its own: run `query` in a READ access-mode transaction with a timeout, read
    at most `row_cap` rows, and roll back. Callers go through run_read_only, which checks first."""
    with _guarded(timeout_s):
        rows, columns, truncated = store.read_rolled_back(query, params, timeout_s=timeout_s, row_cap=row_cap)
    return RawRows(rows, columns, truncated)


@contextmanager
def _guarded(timeout_s: float) -> Iterator[None]:
    """Neo4j's errors as the store's: refusals, timeouts, unreachable servers."""
    try:
        yield
    except ReadOnlyViolation:
        raise
    except ClientError as exc:
        code = exc.code or ""
        if code == "Neo.ClientError.Statement.AccessMode":
            raise _refuse(f"Neo4j refused a write in the read-only transaction: {exc.message}") from exc
        if "TimedOut" in code or "Terminated" in code:
            raise StoreError(f"the query did not finish within {timeout_s:g} s and was stopped") from exc
        raise StoreError(f"Neo4j: {exc.message}") from exc
    except Neo4jError as exc:
        raise StoreError(f"Neo4j: {exc.message}") from exc
