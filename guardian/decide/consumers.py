"""Who uses the pool, for the metrics: the biggest containers and image layers by the blocks they
alone map (thin_ls's exclusive blocks), a bounded set, and every thin device summed by kind.

A Prometheus series per container would grow without end on a CI runner (a new name every few
seconds), so the daemon exports only the top N of each kind, and the rest as one sum a kind: the
label set is at most 2N + the kinds. A container's init layer is counted with its container.
When the daemon may read usage is decided here too: reading it reserves a metadata snapshot and
walks all of the pool's metadata, which a pool already in trouble should not pay for.
"""
from typing import NamedTuple, Tuple

CONTAINER, IMAGE_LAYER = "container", "image layer"
TOP_KINDS = (CONTAINER, IMAGE_LAYER)
KINDS = (CONTAINER, IMAGE_LAYER, "base", "deleted", "unknown")
FOLDED = {"container init layer": CONTAINER}


class Consumer(NamedTuple):
    kind: str               # container or image layer
    name: str               # the container's name, or 'IMAGE layer I/N'
    ident: str              # container id or thin device hash, 12 characters
    exclusive_bytes: int
    mapped_bytes: int


class Usage(NamedTuple):
    """One read of the pool's usage: the top of each kind, and every kind's sum."""
    top: Tuple              # Consumers, biggest first within each kind, at most N a kind
    by_kind: Tuple          # ((kind, exclusive bytes), ...) for every kind in KINDS
    devices: int            # thin devices the pool holds


def usage(rows, count):
    """rows: tools/top.Row for every thin device. count: N, the most of each kind kept by name."""
    merged = {}
    for row in rows:
        kind = FOLDED.get(row.kind, row.kind)
        key = (kind, row.ident if kind in TOP_KINDS else row.device_id)
        was = merged.get(key)
        if was is None:
            merged[key] = Consumer(kind, row.name, row.ident, row.exclusive_bytes, row.mapped_bytes)
        else:
            merged[key] = was._replace(exclusive_bytes=was.exclusive_bytes + row.exclusive_bytes,
                                       mapped_bytes=was.mapped_bytes + row.mapped_bytes)
    ranked = sorted(merged.values(), key=lambda c: (-c.exclusive_bytes, -c.mapped_bytes, c.ident))
    top = tuple(c for kind in TOP_KINDS for c in [c for c in ranked if c.kind == kind][:count])
    sums = {kind: 0 for kind in KINDS}
    for consumer in merged.values():
        sums[consumer.kind if consumer.kind in sums else "unknown"] += consumer.exclusive_bytes
    return Usage(top, tuple((kind, sums[kind]) for kind in KINDS), len(rows))


def why_not_read(mode, level, count, metrics_enabled=True):
    """None when the daemon may read the pool's usage now, else why not (a line for the journal).
    level: the pool's (decide/levels.py), None with no pool. The read takes a metadata snapshot (a
    change, so enforce mode only, as the doctor's orphan survey) and costs metadata I/O and, while
    held, metadata blocks: not while data or metadata is above its high mark, when the ladder
    needs both."""
    if not metrics_enabled:
        return "metrics.enabled is false"
    if count == 0:
        return "metrics.top_consumers is 0"
    if mode != "enforce":
        return "the daemon in {} mode (the read reserves a metadata snapshot, a change; " \
               "`pool-guardian top` reads it)".format(mode)
    if level is None:
        return "no pool is watched"
    if level in ("high", "critical"):
        return "the pool is {}: the ladder comes first".format(level)
    return None
