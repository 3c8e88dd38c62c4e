"""Report: log entries (journal or terminal), the event catalogue, and renderings of a snapshot."""
