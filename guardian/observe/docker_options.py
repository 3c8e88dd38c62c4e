"""Docker's storage options where dockerd gets them: its command line, /etc/docker/daemon.json and
RHEL's /etc/sysconfig/docker-storage (DOCKER_STORAGE_OPTIONS, which the docker package's unit puts
on the command line). Pure: text in, options out.

`docker info` does not print most dm.* options (dm.xfs_nospace_max_retries, dm.min_free_space on
Docker before 1.12), so the doctor reads them here.
"""
import json
import shlex
from typing import NamedTuple, Optional

from guardian.errors import ParseError

DAEMON_JSON = "/etc/docker/daemon.json"
DOCKER_STORAGE = "/etc/sysconfig/docker-storage"
STORAGE_VARIABLE = "DOCKER_STORAGE_OPTIONS"


class StorageOptions(NamedTuple):
    driver: Optional[str]       # --storage-driver / storage-driver, when given
    values: dict                # {'dm.fs': 'xfs', ...}; the first setting of an option wins

    def merged(self, other):
        """These options with other's added where these do not set them."""
        values = dict(other.values, **self.values)
        return StorageOptions(self.driver or other.driver, values)


NONE = StorageOptions(None, {})


def options_from_argv(words):
    """dockerd's (or `docker daemon`'s) arguments: --storage-opt K=V, --storage-opt=K=V,
    --storage-driver D, -s D."""
    driver, values = None, {}
    words = list(words)
    for index, word in enumerate(words):
        flag, equals, inline = word.partition("=")
        if flag not in ("--storage-opt", "--storage-driver", "-s"):
            continue
        value = inline if equals else (words[index + 1] if index + 1 < len(words) else "")
        if flag == "--storage-opt":
            key, _, setting = value.partition("=")
            values.setdefault(key.strip().lower(), setting.strip())
        elif driver is None:
            driver = value
    return StorageOptions(driver or None, values)


def options_from_daemon_json(text, source=DAEMON_JSON):
    """daemon.json's "storage-driver" and "storage-opts"."""
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise ParseError("{}: not JSON: {}".format(source, exc))
    if not isinstance(data, dict):
        raise ParseError("{}: not a JSON object".format(source))
    opts = data.get("storage-opts") or []
    if not isinstance(opts, list) or not all(isinstance(o, str) for o in opts):
        raise ParseError("{}: storage-opts must be a list of strings".format(source))
    driver = data.get("storage-driver")
    return options_from_argv(["--storage-opt=" + o for o in opts]) \
        ._replace(driver=driver if isinstance(driver, str) and driver else None)


def options_from_sysconfig(text, source=DOCKER_STORAGE):
    """DOCKER_STORAGE_OPTIONS="..." as container-storage-setup writes it (shell quoting)."""
    for line in text.splitlines():
        name, equals, value = line.strip().partition("=")
        if equals and name.strip() == STORAGE_VARIABLE:
            try:
                words = shlex.split(value)
            except ValueError as exc:
                raise ParseError("{}: {}: {}".format(source, STORAGE_VARIABLE, exc))
            return options_from_argv(" ".join(words).split())
    return NONE
