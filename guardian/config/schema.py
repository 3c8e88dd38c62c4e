"""The one description of the configuration file.

The loader validates against it, `etc/config.yaml` is rendered from it (a test keeps the two equal),
and the config reference in the docs is built from it, so the three cannot drift.
"""
import re
from collections import namedtuple
from typing import Any, Callable, NamedTuple, Optional, Tuple

from guardian.config import values as v


class Option(NamedTuple):
    key: str
    parse: Callable
    default: Any          # written as it would be in YAML; parsed like any value
    doc: str


class Section(NamedTuple):
    key: str
    doc: str
    children: Tuple
    check: Optional[Callable] = None   # (parsed values dict) -> (key, message) or None


def _band_is_ordered(values):
    """Hysteresis needs room: remediation stops (low) below where it starts (high)."""
    if values["low"] >= values["high"]:
        return "low", "{:g}% must be below high ({:g}%)".format(values["low"], values["high"])
    if values["warning"] > values["critical"]:
        return "warning", "{:g}% must not be above critical ({:g}%)".format(
            values["warning"], values["critical"])
    return None


RUNGS = ("prune_containers", "release_mounts", "fstrim", "prune_images", "grow")


def _rung(key, enabled, cooldown, doc, *options):
    """A rung's section: the options every rung has, then its own."""
    return Section(key, doc, (
        Option("enabled", v.boolean, enabled, "Whether the ladder may use this rung."),
        Option("cooldown", v.between(v.duration, "1s", "7d"), cooldown, "Least time between two runs."),
        Option("budget", v.between(v.integer, 1, 1000), 6, "Most runs in any hour."),
    ) + options)


def _label_selector(value):
    """key or key=value, globs allowed on both sides"""
    text = v.text(value)
    if text.startswith("="):
        raise ValueError("a label selector is key or key=value, got {!r}".format(value))
    return text


def _keep_options(what):
    """What a prune never removes: the same selectors for containers and images."""
    return (
        Option("keep_labels", v.list_of(_label_selector), ["pool-guardian.keep=true"],
               "Never remove {} with a matching label: key or key=value, globs allowed.".format(what)),
        Option("keep_images", v.list_of(v.text), [],
               "Never remove {} of these images (globs on the name as given, e.g. 'registry/app*').".format(
                   what)),
        Option("removal_timeout", v.between(v.duration, "1s", "1h"), "2m",
               "How long one removal may take (devicemapper discards the device before deleting it)."),
    )


# dm-thin cannot use more metadata than this (THIN_METADATA_MAX_SECTORS, about 15.9 GiB).
MAX_METADATA_BYTES = 255 * (1 << 14) * 8 * 512


def _grow_limits_agree(values):
    """Limits that cannot all hold are refused at load time, not discovered mid-grow."""
    top, reserve, step = values["max_data_size"], values["reserve"], values["min_step"]
    if step.share is not None:
        return "min_step", "must be a size like 1G, not a share"
    if top.bytes is not None and reserve.bytes is not None and reserve.bytes >= top.bytes:
        return "reserve", "{} must be smaller than max_data_size ({})".format(reserve.bytes, top.bytes)
    if top.share is not None and reserve.share is not None and top.share + reserve.share > 1:
        return "reserve", "{:g}% plus max_data_size {:g}% is more than the whole".format(
            reserve.share * 100, top.share * 100)
    if top.bytes is not None and step.bytes is not None and step.bytes > top.bytes:
        return "min_step", "{} is larger than max_data_size ({})".format(step.bytes, top.bytes)
    meta = values["max_metadata_size"]
    if meta.bytes is not None and meta.bytes > MAX_METADATA_BYTES:
        return "max_metadata_size", "above the kernel's limit for thin-pool metadata ({} bytes)".format(
            MAX_METADATA_BYTES)
    return None


# A growth or a limit: above zero (a step of 0 would grow nothing, forever) and at most 1 PiB.
_GROWTH = v.positive(v.between(v.size_or_share, "1", "1P"))


def _ladder_is_consistent(values):
    """A rung listed twice would run twice per climb; a back-off that starts above its cap never doubles."""
    order = values["order"]
    twice = sorted({rung for rung in order if order.count(rung) > 1})
    if twice:
        return "order", "{} listed twice".format(", ".join(twice))
    if values["backoff_initial"] > values["backoff_max"]:
        return "backoff_initial", "{:g}s must not be above backoff_max ({:g}s)".format(
            values["backoff_initial"], values["backoff_max"])
    return None


