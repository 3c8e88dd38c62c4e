"""Device-mapper ioctls through libdevmapper (device-mapper-libs on every CentOS 7 host), via ctypes.

Used where a subprocess per call is too slow or cannot do the job: waiting on a pool's event
counter (DM_DEV_WAIT, as LVM's dmeventd does) without a process per event.
"""
import atexit
import ctypes
import ctypes.util
import fcntl
import os
import threading
from contextlib import contextmanager

from guardian.errors import GuardianError

# enum order in libdevmapper.h
DM_DEVICE_RELOAD = 1
DM_DEVICE_RESUME = 5
DM_DEVICE_CLEAR = 14
DM_DEVICE_INFO = 6
DM_DEVICE_STATUS = 10
DM_DEVICE_TABLE = 11
DM_DEVICE_WAITEVENT = 12
DM_DEVICE_LIST = 13
_NAMES_NAME_OFFSET = 12      # struct dm_names { uint64_t dev; uint32_t next; char name[0]; }
LOOP_SET_CAPACITY = 0x4C07    # linux/loop.h: re-read the backing file's size
LIBRARY_NAMES = ("libdevmapper.so.1.02", "libdevmapper.so.1.02.1", ctypes.util.find_library("devmapper"))


class DevmapperError(GuardianError):
    """libdevmapper is missing or an ioctl failed."""


class DmInfo(ctypes.Structure):
    """struct dm_info; padded because newer libraries append fields."""
    _fields_ = [("exists", ctypes.c_int), ("suspended", ctypes.c_int), ("live_table", ctypes.c_int),
                ("inactive_table", ctypes.c_int), ("open_count", ctypes.c_int32),
                ("event_nr", ctypes.c_uint32), ("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("read_only", ctypes.c_int), ("target_count", ctypes.c_int32),
                ("_reserved", ctypes.c_int * 16)]


# dm_log_with_errno_fn(level, file, line, dm_errno_or_class, format, ...): the varargs are ignored.
_LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_char_p)
_QUIET = _LOG_FN(lambda *args: None)
_lib = None
_lib_lock = threading.Lock()


def library():
    """Load libdevmapper once; a clear error where it is missing."""
    global _lib
    with _lib_lock:
        if _lib is None:
            _lib = _load()
        return _lib


def _load():
    for name in LIBRARY_NAMES:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name, use_errno=True)
        except OSError:
            continue
        lib.dm_log_with_errno_init(_QUIET)     # errors come back as DevmapperError, not stderr noise
        # libdevmapper's exit destructor may still log: hand it back its own logger before Python
        # finalizes, or it calls into a dead ctypes callback (a SIGSEGV at exit).
        atexit.register(lib.dm_log_with_errno_init, None)
        lib.dm_task_create.restype = ctypes.c_void_p
        lib.dm_task_create.argtypes = [ctypes.c_int]
        lib.dm_task_destroy.argtypes = [ctypes.c_void_p]
        lib.dm_task_set_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.dm_task_set_event_nr.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        lib.dm_task_run.argtypes = [ctypes.c_void_p]
        lib.dm_task_get_info.argtypes = [ctypes.c_void_p, ctypes.POINTER(DmInfo)]
        lib.dm_task_get_names.restype = ctypes.c_void_p
        lib.dm_task_get_names.argtypes = [ctypes.c_void_p]
        lib.dm_task_add_target.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                                           ctypes.c_char_p, ctypes.c_char_p]
        lib.dm_udev_set_sync_support.argtypes = [ctypes.c_int]
        lib.dm_task_no_flush.argtypes = [ctypes.c_void_p]
        lib.dm_get_next_target.restype = ctypes.c_void_p
        lib.dm_get_next_target.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64),
            ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p)]
        return lib
    raise DevmapperError("libdevmapper not found (install device-mapper-libs)")


@contextmanager
def _dm_task(kind, name=None, what="read", prepare=None, lib=None):
    """Create, name, prepare and run one libdevmapper task; yields (lib, task), always destroyed."""
    lib = lib or library()
    task = lib.dm_task_create(kind)
    if not task:
        raise DevmapperError("libdevmapper: cannot create a task")
    try:
        if name is not None and not lib.dm_task_set_name(task, name.encode()):
            raise DevmapperError("libdevmapper: bad device name {!r}".format(name))
        if prepare is not None:
            prepare(lib, task)
        if not lib.dm_task_run(task):
            raise DevmapperError("device-mapper: {} of {} failed".format(what, name or "the device list"))
        yield lib, task
    finally:
        lib.dm_task_destroy(task)


def _no_flush(lib, task):
    """A task's `--noflush`: no metadata commit for a status, no flush for a resume."""
    lib.dm_task_no_flush(task)


