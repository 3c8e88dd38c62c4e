"""The catalogue of event names: each kind of journal entry has a stable MESSAGE_ID.

Operators query by these (`journalctl MESSAGE_ID=...`), so an ID never changes once released.
The docs' MESSAGE_ID catalogue is rendered from this table.
"""
from typing import NamedTuple


class EventKind(NamedTuple):
    message_id: str
    summary: str


CATALOGUE = {
    "daemon.started": EventKind("b598ac97f739478b98488ec505c5419b", "The daemon started and read its config."),
    "daemon.ready": EventKind("63255101996d486aae83f4959804cf61", "The first good observation of the pool; systemd is told READY."),
    "daemon.stopping": EventKind("f6d3b0df47a84fc2ae37a372815fbb4c", "The daemon is stopping."),
    "daemon.memory_not_written": EventKind("306a08fc62964f0abff47180c2c2e4aa", "The daemon could not write its memory file; `plan` plans without it."),
    "config.loaded": EventKind("60174b703fa04649bb0c24182eb6e2a7", "A config was loaded (at start or on SIGHUP)."),
    "config.invalid": EventKind("7f51a33787af4c87a41e627a9b39ecd8", "A config was refused; the previous one stays in force."),
    "pool.observed": EventKind("e93de7cee76c42ef909ad5c49eaa72a0", "One observation of the pool (debug)."),
    "pool.level_changed": EventKind("ed001f52684f45c59ad1de1d70305a31", "Data or metadata usage crossed a watermark."),
    "pool.unhealthy": EventKind("2b3787b5c59f4494b13ec8a52adf461e", "The kernel reports the pool read-only, failed, out of data space or needing a check."),
    "source.unavailable": EventKind("c03a347b69684f45b720de3b485953b3", "Docker, dmsetup or a file could not be read."),
    "source.recovered": EventKind("dc61d6327613499ca7063fa0218a10f0", "A source that was unavailable answers again."),
    "decision.made": EventKind("7c6deecd214844d88724a26f1d34b6d6", "The policy chose a plan (possibly empty) and says why."),
    "action.finished": EventKind("dc0d0db8e3ed4182b065d1b6a4742937", "An action ran (or, in dry-run, would have run), with numbers before and after."),
    "action.failed": EventKind("74ecea201e434a218f84569da2c891ad", "An action failed; the error is in the entry."),
    "command.ran": EventKind("0f81fc3bb79041109c53192fa6d09122", "An external command ran (debug)."),
}
