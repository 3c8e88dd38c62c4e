"""Logging, configured in one place.

Under systemd, entries go to journald's native socket with PRIORITY, SYSLOG_IDENTIFIER, the event's
MESSAGE_ID and every structured field as an upper-case journal field (POOL=..., DATA_PERCENT=...), so
`journalctl -u pool-guardian POOL_LEVEL=critical` works. On a terminal, short human lines on stderr.
The commands that change the host write both, so an operator's removals leave an audit trail.
What the libraries log through the standard `logging` module (the Docker SDK, urllib3,
APScheduler, pyudev) comes through the same pipeline, as `library.message` entries.
"""
import logging
import os
import socket
import stat
import struct
import sys
import time

import structlog

from guardian.report.events import CATALOGUE

IDENTIFIER = "pool-guardian"
JOURNAL_SOCKET = "/run/systemd/journal/socket"
JOURNAL_STDOUT = "/run/systemd/journal/stdout"     # the socket a unit's stdout/stderr connect to
LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}
# syslog priorities, as journald wants them
PRIORITY = {"debug": 7, "info": 6, "warning": 4, "error": 3, "critical": 2}


def configure_logging(level="info", target="auto", stream=None):
    """Set up structlog. target: auto (the journal when stderr is connected to it, else the
    console), journal, console, or console+journal (both, when journald runs)."""
    sink = make_sink(target, stream)
    structlog.configure(
        processors=[_drop_empty, _add_level, _add_message_id, structlog.processors.format_exc_info,
                    sink.render],
        wrapper_class=structlog.make_filtering_bound_logger(LEVELS[level]),
        logger_factory=lambda *args: sink,
        cache_logger_on_first_use=False,
    )
    bridge_standard_logging(level)
    return structlog.get_logger()


def make_sink(target, stream=None):
    if target == "auto":
        target = "journal" if stderr_is_journal() else "console"
    if target == "journal":
        return JournalSink()
    console = ConsoleSink(stream or sys.stderr)
    if target == "console+journal" and os.path.exists(JOURNAL_SOCKET):
        return TeeSink(console, JournalSink())
    return console


def stderr_is_journal(fd=2, journal_stdout=JOURNAL_STDOUT):
    """Whether systemd connected our stderr to journald. systemd 231 and later say so in
    JOURNAL_STREAM (device:inode of the stream); CentOS 7's systemd 219 sets nothing, so the
    stream socket itself is asked whom it is connected to."""
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    if os.environ.get("JOURNAL_STREAM") == "{}:{}".format(st.st_dev, st.st_ino):
        return True
    if not stat.S_ISSOCK(st.st_mode):
        return False
    try:
        with socket.fromfd(fd, socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            return sock.getpeername() == journal_stdout
    except OSError:
        return False


class _ToStructlog(logging.Handler):
    """A standard-library record as a `library.message` entry, at the record's own level."""

    def emit(self, record):
        try:
            method = min(("critical", "error", "warning", "info", "debug"),
                         key=lambda name: abs(LEVELS[name] - record.levelno))
            getattr(structlog.get_logger(), method)("library.message", message=record.getMessage(),
                                                     logger=record.name)
        except Exception:
            self.handleError(record)


def bridge_standard_logging(level):
    """Libraries' warnings and errors (their debug chatter only at our debug level)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _ToStructlog)]:
        root.removeHandler(handler)
    root.addHandler(_ToStructlog())
    root.setLevel(logging.DEBUG if level == "debug" else logging.WARNING)


def _add_level(logger, method_name, event_dict):
    event_dict["level"] = "warning" if method_name == "warn" else method_name
    return event_dict


def _drop_empty(logger, method_name, event_dict):
    """Fields with no value say nothing; leave them out of the line and the journal."""
    return {key: value for key, value in event_dict.items() if value is not None}


def _add_message_id(logger, method_name, event_dict):
    kind = CATALOGUE.get(event_dict.get("event"))
    if kind:
        event_dict["message_id"] = kind.message_id
    return event_dict


class ConsoleSink:
    """Short human lines: time (to the millisecond, for races), level, event, then key=value fields."""

    def __init__(self, stream):
        self.stream = stream

    def render(self, logger, method_name, event_dict):
        event_dict.pop("message_id", None)
        level = event_dict.pop("level")
        event = event_dict.pop("event")
        message = event_dict.pop("message", None)
        fields = " ".join("{}={}".format(k, v) for k, v in event_dict.items())
        now = time.time()
        head = "{}.{:03d} {:<7} {}".format(time.strftime("%H:%M:%S", time.localtime(now)), int(now % 1 * 1000),
                                           level.upper(), event)
        return " ".join(part for part in (head, message, fields) if part)

    def msg(self, line):
        self.stream.write(line + "\n")
        self.stream.flush()

    debug = info = warning = warn = error = critical = msg


class JournalSink:
    """Writes entries to journald's native protocol socket (no extra dependency needed)."""

    def __init__(self, path=JOURNAL_SOCKET):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)

    def render(self, logger, method_name, event_dict):
        level = event_dict.pop("level")
        event = event_dict.pop("event")
        # A command's entries read "command.ran: docker rm ..." in `journalctl`'s short output.
        message = event_dict.pop("message", None) or event_dict.get("argv")
        fields = {
            "MESSAGE": "{}: {}".format(event, message) if message else event,
            "PRIORITY": str(PRIORITY[level]),
            "SYSLOG_IDENTIFIER": IDENTIFIER,
            "EVENT": event,
        }
        for key, value in event_dict.items():
            fields[journal_field_name(key)] = value
        return encode_journal_entry(fields)

    def msg(self, datagram):
        try:
            self.sock.sendto(datagram, self.path)
        except OSError as exc:
            sys.stderr.write("pool-guardian: journal unavailable ({}); entry lost\n".format(exc.strerror))

    debug = info = warning = warn = error = critical = msg


class TeeSink:
    """The console line and the journal entry, for the commands that change the host."""

    def __init__(self, console, journal):
        self.console = console
        self.journal = journal

    def render(self, logger, method_name, event_dict):
        """structlog takes a tuple from the last processor as (args, kwargs): one arg, the pair."""
        pair = (self.console.render(logger, method_name, dict(event_dict)),
                self.journal.render(logger, method_name, dict(event_dict)))
        return (pair,), {}

    def msg(self, rendered):
        self.console.msg(rendered[0])
        self.journal.msg(rendered[1])

    debug = info = warning = warn = error = critical = msg


def audit(event, message, **fields):
    """One journal entry for a change an operator's command made (rescue, resize, busy --release),
    whatever the command's own log goes to; nothing when journald does not run."""
    if not os.path.exists(JOURNAL_SOCKET):
        return
    entry = _add_message_id(None, "info", dict(fields, event=event, message=message, level="info"))
    sink = JournalSink()
    sink.msg(sink.render(None, "info", entry))


def journal_field_name(key):
    """journald field names: upper case letters, digits and underscores, not starting with _."""
    name = "".join(ch if ch.isalnum() else "_" for ch in str(key).upper()).lstrip("_")
    return name or "FIELD"


def encode_journal_entry(fields):
    """journald native protocol: KEY=value lines; values with a newline use the length form."""
    out = bytearray()
    for key, value in fields.items():
        data = str(value).encode("utf-8", "replace")
        if b"\n" in data:
            out += key.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"
        else:
            out += key.encode() + b"=" + data + b"\n"
    return bytes(out)
