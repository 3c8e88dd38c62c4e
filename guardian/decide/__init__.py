"""Decide: pure functions of a snapshot, the config, remembered state and the time."""
