// The package's provider (provider/): the component it hosts registers the formation steps as the
// provider's own custom resources, with the same inputs and secrets the dynamic resources get;
// the provider hands the steps plain values and gives the engine back marked secrets.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { runtime } from "@pulumi/pulumi";
import { runStepsIn, STEPS, stepToken } from "../../components/formation/steps";
import { packageRoot } from "../../components/package-files";
import { deployStack } from "../../program/stack";
import { RedisClusterProvider, stepOf } from "../../provider/host";
import { markSecrets, revealSecrets } from "../../provider/secrets";
import { runUnderMocks } from "../../tools/pulumi-mocks";
import { offlineOutputs } from "../../tools/render";
import { readStackConfig } from "../../tools/stack-config";

const secret = (value: unknown) => ({ [runtime.specialSigKey]: runtime.specialSecretSig, value });

async function registered(host: "dynamic-resources" | "package-provider") {
    runStepsIn(host);
    try {
        const r = await runUnderMocks(() => deployStack(readStackConfig(packageRoot, "dev").config), {
            project: "redis-cluster",
            stack: "dev",
            outputs: offlineOutputs,
        });
        return r.resources;
    } finally {
        runStepsIn("dynamic-resources");
    }
}

describe("package provider", function () {
    this.timeout(120000);

    it("hosted by the provider, the component registers the steps as the provider's resources, with the dynamic ones' inputs", async () => {
        const dynamic = await registered("dynamic-resources");
        const hosted = await registered("package-provider");
        for (const kind of Object.keys(STEPS) as (keyof typeof STEPS)[]) {
            const d = dynamic.find((r) => r.type === `pulumi-nodejs:dynamic/redis-cluster:${kind}`);
            const h = hosted.find((r) => r.type === stepToken(kind));
            assert.ok(d && h, `${kind}: ${hosted.map((r) => r.type).join(", ")}`);
            assert.strictEqual(h.parent, hosted.find((r) => r.type === "redis-cluster:index:RedisCluster")!.urn);
            const { __provider: _serialized, ...dynamicInputs } = d.inputs;
            assert.deepStrictEqual(h.inputs, dynamicInputs);
            // The password is a secret in both (redacted when the inputs are shown).
            assert.strictEqual(h.redactedInputs.password, "[secret]");
        }
        assert.ok(!hosted.some((r) => r.type.startsWith("pulumi-nodejs:dynamic")), "no dynamic resource when hosted by the provider");
    });

    it("names the step from a resource's URN, and refuses a type it does not serve", () => {
        const urn = "urn:pulumi:dev::consumer::redis-cluster:index:RedisCluster$redis-cluster:index:ClusterFormation::cache-formation";
        assert.strictEqual(stepOf(urn), "ClusterFormation");
        assert.strictEqual(stepOf(urn.replace(/ClusterFormation/, "ClusterDrain")), "ClusterDrain");
        assert.throws(() => stepOf("urn:pulumi:dev::consumer::redis-cluster:index:Other::x"), /no resource type redis-cluster:index:Other/);
    });

    it("hands the steps plain values and marks their secrets again for the engine", () => {
        const wire = {
            password: secret("pw"),
            users: secret({ app: ["a"] }),
            nodes: [{ name: "n0", address: secret("10.0.0.1") }],
            shards: 3,
        };
        const plain = revealSecrets(wire);
        assert.deepStrictEqual(plain, { password: "pw", users: { app: ["a"] }, nodes: [{ name: "n0", address: "10.0.0.1" }], shards: 3 });
        const marked = markSecrets(plain, STEPS.ClusterCredentials.secrets);
        assert.deepStrictEqual(marked, { ...plain, password: secret("pw"), users: secret({ app: ["a"] }) });
        // The engine's unknown placeholder passes through untouched (the steps recognise it).
        assert.strictEqual(revealSecrets({ password: runtime.unknownValue }).password, runtime.unknownValue);
    });

    it("serves the generated schema under the package's version", async () => {
        const provider = new RedisClusterProvider();
        const schema = JSON.parse(await provider.getSchema());
        assert.strictEqual(schema.version, provider.version);
        assert.strictEqual(provider.version, JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8")).version);
        assert.ok(schema.resources["redis-cluster:index:RedisCluster"].isComponent);
    });
});
