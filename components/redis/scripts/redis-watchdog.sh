#!/bin/sh
# Runs beside redis-server for the pod's lifetime (started in the background by redis-start.sh).
# A replica whose master process is gone -- the master's address refuses connections, which a
# network partition never does -- need not wait out the node timeout: after a few refusals in a
# row it asks for a forced failover, which the other masters still have to vote for. A master
# that is only unreachable (timeouts) is left to the cluster's own failure detection.
#
# After a planned stop (redis-prestop.sh leaves $DATA_DIR/planned-stop) the restarted node takes
# its shard over once it is a replica with every write: a rolling update replaces pods highest
# ordinal first, so each replica comes back on the new template before its master's turn and takes
# the slots with a CLUSTER FAILOVER while the old master keeps answering (clients are redirected,
# nobody finds a node gone); when the master's turn comes it is a replica and stops with nothing
# to hand over, and back on the new template it takes its shard back. No master is stopped while
# it owns slots, so a rollout never waits for a handover's drain, and it ends with the masters
# where it found them. The pod is not Ready until this is done (redis-probe.sh), so the rollout
# never stops the next pod, or starts a second election, meanwhile. PLANNED_TAKEOVER=off leaves
# the roles as they are.
set -u
scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
: "${POD_IP:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}"

redis_pid=$PPID   # the start script's pid, which exec turns into redis-server's

# take_over: after a planned stop, this node's shard back (see above). The marker goes in every
# case, so that readiness never waits on it for longer than TAKEOVER_TIMEOUT_SECONDS.
take_over() {
  marker="$DATA_DIR/planned-stop"
  stopped_at=$(cat "$marker")
  case "$stopped_at" in ''|*[!0-9]*) stopped_at=0 ;; esac
  deadline=$(( $(date +%s) + ${TAKEOVER_TIMEOUT_SECONDS:-300} ))
  # A marker older than TAKEOVER_WINDOW_SECONDS is not this restart's (a pod long gone, say).
  if [ "${PLANNED_TAKEOVER:-on}" = "off" ] || [ $(( $(date +%s) - stopped_at )) -gt "${TAKEOVER_WINDOW_SECONDS:-900}" ]; then
    rm -f "$marker"
    return
  fi
  while kill -0 "$redis_pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
    replies=$(printf '%s\n' "INFO persistence" "CLUSTER INFO" "INFO replication" "CLUSTER NODES" | admin_cli 5 "$POD_IP" 2>/dev/null | tr -d '\r')
    known=$(field "$replies" cluster_known_nodes)
    # The role as nodes.conf says: INFO reports a restarted replica as a master until replication
    # is set up, which waits for the data to load.
    role=$(printf '%s\n' "$replies" | awk '$3 ~ /myself/ { print ($3 ~ /master/) ? "master" : "slave"; exit }')
    # Not answering yet, or still loading: look again.
    if [ -z "$known" ] || [ -z "$role" ] || [ "$(field "$replies" loading)" != "0" ]; then sleep 0.1; continue; fi
    # Not in a cluster (formation's business), or a master already (nothing was handed over).
    if [ "$known" -le 1 ] || [ "$role" = "master" ]; then break; fi
    if [ "$(field "$replies" cluster_state)" = "ok" ] && [ "$(field "$replies" master_link_status)" = "up" ] \
      && [ "$(field "$replies" master_sync_in_progress)" = "0" ]; then
      echo "watchdog: taking the shard over after a planned stop"
      if admin_cli 5 "$POD_IP" cluster failover >/dev/null 2>&1; then
        # The old master pauses its writes until this node has them all, then it is demoted.
        until [ "$(admin_cli 5 "$POD_IP" role 2>/dev/null | head -n 1)" = "master" ]; do
          [ "$(date +%s)" -lt "$deadline" ] || break
          sleep 0.05
        done
      fi
      if [ "$(admin_cli 5 "$POD_IP" role 2>/dev/null | head -n 1)" = "master" ]; then
        echo "watchdog: takeover done"
      else
        echo "watchdog: takeover did not finish"
      fi
      break
    fi
    sleep 0.1
  done
  rm -f "$marker"
}
if [ -n "${DATA_DIR:-}" ] && [ -f "$DATA_DIR/planned-stop" ]; then
  take_over
fi

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
