// pulumi-resource-kubernetes, as its own main package serves it. The upstream main embeds
// schema-embed.json and terraform-mapping-embed.json, which its build generates from schema.json and
// terraform-mapping.json (both in the module); build.sh generates them here the same way (the
// version set in the schema, JSON compacted), since embed cannot reach into the module cache.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
