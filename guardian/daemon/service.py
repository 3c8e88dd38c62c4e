"""`pool-guardian run`: the service systemd starts.

The main loop waits for a wake-up, feeds the watchdog, reloads on SIGHUP, evaluates, and updates
STATUS. READY=1 is sent after the first good observation (the kernel's view could be read). Only
this thread feeds the watchdog: between looks, and while a rung runs beside it only as long as the
rung moves on (daemon/rung_thread.py). A hung loop or rung is killed and restarted by systemd.
"""
import signal
import threading
import time

from guardian.app import app_from, load_settings
from guardian.daemon.engine import Engine
from guardian.daemon.notify import Notifier
from guardian.daemon.wake import Wakeup
from guardian.daemon.watch import PoolEventWatcher, UdevWatcher, start_schedule
from guardian.errors import EXIT_OK, GuardianError
from guardian.observe.observer import Observer
from guardian.report.metrics import Metrics
from guardian.report.reporter import Reporter
from guardian.report.state import DaemonState

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Service:
    def __init__(self, config_path, mode=None):
        self.config_path = config_path
        self.mode = mode
        self.app = app_from(load_settings(config_path, mode))
        self.settings = self.app.settings
        self.log = self.app.log
        self.notifier = Notifier()
        # Outlive a reload: the memory and fill history with their files, the metrics' counters,
        # what the journal was told (a condition a reload clears is told cleared).
        # They keep the logger they are built with: structlog's proxy follows each app_from.
        self.state = DaemonState(self.log)
        self.metrics = Metrics(self.log, self.state)
        self.reporter = Reporter(self.log, self.settings, time.monotonic)
        self.wake = Wakeup()
        self.stopping = threading.Event()
        self.ready = False
        self.engine = None          # built in run(), with the memory the last daemon left
        self.watchers = []

    def _engine(self, memory, failing=None):
        """The engine for the settings in force (self.app), every part passed in; after a reload,
        with the memory and the failing rungs of the engine before it."""
        settings, host = self.settings, self.app.host
        self.state.configure(settings)
        self.metrics.configure(settings, self._event_sources_up)
        self.reporter.configure(settings)
        return Engine(settings, host, self.log, Observer(host, settings), self.reporter,
                      state=self.state, metrics=self.metrics, memory=memory, heartbeat=self.notifier.watchdog,
                      heartbeat_seconds=self._heartbeat_seconds(), on_look=self._on_look,
                      after_action=self._publish, stopping=self.stopping, failing=failing,
                      on_verdict=self._tell)

    def run(self):
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_stop)
        signal.signal(signal.SIGHUP, lambda *_: self.wake.request("reload"))
        self.log.info("daemon.started", mode=self.settings.mode, config=self.config_path)
        self.engine = self._engine(self.state.restore_memory(time.time(), self.settings.ladder.backoff_max))
        self.engine.recover()
        self._start_watchers()
        self.wake.request("start")
        try:
            self._loop()
        finally:
            self.notifier.stopping()
            self.log.info("daemon.stopping")
            self._stop_watchers()
        return EXIT_OK

    def _loop(self):
        while not self.stopping.is_set():
            reasons = self.wake.wait(self._wait_seconds())
            if not reasons and self._retry_due():
                reasons = frozenset(["retry"])
            self.notifier.watchdog()
            if "reload" in reasons:
                self._reload()
            if self.stopping.is_set() or not reasons - {"reload"}:
                continue
            self.engine.evaluate(reasons, refresh_docker=bool(reasons & {"docker-refresh", "start", "doctor"}))
            self._tell()

    def _wait_seconds(self):
        """Until the next heartbeat, or sooner when a rung that had to wait becomes ready."""
        timeout = self._heartbeat_seconds()
        if self.engine.retry_at is not None:
            timeout = max(0.0, min(timeout, self.engine.retry_at - time.time()))
        return timeout

    def _retry_due(self):
        return self.engine.retry_at is not None and time.time() >= self.engine.retry_at

    def _heartbeat_seconds(self):
        """Wake at least twice per watchdog period, so a healthy loop always feeds it in time."""
        period = self.notifier.watchdog_seconds
        return min(period / 3.0, 10.0) if period else 10.0

    def _tell_systemd(self):
        self.notifier.status(self.engine.status_line())

    def _publish(self):
        """The fill history (its age is the daemon's, for `check`) and the metrics, after every
        evaluation and every action: never between a decision to act and its first rung."""
        self.state.write_history()
        self.metrics.write()

    def _tell(self):
        """The verdict in the metrics and STATUS: after each evaluation, and at each look while a
        rung runs (engine.on_verdict), so a floor crossed mid-rung is not told only once it is over."""
        self._publish()
        self._tell_systemd()

    def _on_look(self, snapshot):
        """READY=1 at the first good look (the kernel's view could be read), before any rung runs:
        a long first climb must not pass TimeoutStartSec and have systemd kill a healthy start."""
        if self.ready or any(p.startswith("kernel:") for p in snapshot.problems):
            return
        self.ready = True
        status = self.engine.status_line()
        self.log.info("daemon.ready", message=status)
        self.notifier.ready(status)

    def _reload(self):
        """Rebuild everything the config feeds: the logger and host (app_from), the watchers and
        the engine; the state, the metrics and the engine's memory carry over. A bad new config
        keeps the old one running, with the reason in the journal."""
        self.notifier.reloading()
        try:
            settings = load_settings(self.config_path, self.mode)
        except GuardianError as exc:
            self.log.error("config.invalid", message=str(exc), config=self.config_path)
            self.metrics.reloaded(False)
        else:
            self.metrics.reloaded(True)
            self.app = app_from(settings)
            self.settings, self.log = settings, self.app.log
            self._stop_watchers()
            self.engine = self._engine(self.engine.memory, self.engine.failing)
            self._start_watchers()
            self.log.info("config.loaded", config=self.config_path, mode=settings.mode)
            self.wake.request("reloaded")
        self.notifier.ready(self.engine.status_line())

    def _on_stop(self, signum, frame):
        self.stopping.set()         # the engine's too: a rung stops at its next step
        self.wake.request("stop")

    def _pool_name(self):
        snapshot = self.engine.last_snapshot
        return snapshot.pool.name if snapshot is not None and snapshot.pool is not None else None

    def _start_watchers(self):
        events = self.settings.events
        self.watchers = [start_schedule(self.settings, self.wake)]
        if events.device_mapper:
            watcher = PoolEventWatcher(self._pool_name, self.wake, self.log)
            watcher.start()
            self.watchers.append(watcher)
        if events.udev:
            try:
                watcher = UdevWatcher(self._pool_name, self.wake, self.log)
                watcher.start()
                self.watchers.append(watcher)
            except Exception as exc:        # no udev netlink (containers): the poll still works
                self.log.warning("source.unavailable", source="udev", message="udev: {}".format(exc))

    def _event_sources_up(self):
        """For the metrics: whether the dm-event and udev watchers run (the poll always does);
        udev is down when it is configured but could not start."""
        up = {"udev": False} if self.settings.events.udev else {}
        for watcher in self.watchers:
            if isinstance(watcher, PoolEventWatcher):
                up["dm_events"] = watcher.is_alive()
            elif isinstance(watcher, UdevWatcher):
                up["udev"] = watcher.observer.is_alive()
        return up

    def _stop_watchers(self):
        for watcher in self.watchers:
            if hasattr(watcher, "shutdown"):         # the scheduler
                watcher.shutdown(wait=False)
            else:
                watcher.stop()
        self.watchers = []


def run_service(config_path, mode=None):
    return Service(config_path, mode).run()