def _grow_section():
    return _rung(
        "grow", False, "1m", "Grow the loop files (loop-lvm) or the pool's LV (direct-lvm). Refused "
        "when LVM autoextends the pool itself, or when the room underneath would not hold it.",
        Option("step", _GROWTH, "10%", "Data growth per run: a size, or a share of the current size."),
        Option("min_step", _GROWTH, "1G", "The smallest data growth (an absolute size)."),
        Option("absorb", v.between(v.duration, "0s", "1h"), "30s",
               "Also size each data step from the fill rate of the daemon's last looks (a second or more apart): big "
               "enough to take this long of writing at that rate before the pool is back at its "
               "high mark ('0s': fixed steps only). max_data_size and reserve still bound it."),
        Option("max_data_size", _GROWTH, "80%",
               "Largest data size: a size, or a share of the backing filesystem (loop-lvm) or of "
               "the volume group (direct-lvm)."),
        Option("metadata", v.boolean, True, "Also grow metadata when it is above its high mark."),
        Option("metadata_step", _GROWTH, "10%",
               "Metadata growth per run (at least 64 MiB): a size, or a share of the current size."),
        Option("max_metadata_size", _GROWTH, "4G",
               "Largest metadata size: a size, or a share of the backing filesystem or volume group."),
        Option("reserve", v.between(v.size_or_share, "0", "1P"), "10%",
               "Free space always kept on the backing filesystem (loop-lvm) or volume group "
               "(direct-lvm). A loop file is sparse: everything it does not hold yet counts as used."),
    )._replace(check=_grow_limits_agree)


RUNG_SECTIONS = (
    _rung("prune_containers", True, "5m", "Remove exited, dead and never-started containers, oldest "
          "first; never a running, paused or restarting one.",
          Option("grace", v.between(v.duration, "0s", "3650d"), "1h",
                 "Keep a container this long after it stopped (counted from when it finished, or from "
                 "its creation if it never started)."),
          Option("keep_names", v.list_of(v.text), [], "Never remove containers with these names (globs)."),
          Option("remove_volumes", v.boolean, False, "Also remove the containers' anonymous volumes."),
          *_keep_options("containers")),
    _rung("release_mounts", False, "5m",
          "When a dead container cannot be removed because another mount namespace still holds its "
          "device ('device or resource busy'), unmount it there and remove the container again. "
          "It never kills a process; prune_containers' keep rules apply."),
    _rung("fstrim", True, "15m", "Return blocks freed inside running containers to the pool.",
          Option("time_budget", v.between(v.duration, "1s", "1d"), "5m",
                 "Stop starting new devices after this long; one fstrim runs at a time.")),
    _rung("prune_images", False, "1h", "Remove dangling images, and unused ones older than unused_for.",
          Option("unused_for", v.optional(v.between(v.duration, "1m", "3650d")), "auto",
                 "Also remove tagged images no container uses, created this long ago; auto: only "
                 "dangling images."),
          *_keep_options("images")),
    _grow_section(),
)


def _watermarks(key, what, warning, high, low, critical):
    return Section(key, "Watermarks for {}, in percent used.".format(what), (
        Option("warning", v.percent, warning, "Log a warning and report WARNING from `check`."),
        Option("high", v.percent, high, "Start the remediation ladder (in enforce mode)."),
        Option("low", v.percent, low, "Stop remediating once usage is below this."),
        Option("critical", v.percent, critical, "Alert as critical and report CRITICAL from `check`."),
    ), _band_is_ordered)


def _every_enabled_rung_runs(values):
    """An enabled rung left out of ladder.order would never run; fstrim alone may also run from
    schedule.trim_window, the maintenance trim."""
    ladder = values["ladder"]
    unlisted = [rung for rung in RUNGS if getattr(ladder, rung).enabled and rung not in ladder.order
                and not (rung == "fstrim" and values["schedule"].trim_window)]
    if unlisted:
        return "ladder.order", "{} enabled but not in the order, so never run: add to the order, or set {}: " \
            "false".format(" and ".join(unlisted), " and ".join("ladder.{}.enabled".format(r) for r in unlisted))
    return None


