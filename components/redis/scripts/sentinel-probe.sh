#!/bin/sh
# Probes of a Sentinel pod. liveness: the Sentinel answers. readiness: it also monitors the
# master, so it is worth asking (clients and starting Redis pods ask the ready ones).
set -eu
scripts=$(dirname "$0")
: "${POD_IP:?}" "${SENTINEL_USER:?}" "${SENTINEL_PASSWORD_FILE:?}" "${SENTINEL_PORT:?}" "${MASTER_NAME:?}"

# The current password, or the previous one until this Sentinel has applied a rotation.
# Given to redis-cli for each call, never exported (children would carry it in their environment).
sentinel_auth=$(sh "$scripts/sentinel-auth.sh" "$POD_IP") || { echo "sentinel did not answer PING with a password of the Secret"; exit 1; }

cli() {
  REDISCLI_AUTH="$sentinel_auth" timeout "${PROBE_TIMEOUT:-4}" sh "$scripts/redis-cli.sh" --no-auth-warning --user "$SENTINEL_USER" -h "$POD_IP" -p "$SENTINEL_PORT" "$@"
}

case "${1:-readiness}" in
  liveness|startup) exit 0 ;;
  readiness)
    master=$(cli sentinel get-master-addr-by-name "$MASTER_NAME" | head -n 1 | tr -d '\r')
    [ -n "$master" ] || { echo "not monitoring $MASTER_NAME yet"; exit 1; }
    ;;
  *) echo "usage: sentinel-probe.sh startup|liveness|readiness" >&2; exit 2 ;;
esac
