# Packaging: `make rpm` (the CentOS 7 RPM), `make wheel` (wheel + sdist for pip users),
# `make docs` (every file rendered from the code), `make rpm-test` (the packaging tests).
# Included by the top Makefile; it also works alone: make -f packaging/rpm.mk rpm
#
# Everything for the RPM is resolved and compiled for the target, CentOS 7's CPython 3.6 on x86_64,
# never from this machine's own Python: wheels are downloaded for cp36/manylinux, the few pure-Python
# sdists are built into wheels by a CPython 3.6, and .pyc files are compiled by a CPython 3.6.

VENV ?= .venv
VPY ?= $(VENV)/bin/python
PG_VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' guardian/__init__.py)
PG_RPM := dist/pool-guardian-$(PG_VERSION)-1.el7.x86_64.rpm
PG_WHEEL := dist/pool_guardian-$(PG_VERSION)-py3-none-any.whl
PG_SDIST := dist/pool-guardian-$(PG_VERSION).tar.gz
PG_BUILD := build/rpm
PG_CACHE := .cache/rpm
# A CPython 3.6 with setuptools and wheel, for building wheels and for pip's target resolution.
PG_BUILDENV := $(PG_CACHE)/buildenv
PG_PIP := $(PG_BUILDENV)/bin/pip --disable-pip-version-check
PG_TARGET := --only-binary=:all: --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
	--python-version 36 --implementation cp --abi cp36m
# Runtime dependencies published only as sdists (pure Python); built into wheels by the build env.
# When a new one appears, the download below fails naming it: add it here.
PG_SDIST_ONLY := sdnotify
# Mtimes and the build time come from the last commit, so a rebuild of a commit gives the same files.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH
PG_TAR := tar --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 --numeric-owner
PG_DOCS := docs/config.md docs/message-ids.md docs/exit-codes.md packaging/pool-guardian.8 packaging/pool-guardian.bash-completion \
	packaging/pool-guardian.catalog
PG_STAGE_FILES := packaging/launcher packaging/pool-guardian.sysconfig packaging/pool-guardian.8 packaging/pool-guardian.bash-completion packaging/pool-guardian.catalog LICENSE \
	systemd/pool-guardian.service etc/config.yaml README.md docs/config.md docs/message-ids.md docs/exit-codes.md docs/json.md \
	docs/monitoring.md docs/design.md docs/troubleshooting.md docs/alerts/pool-guardian.rules.yml docs/alerts/pool-guardian.rules.test.yml \
	docs/nrpe/pool-guardian.cfg docs/nrpe/sudoers
PG_SOURCES := setup.cfg setup.py pyproject.toml MANIFEST.in $(shell find guardian -name '*.py' 2>/dev/null)

.PHONY: rpm wheel docs rpm-test

rpm: $(PG_RPM)

wheel: $(PG_WHEEL) $(PG_SDIST)

rpm-test:
	$(VPY) -m pytest -q tests/unit/packaging

docs: | $(VENV)/.stamp
	$(call pg_render,docs/config.md,$(VPY) -c 'import sys; from guardian.config.reference import render_reference as r; sys.stdout.write(r())')
	$(call pg_render,docs/message-ids.md,$(VPY) -c 'import sys; from guardian.report.catalogue import render_catalogue as r; sys.stdout.write(r())')
	$(call pg_render,packaging/pool-guardian.catalog,$(VPY) -c 'import sys; from guardian.report.catalogue import render_journald_catalog as r; sys.stdout.write(r())')
	$(call pg_render,packaging/pool-guardian.8,$(VPY) packaging/clidocs.py man)
	$(call pg_render,packaging/pool-guardian.bash-completion,$(VPY) packaging/clidocs.py completion)
	$(call pg_render,README.md,$(VPY) packaging/clidocs.py readme)
	$(call pg_render,docs/exit-codes.md,$(VPY) packaging/clidocs.py exit-codes)

# $(call pg_render,FILE,COMMAND): FILE is replaced only when COMMAND succeeds.
pg_render = $(2) > $(1).tmp && mv $(1).tmp $(1)

