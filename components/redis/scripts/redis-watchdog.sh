#!/bin/sh
# Runs beside redis-server for the pod's lifetime (started in the background by redis-start.sh).
# A replica whose master process is gone -- the master's address refuses connections, which a
# network partition never does -- need not wait out the node timeout: after a few refusals in a
# row it asks for a forced failover, which the other masters still have to vote for. A master
# that is only unreachable (timeouts) is left to the cluster's own failure detection.
set -u
scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
: "${POD_IP:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}"

redis_pid=$PPID   # the start script's pid, which exec turns into redis-server's

refused=0
while kill -0 "$redis_pid" 2>/dev/null; do
  sleep "${WATCHDOG_INTERVAL_SECONDS:-0.5}"
  repl=$(admin_cli 2 "$POD_IP" info replication 2>/dev/null | tr -d '\r') || continue
  if [ "$(field "$repl" role)" != "slave" ] || [ "$(field "$repl" master_link_status)" != "down" ]; then
    refused=0
    continue
  fi
  host=$(field "$repl" master_host)
  port=$(field "$repl" master_port)
  # The master may be alive on a new address (its pod was re-created): the cluster view has
  # learnt it, but Redis re-points replication only when the master's own PING arrives over the
  # link this node opened, so the link can keep trying the old address for good (seen on a real
  # cluster after every pod was deleted). Point it at the master's address as the cluster knows it.
  nodes=$(admin_cli 2 "$POD_IP" cluster nodes 2>/dev/null | tr -d '\r') || continue
  master_id=$(printf '%s\n' "$nodes" | awk '$3 ~ /myself/ { print $4 }')
  known=$(printf '%s\n' "$nodes" | awk -v id="$master_id" '$1 == id { split($2, a, ":"); print a[1] }')
  if [ -n "$known" ] && [ "$known" != "$host" ]; then
    echo "watchdog: master $master_id is at $known, replication still tries $host; re-pointing it"
    admin_cli 2 "$POD_IP" cluster replicate "$master_id" >/dev/null 2>&1
    refused=0
    continue
  fi
  case "$(cli_as "$PASSWORD_FILE" 2 "$ADMIN_USER" "$host" "$port" ping 2>&1)" in
    *"Connection refused"*) refused=$((refused + 1)) ;;
    *) refused=0 ;;
  esac
  if [ "$refused" -ge "${WATCHDOG_REFUSALS:-3}" ]; then
    echo "watchdog: master $host:$port refuses connections; asking for a forced failover"
    admin_cli 2 "$POD_IP" cluster failover force >/dev/null 2>&1
    refused=0
    # Give the election time before asking again.
    sleep 5
  fi
done
