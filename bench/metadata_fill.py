"""Metadata headroom against a measured fill: where a pool with small metadata really runs out of
metadata, against where decide/metadata.py predicted it would from early samples (issue 31 part 2).

Runs INSIDE the test-bed guest (real dm-thin):
    BED_SLOTS=1 .venv/bin/python tests/bed/run.py --timeout 1500 -c '.venv/bin/python bench/metadata_fill.py'

The workload is Docker's shape as bare thin devices (tests/integration/bedlib/sharing.py): rounds of
an image written in full, two layers snapshotting the one below and four containers snapshotting
the top layer, each rewriting every 8th or 16th block of what it shares (sharing counts).

  calibrate  a pool with ample metadata, three rounds: metadata blocks per data block, to size
             the main pool's metadata so that it runs out near half full
  fill       the main pool (1 GiB data, that metadata), filled round after round until the kernel
             says metadata is out (status not rw, metadata used = total, or a write or a message
             failing); the projection is made at the first samples past 10% and 20% data
  rescue     the pool out of metadata: its metadata file grown and the table reloaded, as
             `pool-guardian grow --metadata` would; is it rw again (kernels with the reserve)?
  ahead      the same pool and workload again with pool-guardian's grow rung (ladder.grow on) run
             after every device: it grows metadata ahead once the projection says it passes its
             high mark before data is full; filled past 80% data (under the data marks, so only
             metadata grows), it must stay rw
A JSON of every sample goes to $BED_OUT/metadata_fill.json.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from guardian.decide.metadata import Use, empty_blocks, keeps_reserve, project  # noqa: E402
from tests.integration.bedlib import SCRATCH, dmesg_mark, dmesg_since, sh  # noqa: E402
from tests.integration.bedlib.pools import ThinPool, parse_pool_status  # noqa: E402
from tests.integration.bedlib.sharing import BLOCK, LayeredFill, OutOfMetadata, data_percent  # noqa: E402

MiB = 1 << 20
KERNEL = os.uname().release


def use(row):
    return Use(row["meta_used"], row["meta_total"], row["data_used"], row["data_total"])


def predictions(samples):
    """The projection from the first sample past 10% and past 20% data: with the reserve as this
    kernel's release says, and with the reserve counted as use (the side taken when unknown)."""
    found = {}
    for mark in (10.0, 20.0):
        row = next((r for r in samples if data_percent(r) >= mark and r["mode"] == "rw"), None)
        if row is None:
            continue
        u = use(row)
        reserve = keeps_reserve(u, KERNEL)
        found[mark] = {"at_data_percent": round(data_percent(row), 2),
                       "reserve": reserve,
                       "runs_out_at": _at(project(u, reserve)),
                       "runs_out_at_reserve_as_use": _at(project(u, False)),
                       "per_100_blocks": round(100 * project(u, reserve).per_block, 3)}
    return found


def spread(samples, low=10.0, high=30.0):
    """The projections (reserve as the release says) from every sample between low and high % data,
    and from those that end a round (a full mix of image, layers and containers)."""
    rows = [(i, r) for i, r in enumerate(samples) if low <= data_percent(r) <= high and r["mode"] == "rw"]
    ats = [_at(project(use(r), keeps_reserve(use(r), KERNEL))) for _, r in rows]
    ends = [(round(data_percent(r), 2), _at(project(use(r), keeps_reserve(use(r), KERNEL)))) for i, r in rows
            if i + 1 < len(samples) and samples[i + 1]["what"] == "image"]
    known = [a for a in ats if a is not None]
    return {"min": min(known) if known else None, "max": max(known) if known else None, "round_ends": ends}


def _at(projection):
    return None if projection is None or projection.runs_out_at is None else round(projection.runs_out_at, 2)


def calibrate():
    pool = ThinPool(data_size=512 * MiB, meta_size=64 * MiB, name="mdcal")
    try:
        filler = LayeredFill(pool)
        empty = filler.sample("empty")
        for n in range(3):
            filler.round(n)
        last = filler.samples[-1]
        per_block = (last["meta_used"] - empty["meta_used"]) / float(last["data_used"])
        return empty, last, per_block
    finally:
        pool.destroy()


def metadata_size_for(per_block, data_blocks, percent=50.0):
    """A metadata size (4 KiB multiple) that runs out near `percent` data: the reserve (a tenth)
    and the empty pool on top of the per-block use."""
    mapped = per_block * data_blocks * percent / 100.0
    blocks = int((empty_blocks(0, data_blocks, False) + mapped) / 0.9) + 1
    return max(256, blocks) * 4096


def fill_until_out(meta_size, data_size):
    pool = ThinPool(data_size=data_size, meta_size=meta_size, name="mdfill")
    mark = dmesg_mark()
    filler = LayeredFill(pool)
    result = {"meta_size": meta_size, "data_size": data_size}
    try:
        empty = filler.sample("empty")
        result["empty_pool"] = {"measured": empty["meta_used"], "modelled": empty_blocks(
            empty["meta_total"], empty["data_total"], keeps_reserve(use(empty), KERNEL))}
        try:
            filler.fill()
            result["ran_out"] = None
        except OutOfMetadata as exc:
            result["ran_out"] = str(exc)
        last_rw = [r for r in filler.samples if r["mode"] == "rw" and r["meta_used"] < r["meta_total"]]
        result["last_rw_data_percent"] = round(data_percent(last_rw[-1]), 2) if last_rw else None
        result["ran_out_data_percent"] = round(data_percent(filler.samples[-1]), 2)
        result["final"] = filler.samples[-1]
        result["predictions"] = predictions(filler.samples)
        result["spread_10_30"] = spread(filler.samples)
        result["kernel_log"] = [l for l in dmesg_since(mark) if "thin" in l or "device-mapper" in l][-8:]
        try:
            result["rescue"] = rescue(pool)
        except AssertionError as exc:       # a failing dmsetup or losetup, with its output
            result["rescue"] = {"before": None, "after": None, "kernel_log": [str(exc)[-300:]]}
        result["samples"] = filler.samples
        return result
    finally:
        pool.destroy()


