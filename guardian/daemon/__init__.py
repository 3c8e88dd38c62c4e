"""The daemon: watchers wake it, the engine observes, decides and acts, the service talks to systemd."""
