#!/bin/sh
# Kubernetes probes for a Redis pod.
#   startup, liveness: Redis answers at all (a node loading its AOF answers LOADING: alive).
#   readiness: Redis answers PONG, and a node that belongs to a formed cluster sees it healthy;
#              a replica also has a live link to its master (it has resynced), so a rolling
#              update never stops the next pod while this one is still copying its data
#              (sentinel topology: a master, or a replica whose link to its master is up).
#              A node that has never joined a cluster is ready, so pods become ready before the
#              formation provider runs (it waits for them) instead of waiting on each other.
# Every mode asks Redis in one redis-cli session (one connection, one TLS handshake), bounded by
# PROBE_TIMEOUT seconds, which the StatefulSet sets below the probe's timeoutSeconds: the kubelet
# never kills a probe half-way and counts a timeout instead of the reason printed here.
set -eu
scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
: "${POD_IP:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}"

# ask COMMAND...: runs each command (one per argument) in one session; replies on stdout, in order.
ask() {
  printf '%s\n' "$@" | admin_cli "${PROBE_TIMEOUT:-4}" "$POD_IP" 2>&1 | tr -d '\r' || true
}

mode=${1:-readiness}
case "$mode" in
  startup|liveness)
    reply=$(ask PING)
    case "$reply" in
      PONG|LOADING*|MASTERDOWN*|BUSY*) exit 0 ;;
      *) echo "redis did not answer: ${reply:-nothing within ${PROBE_TIMEOUT:-4} s}"; exit 1 ;;
    esac
    ;;
  readiness)
    if [ "${TOPOLOGY:-cluster}" = "sentinel" ]; then
      replies=$(ask PING "INFO replication")
    else
      replies=$(ask PING "CLUSTER INFO" "INFO replication")
    fi
    reply=$(printf '%s\n' "$replies" | sed -n 1p)
    [ "$reply" = "PONG" ] || { echo "not ready: ${reply:-no answer within ${PROBE_TIMEOUT:-4} s}"; exit 1; }
    role=$(field "$replies" role)
    link=$(field "$replies" master_link_status)
    if [ "${TOPOLOGY:-cluster}" = "sentinel" ]; then
      # A master serves; a replica serves once it is linked to its master and synced.
      [ "$role" = "master" ] && exit 0
      [ "$link" = "up" ] || { echo "replica: master_link_status is ${link:-unknown}"; exit 1; }
      exit 0
    fi
    known=$(field "$replies" cluster_known_nodes)
    state=$(field "$replies" cluster_state)
    # A session cut short by the deadline is not ready, rather than ready by default.
    if [ -z "$state" ] || [ -z "$role" ]; then
      echo "no CLUSTER INFO and INFO replication within ${PROBE_TIMEOUT:-4} s"
      exit 1
    fi
    [ "$known" -gt 1 ] || exit 0
    # Back from a planned stop: ready once it has taken its shard over (redis-watchdog.sh).
    if [ -n "${DATA_DIR:-}" ] && [ -f "$DATA_DIR/planned-stop" ]; then
      echo "taking its shard over after a planned stop"
      exit 1
    fi
    if [ "$state" != "ok" ]; then
      echo "cluster_state is $state"
      exit 1
    fi
    if [ "$role" = "slave" ]; then
      [ "$link" = "up" ] || { echo "replica's link to its master is ${link:-unknown}"; exit 1; }
    fi
    ;;
  *)
    echo "usage: redis-probe.sh startup|liveness|readiness" >&2
    exit 2
    ;;
esac
