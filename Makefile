# pool-guardian: the two newcomer commands are `make demo` and `make test`; both run `setup` first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# CentOS 7 runs CPython 3.6: use a 3.6 here when the machine has one, else the default python3.
# (pyenv's shims answer `command -v` even when they cannot run, so each candidate is tried.)
PYTHON ?= $(shell for p in $(wildcard /root/.pyenv/versions/3.6*/bin/python3.6) python3.6 python3; do \
	$$p -c 'import sys' >/dev/null 2>&1 && { command -v $$p; break; }; done)
VENV := .venv
VPY := $(VENV)/bin/python
# Debian packages the tests and the test bed need (qemu guest, real dm-thin userland, Docker 20.10).
DEB_PACKAGES := qemu-system-x86 busybox-static docker.io containerd lvm2 thin-provisioning-tools \
	xfsprogs e2fsprogs kmod cpio util-linux systemd udev rpm man-db groff dmeventd sudo prometheus prometheus-node-exporter nagios-nrpe-server nagios-nrpe-plugin

.PHONY: help setup deps test unit lint demo clean config-example bench-replay

help:
	@echo "make demo   - boot the test bed, fill a small Docker pool, watch pool-guardian act"
	@echo "make test   - lint, unit tests on this host, then the integration tests in the test bed"
	@echo "make setup  - install Debian packages and the .venv (idempotent)"

setup: deps $(VENV)/.stamp

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(VENV)/.stamp: requirements/el7.txt requirements/dev.txt setup.cfg setup.py pyproject.toml
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check 'pip==21.3.1'
	$(VPY) -m pip install -q -r requirements/el7.txt -r requirements/dev.txt
	$(VPY) -m pip install -q --no-deps -e .
	@touch $@

lint: setup
	$(VENV)/bin/vermin -q -t=3.6- --no-tips --violations --eval-annotations guardian
	$(VENV)/bin/pyflakes guardian tests bench

unit: setup
	$(VPY) -m pytest -q tests/unit

test: lint unit bed-test

clean:
	rm -rf $(VENV) .cache build dist *.egg-info

-include tests/bed/bed.mk
-include packaging/rpm.mk
-include tests/soak/soak.mk
rpm wheel docs: setup

# Issue 28: every trace in bench/traces against every arm, in one guest (about 30 min a trace, not
# part of `make test`); e.g. make bench-replay REPLAY="--traces leaky --arms pg-grow,cron-prune-trim".
bench-replay: setup bed
	$(VPY) bench/replay.py $(REPLAY)

# etc/config.yaml is rendered from the schema; a unit test fails when they differ.
config-example: setup
	$(VPY) -c 'from guardian.config.example import render_example; import sys; sys.stdout.write(render_example())' > etc/config.yaml
