"""Which containers and images may go: pure functions over `docker inspect`-shaped dicts.

Kept apart from the Docker calls so the rules that decide what is lost can be read, and tested,
on their own. A container is only ever a candidate when it cannot be doing anything: exited,
dead, or created and never started. Its grace period counts from when it stopped (FinishedAt),
not from when it was created as `docker system prune --filter until` does, so a long-running
container that just exited is not removed before anyone could look at it.
"""
import calendar
import datetime
import fnmatch
import re
from typing import NamedTuple, Optional, Tuple

REMOVABLE_STATES = ("exited", "dead", "created")
_DOCKER_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")


class LabelRule(NamedTuple):
    """`key` or `key=value`, each side a glob."""
    key: str
    value: Optional[str]

    def matches(self, labels):
        return any(fnmatch.fnmatchcase(k, self.key) and
                   (self.value is None or _value_matches(v, self.value))
                   for k, v in (labels or {}).items())


# What people write for "yes" on a label: `pool-guardian.keep=True`, `=yes`, `=1` must keep too.
_TRUE_WORDS = ("true", "yes", "1", "on", "y")


def _value_matches(actual, wanted):
    """A glob match; a rule asking for a true word matches any true word, in any case."""
    actual = actual if isinstance(actual, str) else ""
    if wanted.lower() in _TRUE_WORDS and actual.strip().lower() in _TRUE_WORDS:
        return True
    return fnmatch.fnmatchcase(actual, wanted)


class KeepRules(NamedTuple):
    labels: Tuple[LabelRule, ...] = ()
    names: Tuple[str, ...] = ()
    images: Tuple[str, ...] = ()
    grace: float = 0.0


class Candidate(NamedTuple):
    id: str
    name: str
    image: str
    state: str
    since: float            # when it stopped (or was created, if it never started): epoch seconds
    inspect: dict
    why: str = ""           # why it may go, for the plan


def label_rule(text):
    """'pool-guardian.keep=true' -> LabelRule; a one-line ValueError for an empty key."""
    key, sep, value = str(text).partition("=")
    if not key.strip():
        raise ValueError("a label selector is key or key=value, got {!r}".format(text))
    return LabelRule(key.strip(), value.strip() if sep else None)


def keep_rules(section):
    """KeepRules from a prune section of the settings."""
    return KeepRules(tuple(label_rule(t) for t in section.keep_labels), tuple(section.keep_names),
                     tuple(section.keep_images), section.grace)


def docker_time(text):
    """Epoch seconds from Docker's RFC 3339 nano times; None when absent or Docker's zero time
    (never happened). Anything else that is not a real time raises ValueError: the caller keeps the
    container rather than guess its age from another field."""
    if text is None or text == "" or (isinstance(text, str) and text.startswith("0001-")):
        return None
    match = _DOCKER_TIME.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError("{!r} is not a time".format(text)[:80])
    parts = [int(g) for g in match.groups()[:6]]
    try:
        datetime.datetime(*parts)
    except ValueError as exc:
        raise ValueError("{!r} is not a time: {}".format(text, exc))
    seconds = calendar.timegm(tuple(parts) + (0, 0, 0)) + float(match.group(7) or 0)
    zone = match.group(8)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds


def stopped_since(inspect):
    """When the container stopped; for one that never started, when it was created.

    A FinishedAt that is there but unreadable is an error, never a silent fall back to Created
    (which would skip the grace period of a container that just stopped)."""
    state = inspect.get("State") or {}
    try:
        finished = docker_time(state.get("FinishedAt"))
    except ValueError as exc:
        raise ValueError("FinishedAt {}".format(exc))
    if finished is not None:
        return finished
    try:
        return docker_time(inspect.get("Created"))
    except ValueError as exc:
        raise ValueError("Created {}".format(exc))


def why_kept(inspect, rules, now):
    """The reason this container stays, or None when it may be removed."""
    state = inspect.get("State") or {}
    status = state.get("Status")
    if status not in REMOVABLE_STATES or state.get("Running") or state.get("Paused") \
            or state.get("Restarting"):
        return "{} (only exited, dead and never-started containers are removed)".format(status)
    config = inspect.get("Config") or {}
    for rule in rules.labels:
        if rule.matches(config.get("Labels")):
            return "keep label {}".format(rule.key + ("=" + rule.value if rule.value is not None else ""))
    name = container_name(inspect)
    for pattern in rules.names:
        if fnmatch.fnmatchcase(name, pattern):
            return "name matches {}".format(pattern)
    for pattern in rules.images:
        if fnmatch.fnmatchcase(config.get("Image") or "", pattern):
            return "image matches {}".format(pattern)
    try:
        since = stopped_since(inspect)
    except ValueError as exc:
        return "{}: cannot tell how long ago it stopped".format(exc)
    if since is None:
        return "no stop or creation time"
    if now - since < rules.grace:
        return "stopped {:.0f} s ago, within the grace period".format(now - since)
    return None


