// Builds pulumi-language-yaml, the YAML language host, from its Go module. The module has no
// replace directives; this wrapper only pins the release.
module redis-cluster.local/engines/language-yaml

go 1.25

require github.com/pulumi/pulumi-yaml v1.25.0 // indirect
