#!/bin/sh
# Runs beside redis-server in the sentinel topology (started in the background by redis-start.sh),
# and beside each Sentinel for the Sentinels' own users (sentinel-start.sh, ACL_PORT 26379).
# No provider applies a password rotation there, so each pod does: the kubelet updates the mounted
# Secret in place, and when its files change every ACL user is set to exactly what the ACL file
# would now say (its rules and the hashes of its current and, during a rotation, previous
# passwords), with ACL SETUSER, which keeps authenticated connections. The pod then accepts a new
# password long before it restarts, and refuses a removed one as soon as the Secret drops it.
set -u
: "${POD_IP:?}" "${SECRETS_DIR:?}" "${ACL_RULES_FILE:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}"

scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
redis_pid=$PPID   # the start script's pid, which exec turns into redis-server's

digest() {
  cat "$SECRETS_DIR"/* 2>/dev/null | cksum
}

# Whichever admin password this Redis accepts now: the current one, or the previous one while it
# has not yet been told the current one.
admin_cli_any_password() {
  for file in "$PASSWORD_FILE" "$PASSWORD_FILE-previous"; do
    [ -s "$file" ] || continue
    out=$(cli_as "$file" 5 "$ADMIN_USER" "$POD_IP" "${ACL_PORT:-$REDIS_PORT}" "$@" 2>&1)
    case "$out" in *WRONGPASS*|*NOAUTH*) continue ;; esac
    printf '%s\n' "$out"
    return 0
  done
  return 1
}

# Whether the ACL line of user $1 in $2 lacks a password hash its line in $3 has.
revoked() {
  before=$(printf '%s\n' "$3" | sed -n "s/^user $1 //p" | tr ' ' '\n' | grep '^#' || true)
  after=$(printf '%s\n' "$2" | sed -n "s/^user $1 //p" | tr ' ' '\n' | grep '^#' || true)
  for hash in $before; do
    printf '%s\n' "$after" | grep -qxF "$hash" || return 0
  done
  return 1
}

applied=$(digest)
applied_acl=$(sh "$scripts/redis-acl.sh" "$ACL_RULES_FILE" 2>/dev/null || true)
while kill -0 "$redis_pid" 2>/dev/null; do
  sleep "${ACL_RELOAD_INTERVAL_SECONDS:-5}"
  now=$(digest)
  [ "$now" = "$applied" ] && continue
  acl=$(sh "$scripts/redis-acl.sh" "$ACL_RULES_FILE") || continue
  failed=0
  # "user NAME RULES... #HASH..." becomes ACL SETUSER NAME reset RULES... #HASH...; the rules hold
  # globs (~* &*), which must reach Redis as written.
  set -f
  while read -r _ user rest; do
    # shellcheck disable=SC2086 # rules and hashes, one word each
    [ "$(admin_cli_any_password acl setuser "$user" reset $rest)" = "OK" ] || failed=1
    # An emergency rotation (auth.disconnectRevoked): SETUSER keeps sessions opened with a removed
    # password, so end every session of a user who lost one (this one aside).
    if [ "${DISCONNECT_REVOKED:-}" = "yes" ] && revoked "$user" "$acl" "$applied_acl"; then
      echo "acl: ended $(admin_cli_any_password client kill user "$user" skipme yes) sessions of $user, whose password was revoked"
    fi
  done <<ACL
$acl
ACL
  set +f
  if [ "$failed" -eq 0 ]; then
    echo "acl: the Secret changed; every user now accepts exactly its passwords in it"
    applied=$now
    applied_acl=$acl
  fi
done
