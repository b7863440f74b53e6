#!/bin/sh
# Prints Redis's ACL file: each user of the rules file ($1, lines "<user> <password-of> <rules>")
# with the SHA-256 of every password the mounted Secret holds for it (current, and previous
# during a rotation). Only hashes leave this script: no password reaches a file or an argument.
set -eu
: "${SECRETS_DIR:?}"
rules_file=$1

hash_of() {
  printf '%s' "$(cat "$1")" | sha256sum | cut -d' ' -f1
}

while read -r user password_of rules; do
  [ -n "$user" ] || continue
  hashes=""
  if [ "$password_of" != "-" ]; then
    for file in "$SECRETS_DIR/$password_of-password" "$SECRETS_DIR/$password_of-password-previous"; do
      if [ -s "$file" ]; then
        hashes="$hashes #$(hash_of "$file")"
      fi
    done
    [ -n "$hashes" ] || { echo "redis-acl.sh: no password for $user in $SECRETS_DIR" >&2; exit 1; }
  fi
  echo "user $user $rules$hashes"
done < "$rules_file"
