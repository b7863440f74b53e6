#!/bin/sh
# Probes of a Sentinel pod. liveness: the Sentinel answers. readiness: it also monitors the
# master, so it is worth asking (clients and starting Redis pods ask the ready ones).
set -eu
scripts=$(dirname "$0")
: "${POD_IP:?}" "${SENTINEL_PASSWORD_FILE:?}" "${SENTINEL_PORT:?}" "${MASTER_NAME:?}"

REDISCLI_AUTH=$(cat "$SENTINEL_PASSWORD_FILE")
export REDISCLI_AUTH

cli() {
  timeout "${PROBE_TIMEOUT:-4}" sh "$scripts/redis-cli.sh" --no-auth-warning -h "$POD_IP" -p "$SENTINEL_PORT" "$@"
}

reply=$(cli ping 2>&1 || true)
[ "$reply" = "PONG" ] || { echo "sentinel did not answer: $reply"; exit 1; }
case "${1:-readiness}" in
  liveness|startup) exit 0 ;;
  readiness)
    master=$(cli sentinel get-master-addr-by-name "$MASTER_NAME" | head -n 1 | tr -d '\r')
    [ -n "$master" ] || { echo "not monitoring $MASTER_NAME yet"; exit 1; }
    ;;
  *) echo "usage: sentinel-probe.sh startup|liveness|readiness" >&2; exit 2 ;;
esac
