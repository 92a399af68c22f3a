"""User-written Cypher, read-only, on Neo4j only: refused unless every layer of the guard agrees.

The decision rests on what Neo4j itself parsed (layer 3), not on our reading of the text: Neo4j
decodes `\\uXXXX` escapes before it lexes a query, so a string literal can hide a quote from any
lexer of ours (`'a\\u0027 ... LOAD CSV FROM \\u0027http://...\\u0027 ...'`).

1. Text checks (`check_text`), a first filter only, on a lexer's tokens (string literals and
   comments set aside): one statement only (no `;` except a trailing one); no control or invisible
   format characters anywhere; nothing but ASCII outside string literals and comments; it starts
   with MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN or CALL; no LOAD CSV, no `IN TRANSACTIONS`, no
   USE; a procedure CALL only of READ_PROCEDURES.
2. Neo4j's planner: EXPLAIN must report query_type "r".
3. Neo4j's plan (`check_plan`): every operator of the plan EXPLAIN returns must be in
   READ_OPERATORS, the operators seen in the plans of read queries on Neo4j 5.26; a ProcedureCall
   only of a procedure in READ_PROCEDURES, by the name the plan gives; LoadCSV and any operator not
   on the list (writes, schema and admin commands, IN TRANSACTIONS, operators of later versions) are
   refused.
4. Execution in a READ access-mode transaction (the server refuses writes) with a server-side
   timeout, rolled back at the end, never committed; at most `row_cap` rows and `byte_cap` bytes
   (rows as compact JSON, counted as they arrive) are read; the server's own transaction memory
   limit (db.memory.transaction.max in neo4j.conf) stops queries that hold too much.

Every message that leaves this module goes through `public_message`: no Java class names, no Bolt
URI of the store. The embedded engine is refused outright: it runs `;`-joined statements, so its
read-only mode can be escaped, and it reads and writes files (LOAD FROM, COPY TO).
"""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from neo4j.exceptions import ClientError, Neo4jError

from survgraph.graph import GraphStore, ReadOnlyViolation, StoreAuthError, StoreError, StoreUnavailable
from survgraph.graph.neo4j_store import Neo4jStore, json_size

MAX_QUERY_LENGTH = 10_000
#: The most bytes of rows (as compact JSON) a raw query may return: 8 MiB.
MAX_RESULT_BYTES = 8 * 1024 * 1024
#: The most bytes the query's $parameters may take as JSON: 64 KiB.
MAX_PARAMS_BYTES = 64 * 1024

#: Clauses a read query may start with.
FIRST_CLAUSES = frozenset({"MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL"})

#: Procedures that only read (schema introspection and full-text search), by the exact name Neo4j's
#: plan gives them (the text check compares them lower-cased).
READ_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshipTypes",
        "db.propertyKeys",
        "db.schema.visualization",
        "db.schema.nodeTypeProperties",
        "db.schema.relTypeProperties",
        "db.index.fulltext.queryNodes",
        "db.index.fulltext.queryRelationships",
    }
)
_READ_PROCEDURES_LOWER = frozenset(p.lower() for p in READ_PROCEDURES)

#: Plan operators that only read, as Neo4j 5.26 names them in `summary.plan` (the `@database` suffix
#: dropped). Collected from the EXPLAIN plans of the query templates (with their parameters; see
#: tests/test_cypher_guard.py::test_every_template_passes_the_plan_walk) and of about 160 read queries
#: on the test server, not from documentation: anything else, known or not, is refused.
READ_OPERATORS = frozenset(
    {
        # leaves: scans, seeks and counts
        "AllNodesScan",
        "Argument",
        "DirectedAllRelationshipsScan",
        "DirectedRelationshipByElementIdSeek",
        "DirectedRelationshipByIdSeek",
        "DirectedRelationshipTypeScan",
        "DirectedRelationshipUniqueIndexSeek",
        "DirectedRelationshipUniqueIndexSeekByRange",
        "DirectedUnionRelationshipTypesScan",
        "IntersectionNodeByLabelsScan",
        "NodeByElementIdSeek",
        "NodeByIdSeek",
        "NodeByLabelScan",
        "NodeCountFromCountStore",
        "NodeIndexScan",
        "NodeUniqueIndexSeek",
        "NodeUniqueIndexSeekByRange",
        "RelationshipCountFromCountStore",
        "UndirectedAllRelationshipsScan",
        "UndirectedRelationshipByElementIdSeek",
        "UndirectedRelationshipByIdSeek",
        "UndirectedRelationshipTypeScan",
        "UndirectedRelationshipUniqueIndexSeek",
        "UndirectedRelationshipUniqueIndexSeekByRange",
        "UndirectedUnionRelationshipTypesScan",
        "UnionNodeByLabelsScan",
        # traversal
        "Expand(All)",
        "Expand(Into)",
        "OptionalExpand(All)",
        "OptionalExpand(Into)",
        "ShortestPath",
        "StatefulShortestPath(All)",
        "StatefulShortestPath(Into)",
        "VarLengthExpand(All)",
        "VarLengthExpand(Into)",
        "VarLengthExpand(Pruning,BFS,All)",
        # rows: filter, project, order, aggregate, combine
        "AntiSemiApply",
        "Apply",
        "CacheProperties",
        "CartesianProduct",
        "Distinct",
        "EagerAggregation",
        "EmptyResult",
        "Filter",
        "Limit",
        "Optional",
        "OrderedAggregation",
        "ProduceResults",
        "Projection",
        "RollUpApply",
        "SelectOrAntiSemiApply",
        "SemiApply",
        "Skip",
        "Sort",
        "Top",
        "Union",
        "Unwind",
        "ValueHashJoin",
        # checked further: only READ_PROCEDURES
        "ProcedureCall",
    }
)

