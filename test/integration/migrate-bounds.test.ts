// Resharding real Redis nodes that hold a few large values among many small ones: a 2-shard
// cluster grows to 3, moving about a third of the slots with their keys. Every key arrives intact,
// and the bounds on MIGRATE work (bytes per command, commands and bytes outstanding on a source)
// held, as the formation's own counters and the nodes' data show.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import Redis from "ioredis";
import { formCluster } from "../../components/formation/live/formation";
import type { FormationNode } from "../../components/formation/types";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec } from "../../components/settings/spec";
import { LocalPod, startRedisPod } from "../../testing/redis-pod";
import { requireTool } from "../../local/tools";

const keySlot: (key: string) => number = require("cluster-key-slot");
const PASSWORD = "MigrateBoundsPw4c6e8a0b2d4f6a8c0e2b4d6f";
const MiB = 1024 * 1024;
const ip = (i: number) => `127.0.41.${i + 1}`;
const nodes: FormationNode[] = [0, 1, 2].map((i) => ({
    name: `redis-cluster-${i}`,
    ip: ip(i),
    port: 6379,
    host: `host-${i}`,
    zone: `zone-${i}`,
}));
const LIMITS = { batchBytes: 1 * MiB, inFlightBytes: 8 * MiB, inFlightCommands: 3 };
const SMALL = 20000;

/**
 * Large keys in slots that move and in slots that stay. Growing 2 -> 3 shards, each donor gives
 * its highest slots (0-8191 keeps 0-5461, 8192-16383 keeps 8192-13653).
 */
function bigKeyNames(): { moving: string[]; staying: string[] } {
    const moving: string[] = [];
    const staying: string[] = [];
    for (let n = 0; moving.length < 6 || staying.length < 2; n++) {
        const key = `big:${n}`;
        const slot = keySlot(key);
        const moves = (slot >= 5600 && slot <= 8191) || slot >= 13800;
        const stays = slot < 5300 || (slot >= 8192 && slot < 13500);
        if (moves && moving.length < 6) moving.push(key);
        if (stays && staying.length < 2) staying.push(key);
    }
    return { moving, staying };
}

describe("resharding large values with bounded in-flight work (real redis-server)", function () {
    this.timeout(180000);
    const pods: LocalPod[] = [];

    before(async () => {
        requireTool("redis-server");
        requireTool("redis-cli");
        const objects = buildAllObjects(
            resolveSpec({
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "1Gi" } },
                storage: { size: "3Gi", storageClass: "" },
                redis: { maxmemory: "512mb", ioThreads: 1 },
            }),
            PASSWORD,
        );
        for (let i = 0; i < nodes.length; i++) pods.push(startRedisPod(objects, i, ip(i), PASSWORD));
    });

    after(async () => {
        await Promise.all(pods.map((p) => p.stop()));
        pods.forEach((p) => fs.rmSync(p.root, { recursive: true, force: true }));
    });

    it("moves 6 MiB values and 20000 small keys with every key present, inside the bounds", async () => {
        const opts = { password: PASSWORD, readyTimeoutMs: 15000, nodeTimeoutMs: 5000 };
        await formCluster(nodes.slice(0, 2), { shards: 2, replicasPerShard: 0 }, opts);

        const cluster = new Redis.Cluster([{ host: ip(0), port: 6379 }], { redisOptions: { username: "admin", password: PASSWORD } });
        const { moving, staying } = bigKeyNames();
        const big = new Map([...moving, ...staying].map((k) => [k, randomBytes(6 * MiB)]));
        for (const [k, v] of big) await cluster.set(k, v);
        const small = (i: number) => `value-${i}-${"x".repeat(i % 64)}`;
        for (let i = 0; i < SMALL; i += 1000) {
            await Promise.all(Array.from({ length: 1000 }, (_, j) => cluster.set(`small:${i + j}`, small(i + j))));
        }
        cluster.disconnect();

        const log: string[] = [];
        const result = await formCluster(
            nodes,
            { shards: 3, replicasPerShard: 0 },
            { ...opts, migration: LIMITS, log: (l) => log.push(l) },
        );
        const stats = result.migration!;
        // The measured run, for the record (docs/formation.md quotes it).
        console.log(`      ${log.find((l) => l.startsWith("moved "))}`);
        // The bounds held: no more than 3 MIGRATEs or 8 MiB outstanding on a source, and 1 MiB
        // batches except a single large key alone.
        assert.ok(stats.maxInFlightCommands <= LIMITS.inFlightCommands, JSON.stringify(stats));
        assert.ok(stats.maxInFlightBytes <= LIMITS.inFlightBytes, JSON.stringify(stats));
        assert.ok(stats.maxInFlightCommands >= 2, `the window never held two commands: ${JSON.stringify(stats)}`);
        assert.ok(stats.largestBatchBytes >= 6 * MiB, `no large key moved: ${JSON.stringify(stats)}`);
        assert.ok(stats.bytes >= moving.length * 6 * MiB, JSON.stringify(stats));
        assert.ok(stats.batches > moving.length, JSON.stringify(stats));
        assert.ok(
            log.some((l) => /at most \d MIGRATEs and [\d.]+ MB in flight on one source/.test(l)),
            log.join("\n"),
        );

        const check = spawnSync("redis-cli", ["--user", "admin", "--cluster", "check", `${ip(0)}:6379`], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: PASSWORD },
        });
        assert.strictEqual(check.status, 0, check.stdout + check.stderr);
        assert.match(check.stdout, /\[OK\] All 16384 slots covered/);
        assert.strictEqual(result.shards.length, 3);

        // The new master holds the large keys of the slots it took, byte for byte.
        const newcomer = new Redis({ host: ip(2), port: 6379, username: "admin", password: PASSWORD });
        for (const k of moving)
            assert.ok((await newcomer.getBuffer(k))?.equals(big.get(k)!), `${k} (slot ${keySlot(k)}) not on the new master intact`);
        newcomer.disconnect();

        const reader = new Redis.Cluster([{ host: ip(0), port: 6379 }], { redisOptions: { username: "admin", password: PASSWORD } });
        for (const [k, v] of big) assert.ok((await reader.getBuffer(k))?.equals(v), `${k} lost or changed`);
        const wrong: string[] = [];
        for (let i = 0; i < SMALL; i += 1000) {
            const values = await Promise.all(Array.from({ length: 1000 }, (_, j) => reader.get(`small:${i + j}`)));
            values.forEach((v, j) => {
                if (v !== small(i + j)) wrong.push(`small:${i + j}`);
            });
        }
        reader.disconnect();
        assert.deepStrictEqual(wrong, [], `${wrong.length} small keys lost or changed`);
        // Nothing duplicated: the masters' key counts add up to exactly what was written.
        let total = 0;
        for (let i = 0; i < nodes.length; i++) {
            const c = new Redis({ host: ip(i), port: 6379, username: "admin", password: PASSWORD });
            total += await c.dbsize();
            c.disconnect();
        }
        assert.strictEqual(total, SMALL + big.size);
    });
});
