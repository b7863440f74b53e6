#!/bin/sh
# Builds the Redis and Valkey servers local mode runs, from Debian's source packages (trixie's
# redis 8.0 and valkey 8.1, with Debian's security patches applied by dpkg-source), once per
# version: the pods run these release lines, so local mode and the tests must too.
#
# Each source package is pinned by the SHA-256 of its .dsc; dpkg-source then checks every other
# file against the checksums the .dsc lists. The binaries land in the cache, keyed by the package
# version and build flags; a warm machine builds nothing. Build needs: gcc, g++, make, pkgconf,
# libssl-dev (TLS), libjemalloc-dev (Debian links the system jemalloc), dpkg-dev, xz-utils, curl.
#
# Usage: tools/engines/servers.sh [--quiet]
# Links <checkout>/.local/engines/<engine>-<line> (e.g. valkey-8.1) to each engine's folder (bin/,
# debian-version) and prints the absolute path of .local/engines last.
# Cache: $REDIS_ENGINES_CACHE, default ~/.cache/redis-engines. Mirror: $DEBIAN_MIRROR.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${REDIS_ENGINES_CACHE:-$HOME/.cache/redis-engines}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
quiet=${1:-}
# Debian's own flags (debian/rules): TLS built in, the system jemalloc. No systemd notify: local
# mode supervises the processes itself.
flags="BUILD_TLS=yes USE_SYSTEM_JEMALLOC=yes USE_JEMALLOC=yes USE_SYSTEMD=no"

say() { [ "$quiet" = --quiet ] || echo "engines: $*" >&2; }

# The pins. trixie-security's index also advertises +deb13u3 of both, but the registry serves
# 404 for its files; servers.sh says so when the index moves past a pin (see warn_if_newer).
# engine line source version dsc-sha256
pins() {
    cat <<'PINS'
redis 8.0 redis 8.0.2-3+deb13u2 10ace3c9e2aaae8f4920906c0869820cac71bc5d83984b4febe114cb52879101
valkey 8.1 valkey 8.1.1+dfsg1-3+deb13u2 e581402820e22c61a65ce436bcffb71ae5a04282c044fecd58d22a1b3748c306
PINS
}

out_dir() { # engine version dsc-sha
    sum=$(printf '%s %s %s' "$2" "$3" "$flags" | sha256sum | cut -c1-12)
    echo "$cache/$1-$2-$sum"
}

# fetch SOURCE FILE INTO: one file of a source package from the mirror's pool.
fetch() {
    letter=$(printf '%s' "$1" | cut -c1)
    url="$mirror/pool/main/$letter/$1/$(printf '%s' "$2" | sed 's/+/%2B/g')"
    curl -fsSL --retry 3 -o "$3/$2" "$url" || { echo "engines: cannot fetch $url" >&2; return 1; }
}

# A newer upload in the apt index (deb-src for trixie, see .ci/run) is worth knowing about.
warn_if_newer() { # source version
    listed=$(apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: \([0-9]*:\)\{0,1\}//p' | sort -V | tail -1)
    if [ -n "$listed" ] && [ "$listed" != "$2" ] && [ "$(printf '%s\n%s\n' "$2" "$listed" | sort -V | tail -1)" = "$listed" ]; then
        say "note: the apt index lists $1 $listed, newer than the pinned $2 (pin it once the registry serves it)"
    fi
}

build() { # engine line source version dsc-sha
    dir=$(out_dir "$1" "$4" "$5")
    if [ -x "$dir/bin/$1-server" ]; then return 0; fi
    warn_if_newer "$3" "$4"
    work=$(mktemp -d "${TMPDIR:-/tmp}/engine-$1.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    dsc="$3_$4.dsc"
    fetch "$3" "$dsc" "$work"
    echo "$5  $work/$dsc" | sha256sum -c --quiet - || { echo "engines: $dsc does not match its pinned SHA-256" >&2; exit 1; }
    sed -n '/^Checksums-Sha256:/,/^[^ ]/s/^ [0-9a-f]\{64\} [0-9]* //p' "$work/$dsc" | while read -r file; do
        fetch "$3" "$file" "$work"
    done
    # Unsigned by our keyring on purpose: the pinned .dsc hash is the trust anchor, and
    # dpkg-source refuses any file whose checksum differs from the .dsc's.
    (cd "$work" && dpkg-source --no-check -x "$dsc" src >/dev/null)
    say "building $1 $4 (Debian patches: $(grep -vc '^#' "$work/src/debian/patches/series")) into $dir"
    started=$(date +%s)
    # shellcheck disable=SC2086 # flags are words on purpose
    make -C "$work/src" -j"$(nproc)" $flags >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
    rm -rf "$dir.partial" && mkdir -p "$dir.partial"
    # shellcheck disable=SC2086
    make -C "$work/src" $flags USE_REDIS_SYMLINKS=no PREFIX="$dir.partial" install >>"$work/build.log" 2>&1
    echo "$4" >"$dir.partial/debian-version"
    rm -rf "$dir" && mv "$dir.partial" "$dir"
    say "built $1 $4 in $(($(date +%s) - started)) s"
    rm -rf "$work"
    trap - EXIT
}

links="$repo/.local/engines"
mkdir -p "$links"
pins | while read -r engine line source version sha; do
    build "$engine" "$line" "$source" "$version" "$sha"
    ln -sfn "$(out_dir "$engine" "$version" "$sha")" "$links/$engine-$line"
done
echo "$links"