# .venv/.stamp: the project venv (make setup); its python is the CPython 3.6 the build env is made from.
$(PG_BUILDENV)/.stamp: | $(VENV)/.stamp
	@command -v rpmbuild >/dev/null || { echo "make rpm needs rpmbuild: apt-get install rpm" >&2; exit 1; }
	@$(VPY) -c 'import sys; assert sys.version_info[:2] == (3, 6), sys.version' 2>/dev/null || \
		{ echo "make rpm needs $(VPY) to be a CPython 3.6 (CentOS 7's python3): run make setup on a machine with one" >&2; exit 1; }
	rm -rf $(PG_BUILDENV)
	$$(readlink -f $(VPY)) -m venv $(PG_BUILDENV)
	$(PG_PIP) install -q 'pip==21.3.1' 'setuptools==59.6.0' 'wheel==0.37.1'
	@touch $@

# Every runtime wheel for the target, from the pins. Re-run only when the pins change.
$(PG_CACHE)/wheels/.stamp: requirements/el7.txt $(PG_BUILDENV)/.stamp
	mkdir -p $(@D)
	for name in $(PG_SDIST_ONLY); do \
		pin=$$(grep -i "^$$name==" requirements/el7.txt) || { echo "$$name is not pinned in requirements/el7.txt" >&2; exit 1; }; \
		$(PG_PIP) wheel -q --no-deps --no-build-isolation --wheel-dir $(@D) "$$pin" || exit 1; \
	done
	$(PG_PIP) download -q --dest $(@D) --find-links $(@D) $(PG_TARGET) -r requirements/el7.txt
	@touch $@

$(PG_SDIST): $(PG_SOURCES) $(PG_BUILDENV)/.stamp
	mkdir -p dist
	$(PG_BUILDENV)/bin/python setup.py -q sdist --dist-dir dist

# Built from the sdist, in a clean directory: proves the sdist is complete and keeps stale build/lib
# files out of the wheel.
$(PG_WHEEL): $(PG_SDIST)
	$(PG_PIP) wheel -q --no-deps --no-build-isolation --wheel-dir dist $(PG_SDIST)

# The project and its pins installed for the target, offline, from those wheels only: pip checks that
# every dependency of every wheel is there. Installed by name, not by path, so no direct_url.json
# records this machine's paths. bin/ holds console scripts of dependencies for this machine's Python.
$(PG_BUILD)/vendor/.stamp: $(PG_WHEEL) $(PG_CACHE)/wheels/.stamp
	rm -rf $(@D)
	$(PG_PIP) install -q --no-index --no-compile --find-links $(PG_CACHE)/wheels --find-links dist \
		--target $(@D) $(PG_TARGET) -r requirements/el7.txt pool-guardian==$(PG_VERSION)
	rm -rf $(@D)/bin
	@touch $@

$(PG_BUILD)/SOURCES/pool-guardian-$(PG_VERSION).tar.gz: $(PG_BUILD)/vendor/.stamp $(PG_STAGE_FILES)
	rm -rf $(PG_BUILD)/stage && mkdir -p $(PG_BUILD)/stage/pool-guardian-$(PG_VERSION) $(@D)
	$(PG_TAR) -cf - $(PG_STAGE_FILES) | tar -xf - -C $(PG_BUILD)/stage/pool-guardian-$(PG_VERSION)
	cp -a $(PG_BUILD)/vendor $(PG_BUILD)/stage/pool-guardian-$(PG_VERSION)/vendor
	rm -f $(PG_BUILD)/stage/pool-guardian-$(PG_VERSION)/vendor/.stamp
	$(PG_TAR) -C $(PG_BUILD)/stage -cf - pool-guardian-$(PG_VERSION) | gzip -n > $@

$(PG_RPM): packaging/pool-guardian.spec $(PG_BUILD)/SOURCES/pool-guardian-$(PG_VERSION).tar.gz
	rpmbuild -bb --quiet packaging/pool-guardian.spec \
		--define "_topdir $(abspath $(PG_BUILD))" --define "_rpmdir $(abspath dist)" \
		--define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
		--define "_buildhost pool-guardian.build" --define "dist .el7" \
		--define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
		--define "pg_version $(PG_VERSION)" --define "python36 $(abspath $(PG_BUILDENV))/bin/python"
	@ls -l $@
