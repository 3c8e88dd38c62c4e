"""Under systemd 219 (CentOS 7) there is no JOURNAL_STREAM: the daemon still finds the journal
from what its stderr is connected to, and nothing else is taken for it."""
import os
import socket
import subprocess
import sys

from guardian.report.log import stderr_is_journal


def connected_to(path):
    """A stream socket connected to a listener bound at path (as systemd connects a unit's stderr
    to journald's stdout socket)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    return server, client


def test_a_stream_connected_to_journalds_stdout_socket_is_the_journal(tmp_path, monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    path = str(tmp_path / "stdout")
    server, client = connected_to(path)
    with server, client:
        assert stderr_is_journal(client.fileno(), journal_stdout=path)


def test_a_socket_connected_elsewhere_is_not(tmp_path, monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    server, client = connected_to(str(tmp_path / "other"))
    with server, client:
        assert not stderr_is_journal(client.fileno(), journal_stdout=str(tmp_path / "stdout"))


def test_a_pipe_a_file_or_a_closed_descriptor_is_not(tmp_path, monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    read_end, write_end = os.pipe()
    with open(str(tmp_path / "log"), "w") as f:
        assert not stderr_is_journal(write_end) and not stderr_is_journal(f.fileno())
    os.close(read_end)
    os.close(write_end)
    assert not stderr_is_journal(write_end)


def test_journal_stream_counts_only_when_it_names_our_stderr(tmp_path, monkeypatch):
    with open(str(tmp_path / "log"), "w") as f:
        st = os.fstat(f.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", "{}:{}".format(st.st_dev, st.st_ino))
        assert stderr_is_journal(f.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", "{}:{}".format(st.st_dev, st.st_ino + 1))
        assert not stderr_is_journal(f.fileno())


def test_a_command_run_with_lang_c_from_a_pipe_logs_to_the_console(tmp_path):
    """cron and NRPE: no journal stream, LANG=C; the library loggers come through the same sink."""
    code = ("import logging; from guardian.report.log import configure_logging; "
            "configure_logging(); logging.getLogger('docker.api').warning('slow answer')")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, LANG="C", LC_ALL="C"))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    line = err.decode()
    assert "WARNING library.message slow answer logger=docker.api" in line, line


def test_the_commands_that_change_the_host_write_the_console_and_the_journal(tmp_path, monkeypatch):
    """prune, trim and grow by hand: a console line and a journal entry for each event."""
    import io
    from guardian.report import log as logmod
    journald = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    journald.bind(str(tmp_path / "socket"))
    monkeypatch.setattr(logmod, "JOURNAL_SOCKET", str(tmp_path / "socket"))
    monkeypatch.setattr(logmod.JournalSink.__init__, "__defaults__", (str(tmp_path / "socket"),))
    console = io.StringIO()
    logmod.configure_logging("info", "console+journal", stream=console).info(
        "action.finished", message="trimmed 1 of 1", rung="fstrim")
    with journald:
        entry = journald.recv(65536).decode()
    assert "INFO    action.finished trimmed 1 of 1 rung=fstrim" in console.getvalue()
    assert "EVENT=action.finished\n" in entry and "RUNG=fstrim\n" in entry
    assert "MESSAGE_ID=dc0d0db8e3ed4182b065d1b6a4742937\n" in entry
