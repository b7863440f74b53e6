#!/bin/sh
# Node tuning for Redis, run by the optional node-tuning DaemonSet (its own namespace, the only
# privileged thing this package makes): turns transparent huge pages off on the node, because they
# make fork latency and memory use unpredictable for Redis's AOF rewrites and replication
# snapshots. THP_DIR is the node's /sys/kernel/mm/transparent_hugepage, mounted from the host.
# Fails soft: a setting the node refuses is reported, not fatal.
#
# Not net.core.somaxconn: it is per network namespace, so a host-side change never reaches the
# Redis pods; each pod's namespace starts at the kernel default (4096 since Linux 5.4), which
# caps tcp-backlog (see the tcpBacklog setting).
set -u
: "${THP_DIR:?THP_DIR must be set}"
for f in "$THP_DIR/enabled" "$THP_DIR/defrag"; do
  if [ -w "$f" ]; then
    echo never > "$f" || echo "could not write $f"
  else
    echo "cannot write $f"
  fi
  echo "$f: $(cat "$f" 2>/dev/null)"
done
