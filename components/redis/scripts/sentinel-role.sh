#!/bin/sh
# For redis-start.sh in the sentinel topology: prints the master this pod must replicate from
# ("host port", by DNS name), or its own name when it is to be the master. Never makes a second master:
#   - a master the Sentinels or the other pods know is followed (even if that is this pod, which
#     the Sentinels still hold for master after a quick restart);
#   - while a failover is in progress it waits: the master is about to change. A pod the
#     Sentinels hold for master but objectively down waits too (they may be promoting a replica),
#     for at most SENTINEL_WAIT_SECONDS, then it takes the role it had;
#   - only when a majority of Sentinels answered and none knows a master, and no other pod is
#     master (a true first boot), does pod 0 start as master; every other pod waits for one.
# Gives up waiting after START_WAIT_SECONDS and exits non-zero, so the container restarts.
set -u
: "${ANNOUNCE_HOSTNAME:?}" "${POD_NAME:?}" "${REDIS_PORT:?}"

scripts=$(dirname "$0")
ordinal=${POD_NAME##*-}
deadline=$(( $(date +%s) + ${START_WAIT_SECONDS:-300} ))
unsure_since=$(date +%s)
while :; do
  master=$(sh "$scripts/sentinel-find-master.sh" --skip "$ANNOUNCE_HOSTNAME")
  found=$?
  if [ "$found" -eq 4 ]; then
    if [ "$master" != "$ANNOUNCE_HOSTNAME $REDIS_PORT" ] || [ $(( $(date +%s) - unsure_since )) -ge "${SENTINEL_WAIT_SECONDS:-30}" ]; then
      found=0
    fi
  fi
  if [ "$found" -eq 0 ]; then
    echo "$master"
    exit 0
  fi
  if [ "$ordinal" = "0" ]; then
    if [ "$found" -eq 1 ]; then
      echo "$ANNOUNCE_HOSTNAME $REDIS_PORT"
      exit 0
    fi
    # Sentinels unreachable for a long while (none deployed yet, or all down with their memory):
    # the other pods were asked and none is master, so pod 0 takes the role rather than wait forever.
    if [ "$found" -eq 2 ] && [ $(( $(date +%s) - unsure_since )) -ge "${SENTINEL_WAIT_SECONDS:-30}" ]; then
      echo "no Sentinel answered for ${SENTINEL_WAIT_SECONDS:-30} s and no pod is master: starting as master" >&2
      echo "$ANNOUNCE_HOSTNAME $REDIS_PORT"
      exit 0
    fi
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "no master found within ${START_WAIT_SECONDS:-300} s" >&2
    exit 1
  fi
  sleep 1
done
