#!/bin/sh
# Shared by the scripts that run in the amazon/aws-cli image: the aws CLI pointed at S3 (or at
# $S3_ENDPOINT_URL, an S3-compatible endpoint such as local mode's s3rver), and what makes a
# backup complete. A backup is complete when its manifest.json exists: uploads write it last, so
# a backup cut short anywhere is never taken for a complete one. No script deletes from S3.

# Temporary files and the CLI's cache live on the writable /tmp (the root filesystem is read-only).
HOME=${HOME:-/tmp}
export HOME

s3() {
  if [ -n "${S3_ENDPOINT_URL:-}" ]; then
    aws --endpoint-url "$S3_ENDPOINT_URL" s3 "$@"
  else
    aws s3 "$@"
  fi
}

# s3_put <file> <url> [options]: one upload. With Object Lock (S3_CHECKSUM_ALGORITHM set) every
# PUT carries a checksum, which S3 requires in a bucket with default retention.
s3_put() {
  file=$1
  url=$2
  shift 2
  if [ -n "${S3_CHECKSUM_ALGORITHM:-}" ]; then
    s3 cp --only-show-errors --checksum-algorithm "$S3_CHECKSUM_ALGORITHM" "$@" "$file" "$url"
  else
    s3 cp --only-show-errors "$@" "$file" "$url"
  fi
}

# s3://bucket/prefix/<kind>/ of this deployment's backups.
kind_url() {
  printf 's3://%s/%s%s/' "$S3_BUCKET" "$S3_PREFIX" "$1"
}

# Complete backups of a kind, oldest first (backup ids sort by time): the folders holding a
# manifest.json, from one recursive listing (one aws start, however many backups there are).
complete_ids() {
  s3 ls --recursive "$(kind_url "$1")" 2>/dev/null | awk -v p="$S3_PREFIX$1/" '
    index($4, p) == 1 {
      rest = substr($4, length(p) + 1)
      if (rest ~ /^[^\/]+\/manifest\.json$/) { sub(/\/manifest\.json$/, "", rest); print rest }
    }' | sort
}
