# The soak (issue 28): faults drawn from a seed while a workload fills the pool, the daemon under
# the RPM's unit in the systemd guest (tests/soak/soak.py). Not part of `make test`.
#   make soak                          30 minutes, a fresh seed (printed)
#   make soak SOAK_SEED=7 SOAK_SECONDS=300
# The guest also needs ~5 min of setup and ~3 min of checks under TCG when the host is busy; it is
# given SOAK_SECONDS + 1500 s (SOAK_TIMEOUT overrides).
SOAK_SEED ?=
SOAK_SECONDS ?= 1800

.PHONY: soak

soak: setup bed rpm
	@$(BED_RUN) --systemd --timeout $${SOAK_TIMEOUT:-$$(( $(SOAK_SECONDS) + 1500 ))} -c \
		'SOAK_SEED=$(SOAK_SEED) SOAK_SECONDS=$(SOAK_SECONDS) SOAK_COMMIT=$(shell git rev-parse --short HEAD) .venv/bin/python tests/soak/soak.py'
