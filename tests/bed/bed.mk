# Test bed targets (included by the main Makefile). The bed is a qemu guest booted from this
# machine's own files (tests/bed/README.md); its boot files are cached in .cache/bed/.
#   make bed                 build or reuse the boot files
#   make bed-test            tests/integration in one plain boot, tests/integration/systemd in a systemd boot
#   make bed-test T=tests/integration/test_bed_pool.py::test_grow_a_loop_backed_pool_and_the_kernel_logs_it
#   make bed-shell [SYSTEMD=1]   interactive shell in the guest
#   make demo                a small Docker pool filling up, watched by pool-guardian
BED_PY := $(firstword $(wildcard $(VENV)/bin/python) python3)
BED_RUN := $(BED_PY) tests/bed/run.py

.PHONY: bed bed-test bed-shell demo

bed:
	@bash tests/bed/build.sh

# One plain boot runs every plain test: on a 2-core host it takes 25-30 minutes, more than the
# runner's default of 1800 s per guest, so bed-test gives each guest an hour (CI's limit is 90 min).
bed-test: setup bed rpm
	@$(BED_RUN) --timeout $${BED_TIMEOUT:-3600} --pytest -- $(T)

bed-shell: setup bed
	@$(BED_RUN) --shell $(if $(SYSTEMD),--systemd)

demo: setup bed
	@$(BED_RUN) --timeout 600 -- bash tests/bed/demo.sh
