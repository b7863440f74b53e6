// A StatefulSet's volumeClaimTemplates are immutable: pulumi-kubernetes replaces the StatefulSet
// when they change, deleting first (fixed name), so every pod stops at once. Neither a labels
// change nor a storage-size change may reach them.
import * as assert from "assert";
import * as YAML from "yaml";
import { buildRedisObjects } from "../../components/kubernetes";
import { RedisCluster } from "../../components/redis-cluster";
import { RedisClusterArgs } from "../../components/settings/args";
import { resolveSpec } from "../../components/settings/spec";
import { runUnderMocks } from "../../tools/pulumi-mocks";

const BASE: RedisClusterArgs = {
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    storage: { size: "1Gi", storageClass: "" },
    redis: { maxmemory: "128mb", ioThreads: 1 },
};

const statefulSet = (args: RedisClusterArgs) => buildRedisObjects(resolveSpec(args)).find((o) => o.kind === "StatefulSet") as any;
const claimTemplates = (args: RedisClusterArgs) => YAML.stringify(statefulSet(args).spec.volumeClaimTemplates);

describe("the StatefulSet's volume claim template", function () {
    this.timeout(30000);

    it("is byte-identical after a labels change, while the pods still get the user's labels", () => {
        const labelled = { ...BASE, labels: { team: "analytics", "cost-center": "42" } };
        assert.strictEqual(claimTemplates(labelled), claimTemplates(BASE));
        assert.strictEqual(statefulSet(labelled).spec.template.metadata.labels.team, "analytics");
        assert.strictEqual(statefulSet(labelled).metadata.labels.team, "analytics");
    });

    it("differs after a storage-size change only in the size, which the StatefulSet's resource never sends", async () => {
        const grown = { ...BASE, storage: { ...BASE.storage, size: "5Gi" } };
        const withoutSize = (args: RedisClusterArgs) => claimTemplates(args).replace(/storage: \S+/, "storage: <size>");
        assert.strictEqual(withoutSize(grown), withoutSize(BASE));
        // The StatefulSet resource ignores changes to the whole template (the engine keeps the
        // created one), and nothing forces a replacement or a delete-first.
        const run = await runUnderMocks(() => new RedisCluster("redis", grown), { project: "redis-cluster", stack: "test" });
        const sts = run.resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
        assert.strictEqual(sts.length, 1);
        assert.deepStrictEqual(sts[0].ignoreChanges, ["spec.volumeClaimTemplates"]);
        assert.deepStrictEqual(sts[0].replaceOnChanges, []);
        assert.strictEqual(sts[0].deleteBeforeReplace, false);
    });

    it("carries only the stable selector labels", () => {
        const [claim] = statefulSet({ ...BASE, labels: { team: "analytics" } }).spec.volumeClaimTemplates;
        assert.deepStrictEqual(claim.metadata.labels, resolveSpec(BASE).selectorLabels);
        assert.deepStrictEqual(claim.metadata.labels, statefulSet(BASE).spec.selector.matchLabels);
    });
});

describe("pulumi destroy keeps the data", () => {
    it("retains the namespace it created, so the retained data claims in it survive", async () => {
        const run = await runUnderMocks(() => new RedisCluster("redis", BASE), { project: "redis-cluster", stack: "test" });
        const namespaces = run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        assert.strictEqual(namespaces.length, 1);
        assert.strictEqual(namespaces[0].retainOnDelete, true);
        const others = run.resources.filter((r) => r.custom && r.type !== "kubernetes:core/v1:Namespace" && r.retainOnDelete);
        assert.deepStrictEqual(
            others.map((r) => r.type),
            [],
            "only the namespace is retained",
        );
    });
});
