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
        Option("cooldown", v.positive(v.duration), cooldown, "Least time between two runs."),
        Option("budget", v.positive(v.integer), 6, "Most runs in any hour."),
    ) + options)


def _watermarks(key, what, warning, high, low, critical):
    return Section(key, "Watermarks for {}, in percent used.".format(what), (
        Option("warning", v.percent, warning, "Log a warning and report WARNING from `check`."),
        Option("high", v.percent, high, "Start the remediation ladder (in enforce mode)."),
        Option("low", v.percent, low, "Stop remediating once usage is below this."),
        Option("critical", v.percent, critical, "Alert as critical and report CRITICAL from `check`."),
    ), _band_is_ordered)


SCHEMA = Section("", "pool-guardian configuration.", (
    Option("mode", v.one_of("observe", "dry-run", "enforce"), "observe",
           "observe: alert only. dry-run: also log each action it would take. "
           "enforce: take the actions."),
    Section("pool", "Which thin pool to watch, and how to reach Docker.", (
        Option("name", v.optional(v.text), "auto",
               "device-mapper name of the thin pool; auto: Docker's Pool Name, "
               "else the only thin-pool device on the host."),
        Option("docker_host", v.text, "unix:///var/run/docker.sock", "Docker Engine API address."),
        Option("docker_timeout", v.positive(v.duration), "10s",
               "How long to wait for Docker before reporting it unavailable."),
        Option("command_timeout", v.positive(v.duration), "30s",
               "Default timeout for external commands such as dmsetup."),
    )),
    Section("watermarks", "When to warn, act and stop. Docker refuses pulls and new containers "
            "below its own floor (10% free by default, i.e. 90% used): act well before it.", (
        _watermarks("data", "the pool's data space (and, in loop-lvm, the backing filesystem)",
                    "75%", "80%", "70%", "85%"),
        _watermarks("metadata", "the pool's metadata space", "60%", "70%", "50%", "80%"),
    )),
    Section("schedule", "How often to look.", (
        Option("poll_interval", v.positive(v.duration), "10s",
               "Kernel status poll: the safety net behind device-mapper and udev events."),
        Option("docker_info_interval", v.positive(v.duration), "60s",
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
    Section("ladder", "The remediation ladder: rungs run in this order, one at a time, each "
            "followed by a fresh look at the pool; it stops as soon as usage is below the low marks.", (
        Option("order", v.list_of(v.one_of(*RUNGS)), list(RUNGS), "Rungs in the order tried."),
        Option("backoff_initial", v.positive(v.duration), "1m",
               "Wait after a rung fails before trying it again; doubles with each failure."),
        Option("backoff_max", v.positive(v.duration), "40m", "The longest back-off."),
    ) + tuple(_rung(name, enabled, cooldown, doc) for name, enabled, cooldown, doc in (
        ("prune_containers", True, "5m", "Remove exited, dead and never-started containers."),
        ("release_mounts", False, "5m",
         "Unmount a removed container's device in other mount namespaces that leaked it."),
        ("fstrim", True, "15m", "Return blocks freed inside running containers to the pool."),
        ("prune_images", False, "1h", "Remove dangling and long-unused images."),
        ("grow", False, "1m", "Grow the loop files or the LVM pool."),
    ))),
    Section("log", "Where log entries go.", (
        Option("level", v.one_of("debug", "info", "warning", "error"), "info", "Lowest level logged."),
        Option("target", v.one_of("auto", "journal", "console"), "auto",
               "auto: the journal when run by systemd, else short lines on the terminal."),
    )),
))


def settings_type(section, path=""):
    """The immutable type a section loads into, e.g. settings.watermarks.data.high."""
    name = "".join(part.title() for part in re.split(r"[._]", path) if part) + "Settings"
    return namedtuple(name, [child.key for child in section.children])
