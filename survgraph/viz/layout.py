"""Server-side positions for large graphs, so that the browser shows them at once with physics off.

A force-directed layout (Fruchterman-Reingold) whose all-pairs repulsion is computed on a grid with FFT
convolution (the particle-mesh method): each step costs O(n + e + G² log G) instead of O(n²). On this
project's 2-core machines a 5,000-node graph takes about a second here, where vis-network's own physics
needed over 20 seconds in headless Chromium (docs/viz.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Positions = dict[str, tuple[float, float]]

#: Grid cells per side for the repulsion field.
GRID = 128
#: Typical distance between neighbouring nodes, in vis-network canvas units (a node is about 30 across).
#: Scaling by spacing, not by edge length: in a tangled graph edges are long however far nodes sit apart.
SPACING = 60.0


def _repulsion_kernels(grid: int) -> tuple[npt.NDArray[np.complex128], npt.NDArray[np.complex128]]:
    """FFTs of the repulsive force per unit charge, (dx, dy) / r², on a (2G)² grid laid out for circular
    convolution (negative offsets wrap around)."""
    size = 2 * grid
    off = np.fft.fftfreq(size, d=1.0 / size)  # 0, 1, ..., G-1, -G, ..., -1
    dx, dy = np.meshgrid(off, off, indexing="ij")
    r2 = dx * dx + dy * dy
    r2[0, 0] = 1.0
    kx, ky = dx / r2, dy / r2
    kx[0, 0] = ky[0, 0] = 0.0
    return np.fft.rfft2(kx), np.fft.rfft2(ky)


def force_layout(
    node_ids: Sequence[str],
    edges: Sequence[tuple[str, str]],
    *,
    iterations: int = 250,
    seed: int = 7,
    grid: int = GRID,
) -> Positions:
    """Positions for `node_ids` (deterministic for a given input and seed), scaled so that linked nodes
    sit about SPACING apart. Edges to unknown ids are ignored."""
    known = set(node_ids)
    links = [(a, b) for a, b in edges if a in known and b in known and a != b]
    linked = sorted({x for pair in links for x in pair})
    placed = _fruchterman_reingold(linked, links, iterations=iterations, seed=seed, grid=grid)
    # Unlinked nodes would be pushed out to a ring around everything; a block beside the graph is
    # easier to read and keeps the grid's resolution for the linked part.
    loose = [nid for nid in node_ids if nid not in placed]
    placed.update(_block(loose, placed))
    return placed


def _typical_spacing(pos: npt.NDArray[np.float64]) -> float:
    """The median distance from a node to its nearest neighbour (nodes binned on a grid of about one node
    per cell, then compared with the nodes of the 3x3 cells around theirs)."""
    n = len(pos)
    if n < 2:
        return 1.0
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    cell_size = float(max(np.sqrt(np.prod(np.maximum(hi - lo, 1e-9)) / n), 1e-9))
    cells = np.floor((pos - lo) / cell_size).astype(np.int64)
    buckets: dict[tuple[int, int], list[int]] = {}
    for i, (cx, cy) in enumerate(cells.tolist()):
        buckets.setdefault((cx, cy), []).append(i)
    nearest = np.full(n, np.inf)
    for (cx, cy), members in buckets.items():
        near = [j for dx in (-1, 0, 1) for dy in (-1, 0, 1) for j in buckets.get((cx + dx, cy + dy), ())]
        a, b = pos[members], pos[near]
        d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
        d[d == 0] = np.inf
        nearest[members] = np.minimum(nearest[members], d.min(axis=1))
    finite = nearest[np.isfinite(nearest)]
    return float(np.median(finite)) if len(finite) else cell_size


def _block(ids: Sequence[str], placed: Positions) -> Positions:
    """`ids` on a square grid to the right of the already placed nodes, in the order given."""
    if not ids:
        return {}
    step = SPACING * 0.7
    if placed:
        xs = [p[0] for p in placed.values()]
        ys = [p[1] for p in placed.values()]
        left, top = max(xs) + 2 * SPACING, min(ys)
    else:
        left, top = 0.0, 0.0
    cols = max(1, int(np.ceil(np.sqrt(len(ids)))))
    return {nid: (round(left + step * (i % cols), 1), round(top + step * (i // cols), 1)) for i, nid in enumerate(ids)}


def _fruchterman_reingold(
    node_ids: Sequence[str], edges: Sequence[tuple[str, str]], *, iterations: int, seed: int, grid: int
) -> Positions:
    n = len(node_ids)
    if n == 0:
        return {}
    index = {nid: i for i, nid in enumerate(node_ids)}
    pairs = np.array([(index[a], index[b]) for a, b in edges], dtype=np.int64).reshape(-1, 2)
    src, dst = pairs[:, 0], pairs[:, 1]

    rng = np.random.default_rng(seed)
    k = 1.0  # ideal distance in layout units; the result is rescaled at the end
    side = np.sqrt(n) * k
    pos = rng.uniform(-side / 2, side / 2, size=(n, 2))
    fkx, fky = _repulsion_kernels(grid)
    size = 2 * grid
    temperature = side / 8
    cooling = (0.02 / 8) ** (1.0 / max(iterations - 1, 1))  # down to 1/400 of the side

    for _ in range(iterations):
        # Repulsion: k²/r between every pair, as a field from the nodes' density on a grid.
        # The grid covers all but the outermost nodes (they are clipped to its border cells), so that a
        # few far-flung nodes do not coarsen it for everyone.
        lo = np.percentile(pos, 1, axis=0)
        span = float(max((np.percentile(pos, 99, axis=0) - lo).max(), 1e-9))
        h = span / (grid - 1)
        cell = np.clip(((pos - lo) / h).astype(np.int64), 0, grid - 1)
        density = np.zeros((size, size))
        np.add.at(density, (cell[:, 0], cell[:, 1]), 1.0)
        spectrum = np.fft.rfft2(density)
        fx = np.fft.irfft2(spectrum * fkx, s=(size, size))[:grid, :grid]
        fy = np.fft.irfft2(spectrum * fky, s=(size, size))[:grid, :grid]
        scale = k * k / h  # the kernel is in cell units: d/r² in world units is (cells/cells²)/h
        disp = np.stack([fx[cell[:, 0], cell[:, 1]], fy[cell[:, 0], cell[:, 1]]], axis=1) * scale
        # Nodes in one cell repel nothing through the grid: a little seeded jitter parts them.
        disp += rng.normal(0.0, 0.05 * k, size=(n, 2))
        # Attraction: d²/k along each edge.
        if len(pairs):
            delta = pos[dst] - pos[src]
            dist = np.sqrt((delta * delta).sum(axis=1)) + 1e-9
            pull = delta * (dist / k)[:, None]
            np.add.at(disp, src, pull)
            np.add.at(disp, dst, -pull)
        # Gravity, a spring to the centre that balances the whole graph's repulsion at radius side/2, keeps
        # small components close instead of pushed out to a far ring.
        disp -= pos * (n * k * k / (side / 2) ** 2)
        length = np.sqrt((disp * disp).sum(axis=1, keepdims=True)) + 1e-9
        pos += disp / length * np.minimum(length, temperature)
        temperature *= cooling

    pos -= pos.mean(axis=0)
    pos *= SPACING / max(_typical_spacing(pos), 1e-9)
    return {nid: (round(float(pos[i, 0]), 1), round(float(pos[i, 1]), 1)) for i, nid in enumerate(node_ids)}
