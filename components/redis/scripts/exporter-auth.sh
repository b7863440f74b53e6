#!/bin/sh
# Init container: writes the exporter's password file, a JSON map from its one Redis address to
# its password. redis_exporter sends REDIS_PASSWORD to any target a /scrape?target=... request
# names; a password given only through this map is sent only to the address it is keyed by, so a
# foreign target is dialled without AUTH (docs/tls.md, "The exporter").
# Two keys for the same address: redis_exporter up to 1.69 looks the bare address up, 1.70 and
# later the address with the user name in it (when REDIS_USER is set).
set -eu
: "${REDIS_ADDR:?}" "${EXPORTER_PASSWORD_FILE:?}" "${PASSWORD_MAP_FILE:?}"

# JSON string escaping for the two characters that need it in a password (no control characters).
json_escape() {
  sed 's/[\\"]/\\&/g' "$1"
}

password=$(json_escape "$EXPORTER_PASSWORD_FILE")
entries="\"$REDIS_ADDR\": \"$password\""
if [ -n "${REDIS_USER:-}" ]; then
  entries="$entries, \"${REDIS_ADDR%%://*}://$REDIS_USER@${REDIS_ADDR#*://}\": \"$password\""
fi

umask 077
# printf is a shell builtin: the password is never on a command line.
printf '{%s}\n' "$entries" > "$PASSWORD_MAP_FILE.tmp"
mv "$PASSWORD_MAP_FILE.tmp" "$PASSWORD_MAP_FILE"
echo "exporter password map written for $REDIS_ADDR"
