import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { packageRoot } from "../../components/package-files";
import { REDACTED } from "../../tools/pulumi-mocks";
import { OTHER_RESOURCES_FILE, renderedFiles } from "../../tools/render";
import { renderedStack } from "../support/render-stacks";
import { PROD_SNAPSHOT, readSnapshot, snapshotDifferences } from "../support/snapshot";

const renderCli = path.join(packageRoot, "dist", "tools", "render.js");

function renderIn(dir: string, ...args: string[]) {
    return spawnSync(process.execPath, [renderCli, ...args], { cwd: dir, encoding: "utf8" });
}

/** A scratch project: this project's Pulumi.yaml and one stack file. */
function scratchProject(stackYaml: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
    fs.copyFileSync(path.join(packageRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "Pulumi.typo.yaml"), stackYaml);
    return dir;
}

describe("render", function () {
    this.timeout(60000);

    it("matches the reviewed prod snapshot, object by object (update with `npm run snapshot` and review the diff)", async () => {
        const rendered = renderedFiles(await renderedStack("prod"));
        const problems = snapshotDifferences(readSnapshot(PROD_SNAPSHOT), rendered);
        assert.deepStrictEqual(
            problems,
            [],
            `test/snapshots/prod/ differs from the render:\n${problems.join("\n")}\n` +
                "after an intended change run `npm run snapshot` and review the diff",
        );
    });

    it("reports a changed, a new and a vanished snapshot object by name", () => {
        const snapshot = new Map([
            ["00-namespace-ns.yaml", "kind: Namespace\n"],
            ["01-service-gone.yaml", "kind: Service\n"],
            [
                OTHER_RESOURCES_FILE,
                JSON.stringify([{ type: "random:index/randomPassword:RandomPassword", name: "p", inputs: { length: 32 } }]),
            ],
        ]);
        const rendered = new Map([
            ["00-namespace-ns.yaml", "kind: Namespace\nmetadata: {}\n"],
            ["01-configmap-new.yaml", "kind: ConfigMap\n"],
            [
                OTHER_RESOURCES_FILE,
                JSON.stringify([{ type: "random:index/randomPassword:RandomPassword", name: "p", inputs: { length: 16 } }]),
            ],
        ]);
        assert.deepStrictEqual(snapshotDifferences(snapshot, rendered), [
            "changed: 00-namespace-ns.yaml",
            "not rendered any more: 01-service-gone.yaml",
            "not in the snapshot: 01-configmap-new.yaml",
            "changed: resources.json: random:index/randomPassword:RandomPassword p",
        ]);
    });

    it("redacts the passwords and shows the generated-password resources with their inputs", async () => {
        const rendered = await renderedStack("prod");
        const secret = rendered.kubernetes.find((o: any) => o.kind === "Secret") as any;
        const roles = ["admin", "app", "exporter", "replication", "backup", "sentinel"];
        assert.deepStrictEqual(secret.stringData, Object.fromEntries(roles.map((r) => [`${r}-password`, REDACTED])));
        const passwords = roles.flatMap((r) =>
            ["a", "b"].map((s) => `random:index/randomPassword:RandomPassword redis-${r}-password-${s}`),
        );
        const others = rendered.others.map((o) => `${o.type} ${o.name}`);
        assert.deepStrictEqual(
            others.filter((o) => !o.startsWith("aws:")),
            [
                ...passwords,
                "pulumi-nodejs:dynamic/redis-cluster:ClusterCredentials redis-credentials",
                "pulumi-nodejs:dynamic/redis-cluster:ClusterDrain redis-drain",
                "pulumi-nodejs:dynamic/redis-cluster:ClusterFormation redis-formation",
            ],
        );
        // The backup bucket and its two IRSA roles render offline too; IRSA leaves no key Secret
        // (the IAM-user mode's key redaction is tested in backup.test.ts).
        assert.strictEqual(others.filter((o) => o.startsWith("aws:")).length, 10);
        assert.ok(
            !rendered.kubernetes.some((o: any) => o.kind === "Secret" && /backup.*-s3$/.test(o.metadata.name)),
            "prod renders an access key Secret",
        );
        const randoms = rendered.others.filter((o) => o.type.startsWith("random:"));
        for (const p of randoms) assert.deepStrictEqual(p.inputs, { length: 32, special: false, keepers: { rotation: "0" } });
        const providers = rendered.others.filter((o) => o.type.startsWith("pulumi-nodejs:"));
        assert.deepStrictEqual((providers[0].inputs as any).users, Object.fromEntries(roles.map((r) => [r, [REDACTED]])));
        for (const resource of providers) {
            const inputs = resource.inputs as any;
            assert.strictEqual(inputs.password, REDACTED);
            assert.deepStrictEqual([inputs.shards, inputs.replicasPerShard, inputs.nodes.length], [3, 1, 6]);
        }
    });

    it("prints parseable YAML from the command line and writes a directory with --out", () => {
        const out = renderIn(packageRoot, "--stack", "dev");
        assert.strictEqual(out.status, 0, out.stderr);
        const docs = YAML.parseAllDocuments(out.stdout).map((d) => d.toJS());
        const kinds = docs.map((d) => d.kind ?? d.type);
        assert.ok(kinds.includes("StatefulSet") && kinds.includes("random:index/randomPassword:RandomPassword"), kinds.join(","));
        const sts = docs.find((d) => d.kind === "StatefulSet");
        assert.strictEqual(sts.spec.replicas, 6);

        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-out-"));
        const written = renderIn(packageRoot, "--stack", "dev", "--out", dir);
        assert.strictEqual(written.status, 0, written.stderr);
        const files = fs.readdirSync(dir);
        assert.ok(files.includes("resources.json"));
        assert.ok(
            files.some((f) => f.endsWith("statefulset-redis-cluster.yaml")),
            files.join(","),
        );
    });

    it("exits non-zero with every problem, naming the stack keys, when a stack file has typos", () => {
        const dir = scratchProject(
            [
                "config:",
                "  redis-cluster:shardz: 4",
                "  redis-cluster:redis:",
                "    maxmemroy: 1gb",
                "  redis-cluster:storage:",
                "    size: 1Gi",
            ].join("\n"),
        );
        const out = renderIn(dir, "--stack", "typo");
        assert.notStrictEqual(out.status, 0);
        assert.match(out.stderr, /redis-cluster:shardz: got 4; no such setting/);
        assert.match(out.stderr, /redis-cluster:redis\.maxmemroy: got "1gb"; no such setting; known keys here: .*maxmemory/);
        assert.strictEqual(out.stdout, "");
    });

    it("names the stacks that exist when asked for one that does not", () => {
        const out = renderIn(packageRoot, "--stack", "staging");
        assert.notStrictEqual(out.status, 0);
        assert.match(out.stderr, /no stack "staging".*dev, prod/);
    });
});