def _task(kind, name, event_nr=None):
    """Run one dm task on a device and return its info."""
    def set_event_nr(lib, task):
        if event_nr is not None:
            lib.dm_task_set_event_nr(task, event_nr)
    what = "wait" if kind == DM_DEVICE_WAITEVENT else "info"
    with _dm_task(kind, name, what, set_event_nr) as (lib, task):
        info = DmInfo()
        if not lib.dm_task_get_info(task, ctypes.byref(info)):
            raise DevmapperError("device-mapper: no info for {}".format(name))
        return info


def device_info(name):
    """exists, suspended, event_nr, ... of a dm device (DM_DEV_STATUS ioctl)."""
    return _task(DM_DEVICE_INFO, name)


def wait_for_event(name, event_nr):
    """Block until the device's event counter differs from event_nr; returns the new info.

    The kernel raises an event on a pool when it crosses its low water mark, changes mode
    (out of data space, read-only), is resized, or is removed, so a waiter never outlives a removal.
    ctypes releases the GIL for the blocking ioctl.
    """
    return _task(DM_DEVICE_WAITEVENT, name, event_nr)


def device_names():
    """The name of every dm device, in one ioctl (DM_LIST_DEVICES), as `dmsetup ls` lists them."""
    with _dm_task(DM_DEVICE_LIST, what="listing") as (lib, task):
        names, address = [], lib.dm_task_get_names(task)
        if not address or ctypes.c_uint64.from_address(address).value == 0:
            return names
        while True:
            names.append(ctypes.string_at(address + _NAMES_NAME_OFFSET).decode())
            step = ctypes.c_uint32.from_address(address + 8).value
            if not step:
                return names
            address += step


def target_lines(name, table=False):
    """`dmsetup status --noflush NAME` (or `table`) lines, 'NAME: START LENGTH TARGET PARAMS', by
    ioctl: the same text the dmsetup parsers read, without a process per call.

    Without --noflush a thin-pool's status first commits the pool's metadata, and with it flushes
    its data device: a look would be a flush the writers wait on, and would itself wait on a
    metadata device that is slow, stuck or suspended, where the daemon must still see the pool.
    The counts are the same either way (the kernel counts the open transaction's blocks).
    A table read commits nothing.
    """
    prepare = None if table else _no_flush
    with _dm_task(DM_DEVICE_TABLE if table else DM_DEVICE_STATUS, name, prepare=prepare) as (lib, task):
        lines, cursor = [], None
        start, length = ctypes.c_uint64(), ctypes.c_uint64()
        target, params = ctypes.c_char_p(), ctypes.c_char_p()
        while True:
            cursor = lib.dm_get_next_target(task, cursor, ctypes.byref(start), ctypes.byref(length),
                                            ctypes.byref(target), ctypes.byref(params))
            if target.value:
                lines.append("{}: {} {} {} {}".format(name, start.value, length.value, target.value.decode(),
                                                      (params.value or b"").decode()))
            if not cursor:
                return lines


# ---------------------------------------------------------------------------- changes by ioctl
# The grow of a loop-lvm pool without a process per step; guardian.host.door logs each (HostDoor.change).


def loop_set_capacity(loop_path):
    """`losetup -c LOOP`: the loop device takes its backing file's new size (LOOP_SET_CAPACITY)."""
    fd = os.open(loop_path, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, LOOP_SET_CAPACITY, 0)
    except OSError as exc:
        raise DevmapperError("{}: LOOP_SET_CAPACITY failed: {}".format(loop_path, exc.strerror))
    finally:
        os.close(fd)


def _no_udev_sync():
    """Resume without udev cookies: the device exists, its node does not change; nothing to wait for."""
    lib = library()
    lib.dm_udev_set_sync_support(0)
    return lib


def load_table(name, line):
    """`dmsetup reload NAME --table LINE` for a one-line table: 'START LENGTH TARGET PARAMS'."""
    start, length, target, params = line.split(None, 3)

    def add_target(lib, task):
        if not lib.dm_task_add_target(task, int(start), int(length), target.encode(), params.encode()):
            raise DevmapperError("libdevmapper: bad table line {!r}".format(line))
    with _dm_task(DM_DEVICE_RELOAD, name, "reload", add_target, lib=_no_udev_sync()):
        pass


def resume_device(name):
    """`dmsetup resume --noflush NAME`: the inactive table (if any) becomes live and I/O flows
    again. No flush: a pool out of data space holds queued writes that only the new, larger
    table can complete; a flushing suspend would wait for them until the kernel fails them."""
    with _dm_task(DM_DEVICE_RESUME, name, "resume", _no_flush, lib=_no_udev_sync()):
        pass


def clear_inactive(name):
    """`dmsetup clear NAME`: drop a loaded but not yet live table."""
    with _dm_task(DM_DEVICE_CLEAR, name, "clear", lib=_no_udev_sync()):
        pass
