"""Where a pool stands against its watermarks: ok, warning, high (act) or critical.

The high mark is decided here alone: where the ladder starts, grow grows, the kernel's low water
mark is armed and a grow step's size is aimed.
"""
import math
from typing import NamedTuple, Optional

ORDER = ("ok", "warning", "high", "critical")


class Assessment(NamedTuple):
    data_level: str
    metadata_level: str
    data_percent: Optional[float]        # effective: counts the backing filesystem in loop-lvm
    metadata_percent: Optional[float]
    unhealthy: Optional[str]             # why the kernel's state forbids writes, or None

    @property
    def level(self):
        """The worst of data, metadata and health."""
        if self.unhealthy:
            return "critical"
        return worst(self.data_level, self.metadata_level)

    @property
    def usage(self):
        """'data 85.0% metadata 1.2%': how full, in the words every report uses."""
        return "data {:.1f}% metadata {:.1f}%".format(self.data_percent or 0, self.metadata_percent or 0)


def worst(*levels):
    return max(levels, key=ORDER.index)


def level_of(percent, marks):
    """The watermark band a usage falls in; unknown usage counts as ok (problems say why)."""
    if percent is None:
        return "ok"
    if percent >= marks.critical:
        return "critical"
    if above_high(percent, marks):
        return "high"
    if percent >= marks.warning:
        return "warning"
    return "ok"


def unhealthy_reason(status):
    """The kernel's word when the pool must get alerts only, never a write."""
    if status.failed:
        return "dmsetup status says {}".format(status.failed)
    if status.needs_check:
        return "needs_check is set: the metadata must be repaired (thin_check/thin_repair)"
    if status.mode == "ro":
        return "the pool is read-only (metadata space exhausted or an error)"
    if status.mode == "out_of_data_space":
        return "the pool is out of data space: writes are queued or failing"
    return None


def assess(pool, watermarks):
    data = pool.data_effective_used_percent
    metadata = pool.status.metadata_used_percent
    return Assessment(level_of(data, watermarks.data), level_of(metadata, watermarks.metadata),
                      data, metadata, unhealthy_reason(pool.status))


def above_high(percent, marks):
    """At or above the high mark (data or metadata marks); unknown usage is not."""
    return percent is not None and percent >= marks.high


def below_low(data_percent, metadata_percent, watermarks):
    """Both under their low marks: where a climb stops. Unknown metadata usage counts as 0."""
    return data_percent < watermarks.data.low and (metadata_percent or 0) < watermarks.metadata.low


def free_blocks_at_high(total_blocks, marks):
    """The free blocks left when usage reaches the high mark: the pool's low water mark, below
    which the kernel raises its event."""
    return max(1, int(math.ceil(total_blocks * (100.0 - marks.high) / 100.0)))


def size_at_high(used_bytes, marks):
    """The size at which used_bytes is exactly at the high mark."""
    return used_bytes * 100.0 / marks.high
