#!/bin/sh
# Shared by the Redis and Sentinel pods' scripts (Bitnami's librediscluster.sh is the model).
# Every script that uses it names its own folder and sources it the same way, so the
# shipped-scripts test sees the library as it sees every script a script runs:
#   scripts=$(dirname "$0")
#   # shellcheck source-path=SCRIPTDIR source=redis-lib.sh
#   . "$scripts/redis-lib.sh"
# Passwords never reach a command line, nor any child's environment but the client's: a call
# names the file that holds the password, and redis-cli.sh reads it (REDIS_AUTH_FILE) for that
# one call. Exporting the password itself would hand it to every child (sleep, tr, sed) through
# /proc/<pid>/environ.

# The folder of the scripts, which the sourcing script names before sourcing this.
: "${scripts:?the script sourcing redis-lib.sh sets scripts to its folder first}"

# cli_as FILE SECONDS USER HOST PORT COMMAND...: one redis-cli call to HOST:PORT as USER with
# the password in FILE, bounded by SECONDS. With no COMMAND, the commands come from stdin, one a
# line, in one session.
cli_as() {
  _cli_file=$1 _cli_seconds=$2 _cli_user=$3 _cli_host=$4 _cli_port=$5
  shift 5
  REDIS_AUTH_FILE=$_cli_file timeout "$_cli_seconds" sh "$scripts/redis-cli.sh" --no-auth-warning \
    --user "$_cli_user" -h "$_cli_host" -p "$_cli_port" "$@"
}

# admin_cli SECONDS HOST COMMAND...: a call to the Redis at HOST as the admin user.
admin_cli() {
  _admin_seconds=$1 _admin_host=$2
  shift 2
  cli_as "$PASSWORD_FILE" "$_admin_seconds" "$ADMIN_USER" "$_admin_host" "$REDIS_PORT" "$@"
}

# sentinel_cli FILE SECONDS HOST COMMAND...: a call to the Sentinel at HOST as SENTINEL_USER,
# with the password in FILE (sentinel_password_file says which one it accepts).
sentinel_cli() {
  _sentinel_file=$1 _sentinel_seconds=$2 _sentinel_host=$3
  shift 3
  cli_as "$_sentinel_file" "$_sentinel_seconds" "$SENTINEL_USER" "$_sentinel_host" "$SENTINEL_PORT" "$@"
}

# sentinel_password_file HOST: prints which file holds the password of SENTINEL_USER that the
# Sentinel at HOST accepts now: the current one, or during a rotation the previous one, until that
# Sentinel has applied the Secret's change. Fails when it accepts neither, or does not answer.
sentinel_password_file() {
  for _password_file in "$SENTINEL_PASSWORD_FILE" "$SENTINEL_PASSWORD_FILE-previous"; do
    [ -s "$_password_file" ] || continue
    if [ "$(sentinel_cli "$_password_file" 2 "$1" ping 2>/dev/null | tr -d '\r')" = "PONG" ]; then
      printf '%s\n' "$_password_file"
      return 0
    fi
  done
  return 1
}

# field TEXT NAME: the value of NAME in TEXT's INFO-style "name:value" lines (up to the first
# blank, so a trailing CR is dropped).
field() {
  printf '%s\n' "$1" | sed -n "s/^$2:\\([^[:space:]]*\\).*/\\1/p"
}

# replication_fields TEXT: sets role, master_link, master_host and master_port from TEXT, an
# INFO replication reply as redis-cli prints it (CRLF lines), with shell builtins: it runs no
# command, which the watchdog's looks should not pay for. The master_* are empty on a master.
# shellcheck disable=SC2034 # set for the caller
replication_fields() {
  role='' master_link='' master_host='' master_port=''
  while IFS= read -r _line; do
    _line=${_line%[[:cntrl:]]}
    case $_line in
      role:*) role=${_line#role:} ;;
      master_link_status:*) master_link=${_line#master_link_status:} ;;
      master_host:*) master_host=${_line#master_host:} ;;
      master_port:*) master_port=${_line#master_port:} ;;
    esac
  done <<EOF
$1
EOF
}

# cluster_master TEXT: sets master_id, the id of the master this node replicates in TEXT, a
# CLUSTER NODES reply, and master_address, that master's address in it (without the port);
# both empty when this node replicates nobody. Shell builtins only, as above.
# shellcheck disable=SC2034 # set for the caller
cluster_master() {
  master_id='' master_address=''
  while read -r _id _address _flags _master _rest; do
    case $_flags in *myself*) master_id=$_master ;; esac
  done <<EOF
$1
EOF
  # A master's own line says "-" where a replica's names its master.
  [ "$master_id" = "-" ] && master_id=''
  [ -n "$master_id" ] || return 0
  while read -r _id _address _rest; do
    [ "$_id" = "$master_id" ] && master_address=${_address%%:*}
  done <<EOF
$1
EOF
}

# takeover_fields TEXT: sets known (cluster_known_nodes), state (cluster_state), loading, link
# (master_link_status), syncing (master_sync_in_progress), rewriting (aof_rewrite_in_progress,
# or 1 while one is scheduled), master_host, flags (this node's flags in CLUSTER NODES, as
# nodes.conf has them) and unlinked (how many other masters that serve slots, not failed, its
# cluster bus has no connected link to) from TEXT, the replies to INFO persistence, CLUSTER INFO,
# INFO replication and CLUSTER NODES in one session: redis-watchdog.sh's takeover after a planned
# stop looks every 0.1 s. Shell builtins only, as above; each is empty when TEXT lacks it.
# shellcheck disable=SC2034 # set for the caller
takeover_fields() {
  known='' state='' loading='' link='' syncing='' rewriting='' master_host='' flags='' unlinked=0
  while read -r _first _second _flags _master _ping _pong _epoch _link _rest; do
    case $_flags in
      *myself*) flags=$_flags; continue ;;
      *fail*) ;;
      # Only masters that serve slots vote (a line with slots has more than eight fields).
      *master*) [ -z "$_rest" ] || [ "$_link" = "connected" ] || unlinked=$((unlinked + 1)); continue ;;
    esac
    _first=${_first%[[:cntrl:]]}
    case $_first in
      cluster_known_nodes:*) known=${_first#*:} ;;
      cluster_state:*) state=${_first#*:} ;;
      loading:*) loading=${_first#*:} ;;
      master_link_status:*) link=${_first#*:} ;;
      master_sync_in_progress:*) syncing=${_first#*:} ;;
      aof_rewrite_in_progress:*) [ "$rewriting" = 1 ] || rewriting=${_first#*:} ;;
      aof_rewrite_scheduled:*) [ "${_first#*:}" = 0 ] || rewriting=1 ;;
      master_host:*) master_host=${_first#*:} ;;
    esac
  done <<EOF
$1
EOF
}

# resolve NAME: the first address NAME resolves to; nothing when it does not (a pod not
# scheduled yet).
resolve() {
  getent hosts "$1" 2>/dev/null | awk '{print $1; exit}'
}
