#!/bin/sh
# Kubernetes probes for a Redis pod.
#   startup, liveness: Redis answers at all (a node loading its AOF answers LOADING: alive).
#   readiness: Redis answers PONG, and a node that belongs to a formed cluster sees it healthy;
#              a replica also has a live link to its master (it has resynced), so a rolling
#              update never stops the next pod while this one is still copying its data
#              (sentinel topology: a master, or a replica whose link to its master is up).
#              A node that has never joined a cluster is ready, so pods become ready before the
#              formation provider runs (it waits for them) instead of waiting on each other.
set -eu
scripts=$(dirname "$0")
: "${POD_IP:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}"

REDISCLI_AUTH=$(cat "$PASSWORD_FILE")
export REDISCLI_AUTH

cli() {
  timeout "${PROBE_TIMEOUT:-4}" sh "$scripts/redis-cli.sh" --no-auth-warning --user "$ADMIN_USER" -h "$POD_IP" -p "$REDIS_PORT" "$@"
}

field() {
  # field NAME: the value of NAME from INFO-style "name:value" lines on stdin
  sed -n "s/^$1:\\([^[:space:]]*\\).*/\\1/p"
}

mode=${1:-readiness}
reply=$(cli ping 2>&1 || true)
case "$mode" in
  startup|liveness)
    case "$reply" in
      PONG|LOADING*|MASTERDOWN*|BUSY*) exit 0 ;;
      *) echo "redis did not answer: $reply"; exit 1 ;;
    esac
    ;;
  readiness)
    [ "$reply" = "PONG" ] || { echo "not ready: $reply"; exit 1; }
    if [ "${TOPOLOGY:-cluster}" = "sentinel" ]; then
      # A master serves; a replica serves once it is linked to its master and synced.
      repl=$(cli info replication | tr -d '\r')
      [ "$(printf '%s\n' "$repl" | field role)" = "master" ] && exit 0
      link=$(printf '%s\n' "$repl" | field master_link_status)
      [ "$link" = "up" ] || { echo "replica: master_link_status is $link"; exit 1; }
      exit 0
    fi
    info=$(cli cluster info)
    known=$(printf '%s\n' "$info" | field cluster_known_nodes)
    state=$(printf '%s\n' "$info" | field cluster_state)
    [ "${known:-1}" -gt 1 ] || exit 0
    if [ "$state" != "ok" ]; then
      echo "cluster_state is $state"
      exit 1
    fi
    replication=$(cli info replication)
    if [ "$(printf '%s\n' "$replication" | field role)" = "slave" ]; then
      link=$(printf '%s\n' "$replication" | field master_link_status)
      [ "$link" = "up" ] || { echo "replica's link to its master is ${link:-unknown}"; exit 1; }
    fi
    ;;
  *)
    echo "usage: redis-probe.sh startup|liveness|readiness" >&2
    exit 2
    ;;
esac
