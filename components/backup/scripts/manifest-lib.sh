#!/bin/sh
# Reads manifest.json as backup-dump.sh writes it (one shard per line), with sed alone: neither
# the redis image nor the aws-cli image ships jq.

# manifest_field <manifest> <field>: a top-level number or string.
manifest_field() {
  sed -n "s/^  \"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$1" | head -n 1
}

# shard_field <manifest> <index> <field>: a field of one shard.
shard_field() {
  grep "\"index\": $2," "$1" | sed -n "s/.*\"$3\": \"\{0,1\}\([^\",}]*\).*/\1/p" | head -n 1
}
