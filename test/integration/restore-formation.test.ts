// Formation of a restored cluster against real redis-server processes (rendered pods on
// 127.0.11.2x): nodes that loaded a shard's RDB own the slots of its keys, as Redis makes them at
// load; formation must give each the rest of its shard's manifest ranges whatever the pod order,
// and refuse a node whose keys belong to two shards.
import * as assert from "assert";
import { spawnSync } from "child_process";
import Redis from "ioredis";
import { FormationError } from "../../components/formation/live/formation-error";
import { formCluster } from "../../components/formation/live/formation";
import type { FormationNode } from "../../components/formation/types";
import { splitSlots, SlotRange } from "../../components/formation/plan/plan";
import { buildAllObjects } from "../../components/kubernetes";
import { packageRoot } from "../../components/package-files";
import { resolveSpec, USERS } from "../../components/settings/spec";
import { argsFromConfig } from "../../program/config";
import { readStackConfig } from "../../tools/stack-config";
import { adminClient, resetNodes, suitePods } from "../support/redis-nodes";

const keySlot: (key: string) => number = require("cluster-key-slot");
const PASSWORD = "RestoreFormPw3c5e7a9b1d3f5a7c9e1b3d5f";
const SHAPE = { shards: 3, replicasPerShard: 1 };
const ip = (i: number) => `127.0.11.${21 + i}`;
const nodes: FormationNode[] = Array.from({ length: 6 }, (_, i) => ({
    name: `redis-cluster-${i}`,
    ip: ip(i),
    port: 6379,
    host: "",
    zone: "",
}));
const objects = buildAllObjects(resolveSpec(argsFromConfig(readStackConfig(packageRoot, "dev").config)), PASSWORD);
const RANGES = splitSlots(3).map((r) => [r]);

const admin = (i: number) => adminClient(ip(i), PASSWORD);

/** Keys whose slots fall in `ranges`, written to node `i` after it claims those slots (what loading an RDB does). */
async function loadShard(i: number, ranges: SlotRange[], count: number): Promise<string[]> {
    const keys: string[] = [];
    for (let n = 0; keys.length < count; n++) {
        const slot = keySlot(`k:${n}`);
        if (ranges.some((r) => slot >= r.start && slot <= r.end)) keys.push(`k:${n}`);
    }
    const c = await admin(i);
    const slots = [...new Set(keys.map(keySlot))];
    await c.call("CLUSTER", "ADDSLOTS", ...slots);
    // A lone node with some slots is a cluster without full coverage: let it take writes meanwhile.
    await c.config("SET", "cluster-require-full-coverage", "no");
    for (const deadline = Date.now() + 10000; !String(await c.call("CLUSTER", "INFO")).includes("cluster_state:ok");) {
        if (Date.now() > deadline) throw new Error(`node ${i} never took its slots`);
        await new Promise((r) => setTimeout(r, 50));
    }
    for (const k of keys) await c.set(k, `value of ${k}`);
    await c.config("SET", "cluster-require-full-coverage", "yes");
    c.disconnect();
    return keys;
}

const resetAll = () =>
    resetNodes(
        nodes.map((n) => n.ip),
        PASSWORD,
    );

describe("formation of a restored cluster (real Redis nodes)", function () {
    this.timeout(120000);
    suitePods(
        objects,
        nodes.map((n) => n.ip),
        PASSWORD,
        ["redis-server"],
    );
    const log: string[] = [];
    const opts = { password: PASSWORD, readyTimeoutMs: 15000, nodeTimeoutMs: 5000, log: (l: string) => log.push(l) };

    it("gives each shard's holder its whole manifest range, whatever the pod order; every key stays put", async () => {
        // Pod 0 holds shard 2, pod 1 shard 0, pod 2 shard 1: the ranges follow the data, not the pods.
        const keys = [
            ...(await loadShard(0, RANGES[2], 200)),
            ...(await loadShard(1, RANGES[0], 200)),
            ...(await loadShard(2, RANGES[1], 200)),
        ];
        const result = await formCluster(nodes, SHAPE, { ...opts, restoreSlots: RANGES });
        assert.deepStrictEqual(
            result.shards.map((s) => [s.master, s.slots]),
            [
                ["redis-cluster-1", "0-5461"],
                ["redis-cluster-2", "5462-10922"],
                ["redis-cluster-0", "10923-16383"],
            ],
        );
        assert.ok(result.shards.every((s) => s.replicas.length === 1));
        const check = spawnSync("redis-cli", ["--user", USERS.admin, "--cluster", "check", `${ip(0)}:6379`], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: PASSWORD },
        });
        assert.strictEqual(check.status, 0, check.stdout);
        assert.match(check.stdout, /All 16384 slots covered/);
        const cluster = new Redis.Cluster([{ host: ip(0), port: 6379 }], { redisOptions: { username: USERS.admin, password: PASSWORD } });
        try {
            const values = await Promise.all(keys.map((k) => cluster.get(k)));
            assert.deepStrictEqual(
                values.filter((v, i) => v !== `value of ${keys[i]}`),
                [],
            );
        } finally {
            cluster.disconnect();
        }
    });

    it("refuses a node whose keys belong to two shards, and changes nothing", async () => {
        await resetAll();
        await loadShard(0, [{ start: 5000, end: 6000 }], 50); // straddles shards 0 and 1
        const before = String(await (await admin(0)).call("CLUSTER", "NODES"));
        await assert.rejects(
            formCluster(nodes, SHAPE, { ...opts, restoreSlots: RANGES }),
            (e: unknown) => e instanceof FormationError && /redis-cluster-0 holds keys of shards 0 and 1/.test(e.message),
        );
        const c = await admin(0);
        assert.strictEqual(await c.dbsize(), 50);
        assert.strictEqual(
            String(await c.call("CLUSTER", "NODES"))
                .split(" ")
                .slice(8)
                .join(" "),
            before.split(" ").slice(8).join(" "),
        );
        c.disconnect();
    });
});
