"""Progress bars for loads, imports and exports: rate and ETA on a terminal, silent anywhere else.

A bar appears only once its work has taken two seconds, so quick runs print nothing, and never when
stderr is not a terminal (CI logs, pipes, the API). Use it as a context manager:

    with progress(total=len(rows), desc="writing claims", unit="claim") as bar:
        for batch in batches:
            write(batch)
            bar.update(len(batch))
"""

from __future__ import annotations

import sys
from typing import IO, Any

from tqdm import tqdm

#: Seconds of work before a bar is drawn.
DELAY_S = 2.0


def progress(
    *, total: int | None, desc: str, unit: str = "row", file: IO[str] | None = None, enabled: bool | None = None
) -> tqdm[Any]:
    """A bar over `total` units (None: count only). `enabled=None` draws it only on a terminal."""
    stream = file if file is not None else sys.stderr
    if enabled is None:
        enabled = stream.isatty()
    bar: tqdm[Any] = tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=True,
        file=stream,
        delay=DELAY_S,
        disable=not enabled,
        dynamic_ncols=True,
        leave=False,
    )
    return bar
