// The Pulumi package schema that `pulumi package add` gets from this repository (PulumiPlugin.yaml,
// runtime nodejs) is produced in-process here, by the SDK's own component provider analysing the
// TypeScript types, exactly as the Node.js language host does when it loads the plugin. Every
// field of RedisClusterArgs, at every depth (array items included), must be in it: a type the
// analyser cannot describe would make the package unusable from Python, Go, C# and YAML.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import * as pkg from "../../components";
import { packageRoot } from "../../components/package-files";
import { RESOURCE_TYPE } from "../../components/redis-cluster";
import { collectSettings } from "../../tools/settings-doc";

const ARGS_FILE = path.join(packageRoot, "components", "spec", "args.ts");

/** Every dotted path of RedisClusterArgs, read from the source: `redis.save[].seconds`, ... */
function argPaths(): string[] {
    const source = ts.createSourceFile(ARGS_FILE, fs.readFileSync(ARGS_FILE, "utf8"), ts.ScriptTarget.ES2022, true);
    const interfaces = new Map<string, ts.InterfaceDeclaration>();
    source.forEachChild((n) => { if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n); });
    const paths: string[] = [];
    const walk = (iface: string, prefix: string) => {
        for (const member of interfaces.get(iface)!.members) {
            if (!ts.isPropertySignature(member)) continue;
            const type = member.type!.getText(source).replace(/\s*\|\s*undefined/, "");
            const key = prefix + member.name.getText(source);
            paths.push(key);
            const element = type.replace(/\[\]$/, "");
            if (interfaces.has(element)) walk(element, type.endsWith("[]") ? `${key}[].` : `${key}.`);
        }
    };
    walk("RedisClusterArgs", "");
    // The component's own args besides the settings (components/kube-target.ts).
    return [...paths, "kubeconfig", "kubeContext"];
}

/** The same, read from the schema: follow $refs into types, and array items. */
function schemaPaths(schema: any, props: Record<string, any>, prefix = ""): string[] {
    const out: string[] = [];
    for (const [name, prop] of Object.entries<any>(props)) {
        out.push(prefix + name);
        const target = prop.items ?? prop;
        const ref: string | undefined = target.$ref;
        if (ref?.startsWith("#/types/")) {
            const type = schema.types[ref.slice("#/types/".length)];
            out.push(...schemaPaths(schema, type.properties ?? {}, `${prefix}${name}${prop.items ? "[]" : ""}.`));
        }
    }
    return out;
}

describe("Pulumi package schema (multi-language use)", function () {
    this.timeout(60000);
    let schema: any;

    before(async () => {
        // As cmd/run-plugin does: the components the package's main exports, and the provider name
        // and namespace from package.json's scoped name.
        const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8"));
        const [, scope, name] = /^@(.+)\/(.+)$/.exec(manifest.name)!;
        const provider = new ComponentProvider({
            components: getPulumiComponents(pkg),
            dirname: packageRoot,
            name,
            namespace: scope,
        });
        schema = JSON.parse(await provider.getSchema());
    });

    it("PulumiPlugin.yaml declares the nodejs runtime and the package main is the component's index", () => {
        assert.strictEqual(fs.readFileSync(path.join(packageRoot, "PulumiPlugin.yaml"), "utf8").replace(/#.*\n/g, "").trim(), "runtime: nodejs");
        const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8"));
        assert.strictEqual(manifest.main, "dist/components/index.js");
    });

    it("describes RedisCluster under the type token the component registers", () => {
        assert.strictEqual(schema.name, "redis-cluster");
        assert.strictEqual(schema.namespace, "llm-analytics-hub");
        assert.deepStrictEqual(Object.keys(schema.resources), [RESOURCE_TYPE]);
        assert.strictEqual(schema.resources[RESOURCE_TYPE].isComponent, true);
    });

    it("lists every argument, at every depth, with its doc comment", () => {
        const resource = schema.resources[RESOURCE_TYPE];
        const fromSource = argPaths();
        const fromSchema = schemaPaths(schema, resource.inputProperties);
        assert.deepStrictEqual([...fromSchema].sort(), [...fromSource].sort());
        // Every documented setting (the README table's rows) is among them.
        for (const row of collectSettings()) assert.ok(fromSchema.includes(row.key), `setting ${row.key} missing from the schema`);
        // Nested fields keep their types and doc comments.
        const redis = schema.types["redis-cluster:index:RedisConfigArgs"].properties;
        assert.strictEqual(redis.maxmemory.type, "string");
        assert.match(redis.maxmemory.description, /Default: `"6gb"`/);
        assert.strictEqual(redis.save.items.$ref, "#/types/redis-cluster:index:SaveRuleArgs");
        assert.strictEqual(resource.inputProperties.labels.additionalProperties.type, "string");
        assert.strictEqual(resource.inputProperties.shards.type, "number");
    });

    it("takes the cluster's kubeconfig (a secret) and context beside the settings", () => {
        const inputs = schema.resources[RESOURCE_TYPE].inputProperties;
        assert.strictEqual(inputs.kubeconfig.type, "string");
        assert.match(inputs.kubeconfig.description, /kubernetes:kubeconfig/);
        assert.strictEqual(inputs.kubeContext.type, "string");
    });

    it("lists the outputs, the layout as a named type", () => {
        const resource = schema.resources[RESOURCE_TYPE];
        assert.deepStrictEqual(Object.keys(resource.properties).sort(), [
            "clientHost", "clientPort", "connectionUrl", "masterName", "namespace", "nodeIds", "password", "secretName", "seedAddresses",
            "sentinelAddresses", "shardLayout", "username",
        ]);
        assert.deepStrictEqual(Object.keys(schema.types["redis-cluster:index:ShardState"].properties).sort(),
            ["keys", "master", "masterId", "replicaIds", "replicas", "slots"]);
    });
});
