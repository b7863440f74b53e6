// Formation and the scale-in drain each see only the pods they are given. Slots owned by a node
// outside that list (CI met it: a scale-out failed midway, and the scale-in after it knew only the
// smaller shape) must stop the step with the owner named, not be left out: left out, the rebalance
// balances what it sees and the StatefulSet shrinks under keys nobody moved.
import * as assert from "assert";
import Redis from "ioredis";
import { drainLeaving } from "../../components/formation/live/drain";
import { formCluster } from "../../components/formation/live/formation";
import { connectAll, inspectAll } from "../../components/formation/live/redis-client";
import type { FormationNode } from "../../components/formation/types";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec } from "../../components/settings/spec";
import { suitePods } from "../support/redis-nodes";

const PASSWORD = "SlotsOutsidePw3e5a7c9b1d2f4a6c8e0b2d4f6a";
const ips = [1, 2, 3, 4].map((i) => `127.0.43.${i}`);
const nodes: FormationNode[] = ips.map((ip, i) => ({ name: `redis-cluster-${i}`, ip, port: 6379, host: `host-${i}`, zone: `zone-${i}` }));
const opts = { password: PASSWORD, readyTimeoutMs: 15000, nodeTimeoutMs: 5000 };

describe("slots owned outside the pods a step knows (real valkey-server)", function () {
    this.timeout(120000);
    suitePods(buildAllObjects(resolveSpec({ shards: 3, replicasPerShard: 1 }), PASSWORD), ips, PASSWORD, ["redis-server"]);
    /** The pods of the first shard (its master and replica): the smaller shape the steps are told about. */
    let firstShard: FormationNode[];
    let slotMap: () => Promise<string[]>;

    before(async () => {
        const formed = await formCluster(nodes, { shards: 2, replicasPerShard: 1 }, opts);
        firstShard = nodes.filter((n) => n.name === formed.shards[0].master || formed.shards[0].replicas.includes(n.name));
        slotMap = async () => {
            const clients = await connectAll(nodes, PASSWORD, 5000);
            try {
                return (await inspectAll(nodes, clients))
                    .map((s) => `${s.node.name} ${s.myself.slots.map((r) => `${r.start}-${r.end}`)}`)
                    .sort();
            } finally {
                clients.forEach((c: Redis) => c.disconnect());
            }
        };
    });

    it("formation told of one shard's pods refuses, naming the other shard's master, and moves nothing", async () => {
        const before = await slotMap();
        await assert.rejects(
            formCluster(firstShard, { shards: 1, replicasPerShard: 1 }, opts),
            /slots are owned by nodes that are not among the 2 pods of this shape: 8192-16383 by 127\.0\.43\.\d:6379 .*Nothing was moved/,
        );
        assert.deepStrictEqual(await slotMap(), before);
    });

    it("a scale-in drain told of one shard's pods stops before any pod goes", async () => {
        const before = await slotMap();
        const clients = await connectAll(firstShard, PASSWORD, 5000);
        try {
            await assert.rejects(
                drainLeaving(firstShard, [], clients, { password: PASSWORD, shards: 1, replicasPerShard: 1, maxmemoryBytes: 0 }),
                /scale-in stopped before any pod goes: slots are still owned by nodes that do not stay: 8192-16383 by 127\.0\.43\.\d:6379/,
            );
        } finally {
            clients.forEach((c) => c.disconnect());
        }
        assert.deepStrictEqual(await slotMap(), before);
    });
});
