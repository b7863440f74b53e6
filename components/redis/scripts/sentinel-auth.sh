#!/bin/sh
# Prints the password of SENTINEL_USER (the Sentinels' admin user) that the Sentinel at $1 accepts
# now: the current one, or during a rotation the previous one, until that Sentinel has applied
# the Secret's change. Exit 1 when it accepts neither, or does not answer.
set -u
: "${SENTINEL_USER:?}" "${SENTINEL_PASSWORD_FILE:?}" "${SENTINEL_PORT:?}"

scripts=$(dirname "$0")
for file in "$SENTINEL_PASSWORD_FILE" "$SENTINEL_PASSWORD_FILE-previous"; do
  [ -s "$file" ] || continue
  password=$(cat "$file")
  reply=$(REDISCLI_AUTH="$password" timeout 2 sh "$scripts/redis-cli.sh" --no-auth-warning --user "$SENTINEL_USER" -h "$1" -p "$SENTINEL_PORT" ping 2>/dev/null | tr -d '\r')
  if [ "$reply" = "PONG" ]; then
    printf '%s' "$password"
    exit 0
  fi
done
exit 1