SCHEMA = Section("", "pool-guardian configuration.", (
    Option("mode", v.one_of("observe", "dry-run", "enforce"), "observe",
           "observe: alert only. dry-run: also log each action it would take. "
           "enforce: take the actions."),
    Section("pool", "Which thin pool to watch, and how to reach Docker.", (
        Option("name", v.optional(v.text), "auto",
               "device-mapper name of the thin pool; auto: Docker's Pool Name, "
               "else the only thin-pool device on the host."),
        Option("docker_host", v.docker_host, "unix:///var/run/docker.sock", "Docker Engine API address."),
        Option("docker_timeout", v.between(v.duration, "1s", "10m"), "10s",
               "How long to wait for Docker before reporting it unavailable."),
        Option("command_timeout", v.between(v.duration, "1s", "1h"), "30s",
               "Default timeout for external commands such as dmsetup."),
    )),
    Section("watermarks", "When to warn, act and stop. Docker refuses pulls and new containers "
            "below its own floor (10% free by default, i.e. 90% used): act well before it.", (
        _watermarks("data", "the pool's data space (and, in loop-lvm, the backing filesystem)",
                    "75%", "80%", "70%", "85%"),
        _watermarks("metadata", "the pool's metadata space", "60%", "70%", "50%", "80%"),
    )),
    Section("schedule", "How often to look.", (
        Option("poll_interval", v.between(v.duration, "100ms", "1h"), "10s",
               "Kernel status poll: the safety net behind device-mapper and udev events."),
        Option("docker_info_interval", v.between(v.duration, "1s", "1d"), "60s",
               "docker info refresh; it is expensive on devicemapper."),
        Option("trim_window", v.optional(v.cron), "auto",
               "Cron expression (minute hour day month weekday) for a maintenance fstrim whatever "
               "the usage, e.g. '30 3 * * *'; auto: none."),
    )),
    Section("events", "How the daemon is woken between polls.", (
        Option("device_mapper", v.boolean, True,
               "Wait on the pool's device-mapper event (low water mark crossed, out of space, resize)."),
        Option("udev", v.boolean, True,
               "Listen to udev for the pool and its loop devices appearing, changing, going away."),
        Option("arm_low_water_mark", v.one_of("auto", "yes", "no"), "auto",
               "Set the pool's low water mark to the data high watermark so that crossing it is an "
               "event (Docker sets a fixed 32768 blocks). It reloads the pool's table; auto: only "
               "in enforce mode."),
    )),
    Section("ladder", "The remediation ladder: one rung at a time, each followed by a fresh look at "
            "the pool, the one that gives back most before Docker's floor first; it stops as soon as "
            "usage is below the low marks (after a brake grow, the other rungs still run once).", (
        Option("order", v.list_of(v.one_of(*RUNGS)), list(RUNGS),
               "Rungs in the order tried when the pool is not filling, and the tie-break when it is. "
               "Every enabled rung must be listed: one left out would never run."),
        Option("backoff_initial", v.between(v.duration, "1s", "1d"), "1m",
               "Wait after a rung fails before trying it again; doubles with each failure."),
        Option("backoff_max", v.between(v.duration, "1s", "7d"), "40m", "The longest back-off."),
    ) + RUNG_SECTIONS, _ladder_is_consistent),
    Section("metrics", "Prometheus metrics for node_exporter's textfile collector, written by the "
            "daemon at every evaluation (docs/monitoring.md).", (
        Option("enabled", v.boolean, True, "Write the metrics file."),
        Option("path", v.absolute_path, "/var/lib/node_exporter/textfile_collector/pool_guardian.prom",
               "The file, from / (replaced whole each time); a missing directory is a warning."),
        Option("forecast_window", v.between(v.duration, "10s", "7d"), "15m",
               "The time to full is forecast from the fill rate over this much of the past."),
        Option("top_consumers", v.between(v.integer, 0, 50), 10,
               "Export this many of the biggest containers and image layers by name (and every kind's "
               "sum); 0: none. Read with thin_ls on a metadata snapshot, in enforce mode only."),
        Option("usage_interval", v.between(v.duration, "1m", "7d"), "10m",
               "How often the daemon reads who uses the pool (also at start and on reload)."),
    )),
    Section("log", "Where log entries go.", (
        Option("level", v.one_of("debug", "info", "warning", "error"), "info", "Lowest level logged."),
        Option("target", v.one_of("auto", "journal", "console"), "auto",
               "auto: the journal when run by systemd, else short lines on the terminal."),
    )),
), _every_enabled_rung_runs)


def settings_type(section, path=""):
    """The immutable type a section loads into, e.g. settings.watermarks.data.high."""
    name = "".join(part.title() for part in re.split(r"[._]", path) if part) + "Settings"
    return namedtuple(name, [child.key for child in section.children])
