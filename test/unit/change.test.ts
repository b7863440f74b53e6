import * as assert from "assert";
import { runtime } from "@pulumi/pulumi";
import { describeChange, describeDrain } from "../../components/formation/plan/change";
import type { NodeInput } from "../../components/formation/types";

const nodes = (n: number, address = (i: number) => `10.0.0.${i}`): NodeInput[] =>
    Array.from({ length: n }, (_, i) => ({ name: `redis-cluster-${i}`, address: address(i), port: 6379, host: "", zone: "" }));

describe("formation change description (the preview line)", () => {
    it("sees no change when nothing changed", () => {
        assert.strictEqual(
            describeChange({ nodes: nodes(6), shards: 3, replicasPerShard: 1 }, { nodes: nodes(6), shards: 3, replicasPerShard: 1 }).kind,
            "none",
        );
    });

    it("calls new pod addresses an address change, not a re-formation", () => {
        const c = describeChange(
            { nodes: nodes(6), shards: 3, replicasPerShard: 1 },
            { nodes: nodes(6, (i) => (i === 2 ? "10.0.9.9" : `10.0.0.${i}`)), shards: 3, replicasPerShard: 1 },
        );
        assert.strictEqual(c.kind, "addresses");
        assert.match(c.summary, /redis-cluster-2: the same cluster is adopted/);
    });

    it("names the nodes that join or leave on a replica change", () => {
        const up = describeChange({ nodes: nodes(6), shards: 3, replicasPerShard: 1 }, { nodes: nodes(9), shards: 3, replicasPerShard: 2 });
        assert.strictEqual(up.kind, "replicas");
        assert.match(up.summary, /redis-cluster-6, redis-cluster-7, redis-cluster-8 join as replicas; no slot moves/);
        const down = describeChange(
            { nodes: nodes(9), shards: 3, replicasPerShard: 2 },
            { nodes: nodes(6), shards: 3, replicasPerShard: 1 },
        );
        assert.match(down.summary, /redis-cluster-6, redis-cluster-7, redis-cluster-8 leave the cluster/);
    });

    it("flags a shard count change as resharding", () => {
        const c = describeChange({ nodes: nodes(6), shards: 3, replicasPerShard: 1 }, { nodes: nodes(8), shards: 4, replicasPerShard: 1 });
        assert.strictEqual(c.kind, "shards");
    });

    it("calls a live setting change a CONFIG SET, not a restart", () => {
        const c = describeChange(
            { nodes: nodes(6), shards: 3, replicasPerShard: 1, redisConfig: { maxmemory: "6gb" } },
            { nodes: nodes(6), shards: 3, replicasPerShard: 1, redisConfig: { maxmemory: "8gb" } },
        );
        assert.strictEqual(c.kind, "config");
        assert.match(c.summary, /maxmemory "6gb" -> "8gb": applied live with CONFIG SET, no restart/);
    });

    it("calls a rotated admin password a setting the update stores, without printing it", () => {
        const before = { nodes: nodes(6), shards: 3, replicasPerShard: 1, password: "OldAdminPw1", nodeIds: { "redis-cluster-0": "a" } };
        const c = describeChange(before, { nodes: nodes(6), shards: 3, replicasPerShard: 1, password: "NewAdminPw2" } as typeof before);
        assert.strictEqual(c.kind, "settings");
        assert.strictEqual(c.summary, "admin password changed: stored for refresh and later updates; nothing runs on the nodes");
        assert.ok(!/AdminPw/.test(c.summary), "a password in the preview line");
    });

    it("stores other settings the nodes do not need, naming old and new values; outputs are no settings", () => {
        const olds = { nodes: nodes(6), shards: 3, replicasPerShard: 1, readyTimeoutSeconds: 600, connectivity: "direct", shardLayout: [] };
        const c = describeChange(olds, {
            nodes: nodes(6),
            shards: 3,
            replicasPerShard: 1,
            readyTimeoutSeconds: 900,
            connectivity: "port-forward",
        } as typeof olds);
        assert.deepStrictEqual(c, {
            kind: "settings",
            summary:
                'connectivity "direct" -> "port-forward", readyTimeoutSeconds 600 -> 900: stored for refresh and later updates; nothing runs on the nodes',
        });
        const same = {
            nodes: nodes(6),
            shards: 3,
            replicasPerShard: 1,
            readyTimeoutSeconds: 600,
            connectivity: "direct",
            tls: { secretName: "tls" },
        };
        assert.strictEqual(
            describeChange({ ...same, nodeIds: { x: "1" }, replicasByMaster: {}, __provider: "old" } as typeof same, { ...same }).kind,
            "none",
        );
    });

    it("a shape change wins over a password change: the update that reshapes stores the password too", () => {
        const c = describeChange(
            { nodes: nodes(6), shards: 3, replicasPerShard: 1, password: "a" } as any,
            { nodes: nodes(9), shards: 3, replicasPerShard: 2, password: "b" } as any,
        );
        assert.strictEqual(c.kind, "replicas");
    });

    it("in a preview, an unknown admin password is a setting known after apply, and an unknown shape is said to be unknown", () => {
        const olds = { nodes: nodes(6), shards: 3, replicasPerShard: 1, password: "OldAdminPw1" };
        const rotating = { ...olds, password: runtime.unknownValue };
        const pw = describeChange(olds, rotating);
        assert.deepStrictEqual(
            [pw.kind, pw.summary],
            ["settings", "admin password (known after apply): stored for refresh and later updates; nothing runs on the nodes"],
        );
        const unknownNodes = { ...olds, nodes: runtime.unknownValue as unknown as NodeInput[] };
        assert.strictEqual(describeChange(olds, unknownNodes).kind, "unknown");
        assert.match(describeChange(olds, unknownNodes).summary, /^nodes known only after apply/);
        const oneAddress = { ...olds, nodes: nodes(6, (i) => (i === 0 ? runtime.unknownValue : `10.0.0.${i}`)) };
        assert.strictEqual(describeChange(olds, oneAddress).kind, "unknown");
        assert.strictEqual(describeDrain(olds, unknownNodes).kind, "unknown");
        assert.strictEqual(describeDrain(olds, rotating).kind, "none");
    });
});
