// The npm package as a consumer gets it: `npm pack` once, install the tarball into a copy of
// examples/typescript (from the npm cache this project's own install filled, the registry only for
// what is missing), type-check the example against the installed declarations and render it
// under mocks. The rendered ConfigMaps must carry the very script and dashboard files of this
// repository, read at run time from the installed package, not from this checkout.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { packageRoot } from "../../components/package-files";
import { ProviderHost } from "../support/provider-host";
import { REDACTED } from "../../tools/pulumi-mocks";

const PACKAGE = "@llm-analytics-hub/redis-cluster";
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Packs this package (already built by `npm test`; --ignore-scripts skips a second tsc). */
function pack(into: string): string {
    const out = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", into], packageRoot);
    return path.join(into, JSON.parse(out)[0].filename);
}

function parseStream(text: string): any[] {
    return YAML.parseAllDocuments(text)
        .map((d) => d.toJS())
        .filter((d) => d);
}

describe("npm package", function () {
    this.timeout(180000);
    let root: string;
    let tarball: string;
    let files: string[];
    let consumer: string;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "package-test-"));
        tarball = pack(root);
        files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
            .trim()
            .split("\n")
            .map((f) => f.replace(/^package\//, ""));

        consumer = path.join(root, "consumer");
        fs.cpSync(path.join(packageRoot, "examples", "typescript"), consumer, { recursive: true });
        const manifest = JSON.parse(fs.readFileSync(path.join(consumer, "package.json"), "utf8"));
        manifest.dependencies[PACKAGE] = `file:${tarball}`;
        fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify(manifest, null, 2));
        npm(["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], consumer);
    });

    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("holds the built component with declarations, its scripts and dashboard, and no tests", () => {
        for (const f of [
            "package.json",
            "README.md",
            "dist/components/index.js",
            "dist/components/index.d.ts",
            "provider/pulumi-resource-redis-cluster",
            "provider/schema.json",
            "dist/provider/main.js",
            "dist/components/settings/args.d.ts",
            "dist/components/formation/runtime.js",
            "dist/tools/render.js",
            "components/monitoring/dashboard.json",
        ]) {
            assert.ok(files.includes(f), `${f} missing from the tarball`);
        }
        const scripts = fs.readdirSync(path.join(packageRoot, "components", "redis", "scripts"));
        for (const s of scripts) assert.ok(files.includes(`components/redis/scripts/${s}`), `script ${s} missing`);
        const unwanted = files.filter((f) =>
            /(^|\/)test\/|\.test\.|^bench\/|^dist\/bench\/|^(dist\/)?(local|testing)\/|\.ts$(?<!\.d\.ts)|\.map$/.test(f),
        );
        assert.deepStrictEqual(unwanted, []);
    });

    it("resolves every entry of `exports` in the installed package", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8"));
        const script = Object.keys(manifest.exports)
            .map((k) => `require.resolve(${JSON.stringify(PACKAGE + k.slice(1))});`)
            .join("");
        const resolved = spawnSync(process.execPath, ["-e", script], { cwd: consumer, encoding: "utf8" });
        assert.strictEqual(resolved.status, 0, resolved.stderr);
    });

    it("type-checks the example against the installed declarations and renders it with the package's files", () => {
        npm(["run", "build"], consumer);
        const run = spawnSync(process.execPath, ["bin/render.js"], { cwd: consumer, encoding: "utf8" });
        assert.strictEqual(run.status, 0, run.stderr);
        const objects = parseStream(run.stdout);
        const sts = objects.find((o) => o.kind === "StatefulSet");
        assert.strictEqual(sts.metadata.namespace, "cache");
        assert.strictEqual(sts.spec.replicas, 6);

        // The installed copy found its data files: the ConfigMaps hold this repo's files verbatim.
        const installed = path.join(consumer, "node_modules", ...PACKAGE.split("/"));
        const scriptsCm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-scripts"));
        for (const [name, text] of Object.entries(scriptsCm.data)) {
            assert.strictEqual(text, fs.readFileSync(path.join(packageRoot, "components", "redis", "scripts", name), "utf8"));
            assert.ok(fs.existsSync(path.join(installed, "components", "redis", "scripts", name)));
        }
        const dashboard = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-dashboard"));
        const dashboardFile = Object.values(dashboard.data)[0] as string;
        assert.deepStrictEqual(
            JSON.parse(dashboardFile).title,
            JSON.parse(fs.readFileSync(path.join(packageRoot, "components", "monitoring", "dashboard.json"), "utf8")).title,
        );

        const secret = objects.find((o) => o.kind === "Secret");
        assert.deepStrictEqual(
            secret.stringData,
            Object.fromEntries(["admin", "app", "exporter", "replication", "backup", "sentinel"].map((u) => [`${u}-password`, REDACTED])),
        );
    });

    it("serves other languages from the installed package: its provider plugin starts, serves the schema and runs the steps", async () => {
        const installed = path.join(consumer, "node_modules", ...PACKAGE.split("/"));
        const host = await ProviderHost.start(consumer, path.join(installed, "provider", "pulumi-resource-redis-cluster"));
        try {
            const schema = await host.schema();
            assert.strictEqual(schema.resources["redis-cluster:index:RedisCluster"].inputProperties.shards.type, "integer");
            // The formation step's own check, loaded by the plugin from the installed package.
            const urn = "urn:pulumi:dev::consumer::redis-cluster:index:RedisCluster$redis-cluster:index:ClusterFormation::cache-formation";
            const checked = await host.check(urn, {}, { nodes: [], shards: 3, replicasPerShard: 1, password: "pw", connectivity: "vpn" });
            assert.deepStrictEqual(checked.failures, [
                { property: "nodes", reason: "nodes: 0 given, the shape needs 6" },
                { property: "connectivity", reason: 'connectivity: "vpn" is not direct or port-forward' },
            ]);
        } finally {
            await host.stop();
        }
    });

    it("passes the consumer's config through, and stops a bad one with the setting named", () => {
        const eight = spawnSync(process.execPath, ["bin/render.js", "--shards", "4"], { cwd: consumer, encoding: "utf8" });
        assert.strictEqual(eight.status, 0, eight.stderr);
        assert.strictEqual(parseStream(eight.stdout).find((o) => o.kind === "StatefulSet").spec.replicas, 8);

        const bad = spawnSync(process.execPath, ["bin/render.js", "--shards", "2"], { cwd: consumer, encoding: "utf8" });
        assert.notStrictEqual(bad.status, 0);
        assert.match(bad.stderr, /shards: got 2/);
    });
});
