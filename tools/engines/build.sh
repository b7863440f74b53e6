#!/bin/sh
# Builds the real engines the end-to-end suite drives, from their Go modules, once per version:
# the Pulumi CLI, its Node.js, Python and YAML language hosts, the Kubernetes provider plugin, etcd
# and the Kubernetes control plane with kubectl; and actionlint, which lints the workflows. Each
# wrapper module beside this script pins one of them (go.mod and go.sum committed); its binaries
# land in the cache, keyed by the wrapper's hash, so a warm machine builds nothing and a changed
# pin builds afresh.
#
# Usage: tools/engines/build.sh [--quiet] [--lint-only]
# Prints the absolute path of the bin folder last: every binary, linked under one directory.
# --lint-only builds and links actionlint alone: all `npm test` needs of these (a minute cold), so
# .ci/run can start the unit and integration tests while the rest builds beside them.
# Cache: $REDIS_ENGINES_CACHE, default ~/.cache/redis-engines.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${REDIS_ENGINES_CACHE:-$HOME/.cache/redis-engines}
quiet=
lint_only=
for arg in "$@"; do
    case $arg in
    --quiet) quiet=--quiet ;;
    --lint-only) lint_only=1 ;;
    *)
        echo "usage: $0 [--quiet] [--lint-only]" >&2
        exit 2
        ;;
    esac
done
export GOFLAGS=-mod=readonly GOTOOLCHAIN=local

say() { [ "$quiet" = --quiet ] || echo "engines: $*" >&2; }

# The folder holding one wrapper's binaries: its name and the hash of its pins and sources (its own
# main packages, in the wrapper's folder or one level down).
out_dir() {
    sum=$(cat "$here/$1"/go.* "$here/$1"/*.go "$here/$1"/*/*.go 2>/dev/null | sha256sum | cut -c1-12)
    echo "$cache/$1-$sum"
}

# build MODULE OUTPUT PACKAGE [LDFLAGS]: one binary of one wrapper, unless it is there already.
build() {
    dir=$(out_dir "$1")
    if [ -x "$dir/$2" ]; then return 0; fi
    mkdir -p "$dir"
    say "building $2 ($3) into $dir"
    started=$(date +%s)
    (cd "$here/$1" && go build -trimpath -ldflags "-s -w ${4:-}" -o "$dir/$2.partial" "$3")
    mv "$dir/$2.partial" "$dir/$2"
    say "built $2 in $(($(date +%s) - started)) s"
}

# The module's folder in the module cache. `go list -m` names no folder for a module not yet
# downloaded (a cold machine, before any build needed it), so download it first.
module_dir() {
    dir=$(cd "$here/$1" && go mod download "$2" && go list -m -f '{{.Dir}}' "$2")
    [ -n "$dir" ] || {
        echo "engines: no folder for $2 in $1's module graph" >&2
        exit 1
    }
    echo "$dir"
}

# One folder with every binary, as `npm run kube` hands it to users: PATH=<bin>:$PATH. It lives in
# the checkout (.local/, never committed) because the random plugin runs this checkout's code.
repo=$(cd "$here/../.." && pwd)
bin="$repo/.local/bin"
mkdir -p "$bin"
# A link already right is left alone: `ln -sfn` unlinks first, and a test may be running it.
link() {
    [ "$(readlink "$bin/$(basename "$1")" 2>/dev/null)" = "$1" ] || ln -sfn "$1" "$bin/$(basename "$1")"
}

build actionlint actionlint github.com/rhysd/actionlint/cmd/actionlint \
    "-X github.com/rhysd/actionlint.version=v1.7.12"
link "$(out_dir actionlint)/actionlint"
if [ -n "$lint_only" ]; then
    echo "$bin"
    exit 0
fi

# The control plane first: the local cluster needs it before any stack can deploy.
build etcd etcd redis-cluster.local/engines/etcd
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    build kubernetes "$cmd" "k8s.io/kubernetes/cmd/$cmd" \
        "-X k8s.io/component-base/version.gitVersion=v1.34.4 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34"
done
build pulumi pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.248.0"
build language-nodejs pulumi-language-nodejs github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.68.0"
# The Python host has the same history (sdk/python/cmd/pulumi-language-python/v3 is refused too).
build language-nodejs pulumi-language-python github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.68.0"
build language-yaml pulumi-language-yaml github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
    "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=v1.25.0"
kube_provider_version=4.0.0-20260115033456-f47bc2d6f199
# The provider's main embeds its schema and Terraform mapping as its own build generates them. It
# shares the control plane's module graph (kubernetes/go.mod says why).
upstream=$(module_dir kubernetes github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes
python3 - "$upstream" "$here/kubernetes/pulumi-resource-kubernetes" "$kube_provider_version" <<'PY'
import json, sys
src, dst, version = sys.argv[1:]
schema = json.load(open(f"{src}/schema.json"))
schema["version"] = version
json.dump(schema, open(f"{dst}/schema-embed.json", "w"), separators=(",", ":"))
json.dump(json.load(open(f"{src}/terraform-mapping.json")), open(f"{dst}/terraform-mapping-embed.json", "w"), separators=(",", ":"))
PY
build kubernetes pulumi-resource-kubernetes redis-cluster.local/engines/kubernetes/pulumi-resource-kubernetes \
    "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$kube_provider_version"

link "$(out_dir pulumi)/pulumi"
link "$(out_dir language-nodejs)/pulumi-language-nodejs"
link "$(out_dir language-nodejs)/pulumi-language-python"
link "$(out_dir language-yaml)/pulumi-language-yaml"
link "$(out_dir kubernetes)/pulumi-resource-kubernetes"
link "$(out_dir etcd)/etcd"
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do link "$(out_dir kubernetes)/$cmd"; done
# The dynamic-provider plugin is a script that ships in the SDK module beside the language host.
sdk=$(module_dir pulumi github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" "$bin/pulumi-resource-pulumi-nodejs"
# The Python host runs programs through this script of the SDK module of its own release, which it
# looks for beside its own binary (the link's target).
sdk_python=$(module_dir language-nodejs github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk_python/python/cmd/pulumi-language-python-exec" "$(out_dir language-nodejs)/pulumi-language-python-exec"
# No version of the random provider's Go module is served here: random-provider.ts stands in.
cat > "$bin/pulumi-resource-random" <<LAUNCHER
#!/bin/sh
exec node "$repo/dist/tools/engines/random-provider.js" "\$@"
LAUNCHER
chmod 0755 "$bin/pulumi-resource-random"
echo "$bin"
