"""The host: the one door to external commands and changes (door.py), and the reads and syscalls
the rest is built on (device-mapper ioctls, sysfs, loop files, Docker's API, /proc, the action lock).
"""
