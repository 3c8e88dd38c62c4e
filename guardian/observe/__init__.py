"""Observe: what the host tells us about the thin pool, as one snapshot.

The parsers (dmsetup, docker_info, docker_files, lvm_report, mountinfo, captured, sosreport) are
pure: they take the text a tool printed or a file held and return plain values, so the daemon, the
CLI and `diagnose` agree on what a line means and are tested against real outputs. The Observer
(observer.py) and the holder search (holders.py) do the live reads, through host/, and hand the
text to those parsers.
"""
