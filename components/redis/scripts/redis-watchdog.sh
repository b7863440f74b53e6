#!/bin/sh
# Runs beside redis-server for the pod's lifetime (started in the background by redis-start.sh).
# A replica whose master process is gone -- the master's address refuses connections, which a
# network partition never does -- need not wait out the node timeout: after a few refusals in a
# row it asks for a forced failover, which the other masters still have to vote for. A master
# that is only unreachable (timeouts) is left to the cluster's own failure detection.
#
# While all is well it costs one client for as long as the server lives: redis-cli asks
# INFO replication every interval over one connection (-r -1 -i) and this shell reads the
# replies with builtins. A client, timeout, tr and sed per look cost about 14 ms of CPU each,
# 2.7 % of a core per pod at two looks a second. Only a replica whose link to its master is down
# is looked at command by command, every interval, until the link is back.
#
# After a planned stop (redis-prestop.sh leaves $DATA_DIR/planned-stop) the restarted node takes
# its shard over once it is a replica with every write: a rolling update replaces pods highest
# ordinal first, so each replica comes back on the new template before its master's turn and takes
# the slots with a CLUSTER FAILOVER while the old master keeps answering (clients are redirected,
# nobody finds a node gone); when the master's turn comes it is a replica and stops with nothing
# to hand over, and back on the new template it takes its shard back. No master is stopped while
# it owns slots, so a rollout never waits for a handover's drain, and it ends with the masters
# where it found them. The pod is not Ready until this is done (redis-probe.sh), so the rollout
# never stops the next pod, or starts a second election, meanwhile. A master that restarted after
# this pod's stop (every pod stopped at once) keeps its shard. PLANNED_TAKEOVER=false (what the
# StatefulSet sets with plannedTakeover off) leaves the roles as they are. This runs once, at
# start and only when the marker is there, before the watching begins: it looks command by
# command (every 0.1 s, bounded by TAKEOVER_TIMEOUT_SECONDS), and costs nothing afterwards nor on
# a start that no planned stop preceded.
set -u
scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
# shellcheck source-path=SCRIPTDIR source=resync-lib.sh
. "$scripts/resync-lib.sh"
: "${POD_IP:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}"

redis_pid=$PPID   # the start script's pid, which exec turns into redis-server's
interval=${WATCHDOG_INTERVAL_SECONDS:-0.5}

# is_master: whether this node says it is a master now (ROLE's first line).
is_master() {
  case $(admin_cli 5 "$POD_IP" role 2>/dev/null) in master*) return 0 ;; esac
  return 1
}

# take_over: after a planned stop, this node's shard back (see above). The marker goes in every
# case, so that readiness never waits on it for longer than TAKEOVER_TIMEOUT_SECONDS.
take_over() {
  marker="$DATA_DIR/planned-stop"
  stopped_at=''
  IFS= read -r stopped_at 2>/dev/null <"$marker"
  case "$stopped_at" in ''|*[!0-9]*) stopped_at=0 ;; esac
  now=$(date +%s)
  deadline=$(( now + ${TAKEOVER_TIMEOUT_SECONDS:-300} ))
  last_refusal=
  # A marker older than TAKEOVER_WINDOW_SECONDS is not this restart's (a pod long gone, say).
  if [ "${PLANNED_TAKEOVER:-true}" = "false" ] || [ $(( now - stopped_at )) -gt "${TAKEOVER_WINDOW_SECONDS:-900}" ]; then
    rm -f "$marker"
    return
  fi
  while kill -0 "$redis_pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
    takeover_fields "$(printf '%s\n' "INFO persistence" "CLUSTER INFO" "INFO replication" "CLUSTER NODES" \
      | admin_cli 5 "$POD_IP" 2>/dev/null)"
    # The role as nodes.conf says: INFO reports a restarted replica as a master until replication
    # is set up, which waits for the data to load.
    case $flags in
      *master*) node_role=master ;;
      *slave*) node_role=slave ;;
      *) node_role='' ;;
    esac
    # Not answering yet, or still loading: look again.
    if [ -z "$known" ] || [ -z "$node_role" ] || [ "$loading" != "0" ]; then sleep 0.1; continue; fi
    # Not in a cluster (formation's business), or a master already (nothing was handed over).
    if [ "$known" -le 1 ] || [ "$node_role" = "master" ]; then break; fi
    # Not while the AOF rewrite that follows a full sync (or resume_aof) runs: its fork and its writes slow this
    # node down just when the old master pauses its clients for the handover (at 1 GB the longest
    # client stall was 388-418 ms with the takeover during the rewrite). TAKEOVER_AFTER_REWRITE=false
    # skips that wait (the rolling benchmark measures both).
    # Nor before this node's cluster bus reaches every master: the votes it asks for travel over
    # those links, and just after a start some are still connecting (a failover asked for then
    # waits out its 5 s without a majority).
    if [ "$state" = "ok" ] && [ "$link" = "up" ] && [ "$syncing" = "0" ] && [ "$unlinked" = "0" ] &&
      { [ "$rewriting" != "1" ] || [ "${TAKEOVER_AFTER_REWRITE:-true}" = "false" ]; }; then
      # Only from a master that ran through this pod's stop (a rolling update's old pod, or the
      # replica this pod handed over to). When every pod stopped at once (kubectl delete pod --all)
      # the masters are back from their own stops and keep their shards: no round of failovers.
      master_up=$(field "$(admin_cli 5 "$master_host" info server 2>/dev/null)" uptime_in_seconds)
      since_stop=$(( $(date +%s) - stopped_at ))
      case "$master_up" in
        ''|*[!0-9]*) ;;
        *) if [ "$master_up" -lt "$since_stop" ]; then
             echo "watchdog: no takeover: the master restarted after this pod stopped (up ${master_up} s, stopped ${since_stop} s ago)"
             break
           fi ;;
      esac
      # redis-cli exits 0 on an error reply too: only OK means the failover began. Just after a
      # start the cluster bus may not have reached the master yet ("Master is down or failed"),
      # which a partial resync makes likely (the link is up within milliseconds): look again.
      reply=$(admin_cli 5 "$POD_IP" cluster failover 2>&1)
      case $reply in
        OK*) ;;
        *)
          [ "$reply" = "$last_refusal" ] || echo "watchdog: CLUSTER FAILOVER refused, trying again: $reply"
          last_refusal=$reply
          sleep 0.1
          continue
          ;;
      esac
      echo "watchdog: taking the shard over after a planned stop"
      # The old master pauses its writes until this node has them all, then it is demoted. A
      # manual failover that does not win its election gives up after 5 s (Valkey's
      # CLUSTER_MF_TIMEOUT): then look again and try again, while the deadline allows.
      given_up=$(( $(date +%s) + 10 ))
      until is_master; do
        now=$(date +%s)
        if [ "$now" -ge "$given_up" ] || [ "$now" -ge "$deadline" ]; then break; fi
        sleep 0.05
      done
      if is_master; then
        echo "watchdog: takeover done"
        break
      fi
      echo "watchdog: the failover did not win its election"
      continue
    fi
    sleep 0.1
  done
  if [ "$(date +%s)" -ge "$deadline" ] && ! is_master; then
    echo "watchdog: no takeover within ${TAKEOVER_TIMEOUT_SECONDS:-300} s"
  fi
  rm -f "$marker"
}

