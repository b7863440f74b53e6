// Valkey 8 holds CLUSTER SETSLOT until the master's online replicas acknowledge it, and answers
// NOREPLICAS (without applying it) when one is too slow. On a busy machine a replica can miss that
// 2 s window; CI met it once, mid-scale-out. Here a replica is frozen (SIGSTOP) to make it miss the
// window on purpose: first the engine's own answer is checked, then a slot move rides it out.
import * as assert from "assert";
import { spawnSync } from "child_process";
import Redis from "ioredis";
import { formCluster } from "../../components/formation/live/formation";
import { moveSlots, setSlot } from "../../components/formation/live/migrate";
import { parseClusterNodes } from "../../components/formation/plan/topology";
import type { FormationNode } from "../../components/formation/types";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec } from "../../components/settings/spec";
import { adminClient, suitePods } from "../support/redis-nodes";

const keySlot: (key: string) => number = require("cluster-key-slot");
const PASSWORD = "SetslotReplicasPw7d1f3b5a9c2e4d6f8a0b1c";
const ips = [1, 2, 3, 4].map((i) => `127.0.42.${i}`);
const nodes: FormationNode[] = ips.map((ip, i) => ({ name: `redis-cluster-${i}`, ip, port: 6379, host: `host-${i}`, zone: `zone-${i}` }));

/** The pid of the server listening on `ip`:6379, from the kernel's socket table. */
function serverPid(ip: string): number {
    const out = spawnSync("ss", ["-Hltnp", `src ${ip}:6379`], { encoding: "utf8" }).stdout;
    const pid = /pid=(\d+)/.exec(out)?.[1];
    if (!pid) throw new Error(`nothing listens on ${ip}:6379: ${out}`);
    return Number(pid);
}

describe("CLUSTER SETSLOT while a replica is too slow to acknowledge it (real valkey-server)", function () {
    this.timeout(120000);
    const objects = buildAllObjects(resolveSpec({ shards: 3, replicasPerShard: 1 }), PASSWORD);
    suitePods(objects, ips, PASSWORD, ["redis-server"]);
    const clients: Redis[] = [];
    const frozen: number[] = [];
    /** a owns slots 0-8191 and has the replica; b owns the rest. */
    let master: { a: Redis; aId: string; aIp: string; b: Redis; bId: string; bIp: string; replicaIp: string };

    before(async () => {
        const formed = await formCluster(
            nodes,
            { shards: 2, replicasPerShard: 1 },
            { password: PASSWORD, readyTimeoutMs: 15000, nodeTimeoutMs: 5000 },
        );
        const [first, second] = formed.shards;
        const ipOf = (name: string) => nodes.find((n) => n.name === name)!.ip;
        const client = async (name: string) => {
            const c = await adminClient(ipOf(name), PASSWORD);
            clients.push(c);
            return c;
        };
        master = {
            a: await client(first.master),
            aId: first.masterId,
            aIp: ipOf(first.master),
            b: await client(second.master),
            bId: second.masterId,
            bIp: ipOf(second.master),
            replicaIp: ipOf(first.replicas[0]),
        };
    });

    afterEach(() => {
        for (const pid of frozen.splice(0)) process.kill(pid, "SIGCONT");
    });

    after(() => clients.forEach((c) => c.disconnect()));

    function freezeReplicaFor(ms: number): void {
        const pid = serverPid(master.replicaIp);
        process.kill(pid, "SIGSTOP");
        frozen.push(pid);
        setTimeout(() => {
            const i = frozen.indexOf(pid);
            if (i >= 0) process.kill(frozen.splice(i, 1)[0], "SIGCONT");
        }, ms);
    }

    const importingOn = async (c: Redis) =>
        parseClusterNodes((await c.call("CLUSTER", "NODES")) as string).find((v) => v.flags.includes("myself"))!.importing;

    it("the engine answers NOREPLICAS and does not apply the SETSLOT", async () => {
        const slot = 16383;
        freezeReplicaFor(60000);
        await assert.rejects(master.a.call("CLUSTER", "SETSLOT", slot, "IMPORTING", master.bId), /^ReplyError: NOREPLICAS/);
        assert.deepStrictEqual(await importingOn(master.a), [], "the master applied a SETSLOT its replica never acknowledged");
    });

    it("a slot move waits it out: the key and the slot arrive once the replica answers again", async () => {
        const key = Array.from({ length: 1000 }, (_, i) => `k${i}`).find((k) => keySlot(k) > 8192)!;
        const slot = keySlot(key);
        await master.b.set(key, "value");
        freezeReplicaFor(3000);
        const keys = await moveSlots(
            { name: "b", id: master.bId, ip: master.bIp, port: 6379, client: master.b },
            { name: "a", id: master.aId, ip: master.aIp, port: 6379, client: master.a },
            [slot],
            [],
            { password: PASSWORD },
        ).catch((e) => {
            throw new Error(`the move failed: ${e}`);
        });
        assert.strictEqual(keys, 1);
        assert.strictEqual(await master.a.get(key), "value");
        const owner = parseClusterNodes((await master.a.call("CLUSTER", "NODES")) as string).find((v) =>
            v.slots.some((r) => slot >= r.start && slot <= r.end),
        );
        assert.strictEqual(owner?.id, master.aId);
    });

    it("a replica that never answers fails the step with the command named", async () => {
        freezeReplicaFor(60000);
        await assert.rejects(
            setSlot(master.a, 16382, "IMPORTING", master.bId),
            /CLUSTER SETSLOT 16382 IMPORTING .*did not acknowledge it in 6 tries/,
        );
    });
});
