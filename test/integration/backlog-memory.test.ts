// Valkey and Redis count the replication backlog as used memory against maxmemory (evict.c leaves
// out only what replicas' buffers hold beyond it). A backlog as large as maxmemory therefore
// evicts the dataset, however small, once that many bytes of writes have streamed through: CI
// lost 651 acknowledged keys that way in the rolling suite (maxmemory 100mb, backlog 256mb, the
// old default). The default backlog (an eighth of maxmemory) and the rule that refuses more than a
// quarter rest on this; here the real server shows both sides.
import * as assert from "assert";
import Redis from "ioredis";
import { formCluster } from "../../components/formation/live/formation";
import type { FormationNode } from "../../components/formation/types";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec } from "../../components/settings/spec";
import { adminClient, suitePods } from "../support/redis-nodes";

const PASSWORD = "BacklogMemoryPw5c8e1a3f7b9d2e4c6a8f0b1d";
const ips = [1, 2].map((i) => `127.0.45.${i}`);
const nodes: FormationNode[] = ips.map((ip, i) => ({ name: `redis-cluster-${i}`, ip, port: 6379, host: `host-${i}`, zone: `zone-${i}` }));
const MAXMEMORY = 16 * 2 ** 20;
/** 2,000 keys of 1 KB: about 2.5 MB in memory, a sixth of maxmemory. */
const KEYS = Array.from({ length: 2000 }, (_, i) => `k${i}`);
const VALUE = "x".repeat(1000);

const info = async (c: Redis, field: string) => Number(new RegExp(`^${field}:(\\d+)`, "m").exec((await c.info("all")) as string)?.[1]);

describe("replication backlog against maxmemory (real server)", function () {
    this.timeout(120000);
    const spec = resolveSpec({ redis: { maxmemory: "16mb" } });
    suitePods(buildAllObjects(spec, PASSWORD), ips, PASSWORD, ["redis-server"]);
    let master: Redis;
    let replica: Redis;

    before(async () => {
        const formed = await formCluster(
            nodes,
            { shards: 1, replicasPerShard: 1 },
            { password: PASSWORD, readyTimeoutMs: 15000, nodeTimeoutMs: 5000 },
        );
        const ipOf = (name: string) => nodes.find((n) => n.name === name)!.ip;
        master = await adminClient(ipOf(formed.shards[0].master), PASSWORD);
        replica = await adminClient(ipOf(formed.shards[0].replicas[0]), PASSWORD);
    });

    after(() => [master, replica].forEach((c) => c?.disconnect()));

    /**
     * Overwrites every key until the replication stream has grown by `bytes`, or until the server
     * refuses a whole round (out of memory with nothing left to evict); returns the writes refused.
     */
    async function streamWrites(bytes: number): Promise<number> {
        const until = (await info(master, "master_repl_offset")) + bytes;
        let refused = 0;
        while ((await info(master, "master_repl_offset")) < until) {
            const p = master.pipeline();
            KEYS.forEach((k) => p.set(k, VALUE));
            const round = (await p.exec())!.filter(([err]) => err).length;
            refused += round;
            if (round === KEYS.length) break;
        }
        return refused;
    }

    it("the rendered default (an eighth of maxmemory) keeps every key through three maxmemories of writes", async () => {
        assert.strictEqual(spec.settings.redis.replBacklogSize, "2mb");
        assert.deepStrictEqual(await master.call("CONFIG", "GET", "repl-backlog-size"), ["repl-backlog-size", String(2 * 2 ** 20)]);
        const refused = await streamWrites(3 * MAXMEMORY);
        await master.call("WAIT", 1, 5000);
        console.log(
            `      used_memory ${await info(master, "used_memory")}, backlog ${await info(master, "mem_replication_backlog")} bytes`,
        );
        assert.strictEqual(refused, 0);
        assert.strictEqual(await info(master, "evicted_keys"), 0);
        assert.strictEqual(await master.dbsize(), KEYS.length);
        assert.strictEqual(await replica.dbsize(), KEYS.length);
    });

    it("a backlog as large as maxmemory (what the rule refuses) evicts the same small dataset", async () => {
        await master.call("CONFIG", "SET", "repl-backlog-size", String(MAXMEMORY));
        const refused = await streamWrites(2 * MAXMEMORY);
        const evicted = await info(master, "evicted_keys");
        const left = await master.dbsize();
        console.log(`      evicted ${evicted} keys, ${left} of ${KEYS.length} left, ${refused} writes refused (OOM)`);
        assert.ok(evicted > 0, "the engine evicted nothing: the rule's premise does not hold");
        assert.ok(left < KEYS.length, `every key is still there (${left})`);
    });
});