# watch: asks INFO replication every interval over one connection until a reply says the link to
# the master is down (returns 0), or the stream ends (returns 1: the server closed the connection,
# or is not up yet). The first line is the client's pid: the shell that execs it prints its own,
# so that the reader stops it at once; a reply it left unread would be stale by the next look.
watch() {
  # shellcheck disable=SC2016 # $$ and $@ are the inner shell's
  REDIS_AUTH_FILE=$PASSWORD_FILE sh -c 'echo "$$"; exec sh "$@"' watchdog "$scripts/redis-cli.sh" \
    --no-auth-warning --user "$ADMIN_USER" -h "$POD_IP" -p "$REDIS_PORT" -r -1 -i "$interval" \
    info replication 2>/dev/null | (
    IFS= read -r client || exit 1
    # Only a replica's replies have master_link_status.
    while IFS= read -r line; do
      case $line in
        master_link_status:down*)
          # SIGPIPE: what the client would get at its next write anyway, and no shell reports it.
          kill -s PIPE "$client" 2>/dev/null
          exit 0
          ;;
      esac
    done
    exit 1
  )
}

# check: one look at a replica whose link was down, acting on what it sees. Returns 0 once the
# node is well again (its link is up, or it is a master now), 1 while it is not.
check() {
  repl=$(admin_cli 2 "$POD_IP" info replication 2>/dev/null) || return 1
  replication_fields "$repl"
  [ "$role" = "slave" ] && [ "$master_link" = "down" ] || return 0
  # The master may be alive on a new address (its pod was re-created): the cluster view has
  # learnt it, but Redis re-points replication only when the master's own PING arrives over the
  # link this node opened, so the link can keep trying the old address for good (seen on a real
  # cluster after every pod was deleted). Point it at the master's address as the cluster knows it.
  nodes=$(admin_cli 2 "$POD_IP" cluster nodes 2>/dev/null) || return 1
  cluster_master "$nodes"
  if [ -n "$master_address" ] && [ "$master_address" != "$master_host" ]; then
    echo "watchdog: master $master_id is at $master_address, replication still tries $master_host; re-pointing it"
    admin_cli 2 "$POD_IP" cluster replicate "$master_id" >/dev/null 2>&1
    refused=0
    return 1
  fi
  case "$(cli_as "$PASSWORD_FILE" 2 "$ADMIN_USER" "$master_host" "$master_port" ping 2>&1)" in
    *"Connection refused"*) refused=$((refused + 1)) ;;
    *) refused=0 ;;
  esac
  if [ "$refused" -ge "${WATCHDOG_REFUSALS:-3}" ]; then
    echo "watchdog: master $master_host:$master_port refuses connections; asking for a forced failover"
    admin_cli 2 "$POD_IP" cluster failover force >/dev/null 2>&1
    refused=0
    # Give the election time before asking again.
    sleep 5
  fi
  return 1
}

# Back from a planned stop: the AOF back on and the takeover first, once (the watching below starts
# when they are done).
if [ "${AOF_DEFERRED:-0}" = 1 ]; then
  resume_aof watchdog "$redis_pid"
fi
if [ -n "${DATA_DIR:-}" ] && [ -f "$DATA_DIR/planned-stop" ]; then
  take_over
fi

while kill -0 "$redis_pid" 2>/dev/null; do
  if watch; then
    # The link went down: look now and then every interval, counting refusals from this look on,
    # until the node is well again; then back to watching.
    refused=0
    while kill -0 "$redis_pid" 2>/dev/null && ! check; do
      sleep "$interval"
    done
  else
    # The server is not up yet, or closed the connection: try again after an interval.
    sleep "$interval"
  fi
done
