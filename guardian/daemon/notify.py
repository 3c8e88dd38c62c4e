"""sd_notify: READY, STATUS, WATCHDOG, RELOADING, STOPPING; silent when not run by systemd."""
import os

import sdnotify


class Notifier:
    def __init__(self):
        self.enabled = bool(os.environ.get("NOTIFY_SOCKET"))
        self._sd = sdnotify.SystemdNotifier() if self.enabled else None
        usec = os.environ.get("WATCHDOG_USEC", "")
        self.watchdog_seconds = int(usec) / 1e6 if usec.isdigit() else None

    def _send(self, text):
        if self._sd is not None:
            self._sd.notify(text)

    def ready(self, status):
        self._send("READY=1\nSTATUS=" + status)

    def status(self, status):
        self._send("STATUS=" + status)

    def watchdog(self):
        if self.watchdog_seconds:
            self._send("WATCHDOG=1")

    def reloading(self):
        self._send("RELOADING=1")

    def stopping(self):
        self._send("STOPPING=1")
