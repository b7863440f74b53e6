#!/bin/sh
# Probes of a Sentinel pod. liveness: the Sentinel answers. readiness: it also monitors the
# master, so it is worth asking (clients and starting Redis pods ask the ready ones).
set -eu
scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
: "${POD_IP:?}" "${SENTINEL_USER:?}" "${SENTINEL_PASSWORD_FILE:?}" "${SENTINEL_PORT:?}" "${MASTER_NAME:?}"

# The current password, or the previous one until this Sentinel has applied a rotation.
auth_file=$(sentinel_password_file "$POD_IP") || { echo "sentinel did not answer PING with a password of the Secret"; exit 1; }

case "${1:-readiness}" in
  liveness|startup) exit 0 ;;
  readiness)
    master=$(sentinel_cli "$auth_file" "${PROBE_TIMEOUT:-4}" "$POD_IP" sentinel get-master-addr-by-name "$MASTER_NAME" | head -n 1 | tr -d '\r')
    [ -n "$master" ] || { echo "not monitoring $MASTER_NAME yet"; exit 1; }
    ;;
  *) echo "usage: sentinel-probe.sh startup|liveness|readiness" >&2; exit 2 ;;
esac
