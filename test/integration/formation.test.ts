// Formation against real redis-server processes, each a rendered pod on its own 127.0.3.x.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Redis from "ioredis";
import { formCluster } from "../../components/formation/live/formation";
import { FORMATION_NODE_TIMEOUT_MS } from "../../components/formation/live/live-config";
import type { FormationNode } from "../../components/formation/types";
import { buildAllObjects } from "../../components/kubernetes";
import { packageRoot } from "../../components/package-files";
import { resolveSpec } from "../../components/settings/spec";
import { argsFromConfig } from "../../program/config";
import { readStackConfig } from "../../tools/stack-config";
import { startRedisPod } from "../../testing/redis-pod";
import { adminClient, connectWhenUp, resetNodes, suitePods } from "../support/redis-nodes";
import { engineUnderTest } from "../support/test-engine";

// ioredis's own slot function (a dependency of ioredis, without type declarations).
const keySlot: (key: string) => number = require("cluster-key-slot");
const PASSWORD = "FormationPw9b2d4f6a8c0e1a3c5e7b9d1f3a";
const SHAPE = { shards: 3, replicasPerShard: 1 };
const ip = (i: number) => `127.0.3.${i + 1}`;
const nodes: FormationNode[] = Array.from({ length: 6 }, (_, i) => ({
    name: `redis-cluster-${i}`,
    ip: ip(i),
    port: 6379,
    host: `host-${i}`,
    zone: `zone-${i % 3}`,
}));
// The dev stack on the engine under test (REDIS_TEST_ENGINE, test/support/test-engine.ts).
const objects = buildAllObjects(
    resolveSpec({ ...argsFromConfig(readStackConfig(packageRoot, "dev").config), ...engineUnderTest() }),
    PASSWORD,
);

function clusterCheck(): { status: number | null; out: string } {
    const r = spawnSync("redis-cli", ["--user", "admin", "--cluster", "check", `${ip(0)}:6379`], {
        encoding: "utf8",
        env: { ...process.env, REDISCLI_AUTH: PASSWORD },
    });
    return { status: r.status, out: r.stdout + r.stderr };
}

const admin = (i: number) => adminClient(ip(i), PASSWORD);
const resetAll = () =>
    resetNodes(
        nodes.map((n) => n.ip),
        PASSWORD,
    );

