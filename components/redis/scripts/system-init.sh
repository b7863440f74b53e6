#!/bin/sh
# Optional, privileged: tunes the node for Redis. Raises the listen backlog limit so Redis's
# tcp-backlog takes effect, and turns transparent huge pages off (they make fork latency and
# memory use unpredictable). Fails soft: a setting the node refuses is reported, not fatal.
set -u
sysctl -w net.core.somaxconn="${SOMAXCONN:-65535}" || echo "could not set net.core.somaxconn"
for f in /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag; do
  if [ -w "$f" ]; then
    echo never > "$f" || echo "could not write $f"
  fi
done