def rescue(pool):
    """Grow the metadata file of a pool out of metadata and reload its table (what grow does for
    loop-lvm); the pool's mode before and after."""
    before = parse_pool_status(sh("dmsetup status " + pool.name).stdout)
    mark = dmesg_mark()
    size = os.stat(pool.meta_file).st_size * 2
    sh("truncate -s {} {} && losetup -c {}".format(size, pool.meta_file, pool.meta_loop))
    table = sh("dmsetup table " + pool.name).stdout.strip()
    sh("dmsetup reload {} --table '{}' && dmsetup resume {}".format(pool.name, table, pool.name))
    after = parse_pool_status(sh("dmsetup status " + pool.name).stdout)
    return {"before": [before["mode"], before["metadata_used_blocks"], before["metadata_total_blocks"]],
            "after": [after["mode"], after["metadata_used_blocks"], after["metadata_total_blocks"]],
            "kernel_log": [l for l in dmesg_since(mark) if "thin" in l][-4:]}


GUARDIAN_CONF = """\
pool: {{name: {pool}}}
watermarks:
  data: {{warning: 90%, high: 95%, low: 85%, critical: 98%}}
ladder:
  grow: {{enabled: true, step: 10%, min_step: 64M, metadata: true, metadata_step: 10%, reserve: 5%}}
"""


def fill_with_grow_ahead(meta_size, data_size, until_percent=80.0):
    """The grow rung after every device, as the daemon runs it during a climb: metadata grown
    ahead by the projection, through the metadata file and a table reload."""
    from guardian.act.base import NOTHING_TO_DO
    from guardian.act.grow import grow
    from tests.integration.actions_helpers import context
    pool = ThinPool(data_size=data_size, meta_size=meta_size, name="mdahead")
    ctx, observer = context(GUARDIAN_CONF.format(pool=pool.name), with_docker=False)
    grows = []

    def grow_rung():
        result = grow(observer.snapshot(), ctx)
        if result.outcome != NOTHING_TO_DO:
            grows.append({"data_percent": round(data_percent(filler.samples[-1]), 2),
                          "outcome": result.outcome, "summary": result.summary})

    filler = LayeredFill(pool, grow_rung)
    try:
        filler.sample("empty")
        try:
            filler.fill(until_percent)
            ran_out = None
        except OutOfMetadata as exc:
            ran_out = str(exc)
        return {"meta_size": meta_size, "grows": grows, "samples": filler.samples, "ran_out": ran_out,
                "final": filler.samples[-1],
                "final_data_percent": round(data_percent(filler.samples[-1]), 2),
                "suspended_after": "SUSPENDED" in sh("dmsetup info " + pool.name).stdout}
    finally:
        pool.destroy()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-size", type=int, default=1024 * MiB)
    parser.add_argument("--json", default=os.path.join(os.environ.get("BED_OUT", "/tmp"), "metadata_fill.json"))
    args = parser.parse_args()
    report = {"kernel": KERNEL, "scratch": SCRATCH}
    started = time.time()
    empty, last, per_block = calibrate()
    report["calibration"] = {"empty": empty, "after_3_rounds": last, "per_100_blocks": round(100 * per_block, 3)}
    print("calibration: {:.3f} metadata blocks per 100 data blocks ({} s)".format(100 * per_block,
                                                                                 int(time.time() - started)))
    data_blocks = args.data_size // BLOCK
    meta_size = metadata_size_for(per_block, data_blocks)
    print("main pool: data {} MiB, metadata {} KiB".format(args.data_size // MiB, meta_size // 1024))
    report["fill"] = fill_until_out(meta_size, args.data_size)
    fill = report["fill"]
    print("empty pool metadata: measured {} blocks, modelled {}".format(
        fill["empty_pool"]["measured"], fill["empty_pool"]["modelled"]))
    print("ran out: {} (last rw sample at {}% data; out at {}% data) ({} s)".format(
        fill["ran_out"], fill["last_rw_data_percent"], fill["ran_out_data_percent"], int(time.time() - started)))
    for mark, p in sorted(fill["predictions"].items()):
        print("predicted from {}% data: runs out at {}% ({} per 100 blocks; reserve {}); with the reserve "
              "counted as use: {}%".format(p["at_data_percent"], p["runs_out_at"], p["per_100_blocks"],
                                           p["reserve"], p["runs_out_at_reserve_as_use"]))
    print("projections from 10-30% data: {min}% to {max}%; at the round ends: {round_ends}".format(
        **fill["spread_10_30"]))
    print("rescue (metadata file doubled, table reloaded): before {} after {}; {}".format(
        fill["rescue"]["before"], fill["rescue"]["after"], fill["rescue"]["kernel_log"]))
    report["ahead"] = fill_with_grow_ahead(meta_size, args.data_size)
    ahead = report["ahead"]
    for g in ahead["grows"]:
        print("grow rung at {}% data: {}: {}".format(g["data_percent"], g["outcome"], g["summary"]))
    print("with grow ahead: filled to {}% data, ran out: {}, final mode {}, metadata {}/{}, suspended {} ({} s)".format(
        ahead["final_data_percent"], ahead["ran_out"], ahead["final"]["mode"], ahead["final"]["meta_used"],
        ahead["final"]["meta_total"], ahead["suspended_after"], int(time.time() - started)))
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)
    ok = fill["ran_out"] is not None and ahead["ran_out"] is None and ahead["final"]["mode"] == "rw"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
