"""Docker calls have a deadline for the whole call, proved against a real HTTP server on a unix
socket in tmp_path that answers one byte at a time; a malformed answer is one problem line."""
import json
import socket
import threading
import time
from types import SimpleNamespace

import pytest

from guardian.errors import SourceUnavailable
from guardian.host.docker_api import DockerApi, DockerTimeout, before_deadline
from guardian.observe.observer import read_docker as read_info


def read_docker(host, timeout):
    """Docker's /info as the observer reads it: through a DockerApi."""
    pool = SimpleNamespace(docker_host=host, docker_timeout=timeout)
    return read_info(DockerApi(SimpleNamespace(pool=pool)))


VERSION = {"ApiVersion": "1.41", "MinAPIVersion": "1.12", "Version": "20.10.7"}


class UnixHttpServer:
    """Answers every request with `body_for(path)` as JSON, pausing `pause` s between bytes."""

    def __init__(self, path, body_for, pause=0.0):
        self.body_for, self.pause, self.stopped = body_for, pause, False
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            path = request.split(b" ")[1].decode().split("?")[0]
            body = self.body_for(path).encode()
            head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n".format(
                len(body)).encode()
            try:
                conn.sendall(head)
                for index in range(len(body)):
                    if self.stopped:
                        return
                    conn.sendall(body[index:index + 1])
                    time.sleep(self.pause)
            except OSError:
                return

    def close(self):
        self.stopped = True
        self.sock.close()


@pytest.fixture
def serve(tmp_path):
    servers = []

    def start(body_for, pause=0.0):
        path = str(tmp_path / "docker{}.sock".format(len(servers)))
        servers.append(UnixHttpServer(path, body_for, pause))
        return "unix://" + path
    yield start
    for server in servers:
        server.close()


def _info(extra):
    def body_for(path):
        if path.endswith("/version"):
            return json.dumps(VERSION)
        return json.dumps(dict({"Driver": "devicemapper", "DriverStatus": [["Pool Name", "docker-pool"]]},
                               **extra))
    return body_for


def test_a_dockerd_sending_info_one_byte_at_a_time_is_cut_at_the_whole_call_deadline(serve):
    host = serve(_info({"Padding": "x" * 400}), pause=0.05)     # 20 s and more, byte by byte
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as caught:
        read_docker(host, 1.0)
    # cut near 1 s, far from the 20 s the answer takes; the slack is for a loaded CI host
    assert time.monotonic() - started < 5.0
    assert str(caught.value) == "docker: no answer from {} within 1 s".format(host)


def test_while_a_call_is_still_hanging_the_next_fails_at_once_naming_it(serve):
    host = serve(_info({"Padding": "x" * 200}), pause=0.05)
    with pytest.raises(SourceUnavailable):
        read_docker(host, 0.5)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as caught:
        read_docker(host, 0.5)
    assert time.monotonic() - started < 1.0       # at once: not another 0.5 s wait (slack for a loaded CI host)
    assert "still unanswered" in str(caught.value)


def test_a_prompt_answer_is_read(serve):
    host = serve(_info({}))
    assert read_docker(host, 5.0).pool_name == "docker-pool"


@pytest.mark.parametrize("extra, message", [
    ({"Warnings": 5}, "docker: docker info JSON: Warnings must be a list of strings, got 5"),
    ({"Warnings": [1, 2]}, "docker: docker info JSON: Warnings must be a list of strings, got [1, 2]"),
    ({"DriverStatus": "pool"},
     "docker: docker info JSON: DriverStatus must be a list of [label, value] string pairs, got 'pool'"),
])
def test_a_malformed_answer_is_source_unavailable_not_a_type_error(serve, extra, message):
    host = serve(_info(extra))
    with pytest.raises(SourceUnavailable) as caught:
        read_docker(host, 5.0)
    assert str(caught.value) == message


def test_a_garbage_answer_is_source_unavailable(serve):
    host = serve(lambda path: json.dumps(VERSION) if path.endswith("/version") else "<html>nope")
    with pytest.raises(SourceUnavailable) as caught:
        read_docker(host, 5.0)
    assert str(caught.value).startswith("docker: ")


def test_the_deadline_hands_back_the_call_s_own_error():
    def fails():
        raise KeyError("boom")
    with pytest.raises(KeyError):
        before_deadline(fails, 1.0, "unix:///nowhere")


def test_the_deadline_raises_docker_timeout_for_a_hung_call():
    with pytest.raises(DockerTimeout):
        before_deadline(lambda: time.sleep(0.6), 0.1, "unix:///hung-test")
    time.sleep(0.6)
    assert before_deadline(lambda: 7, 1.0, "unix:///hung-test") == 7
