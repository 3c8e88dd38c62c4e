"""What wakes the engine between polls: device-mapper events, udev, and the schedule.

They only wake it (with a reason); the evaluation that follows observes and decides. The
periodic poll is the truth and the fallback when an event source fails.
"""
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from guardian.decide.consumers import why_not_read
from guardian.errors import GuardianError
from guardian.host import devmapper


class PoolEventWatcher(threading.Thread):
    """Waits on the watched pool's device-mapper event counter (DM_DEV_WAIT) in its own thread.

    The kernel raises one event when the pool crosses its low water mark and none while it stays
    below, so each return wakes the engine, which re-reads the pool; a removed pool (dockerd
    stopping) also raises an event, and then the watcher waits for a pool to come back.
    """

    def __init__(self, pool_name, wake, log, retry_seconds=2.0):
        super().__init__(name="dm-events", daemon=True)
        self.pool_name = pool_name          # callable: the pool to watch now, or None
        self.wake = wake
        self.log = log
        self.retry_seconds = retry_seconds
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            name = self.pool_name()
            try:
                if name is None:
                    raise GuardianError("no pool to watch yet")
                info = devmapper.device_info(name)
                if not info.exists:
                    raise GuardianError("pool {} does not exist".format(name))
                devmapper.wait_for_event(name, info.event_nr)
                self.wake.request("dm-event")
            except GuardianError as exc:
                self.log.debug("watch.dm_waiting", reason=str(exc))
                self.stopped.wait(self.retry_seconds)

    def stop(self):
        self.stopped.set()


class UdevWatcher:
    """udev add/change/remove of the pool's dm device or a loop device: re-discover and evaluate.

    A resume after a grow sends change with RESIZE=1; a loop capacity change, a pool appearing when
    dockerd starts, and a pool going away all arrive here.
    """

    def __init__(self, pool_name, wake, log):
        import pyudev
        self.pool_name = pool_name
        self.wake = wake
        self.log = log
        monitor = pyudev.Monitor.from_netlink(pyudev.Context())
        monitor.filter_by("block")
        self.observer = pyudev.MonitorObserver(monitor, callback=self._event, name="udev")

    def _event(self, device):
        name = device.get("DM_NAME")
        watched = self.pool_name()
        relevant = (name is not None and (watched is None or name == watched or name.endswith("-pool"))
                    or device.sys_name.startswith("loop"))
        if relevant:
            self.wake.request("udev-{}".format(device.action))

    def start(self):
        self.observer.start()

    def stop(self):
        self.observer.send_stop()


DOCTOR_INTERVAL = 86400.0      # the doctor again each day: settings drift (a sysctl reset, a new dockerd)


def start_schedule(settings, wake):
    """The poll (safety net), the Docker refresh, the daily doctor, the read of who uses the pool
    and the maintenance trim window."""
    try:
        scheduler = BackgroundScheduler(daemon=True)        # the trim window is in local time
    except Exception:                                       # tzlocal cannot tell the zone: use UTC
        scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
    scheduler.add_job(wake.request, "interval", args=["poll"], seconds=settings.schedule.poll_interval,
                      id="poll", coalesce=True, max_instances=1)
    scheduler.add_job(wake.request, "interval", args=["docker-refresh"],
                      seconds=settings.schedule.docker_info_interval, id="docker", coalesce=True)
    scheduler.add_job(wake.request, "interval", args=["doctor"], seconds=DOCTOR_INTERVAL, id="doctor",
                      coalesce=True)
    if why_not_read(settings.mode, "ok", settings.metrics.top_consumers, settings.metrics.enabled) is None:
        scheduler.add_job(wake.request, "interval", args=["usage"], seconds=settings.metrics.usage_interval,
                          id="usage", coalesce=True)
    if settings.schedule.trim_window:
        scheduler.add_job(wake.request, CronTrigger.from_crontab(settings.schedule.trim_window),
                          args=["trim-window"], id="trim", coalesce=True)
    scheduler.start()
    return scheduler
