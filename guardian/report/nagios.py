"""`check` output in the Nagios/Icinga plugin format: one line with perfdata, and the exit code."""
from typing import NamedTuple

from guardian.decide.levels import assess

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
_BY_LEVEL = {"ok": OK, "warning": WARNING, "high": WARNING, "critical": CRITICAL}


class CheckResult(NamedTuple):
    code: int
    line: str


def check_pool(snapshot, watermarks):
    pool = snapshot.pool
    if pool is None or pool.status.failed is None and pool.status.data_total_blocks is None:
        reason = "; ".join(snapshot.problems) or "no thin pool found"
        return CheckResult(UNKNOWN, "POOL UNKNOWN - " + reason)
    a = assess(pool, watermarks)
    code = _BY_LEVEL[a.level]
    if pool.status.failed:
        return CheckResult(code, "POOL {} - {}: {}".format(NAMES[code], pool.name, a.unhealthy))
    text = "{}: data {:.1f}%, metadata {:.1f}%".format(pool.name, a.data_percent, a.metadata_percent)
    if a.unhealthy:
        text += "; " + a.unhealthy
    if pool.below_docker_floor:
        text += "; below Docker's minimum free space"
    perf = "data={:.2f}%;{:g};{:g};0;100 metadata={:.2f}%;{:g};{:g};0;100".format(
        a.data_percent, watermarks.data.warning, watermarks.data.critical,
        a.metadata_percent, watermarks.metadata.warning, watermarks.metadata.critical)
    return CheckResult(code, "POOL {} - {} | {}".format(NAMES[code], text, perf))