#: Operators in a plan beyond which it is refused unread (a plan is a tree; this bounds the walk).
MAX_PLAN_OPERATORS = 5_000


class ResultTooLarge(StoreError):
    """The rows of a raw query came to more than the byte cap; reading stopped there."""

    def __init__(self, limit: int, rows_read: int) -> None:
        super().__init__(
            f"the result is larger than {limit} bytes (as JSON); reading stopped after {rows_read} row(s) "
            "and nothing is returned: add LIMIT or return fewer or smaller values"
        )
        self.limit = limit
        self.rows_read = rows_read


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
            if name.lower() not in _READ_PROCEDURES_LOWER:
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


_PROCEDURE_IN_DETAILS = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\(")


def plan_operators(plan: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(operator, arguments) of every operator of a plan as the driver gives it, the `@database`
    suffix dropped; refuses a plan it cannot read or that has more than MAX_PLAN_OPERATORS."""
    stack: list[Any] = [plan]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_PLAN_OPERATORS:
            raise _refuse(f"Neo4j's plan has more than {MAX_PLAN_OPERATORS} operators")
        if not isinstance(node, Mapping) or not isinstance(node.get("operatorType"), str):
            raise _refuse("Neo4j gave no plan that can be read, so the query cannot be shown to only read")
        args = node.get("args") or {}
        children = node.get("children") or []
        if not isinstance(args, Mapping) or not isinstance(children, list):
            raise _refuse("Neo4j gave no plan that can be read, so the query cannot be shown to only read")
        yield node["operatorType"].split("@", 1)[0], args
        stack.extend(reversed(children))


def plan_procedure(args: Mapping[str, Any]) -> str | None:
    """The procedure a ProcedureCall operator calls, as its Details give it ("db.labels() :: (...)")."""
    match = _PROCEDURE_IN_DETAILS.match(str(args.get("Details", "")))
    return match.group(1) if match else None


def check_plan(plan: Mapping[str, Any]) -> None:
    """Refuse (ReadOnlyViolation) unless every operator of Neo4j's plan is a read operator, and every
    procedure it calls is on READ_PROCEDURES."""
    for operator, args in plan_operators(plan):
        if operator == "LoadCSV":
            raise _refuse("Neo4j's plan reads a file or URL (LoadCSV)")
        if operator == "ProcedureCall":
            name = plan_procedure(args)
            if name is None:
                raise _refuse("Neo4j's plan calls a procedure whose name cannot be read from the plan")
            if name not in READ_PROCEDURES:
                listed = ", ".join(sorted(READ_PROCEDURES))
                raise _refuse(f"Neo4j's plan calls procedure {name!r}, not on the read-only list ({listed})")
        elif operator not in READ_OPERATORS:
            raise _refuse(f"Neo4j's plan has the operator {operator!r}, which is not on the list of read operators")


# -- what may leave this module ----------------------------------------------------------------------

#: Java class names ("java.lang.IllegalArgumentException: ", "Caused by: org.neo4j....Exception").
_JAVA_EXCEPTION = re.compile(
    r"(?:Caused by:\s*)?\b(?:[A-Za-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)\b:?\s*"
)
#: Any other dotted name in a JVM package namespace (two dots at least: `org.name` is a property).
_JAVA_NAME = re.compile(r"\b(?:org|java|javax|jdk|sun|com|io|scala|kotlin|lucene)\.[\w$]+\.[\w$.]*[\w$]")
#: Stack frames.
_JAVA_FRAME = re.compile(r"^\s*at \S+\(.*?\)\s*$", re.MULTILINE)
#: Any Bolt URI.
_BOLT_URI = re.compile(r"\b(?:bolt|neo4j)(?:\+s|\+ssc)?://[^\s'\"<>()]*", re.IGNORECASE)


def public_message(text: str, *private: str) -> str:
    """`text` as it may be shown to a client: without Java class names and stack frames, without any
    Bolt URI, and without the strings in `private` (the store's URI, its host:port)."""
    for secret in sorted((p for p in private if p), key=len, reverse=True):
        text = text.replace(secret, "[store]")
    text = _BOLT_URI.sub("[store]", text)
    text = _JAVA_FRAME.sub("", text)
    text = _JAVA_EXCEPTION.sub("", text)
    text = _JAVA_NAME.sub("[internal]", text)
    return text.strip()


def _private_parts(store: GraphStore) -> tuple[str, ...]:
    uri = str(getattr(store, "uri", "") or "")
    netloc = uri.split("://", 1)[-1].split("/", 1)[0] if uri else ""
    return (uri, netloc)


@contextmanager
def _public_errors(store: GraphStore) -> Iterator[None]:
    """The one place errors of raw Cypher are made fit to show: the same class, a cleaned message."""
    try:
        yield
    except StoreUnavailable as exc:
        raise StoreUnavailable("Neo4j is not reachable; try again shortly") from exc
    except StoreAuthError as exc:
        raise StoreAuthError("Neo4j refused the server's credentials") from exc
    except ResultTooLarge:
        raise
    except StoreError as exc:
        raise exc.__class__(public_message(str(exc), *_private_parts(store))) from exc


def run_read_only(
    store: GraphStore,
    text: str,
    *,
    params: Mapping[str, Any] | None = None,
    timeout_s: float = 10,
    row_cap: int = 1000,
    byte_cap: int = MAX_RESULT_BYTES,
) -> RawRows:
    """Run user-written Cypher if, and only if, it can be shown to only read (see the module doc).

    Returns at most `row_cap` rows, normalised like GraphStore.query's (`.truncated` says whether
    there were more). Raises ReadOnlyViolation when refused, ResultTooLarge when the rows come to
    more than `byte_cap` bytes, StoreError when Neo4j fails to run it (a timeout, the memory limit, a
    runtime error), StoreUnavailable when Neo4j cannot be reached; every message is public_message's.
    """
    with _public_errors(store):
        if not isinstance(store, Neo4jStore):
            raise _refuse(
                f"raw Cypher runs only on the Neo4j store, not the {store.name} store: the embedded engine "
                "runs `;`-joined statements and reads and writes files, so it cannot be held to read-only"
            )
        if row_cap < 1 or timeout_s <= 0 or byte_cap < 1:
            raise ValueError("row_cap and byte_cap must be >= 1 and timeout_s > 0")
        query = check_text(text)
        if params and json_size(params) > MAX_PARAMS_BYTES:
            raise _refuse(f"the $parameters take more than {MAX_PARAMS_BYTES} bytes as JSON")
        with _guarded(timeout_s):
            try:
                query_type, plan = store.explain(query, params)
            except ClientError as exc:
                raise _refuse(
                    f"Neo4j cannot plan the query, so it cannot be shown to only read: {exc.message}"
                ) from exc
            if query_type != "r":
                kinds = {"w": "writes", "rw": "reads and writes", "s": "changes the schema or the system"}
                raise _refuse(f"Neo4j's planner says the query {kinds.get(query_type, repr(query_type))}")
            check_plan(plan)
        return read_transaction_rows(
            store, query, params=params, timeout_s=timeout_s, row_cap=row_cap, byte_cap=byte_cap
        )


def read_transaction_rows(
    store: Neo4jStore,
    query: str,
    *,
    params: Mapping[str, Any] | None = None,
    timeout_s: float = 10,
    row_cap: int = 1000,
    byte_cap: int = MAX_RESULT_BYTES,
) -> RawRows:
    """The last layer on its own: run `query` in a READ access-mode transaction with a timeout, read
    at most `row_cap` rows and `byte_cap` bytes, and roll back. Callers go through run_read_only,
    which checks first.

    The rows are read in a process of their own (`_reader`), with its address space capped at
    READER_MEMORY bytes and killed at `timeout_s` + READER_GRACE_S: a single record can be far larger
    than the byte cap (`RETURN range(1, 30000000)`), and the driver holds a whole record before it
    can be counted, so only a process of its own bounds what it may allocate."""
    with _public_errors(store):
        outcome = _run_reader(store, query, params, timeout_s=timeout_s, row_cap=row_cap, byte_cap=byte_cap)
        kind = outcome[0]
        if kind == "rows":
            _, rows, columns, stop = outcome
            if stop == "bytes":
                raise ResultTooLarge(byte_cap, len(rows))
            return RawRows(rows, columns, stop == "rows")
        if kind == "too-large":
            raise ResultTooLarge(byte_cap, 0)
        errors: dict[str, type[StoreError]] = {
            "ReadOnlyViolation": ReadOnlyViolation,
            "StoreUnavailable": StoreUnavailable,
            "StoreAuthError": StoreAuthError,
        }
        raise errors.get(outcome[1], StoreError)(outcome[2])


#: The address space of the process that reads a raw query's rows: 1 GiB.
READER_MEMORY = 1024 * 1024 * 1024
#: Seconds the reader may take beyond the query's timeout (start-up, connecting) before it is killed.
READER_GRACE_S = 20.0


def _run_reader(
    store: Neo4jStore,
    query: str,
    params: Mapping[str, Any] | None,
    *,
    timeout_s: float,
    row_cap: int,
    byte_cap: int,
) -> tuple[Any, ...]:
    """Run survgraph.graph.raw_cypher_reader in a fresh interpreter: the job (credentials included) goes
    in on its stdin, its one answer comes back on its stdout; it is killed at the deadline."""
    job = pickle.dumps((store.reopen_args(), query, dict(params or {}), timeout_s, row_cap, byte_cap))
    proc = subprocess.Popen(
        [sys.executable, "-m", "survgraph.graph.raw_cypher_reader"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        out, _ = proc.communicate(job, timeout=timeout_s + READER_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return ("error", "StoreError", f"the query did not finish within {timeout_s:g} s and was stopped")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode == 0 and out:
        answer: tuple[Any, ...] = pickle.loads(out)  # our own child's answer, never a client's bytes
        return answer
    return ("error", "StoreError", f"the reader of the query's rows failed (exit code {proc.returncode})")


def reader_main(job: bytes) -> bytes:
    """The reader process's work (survgraph.graph.raw_cypher_reader): cap the address space at
    READER_MEMORY, read the rows, and return the one answer, pickled."""
    args, query, params, timeout_s, row_cap, byte_cap = pickle.loads(job)  # from our parent
    try:
        _cap_address_space(READER_MEMORY)
        store = Neo4jStore(**args)
        try:
            with _guarded(timeout_s):
                rows, columns, stop = store.read_rolled_back(
                    query, params, timeout_s=timeout_s, row_cap=row_cap, byte_cap=byte_cap
                )
            answer: tuple[Any, ...] = ("rows", rows, columns, stop)
        finally:
            store.close()
    except Exception as exc:  # anything is reported, never raised into the void
        if _out_of_memory(exc):
            answer = ("too-large",)
        elif isinstance(exc, StoreError):
            answer = ("error", exc.__class__.__name__, str(exc))
        else:
            answer = ("error", "StoreError", f"the query's rows could not be read ({exc.__class__.__name__})")
    try:
        return pickle.dumps(answer)
    except MemoryError:
        return pickle.dumps(("too-large",))


def _cap_address_space(limit: int) -> None:
    """RLIMIT_AS for this process (Linux, where the API runs; a platform without it reads uncapped)."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def _out_of_memory(exc: BaseException | None) -> bool:
    """Whether a MemoryError is anywhere in the chain (the driver wraps what breaks while decoding)."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, MemoryError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@contextmanager
def _guarded(timeout_s: float) -> Iterator[None]:
    """Neo4j's errors as the store's: refusals, timeouts, the memory limit, unreachable servers."""
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
        if "MemoryPoolOutOfMemoryError" in (exc.code or ""):
            raise StoreError(
                "the query needed more memory than Neo4j allows a transaction (db.memory.transaction.max) "
                "and was stopped"
            ) from exc
        raise StoreError(f"Neo4j: {exc.message}") from exc