async function waitForState(c: Redis, state: string): Promise<void> {
    const deadline = Date.now() + 10000;
    while (!String(await c.call("CLUSTER", "INFO")).includes(`cluster_state:${state}`)) {
        if (Date.now() > deadline) throw new Error(`cluster_state never became ${state}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

describe("formation against real Redis nodes", function () {
    this.timeout(120000);
    const pods = suitePods(
        objects,
        nodes.map((n) => n.ip),
        PASSWORD,
        ["redis-server", "redis-cli"],
    );
    const log: string[] = [];
    const opts = { password: PASSWORD, readyTimeoutMs: 15000, nodeTimeoutMs: 5000, log: (l: string) => log.push(l) };
    const nodeTimeouts = async () =>
        Promise.all(
            nodes.map(async (_, i) => {
                const c = await admin(i);
                const [, v] = (await c.config("GET", "cluster-node-timeout")) as string[];
                c.disconnect();
                return Number(v);
            }),
        );

    it("forms 3 shards x 1 replica: all slots covered, data round-trips through a cluster client", async () => {
        const result = await formCluster(nodes, SHAPE, opts);
        const check = clusterCheck();
        assert.strictEqual(check.status, 0, check.out);
        assert.match(check.out, /\[OK\] All 16384 slots covered/);
        assert.strictEqual(result.shards.length, 3);
        for (const shard of result.shards) {
            assert.strictEqual(shard.replicas.length, 1);
            const m = nodes.find((n) => n.name === shard.master)!;
            const r = nodes.find((n) => n.name === shard.replicas[0])!;
            assert.notStrictEqual(m.zone, r.zone, `${shard.replicas[0]} shares a zone with its master`);
        }
        assert.ok(log.some((l) => l.startsWith("assigning slots")) && log.some((l) => l.startsWith("cluster ok")));
        // Shortened while forming, the deployment's node timeout is back on every node.
        assert.ok(log.some((l) => l.startsWith("shortening cluster-node-timeout")));
        assert.deepStrictEqual(await nodeTimeouts(), [5000, 5000, 5000, 5000, 5000, 5000]);

        const cluster = new Redis.Cluster([{ host: ip(0), port: 6379 }], { redisOptions: { username: "admin", password: PASSWORD } });
        const keys = Array.from({ length: 10000 }, (_, i) => `key:${i}`);
        for (let i = 0; i < keys.length; i += 500) {
            await Promise.all(keys.slice(i, i + 500).map((k) => cluster.set(k, `value-${k}`)));
        }
        const values = await Promise.all(keys.map((k) => cluster.get(k)));
        assert.deepStrictEqual(
            values.filter((v, i) => v !== `value-${keys[i]}`),
            [],
        );
        const slots = new Set(keys.map((k) => keySlot(k)));
        assert.ok(slots.size > 5000, `keys spread over ${slots.size} slots`);
        cluster.disconnect();
    });

    it("adopts the cluster it formed without changing anything", async () => {
        const before = await formCluster(nodes, SHAPE, opts);
        const again = await formCluster(nodes, SHAPE, opts);
        assert.strictEqual(again.changes, 0);
        assert.deepStrictEqual(again.nodeIds, before.nodeIds);
        assert.deepStrictEqual(again.shards, before.shards);
    });

    it("names an unreachable node within the bound", async () => {
        const started = Date.now();
        await assert.rejects(
            formCluster([...nodes, { name: "redis-cluster-6", ip: "127.0.3.99", port: 6379, host: "h", zone: "" }], SHAPE, {
                ...opts,
                readyTimeoutMs: 2000,
            }),
            /1 of 7 Redis nodes did not answer.*redis-cluster-6 \(127\.0\.3\.99:6379/,
        );
        assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
    });

    it("takes back a node whose volume was lost as a replica, never as a slot owner", async () => {
        const formed = await formCluster(nodes, SHAPE, opts);
        const victim = formed.shards[0].replicas[0];
        const index = nodes.findIndex((n) => n.name === victim);
        await pods[index].stop();
        fs.rmSync(path.join(pods[index].root, "data"), { recursive: true, force: true });
        fs.mkdirSync(path.join(pods[index].root, "data"));
        pods[index] = startRedisPod(objects, index, ip(index), PASSWORD);
        (await connectWhenUp(ip(index), PASSWORD)).disconnect();

        const result = await formCluster(nodes, SHAPE, opts);
        assert.ok(result.changes > 0);
        assert.notStrictEqual(result.nodeIds[victim], formed.nodeIds[victim], "the node should have a new id");
        const shard = result.shards.find((s) => s.replicas.includes(victim));
        assert.ok(shard, `${victim} is not a replica: ${JSON.stringify(result.shards)}`);
        assert.ok(!result.shards.some((s) => s.master === victim));
        const check = clusterCheck();
        assert.strictEqual(check.status, 0, check.out);
        assert.ok(!check.out.includes(formed.nodeIds[victim]), "the lost node's old id is still known");
    });

    it("refuses a lone node that holds keys, and leaves the keys alone", async () => {
        await resetAll();
        const c = await admin(5);
        // In cluster mode a node holds keys only in slots it owns.
        await c.call("CLUSTER", "ADDSLOTS", keySlot("precious"));
        await c.config("SET", "cluster-require-full-coverage", "no");
        await waitForState(c, "ok");
        await c.set("precious", "data");
        await assert.rejects(formCluster(nodes, SHAPE, opts), /redis-cluster-5 holds 1 keys but is not part of this cluster/);
        assert.strictEqual(await c.get("precious"), "data");
        await c.del("precious");
        await c.config("SET", "cluster-require-full-coverage", "yes");
        c.disconnect();
    });

    it("restores the node timeout on every node when formation fails after shortening it", async () => {
        await resetAll();
        // No cluster agrees within 1 ms of its first CLUSTER MEET: formation fails mid-way.
        await assert.rejects(
            formCluster(nodes, SHAPE, { ...opts, convergeTimeoutMs: 1 }),
            /timed out after 0 s waiting for every node to know every other/,
        );
        assert.ok(log.some((l) => l.startsWith("shortening cluster-node-timeout")));
        assert.deepStrictEqual(await nodeTimeouts(), [5000, 5000, 5000, 5000, 5000, 5000]);
    });

    it("on a complete cluster left shortened by a killed run, restores the timeout before any other step", async () => {
        await formCluster(nodes, SHAPE, opts);
        for (let i = 0; i < nodes.length; i++) {
            const c = await admin(i);
            await c.config("SET", "cluster-node-timeout", String(FORMATION_NODE_TIMEOUT_MS));
            c.disconnect();
        }
        log.length = 0;
        const result = await formCluster(nodes, SHAPE, opts);
        assert.strictEqual(result.changes, 6, "one CONFIG SET per node, nothing else");
        assert.match(
            log[1],
            /cluster-node-timeout is 500 ms on redis-cluster-0, .*redis-cluster-5, left by an interrupted formation; restoring 5000 ms/,
        );
        assert.deepStrictEqual(await nodeTimeouts(), [5000, 5000, 5000, 5000, 5000, 5000]);
    });

    for (const boundary of [
        "shortening cluster-node-timeout",
        "assigning slots",
        "introducing",
        "waiting for the nodes to agree",
        "replicates",
        "waiting for cluster_state:ok",
    ]) {
        it(`finishes on a rerun after being killed at "${boundary}"`, async () => {
            await resetAll();
            const child = spawn(
                process.execPath,
                [
                    path.join(packageRoot, "dist", "test", "support", "form-child.js"),
                    JSON.stringify({ nodes, shape: SHAPE, password: PASSWORD }),
                ],
                { stdio: ["ignore", "pipe", "inherit"] },
            );
            const killed = await new Promise<boolean>((resolve) => {
                let out = "";
                child.stdout!.on("data", (d) => {
                    out += d;
                    if (out.split("\n").some((l) => l.includes(boundary))) {
                        child.kill("SIGKILL");
                        resolve(true);
                    }
                });
                child.on("exit", () => resolve(false));
            });
            assert.ok(killed, `formation never reached "${boundary}"`);
            // Past the shortening, the kill leaves nodes at the formation timeout; the rerun names them.
            const left = (await nodeTimeouts()).filter((ms) => ms === FORMATION_NODE_TIMEOUT_MS).length;
            if (boundary === "assigning slots") assert.strictEqual(left, 6, "the kill should leave every node shortened");
            log.length = 0;
            const result = await formCluster(nodes, SHAPE, opts);
            if (left > 0)
                assert.ok(
                    log.some((l) => /cluster-node-timeout is 500 ms on .*left by an interrupted formation/.test(l)),
                    log.join("\n"),
                );
            assert.deepStrictEqual(await nodeTimeouts(), [5000, 5000, 5000, 5000, 5000, 5000]);
            assert.strictEqual(result.shards.length, 3);
            assert.ok(
                result.shards.every((s) => s.replicas.length === 1),
                JSON.stringify(result.shards),
            );
            const check = clusterCheck();
            assert.strictEqual(check.status, 0, check.out);
        });
    }
});
