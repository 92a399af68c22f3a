"""Cursor paging for /entities and /claims: an opaque `after` cursor in, a `next` cursor out.

A cursor wraps the id of the last item served (keyset paging, survgraph.graph.view): the next page is
"the items whose id is greater", which costs the same on page 1 and page 100,000 and never sends the
embedded engine the ORDER BY .. SKIP that crashes it (docs/embedded-engine.md). `offset` is gone; a
request that still sends it gets a 400 saying so.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Literal

from fastapi import Query, Request

from survgraph.api.errors import BadRequest
from survgraph.api.params import MAX_ID_LENGTH

Listing = Literal["entities", "claims", "cited_by"]

CURSOR_VERSION = 1
#: A cursor holds an id of at most MAX_ID_LENGTH characters; its JSON, UTF-8 and base64 fit in this.
MAX_CURSOR_LENGTH = 4 * MAX_ID_LENGTH + 100

After = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR_LENGTH,
        description="Cursor from the `next` field of the previous page; leave out for the first page.",
    ),
]


def encode_cursor(listing: Listing, after: str) -> str:
    raw = json.dumps({"v": CURSOR_VERSION, "on": listing, "after": after}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(listing: Listing, cursor: str | None) -> str:
    """The id to continue after ("" for the first page), or a 400 for a cursor this listing did not issue."""
    if cursor is None or cursor == "":
        return ""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("invalid cursor", ["pass `after` exactly as the `next` field of a page gave it"]) from exc
    if not isinstance(data, dict) or set(data) != {"v", "on", "after"} or data["v"] != CURSOR_VERSION:
        raise BadRequest("invalid cursor", ["pass `after` exactly as the `next` field of a page gave it"])
    if data["on"] != listing:
        raise BadRequest("invalid cursor", [f"this cursor pages /{data['on']}, not /{listing}"[:300]])
    after = data["after"]
    if not isinstance(after, str) or not after or len(after) > MAX_ID_LENGTH:
        raise BadRequest("invalid cursor", ["pass `after` exactly as the `next` field of a page gave it"])
    return after


def refuse_offset(request: Request) -> None:
    """`offset` paging was removed (it made the embedded engine crash); say so instead of ignoring it."""
    if "offset" in request.query_params:
        raise BadRequest(
            "`offset` is no longer supported",
            ["page with the cursor instead: pass the `next` field of a page as `after` to get the next one"],
        )
