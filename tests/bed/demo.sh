#!/bin/bash
# `make demo`, guest side: Docker 20.10 on a deliberately small loop-lvm pool, a workload of
# containers writing into it, and pool-guardian watching, all live on the terminal; ends by itself.
#
# GUARDIAN selects what guards the pool (first argument or env):
#   run (default): the daemon, `pool-guardian run` in enforce mode (tests/bed/demo-config.yaml),
#                  climbing its ladder: prune exited containers, fstrim, grow the loop files;
#   status:        only `pool-guardian status` every few seconds, nothing acts.
set -u
GUARDIAN=${1:-${GUARDIAN:-run}}
PG="$PWD/.venv/bin/pool-guardian"
ROUNDS=${ROUNDS:-9}           # containers written, 96 MiB each, into a 768 MiB pool
DATA_ROOT=/scratch/docker-demo
export PATH=/usr/sbin:/usr/bin:/sbin:/bin   # Debian's docker 20.10, not /usr/local/bin's

banner() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
pool_line() {
    # One line from the kernel's view of Docker's pool: used/total data blocks and mode.
    local pool=$1 s
    s=($(dmsetup status "$pool"))
    echo "kernel: ${pool}: data ${s[5]} blocks, metadata ${s[4]}, mode ${s[7]}"
}

banner "starting dockerd 20.10 on a small loop-lvm pool (768 MiB data, 64 MiB metadata)"
mkdir -p "$DATA_ROOT"
dockerd --data-root "$DATA_ROOT" --storage-driver devicemapper \
    --storage-opt dm.loopdatasize=768M --storage-opt dm.loopmetadatasize=64M --storage-opt dm.basesize=512M \
    --bridge=none --iptables=false --ip-masq=false >/tmp/dockerd.log 2>&1 &
DOCKERD=$!
for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
docker info >/dev/null 2>&1 || { echo "demo: dockerd did not start:"; tail -20 /tmp/dockerd.log; exit 1; }
docker import "$BED_ROOTFS_TAR" bed/busybox >/dev/null || { echo "demo: docker import failed"; exit 1; }
POOL=$(docker info --format '{{range .DriverStatus}}{{if eq (index . 0) "Pool Name"}}{{index . 1}}{{end}}{{end}}')
pool_line "$POOL"

banner "starting pool-guardian ($GUARDIAN)"
if [ "$GUARDIAN" = run ]; then
    "$PG" --config "$PWD/tests/bed/demo-config.yaml" run 2>&1 \
        | grep --line-buffered -E "level_changed|decision.made|action\.|unhealthy|ready" \
        | sed -u 's/^/pool-guardian run: /' &
    DAEMON=$!
fi
# The watcher: what pool-guardian says, and the kernel's numbers beside it, every 2 s.
(
    while sleep 2; do
        echo "---- $(date +%T)"
        pool_line "$POOL"
        "$PG" --config "$PWD/tests/bed/demo-config.yaml" status 2>&1 | sed 's/^/pool-guardian: /'
    done
) &
WATCHER=$!

banner "workload: a labelled container to keep, one that writes and deletes 200 MiB and keeps running,"
echo "then $ROUNDS containers each writing 96 MiB and exiting"
docker run --name keeper --label pool-guardian.keep=true bed/busybox \
    dd if=/dev/zero of=/fill bs=1M count=96 conv=fsync 2>/dev/null && echo "workload: keeper wrote 96 MiB (labelled: never pruned)"
docker run -d --name scratcher bed/busybox sh -c \
    'dd if=/dev/zero of=/tmp/big bs=1M count=200 conv=fsync 2>/dev/null; rm /tmp/big; sync; sleep 600' >/dev/null
echo "workload: scratcher writes 200 MiB, deletes it and keeps running (only fstrim gets those blocks back)"
sleep 20
for i in $(seq "$ROUNDS"); do
    if docker run --name "writer$i" bed/busybox dd if=/dev/zero of=/fill bs=1M count=96 conv=fsync 2>/tmp/run.err; then
        echo "workload: writer$i wrote 96 MiB and exited (a candidate for pruning after its grace)"
    else
        echo "workload: writer$i failed: $(grep -v -e "^See" -e "^$" /tmp/run.err | head -2)"
    fi
    sleep 1
done

banner "workload: 3 more containers writing 96 MiB each, labelled to keep: pruning cannot help, so the pool grows"
for i in 1 2 3; do
    docker run --name "kept$i" --label pool-guardian.keep=true bed/busybox \
        dd if=/dev/zero of=/fill bs=1M count=96 conv=fsync 2>/dev/null && echo "workload: kept$i wrote 96 MiB (labelled)"
    sleep 1
done

banner "workload done; watching 40 s more"
sleep 40
banner "what is left: the labelled containers and the running scratcher, in a grown pool"
docker ps -a --format '{{.Names}}: {{.Status}}'
"$PG" --config "$PWD/tests/bed/demo-config.yaml" status
kill "$WATCHER" 2>/dev/null
banner "cleanup"
docker rm -f $(docker ps -aq) >/dev/null 2>&1
[ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null
kill "$DOCKERD" 2>/dev/null
wait "$DOCKERD" 2>/dev/null
echo "demo: done"
