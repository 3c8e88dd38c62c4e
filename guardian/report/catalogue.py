"""Render the MESSAGE_ID catalogue (docs/message-ids.md) from report/events.py.

Operators build journal queries and alert rules on these IDs, so the published list must be the
table the daemon logs from; a unit test fails when docs/message-ids.md and CATALOGUE differ.
"""
from guardian.report.events import CATALOGUE

HEADER = """\
# Journal entries and their MESSAGE_IDs

<!-- Rendered from guardian/report/events.py by `make docs`; edit the catalogue, not this file. -->

Under systemd every entry pool-guardian writes carries `SYSLOG_IDENTIFIER=pool-guardian`, a
`PRIORITY`, `EVENT` (the name below), the event's `MESSAGE_ID`, and each structured field of the
event as an upper-case journal field (`POOL`, `POOL_LEVEL`, `DATA_PERCENT`, ...). A MESSAGE_ID never
changes once released, so alert rules can be written against it:

    journalctl -u pool-guardian MESSAGE_ID={example}
    journalctl -u pool-guardian -o verbose EVENT=action.failed
    journalctl -u pool-guardian MESSAGE_ID={example} POOL_LEVEL=critical

| Event | MESSAGE_ID | When |
| --- | --- | --- |
"""


def render_catalogue():
    """The catalogue as markdown, in the order events.py lists it."""
    rows = ["| `{}` | `{}` | {} |".format(name, kind.message_id, kind.summary)
            for name, kind in CATALOGUE.items()]
    return HEADER.format(example=CATALOGUE["pool.level_changed"].message_id) + "\n".join(rows) + "\n"


CATALOG_HEADER = """\
# journald message catalog for pool-guardian: `journalctl -x` shows these texts beside each entry.
# Rendered from guardian/report/events.py by `make docs`; installed in /usr/lib/systemd/catalog/
# and compiled by `journalctl --update-catalog` when the package is installed.
"""


def render_journald_catalog():
    """The catalogue in journald's catalog format: one `-- MESSAGE_ID` entry per event."""
    entries = []
    for name, kind in CATALOGUE.items():
        body = "{}\n\nEvent {}: @MESSAGE@".format(kind.summary, name)
        if kind.detail:
            body += "\n\n" + kind.detail
        entries.append("-- {}\nSubject: {}\nDefined-By: pool-guardian\n"
                       "Documentation: man:pool-guardian(8)\n\n{}\n".format(kind.message_id, kind.summary, body))
    return CATALOG_HEADER + "\n" + "\n".join(entries)
