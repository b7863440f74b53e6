#!/bin/sh
# A replica's restart that continues replication where it stopped, in both topologies. Valkey
# keeps a replica's replication offset across a restart only in an RDB, never in an AOF, so a
# replica that restarted from its AOF made its master fork, send and reload a full copy of the
# data. Instead:
#   at the stop (preStop hook, redis-prestop.sh or sentinel-prestop.sh): save_offset_on_stop asks
#     a node that stops as a replica to write an RDB as it exits;
#   at the start (redis-start.sh): that RDB is loaded with the AOF off when every sign agrees;
#   once it is loaded (redis-watchdog.sh or sentinel-follow.sh): resume_aof turns the AOF back on.
# Sourced after redis-lib.sh, the same way:
#   # shellcheck source-path=SCRIPTDIR source=resync-lib.sh
#   . "$scripts/resync-lib.sh"

# save_offset_on_stop DEADLINE: run by the preStop hook's EXIT trap, however the hook ends. A node
# that stops as a replica writes an RDB as it exits (SIGTERM), which carries its replication
# offset. A master keeps the stock stop: it would only lose time writing a file it never boots
# from. So does a replica whose last whole write of its data (the AOF rewrite or an RDB save, as
# INFO persistence times them; else its dataset at 50 MB/s) took more than half the time left
# before Kubernetes kills it: a save cut short helps nobody, and it would only delay the kill.
# That time is what the grace period leaves after the hook: DEADLINE (the hook's own) plus the 5 s
# the StatefulSet adds, plus shutdown-timeout, which a master spends waiting for its replicas
# and a replica has for its save.
save_offset_on_stop() {
  _info=$(printf '%s\n' "INFO replication" "INFO persistence" "INFO memory" "CONFIG GET save" "CONFIG GET shutdown-timeout" |
    admin_cli 5 "$POD_IP" 2>/dev/null) || return 0
  [ "$(field "$_info" role)" = "slave" ] || return 0
  _took=$(field "$_info" aof_last_rewrite_time_sec) _saved=$(field "$_info" rdb_last_bgsave_time_sec)
  case "$_took" in ''|*[!0-9]*) _took=-1 ;; esac
  case "$_saved" in ''|*[!0-9]*) _saved=-1 ;; esac
  [ "$_saved" -le "$_took" ] || _took=$_saved
  if [ "$_took" -lt 0 ]; then
    _bytes=$(field "$_info" used_memory_dataset)
    case "$_bytes" in ''|*[!0-9]*) _bytes=0 ;; esac
    _took=$((_bytes / 50000000 + 1))
  fi
  # CONFIG GET prints the name and then the value, each on a line of its own.
  _rules=$(printf '%s\n' "$_info" | sed -n '/^save$/{n;p;q;}')
  _shutdown=$(printf '%s\n' "$_info" | sed -n '/^shutdown-timeout$/{n;p;q;}')
  case "$_shutdown" in ''|*[!0-9]*) _shutdown=0 ;; esac
  _left=$(($1 + 5 + _shutdown - $(date +%s)))
  if [ $((_took * 2)) -ge "$_left" ]; then
    echo "no RDB at the stop: writing the data took ${_took} s, ${_left} s are left"
    return 0
  fi
  # Without save rules the RDB lives only until the restarted node has loaded it and turned its
  # AOF back on, so it is written without LZF: on values that do not compress, compressing took
  # 3.3 s of a 459 MB save where writing took 0.9 s (docs/performance.md). The setting is not
  # persisted: the restarted server reads its own config.
  if [ -z "$_rules" ]; then
    admin_cli 5 "$POD_IP" config set rdbcompression no >/dev/null 2>&1
  fi
  admin_cli 5 "$POD_IP" config set shutdown-on-sigterm save >/dev/null 2>&1
}

# resume_aof WHO PID: after a start from the planned stop's RDB with the AOF off (redis-start.sh sets
# AOF_DEFERRED=1), the AOF back on as soon as the data is loaded (CONFIG SET is refused while
# loading), as long as the server (PID) runs. Valkey then writes a fresh AOF from memory,
# a rewrite, as after a full sync; until it is done this replica's data is in memory only, as
# during a full sync's load. Then the stop's RDB (STOP_RDB, named by redis-start.sh only without
# save rules) is removed: if this node stops before its AOF is rewritten, it starts from the AOF
# as of its stop instead. WHO names the script in what it prints.
resume_aof() {
  while kill -0 "$2" 2>/dev/null; do
    case $(admin_cli 5 "$POD_IP" config set appendonly yes 2>/dev/null) in
      OK*)
        echo "$1: AOF back on after the start from the planned stop's RDB"
        [ -z "${STOP_RDB:-}" ] || rm -f "$STOP_RDB"
        return
        ;;
    esac
    sleep 0.1
  done
}
