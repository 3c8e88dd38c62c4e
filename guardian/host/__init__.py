"""The host: the one door to external commands, the clock, and paths on the machine."""
