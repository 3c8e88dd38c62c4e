"""Pure parsers for what the host tells us about the thin pool.

Each function takes the text a tool printed or a file held and returns plain values,
so the daemon, the CLI and the sosreport reader all agree on what a line means, and
the parsers can be tested against real outputs without a Docker host. Nothing here
runs a command or opens a file (sosreport.find_captures only lists a directory).
"""
