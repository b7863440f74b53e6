// A new stack's first preview and every rotation's preview, as the real engine runs them: the
// component's provider resources are registered as in a preview (every RandomPassword still to be
// generated), and their inputs, serialized provider included, go over gRPC to Pulumi's own
// dynamic-provider host. The engine stops a preview on any check failure or diff error.
import * as assert from "assert";
import * as path from "path";
import { runtime } from "@pulumi/pulumi";
import { engineInputs } from "../support/engine-inputs";
import { ProviderHost } from "../support/provider-host";

const DEV = {
    "redis-cluster:resources": JSON.stringify({ requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } }),
    "redis-cluster:storage": JSON.stringify({ size: "1Gi", storageClass: "" }),
    "redis-cluster:redis": JSON.stringify({ maxmemory: "128mb", ioThreads: 1 }),
};
const PASSWORD = "PreviewPw4f6a8c0e2b4d6f8a0c2e4b6d8f0a2";
const ROTATED = "RotatedPw9e7c5a3f1d9b7e5c3a1f9d7b5e3c1";
const NAMES = ["ClusterCredentials", "ClusterDrain", "ClusterFormation"] as const;
const type = (name: string) => `pulumi-nodejs:dynamic/redis-cluster:${name}`;
const urn = (name: string) => `urn:pulumi:test::redis-cluster::redis-cluster:index:RedisCluster$${type(name)}::redis-cluster-${name}`;
/** The program's directory: the host loads the providers' code from the package found there. */
const PROGRAM_DIR = path.resolve(__dirname, "../../..");

/** What `pulumi up` left in the state: the inputs, and for formation the topology it formed. */
function stateOf(name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    if (name !== "ClusterFormation") return inputs;
    const names = Array.from({ length: 6 }, (_, i) => `redis-cluster-${i}`);
    const id = (n: string) => n.replace(/\D/g, "").padStart(40, "0");
    const slots = ["0-5461", "5462-10922", "10923-16383"];
    const shardLayout = slots.map((s, i) => ({
        master: names[i],
        masterId: id(names[i]),
        replicas: [names[i + 3]],
        replicaIds: [id(names[i + 3])],
        slots: s,
        keys: 0,
    }));
    return {
        ...inputs,
        nodeIds: Object.fromEntries(names.map((n) => [n, id(n)])),
        shardLayout,
        replicasByMaster: Object.fromEntries(shardLayout.map((s) => [s.master, s.replicas])),
    };
}

describe("the provider resources in Pulumi's dynamic-provider host, with a preview's unknowns", function () {
    this.timeout(180000);
    let host: ProviderHost;
    let preview: Map<string, Record<string, unknown>>;
    let known: Map<string, Record<string, unknown>>;
    let rotated: Map<string, Record<string, unknown>>;

    before(async () => {
        preview = await engineInputs(DEV);
        known = await engineInputs(DEV, PASSWORD);
        rotated = await engineInputs(DEV, ROTATED);
        host = await ProviderHost.start(PROGRAM_DIR);
    });

    after(async () => {
        await host?.stop();
        assert.ok(!host?.output.includes(PASSWORD) && !host?.output.includes(ROTATED), "a password reached the provider's output");
    });

    it("the component sends the placeholder where the generated passwords go, beside its serialized provider", () => {
        const credentials = preview.get(type("ClusterCredentials"))!;
        assert.strictEqual(credentials.users, runtime.unknownValue);
        for (const name of NAMES) {
            const inputs = preview.get(type(name))!;
            assert.strictEqual(inputs.password, runtime.unknownValue, name);
            assert.strictEqual(typeof inputs.__provider, "string", name);
            assert.strictEqual(inputs.__provider, known.get(type(name))!.__provider, `${name}: another provider in the preview`);
        }
    });

    for (const name of NAMES) {
        it(`${name}: check accepts the unknowns, on create and on update`, async () => {
            for (const olds of [{}, known.get(type(name))!]) {
                const checked = await host.check(urn(name), olds, preview.get(type(name))!);
                assert.deepStrictEqual(checked.failures, [], `${name} check with${Object.keys(olds).length ? "" : "out"} olds`);
            }
        });

        it(`${name}: diff against the state reports an update (never a replacement) without an error`, async () => {
            const diff = await host.diff(urn(name), "id", stateOf(name, known.get(type(name))!), preview.get(type(name))!);
            assert.deepStrictEqual(diff, { changes: "some", replaces: [], deleteBeforeReplace: false });
        });

        it(`${name}: diff of the same known inputs reports no change`, async () => {
            const diff = await host.diff(urn(name), "id", stateOf(name, known.get(type(name))!), known.get(type(name))!);
            assert.strictEqual(diff.changes, "none");
        });
    }

    it("the preview says what is not known yet, without a password", () => {
        assert.match(host.output, /redis-cluster credentials \(plan\): every user: accepted passwords known only after apply/);
        assert.match(host.output, /redis-cluster formation \(plan\): admin password \(known after apply\): stored for refresh/);
    });

    it("a rotated admin password is an update of the formation that only stores it", async () => {
        const diff = await host.diff(
            urn("ClusterFormation"),
            "id",
            stateOf("ClusterFormation", known.get(type("ClusterFormation"))!),
            rotated.get(type("ClusterFormation"))!,
        );
        assert.deepStrictEqual(diff, { changes: "some", replaces: [], deleteBeforeReplace: false });
        assert.match(
            host.output,
            /redis-cluster formation \(plan\): admin password changed: stored for refresh and later updates; nothing runs on the nodes/,
        );
    });

    it("known but invalid inputs still fail check", async () => {
        const credentials = known.get(type("ClusterCredentials"))!;
        const noPassword = await host.check(
            urn("ClusterCredentials"),
            {},
            { ...credentials, users: { ...(credentials.users as object), app: [] } },
        );
        assert.deepStrictEqual(noPassword.failures, [{ property: "users", reason: "users.app: no password" }]);
        const notAMap = await host.check(urn("ClusterCredentials"), {}, { ...credentials, users: "app" });
        assert.deepStrictEqual(
            notAMap.failures.map((f) => f.reason),
            ["users: not a map of user name to accepted passwords"],
        );
        const formation = known.get(type("ClusterFormation"))!;
        const fewer = await host.check(urn("ClusterFormation"), {}, { ...formation, nodes: (formation.nodes as unknown[]).slice(1) });
        assert.deepStrictEqual(
            fewer.failures.map((f) => f.reason),
            ["nodes: 5 given, the shape needs 6"],
        );
        // An unknown password beside a known error: the error is still reported.
        const mixed = await host.check(urn("ClusterFormation"), {}, { ...preview.get(type("ClusterFormation"))!, connectivity: "vpn" });
        assert.deepStrictEqual(
            mixed.failures.map((f) => f.reason),
            ['connectivity: "vpn" is not direct or port-forward'],
        );
    });
});