def why_chosen(state, idle):
    if state == "created":
        return "created {} ago, never started".format(ago(idle))
    return "{} {} ago".format(state, ago(idle))


def ago(seconds):
    """'40 s', '12 min', '3.5 h', '2.0 d': how long ago, for a plan's reasons."""
    if seconds < 120:
        return "{:.0f} s".format(seconds)
    if seconds < 7200:
        return "{:.0f} min".format(seconds / 60.0)
    if seconds < 172800:
        return "{:.1f} h".format(seconds / 3600.0)
    return "{:.1f} d".format(seconds / 86400.0)


def container_name(inspect):
    return (inspect.get("Name") or "").lstrip("/") or inspect.get("Id", "")[:12]


def choose_containers(inspects, rules, now):
    """(candidates oldest first, [(name, why kept)]) from inspected containers."""
    chosen, kept = [], []
    for inspect in inspects:
        reason = why_kept(inspect, rules, now)
        if reason:
            kept.append((container_name(inspect), reason))
            continue
        state, since = inspect["State"]["Status"], stopped_since(inspect)
        chosen.append(Candidate(inspect["Id"], container_name(inspect),
                                (inspect.get("Config") or {}).get("Image") or "", state, since, inspect,
                                why_chosen(state, now - since)))
    chosen.sort(key=lambda c: c.since)
    return chosen, kept


class ImageCandidate(NamedTuple):
    id: str
    tags: Tuple[str, ...]   # each is removed in turn; none for a dangling image
    created: float
    last_used: float = 0.0  # when a container was last created from it (0: never seen)
    why: str = ""           # why it may go, for the plan

    @property
    def name(self):
        return image_name(self.id, self.tags)


def image_name(image_id, tags):
    return tags[0] if tags else image_id.split(":")[-1][:12]


def image_last_use(containers, create_events, images):
    """{image id: when a container was last created from it}: from the containers Docker still
    has, and from its `create` events, which remember the containers a prune already took (an
    image whose containers were pruned a minute ago is not unused, and the next one will want it).

    containers: `docker ps -a` entries (ImageID, Created); create_events: decoded events (time,
    Actor.Attributes.image, the name or id it was created from); images: `docker images` entries."""
    by_name = {}
    for image in images:
        by_name[image["Id"]] = image["Id"]
        by_name[image["Id"].split(":")[-1][:12]] = image["Id"]
        for tag in image.get("RepoTags") or ():
            by_name[tag] = image["Id"]
            if tag.endswith(":latest"):
                by_name[tag[:-len(":latest")]] = image["Id"]
    last = {}
    uses = [(c.get("ImageID"), c.get("Created")) for c in containers]
    uses += [(by_name.get(((e.get("Actor") or {}).get("Attributes") or {}).get("image")), e.get("time"))
             for e in create_events]
    for image_id, when in uses:
        if image_id and isinstance(when, (int, float)) and not isinstance(when, bool):
            last[image_id] = max(last.get(image_id, 0.0), float(when))
    return last


def choose_images(images, used_ids, unused_for, keep_images, keep_labels, now, last_used=None):
    """(candidates, [(name, why kept)]): dangling images, and (unused_for set) tagged ones no
    container uses, unused that long; least recently used first, so the one the next container
    most likely wants goes last.

    images are `docker images` list entries (Id, RepoTags, Created, Labels); used_ids the image ids
    of every container, running or not: an image a container still refers to is never chosen;
    last_used: image_last_use's answer (unused_for counts from the later of it and Created).
    """
    last_used = last_used or {}
    chosen, kept = [], []
    for image in images:
        tags = tuple(t for t in image.get("RepoTags") or () if t != "<none>:<none>")
        name = image_name(image["Id"], tags)
        created = image.get("Created", now)
        used = max(created, last_used.get(image["Id"], 0.0))
        reason = _why_image_kept(image, tags, used_ids, keep_images, keep_labels, unused_for, now - used)
        if reason:
            kept.append((name, reason))
        else:
            chosen.append(ImageCandidate(image["Id"], tags, created, used,
                                         "last used {} ago".format(ago(now - used)) if tags else "dangling"))
    chosen.sort(key=lambda c: c.last_used)
    return chosen, kept


def _why_image_kept(image, tags, used_ids, keep_images, keep_labels, unused_for, idle):
    """Why an image stays, or None when it may go: in use, kept by rule, or used too recently."""
    if image["Id"] in used_ids:
        return "a container uses it"
    rule = next((r for r in keep_labels if r.matches(image.get("Labels"))), None)
    if rule is not None:
        return "keep label " + rule.key + ("=" + rule.value if rule.value is not None else "")
    pattern = next((p for t in tags for p in keep_images if fnmatch.fnmatchcase(t, p)), None)
    if pattern is not None:
        return "name matches " + pattern
    if tags and unused_for is None:
        return "tagged (unused_for is auto: only dangling images go)"
    if tags and idle < unused_for:
        return "last used {:.0f} min ago, within unused_for".format(idle / 60.0)
    return None
