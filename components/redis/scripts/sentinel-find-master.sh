#!/bin/sh
# Prints the current master of the sentinel topology ("host port", the pod's DNS name as the
# Sentinels announce it) and exits 0.
#   1. Every Sentinel that answers is asked; the master of the highest config epoch wins, because
#      that is the latest failover the Sentinels agreed on.
#   2. If no Sentinel knows a master, the other Redis pods are asked: one that is a master is it
#      (Sentinels whose memory was lost on a full restart have not picked it up yet).
# Exit 1: nothing knows a master, and a majority of the Sentinels answered (a true first boot).
# Exit 2: nothing knows a master, but too few Sentinels answered to be sure.
# Exit 3: a failover is in progress: the master is about to change, ask again.
# Exit 4: the master is printed, but the Sentinels hold it objectively down (a failover may follow).
# With --sentinels-only, step 2 is skipped; with --skip NAME, the pod of that DNS name (the caller)
# is not asked; with --epoch, the Sentinels' config epoch follows ("host port epoch").
set -u
scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
: "${PASSWORD_FILE:?}" "${SENTINEL_USER:?}" "${SENTINEL_PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}" "${SENTINEL_PORT:?}" "${MASTER_NAME:?}" "${SENTINEL_HOSTS:?}" "${REDIS_HOSTS:?}"

sentinels_only=0
skip=""
with_epoch=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sentinels-only) sentinels_only=1 ;;
    --skip) shift; skip=$1 ;;
    --epoch) with_epoch=1 ;;
  esac
  shift
done

# Sentinels and Redis pods are both asked as the admin user (on the Sentinels, with the password
# sentinel_password_file finds: current or, mid-rotation, previous).
best_epoch=-1
best=""
best_odown=0
in_failover=0
answered=0
total=0
for name in $SENTINEL_HOSTS; do
  total=$((total + 1))
  # A name that does not resolve (a pod not scheduled yet) does not answer.
  if [ "$name" = "$skip" ] || ! getent hosts "$name" >/dev/null 2>&1; then continue; fi
  # SENTINEL MASTER prints field names and values on alternate lines; "ip" is the master's name.
  auth=$(sentinel_password_file "$name") || continue
  reply=$(sentinel_cli "$auth" 2 "$name" sentinel master "$MASTER_NAME" 2>/dev/null | tr -d '\r') || continue
  case "$reply" in
    *"No such master"*) answered=$((answered + 1)); continue ;;
    "") continue ;;
  esac
  answered=$((answered + 1))
  fields=$(printf '%s\n' "$reply" | awk 'NR % 2 == 1 {k = $0; next} {print k "=" $0}')
  m_host=$(printf '%s\n' "$fields" | sed -n 's/^ip=//p')
  m_port=$(printf '%s\n' "$fields" | sed -n 's/^port=//p')
  epoch=$(printf '%s\n' "$fields" | sed -n 's/^config-epoch=//p')
  flags=$(printf '%s\n' "$fields" | sed -n 's/^flags=//p')
  # During a failover SENTINEL MASTER still shows the old master: nothing is settled.
  case "$flags" in *failover_in_progress*) in_failover=1 ;; esac
  if [ -n "$m_host" ] && [ "${epoch:-0}" -gt "$best_epoch" ]; then
    best_epoch=${epoch:-0}
    best="$m_host $m_port"
    case "$flags" in *o_down*) best_odown=1 ;; *) best_odown=0 ;; esac
  fi
done
[ "$in_failover" -eq 1 ] && exit 3
if [ -n "$best" ]; then
  if [ "$with_epoch" -eq 1 ]; then echo "$best $best_epoch"; else echo "$best"; fi
  [ "$best_odown" -eq 1 ] && exit 4
  exit 0
fi

if [ "$sentinels_only" -eq 0 ]; then
  for name in $REDIS_HOSTS; do
    if [ "$name" = "$skip" ] || ! getent hosts "$name" >/dev/null 2>&1; then continue; fi
    if admin_cli 2 "$name" info replication 2>/dev/null | tr -d '\r' | grep -qx 'role:master'; then
      echo "$name $REDIS_PORT"
      exit 0
    fi
  done
fi

# Sentinels that did not answer may know a master: only a majority answering "none" settles it.
[ "$answered" -gt $((total / 2)) ] && exit 1
exit 2
