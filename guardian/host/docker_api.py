"""The Docker Engine API, one client code for the observer's /info and the actions: reads go
straight through; every call that changes something is logged the way the host logs commands,
and skipped in dry-run. Every call has a deadline for the whole answer (before_deadline).

The API is not an external command, so it does not pass through the host, but an operator
reading the journal must see every removal the guardian asked Docker for, with Docker's answer.
"""
import threading
import time

from guardian.errors import GuardianError


class DockerCallError(GuardianError):
    """Docker refused or did not answer; the message is Docker's own error, on one line."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status

    @property
    def busy(self):
        """The removal failed because a mount is still held somewhere (EBUSY from the kernel)."""
        text = str(self).lower()
        return "device or resource busy" in text or "device is busy" in text


class DockerApi:
    """One Docker host's API client, made at the first call and remade after an abandoned one."""

    def __init__(self, settings, host=None, timeout=None):
        """host: the door changes go through; None for a reader that never changes anything."""
        self.docker_host = settings.pool.docker_host
        self.timeout = timeout or settings.pool.docker_timeout
        self.host = host
        self._client = None

    def client(self):
        if self._client is None:
            import docker     # a slow import the kernel-only paths do not need
            self._client = docker.APIClient(base_url=self.docker_host, timeout=self.timeout,
                                            version="auto")
        return self._client

    def close(self):
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def read(self, method, *args, **kwargs):
        """A call that changes nothing, e.g. read('containers', all=True)."""
        return self._call(method, args, kwargs)

    def read_list(self, method, *args, **kwargs):
        """A read whose answer streams (events): read whole within the deadline."""
        return self._call(method, args, kwargs, whole=True)

    def change(self, what, method, *args, **kwargs):
        """A call that changes something, through the host door as `what`. True if done."""
        return self.host.change(what, self._call, method, args, kwargs)

    def _call(self, method, args, kwargs, whole=False):
        import docker
        import requests

        def call():
            answer = getattr(self.client(), method)(*args, **kwargs)
            return list(answer) if whole else answer
        try:
            return before_deadline(call, self.timeout, self.docker_host, on_abandon=self._abandon)
        except requests.exceptions.Timeout:
            raise DockerCallError("docker: no answer from {} within {:g} s".format(
                self.docker_host, self.timeout))
        except docker.errors.APIError as exc:
            raise DockerCallError("docker: {}".format(_explanation(exc)), exc.status_code)
        except (requests.exceptions.ConnectionError, docker.errors.DockerException) as exc:
            raise DockerCallError("docker: cannot reach {}: {}".format(self.docker_host, _reason(exc)))

    def _abandon(self):
        """The abandoned call keeps its client; the next call gets a fresh one."""
        self._client = None


class DockerTimeout(DockerCallError):
    """No whole answer within the deadline."""


_unanswered = {}                 # docker_host -> when the call we gave up on started
_unanswered_lock = threading.Lock()


def before_deadline(call, seconds, docker_host, on_abandon=None):
    """call()'s result or exception, or DockerTimeout once `seconds` have passed for the whole call.

    requests' timeout bounds each socket read, so a dockerd sending one byte a second is never
    timed out. The call runs in a daemon thread that we stop waiting for at the deadline; while it
    is still hanging, further calls to the same host fail at once instead of piling up threads.
    """
    with _unanswered_lock:
        since = _unanswered.get(docker_host)
    if since is not None:
        raise DockerTimeout("docker: no answer from {} (a call from {:.0f} s ago is still unanswered)"
                            .format(docker_host, time.monotonic() - since))
    outcome, started = {}, time.monotonic()
    worker = threading.Thread(target=_run_into, args=(call, outcome, docker_host), daemon=True,
                              name="docker-call")
    worker.start()
    worker.join(seconds)
    with _unanswered_lock:
        if "value" not in outcome and "error" not in outcome:
            _unanswered[docker_host] = started
            outcome["abandoned"] = True
    if outcome.get("abandoned"):
        if on_abandon:
            on_abandon()
        raise DockerTimeout("docker: no answer from {} within {:g} s".format(docker_host, seconds))
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _run_into(call, outcome, docker_host):
    try:
        value = call()
        key = "value"
    except BaseException as exc:     # handed to the caller's thread, which re-raises it
        value, key = exc, "error"
    with _unanswered_lock:
        outcome[key] = value
        if outcome.get("abandoned"):
            _unanswered.pop(docker_host, None)


def _explanation(exc):
    """Docker's own message ('... device or resource busy'), first line only."""
    text = exc.explanation or str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(str(text).split())


def _reason(exc):
    """The innermost OS error (no such file, permission denied...): what an operator can act on."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        pending.extend(a for a in current.args if isinstance(a, BaseException))
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
