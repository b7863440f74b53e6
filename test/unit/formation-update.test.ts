// The formation update for a change that needs nothing from the nodes (the admin password after a
// rotation, a timeout): it stores the new inputs beside the recorded topology and connects to no
// node. The nodes here do not exist: any attempt to reach them would fail the update.
import * as assert from "assert";
import { FormationOutputs, update } from "../../components/formation/runtime";

const unreachable: FormationOutputs = {
    nodes: Array.from({ length: 6 }, (_, i) => ({ name: `redis-cluster-${i}`, address: "127.0.0.1", port: 1, host: "", zone: "" })),
    shards: 3,
    replicasPerShard: 1,
    password: "OldAdminPw1",
    connectivity: "direct",
    readyTimeoutSeconds: 1,
    clusterNodeTimeoutMs: 5000,
    namespace: "redis",
    podSelector: "app=redis",
    redisConfig: { maxmemory: "1gb" },
    nodeIds: { "redis-cluster-0": "a".repeat(40) },
    shardLayout: [
        {
            master: "redis-cluster-0",
            masterId: "a".repeat(40),
            replicas: ["redis-cluster-3"],
            replicaIds: ["b".repeat(40)],
            slots: "0-16383",
            keys: 7,
        },
    ],
    replicasByMaster: { "redis-cluster-0": ["redis-cluster-3"] },
};

describe("formation update of settings alone", () => {
    const quiet = (work: () => Promise<unknown>) => async () => {
        const original = console.log;
        const lines: string[] = [];
        console.log = (line: string) => lines.push(line);
        try {
            await work();
        } finally {
            console.log = original;
        }
        assert.ok(!lines.join("\n").includes("AdminPw"), "a password was printed");
    };

    it(
        "stores a rotated admin password with the recorded topology, reaching no node",
        quiet(async () => {
            const { nodeIds: _n, shardLayout: _s, replicasByMaster: _r, ...inputs } = unreachable;
            const outs = await update(unreachable, { ...inputs, password: "NewAdminPw2" });
            assert.deepStrictEqual(outs, { ...unreachable, password: "NewAdminPw2" });
        }),
    );

    it(
        "stores a new timeout the same way",
        quiet(async () => {
            const { nodeIds: _n, shardLayout: _s, replicasByMaster: _r, ...inputs } = unreachable;
            const outs = await update(unreachable, { ...inputs, readyTimeoutSeconds: 2 });
            assert.strictEqual(outs.readyTimeoutSeconds, 2);
            assert.deepStrictEqual(outs.shardLayout, unreachable.shardLayout);
        }),
    );

    it("still does cluster work for a real change (here: fails to reach the nodes, as it must)", async () => {
        const { nodeIds: _n, shardLayout: _s, replicasByMaster: _r, ...inputs } = unreachable;
        const original = console.log;
        console.log = () => undefined;
        try {
            await assert.rejects(update(unreachable, { ...inputs, redisConfig: { maxmemory: "2gb" } }));
        } finally {
            console.log = original;
        }
    });
});
