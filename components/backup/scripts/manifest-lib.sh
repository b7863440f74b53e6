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

# uncovered_slots <ranges>: the slots of 0-16383 that the ranges ("0-5460,5461-10922 10923",
# commas or spaces) leave out, as ranges joined by commas; empty when all 16384 are covered.
uncovered_slots() {
  printf '%s\n' "$1" | awk '
    {
      n = split($0, parts, /[, ]+/)
      for (i = 1; i <= n; i++) {
        if (parts[i] == "") continue
        split(parts[i], bounds, "-"); last = (parts[i] ~ /-/) ? bounds[2] : bounds[1]
        for (s = bounds[1] + 0; s <= last + 0; s++) have[s] = 1
      }
    }
    END {
      out = ""; s = 0
      while (s < 16384) {
        if (s in have) { s++; continue }
        e = s
        while (e + 1 < 16384 && !((e + 1) in have)) e++
        out = out (out == "" ? "" : ",") (s == e ? s : s "-" e)
        s = e + 1
      }
      print out
    }'
}

# backup_epoch <id>: seconds since the epoch of a backup id (20260101T020000Z, UTC); busybox and
# GNU date both read "YYYY-MM-DD hh:mm:ss".
backup_epoch() {
  date -u -d "$(printf '%s\n' "$1" | sed -n 's/^\([0-9]\{4\}\)\([0-9]\{2\}\)\([0-9]\{2\}\)T\([0-9]\{2\}\)\([0-9]\{2\}\)\([0-9]\{2\}\)Z$/\1-\2-\3 \4:\5:\6/p')" +%s
}
