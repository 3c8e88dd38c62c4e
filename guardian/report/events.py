"""The catalogue of event names: each kind of journal entry has a stable MESSAGE_ID.

Operators query by these (`journalctl MESSAGE_ID=...`), so an ID never changes once released.
The docs' MESSAGE_ID table and the journald message catalog (`journalctl -x`) are rendered from
this table; a unit test fails when the code logs an event that is not in it.
"""
from typing import NamedTuple


class EventKind(NamedTuple):
    message_id: str
    summary: str
    detail: str = ""        # what it means for the operator and what to do; for `journalctl -x`


CATALOGUE = {
    "daemon.started": EventKind(
        "b598ac97f739478b98488ec505c5419b", "The daemon started and read its config."),
    "daemon.ready": EventKind(
        "63255101996d486aae83f4959804cf61", "The first good observation of the pool; systemd is told READY.",
        "READY is sent before any rung of the ladder runs, so a long first climb does not make systemd "
        "kill a healthy start."),
    "daemon.stopping": EventKind(
        "f6d3b0df47a84fc2ae37a372815fbb4c", "The daemon is stopping."),
    "daemon.memory_not_written": EventKind(
        "306a08fc62964f0abff47180c2c2e4aa", "The daemon could not write its memory file; `plan` plans without it.",
        "Check that /run/pool-guardian is a directory owned by root and that /run is not full."),
    "daemon.doctor_not_written": EventKind(
        "8de93be10e374a37b1346ffcae5006a4", "The daemon could not write the doctor's findings; `check` "
        "does not see its risky settings.",
        "Check that /run/pool-guardian is a directory owned by root and that /run is not full."),
    "config.loaded": EventKind(
        "60174b703fa04649bb0c24182eb6e2a7", "A config was loaded (at start or on SIGHUP)."),
    "config.invalid": EventKind(
        "7f51a33787af4c87a41e627a9b39ecd8", "A config was refused; the previous one stays in force.",
        "The entry names the key or the file that is wrong. Fix it, run `pool-guardian check-config`, "
        "then `systemctl reload pool-guardian`."),
    "pool.observed": EventKind(
        "e93de7cee76c42ef909ad5c49eaa72a0", "One observation of the pool (debug)."),
    "pool.level_changed": EventKind(
        "ed001f52684f45c59ad1de1d70305a31", "Data or metadata usage crossed a watermark.",
        "POOL_LEVEL says where the pool is now (ok, warning, high, critical). Above the high mark, in "
        "enforce mode, the daemon climbs its ladder until the pool is below the low marks; "
        "`pool-guardian plan` says what it would do now and why."),
    "pool.unhealthy": EventKind(
        "2b3787b5c59f4494b13ec8a52adf461e",
        "The kernel reports the pool read-only, failed, out of data space or needing a check.",
        "Out of data space: the kernel queues writes, then fails them; the daemon prunes, trims and "
        "grows. Read-only, Fail or needs_check: nothing is written to the pool; stop Docker and repair "
        "the metadata (thin_check, thin_repair) as LVM's documentation describes."),
    "condition.raised": EventKind(
        "df1199b8fe3541c3b9aedaede5d85fe9",
        "A condition of the verdict started to hold: Docker refuses or will, the pool is in danger, or "
        "the guardian is blind.",
        "CONDITION names it (docs/monitoring.md lists each with what to do); SEVERITY is warning, "
        "critical or unknown; MESSAGE has the numbers. Every other channel shows the same verdict: "
        "`systemctl status`, `pool-guardian check`, the metric pool_guardian_condition."),
    "condition.cleared": EventKind(
        "e60e7f552e114ea0a517d5f87d665e2e", "A condition of the verdict no longer holds."),
    "source.unavailable": EventKind(
        "c03a347b69684f45b720de3b485953b3", "Docker, dmsetup or a file could not be read.",
        "The entry names the source and the error. The kernel's view alone keeps the watch going; "
        "without it the daemon cannot see the pool."),
    "source.recovered": EventKind(
        "dc61d6327613499ca7063fa0218a10f0", "A source that was unavailable answers again."),
    "decision.made": EventKind(
        "7c6deecd214844d88724a26f1d34b6d6", "The policy chose a plan (possibly empty) and says why."),
    "rung.learnt": EventKind(
        "d21ec3ac77dc479d87258cab832d701e",
        "A rung's estimate on this pool after a run: how long it takes and how much it gives back.",
        "The ladder races the fill with these: the rung that gives back most before Docker's floor "
        "runs first, and grow goes first when no reclaiming rung can finish in time (`pool-guardian plan`)."),
    "rung.beside": EventKind(
        "fe92bcf484144162add381bc2457491a",
        "While a rung waited on Docker, the fill would reach Docker's floor first: grow or fstrim ran beside it.",
        "MESSAGE says which rung ran beside which, and the deadline and estimate that chose it; its result "
        "follows as action.finished or action.failed."),
    "climb.after_brake": EventKind(
        "7d9e3625bae8458789ba4e38a98e1d44",
        "The brake grew the pool under its low marks; the reclaiming rungs it braked for still run.",
        "Grow makes room but gives nothing back: the climb goes on with the rungs of the plan that "
        "braked, once each, so the next crossing finds space to reclaim rather than a pool to grow "
        "again. prune_images keeps its images below the low marks."),
    "action.finished": EventKind(
        "dc0d0db8e3ed4182b065d1b6a4742937",
        "An action ran (or, in dry-run, would have run), with numbers before and after."),
    "action.failed": EventKind(
        "74ecea201e434a218f84569da2c891ad", "An action failed; the error is in the entry.",
        "The rung backs off (doubling up to ladder.backoff_max) and the ladder goes on with the next "
        "rung. The message carries the command's or Docker's own error."),
    "command.starting": EventKind(
        "1d2cc1eb8bf8488ca89310cbd6464e7f",
        "A change is about to go through the host door; command.ran follows when it returns.",
        "ARGV is the change. Without a command.ran after it, the daemon stopped (or was killed) while "
        "the change was in flight: the change may have been made, by dockerd or the kernel, all the same."),
    "command.ran": EventKind(
        "0f81fc3bb79041109c53192fa6d09122",
        "A command ran, or a change went through the host door (changes at info, reads at debug)."),
    "command.skipped": EventKind(
        "cb0ab097161e4e2fa6e6a1ee7a63efa1", "A command or change was not made: dry-run.",
        "ARGV is what would have run. Set mode: enforce to let the daemon act."),
    "action.crashed": EventKind(
        "2c797bdfeadb4616a9641f9a61408e88", "An action raised an unexpected error (a bug); the daemon goes on.",
        "ERROR (and MESSAGE) is the error's type and message; EXCEPTION is the traceback (`journalctl -o "
        "verbose` shows it; `-o json` needs --all when it is over 4096 bytes). Please report it; the rung is "
        "counted as failed and backs off."),
    "action.partly_done": EventKind(
        "e53306e888ed46a891a7f60ad92d1017",
        "An action did part of its work and failed on the rest; what it freed counts, no back-off.",
        "The message lists what failed (for example a container Docker could not remove because a "
        "mount is held: `pool-guardian busy CONTAINER` names the holder)."),
    "doctor.examined": EventKind(
        "8d0b0a1ec71148d1bb9498597a4f8c86", "The doctor examined the host's settings (at start, on reload, daily).",
        "STATUS is the worst finding (PASS, WARN, FAIL, UNKNOWN); each finding that is not PASS or SKIP "
        "has its own doctor.finding entry. `pool-guardian doctor` prints them all."),
    "doctor.finding": EventKind(
        "14df8a26d1894a3b84655d261f908632", "One of the doctor's checks did not pass: CHECK, STATUS, what it "
        "saw and the change to make.",
        "A FAIL is also the verdict's risky_setting condition (check, STATUS, the metrics); a WARN costs "
        "less, an UNKNOWN could not read its input. docs/troubleshooting.md explains each check. After "
        "the change, `systemctl reload pool-guardian` examines the host again."),
    "doctor.failed": EventKind(
        "e54e88a2927e4d8d8d11ea3455cc0364", "The doctor failed with a bug; the pool is still watched.",
        "The entry has the traceback; its findings are one UNKNOWN until the next run. Please report it."),
    "rung.planned": EventKind(
        "b7acacf8805945f6acf4dcfed1a81165",
        "What a rung is about to act on and what it leaves, each with why (info in dry-run, else debug).",
        "The containers, images or filesystems chosen, in the order they go, and those kept with the reason: "
        "a keep label, the grace period, a container using the image. `--dry-run` shows it and changes nothing."),
    "mounts.held": EventKind(
        "c45f4fae344d4b4ea9146aff815f490f",
        "A dead container's mount is held in another mount namespace; it is being released there.",
        "HOLDER_PIDS are the processes of that namespace. They are never killed: only the mount is "
        "unmounted inside their namespace."),
    "fstrim.device": EventKind(
        "6b6f739cb88444ae9980ea930634e617", "One thin volume was trimmed; the blocks the pool got back."),
    "watch.dm_waiting": EventKind(
        "3e8a3ac4ebdb49299892c902d283b987", "The device-mapper event watch has no pool to wait on yet (debug)."),
    "library.message": EventKind(
        "25169fbe5c734f24a069e9c5b1433335",
        "A library (Docker SDK, urllib3, APScheduler, pyudev) logged a warning or an error.",
        "LOGGER names the library's logger."),
    "tool.changed": EventKind(
        "96c756d8792f450c8b76da1258154136",
        "An operator's command (rescue, resize, busy --release) changed the host; what it did.",
        "TOOL names the command; _UID and _CMDLINE say who ran it."),
    "metrics.not_written": EventKind(
        "05106640a6ff47229209c31566ff85eb",
        "The daemon could not write its metrics file or its fill samples; it keeps running.",
        "PATH names the file. For the metrics, create node_exporter's textfile directory or set "
        "metrics.path (or metrics.enabled: false); logged once until a write succeeds again."),
    "daemon.memory_restored": EventKind(
        "4ba952f83e144aa986b71c1764a07703",
        "At start, the ladder's memory (cooldowns, budgets, back-off) left by the last daemon was read back.",
        "A restart or a watchdog kill does not reset the budgets; old times age out by themselves."),
    "daemon.memory_ignored": EventKind(
        "a8e76ec7a001419ca5529c67c45570d6",
        "At start, the memory file was not used (unreadable, malformed, dated in the future, or being "
        "written by another running daemon); the ladder starts with an empty memory.",
        "REASON says which. Remove the file if it is damaged; two daemons must not run at once."),
    "pool.metadata_snapshot_released": EventKind(
        "456da1e3a3fd4a56828dc3c3c973b3e4",
        "A metadata snapshot was found held on the pool before thin_ls read it, and was released.",
        "A reader killed between reserve_metadata_snap and its release leaves one held (`dmsetup status` "
        "shows its root instead of '-'); while held, every metadata change is copied. Nothing to do."),
    "usage.read": EventKind(
        "d7bfebeadbb644718d21bd354e33b64b",
        "The daemon read who uses the pool (thin_ls on a metadata snapshot) for its metrics (debug).",
        "SECONDS is what the read cost; DEVICES the thin devices the pool holds. metrics.usage_interval sets "
        "how often (docs/monitoring.md)."),
    "usage.not_read": EventKind(
        "faa9f35864ad470092b30ad8d29c0dc8",
        "The daemon did not read who uses the pool this time: the reason, or the error (the usage metrics "
        "keep their last read and its time).",
        "Told once until the reason changes. Not read in observe or dry-run mode (the read reserves a "
        "metadata snapshot) or while the pool is above a high mark; an error names the command that failed."),
    "pool.suspended": EventKind(
        "4fb90613922b4f9ebb2b00204626fa1e",
        "A look found the watched pool (or a device under it) suspended: every container's writes wait.",
        "In enforce and dry-run modes recover runs next under the action lock (its result follows); "
        "in observe mode nothing is done: `dmsetup resume` the DEVICES unless a tool is mid-change."),
}
