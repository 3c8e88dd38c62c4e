"""An operator reading `journalctl -u pool-guardian` (short output, MESSAGE only) sees what each
command was, not only that one ran."""
from guardian.report.log import JournalSink


def test_a_commands_journal_message_names_the_command():
    sink = JournalSink.__new__(JournalSink)      # render only: no socket needed
    entry = sink.render(None, "info", {"level": "info", "event": "command.starting", "argv": "docker rm 6c3b0318aec7 (w-24)"})
    assert b"MESSAGE=command.starting: docker rm 6c3b0318aec7 (w-24)\n" in entry
