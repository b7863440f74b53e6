// Scale-out and scale-in of a live cluster the way a user does it: edit `shards` in the stack file
// and run `up` again (local mode runs the drain, the StatefulSet change and formation in Pulumi's
// order), while a workload keeps writing. Checked after every step: redis-cli --cluster check,
// slot balance, every preloaded key and value (count and checksum), no key in two places, and at
// the end no acknowledged write lost. One step is interrupted (the provider killed mid-migration)
// and resumed; one scale-in that cannot fit is refused before anything moves.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import Redis from "ioredis";
import { parseClusterNodes } from "../../components/formation/plan/topology";
import { countSlots } from "../../components/formation/plan/rebalance";
import { Workload } from "../../testing/workload";
import { suiteProject } from "../support/local-project";

const keySlot: (key: string) => number = require("cluster-key-slot");
const STACK = "scaling";
const PRELOAD = 20000;
const preloadValue = (i: number) => `value-${i}-${"x".repeat(i % 50)}`;

describe("scaling a live cluster 3 -> 4 -> 6 -> 3 shards under writes (local mode)", function () {
    this.timeout(900000);
    const suite = suiteProject(STACK, "127.0.15.11", () => writeStack(3));
    let workload: Workload;
    let expectedChecksum: string;

    const writeStack = (shards: number, redis: Record<string, unknown> = {}) =>
        suite.project.write({ shards, redis: { ...suite.project.devValue("redis"), ...redis } });
    const cli = (...args: string[]) =>
        spawnSync("redis-cli", ["--user", "admin", ...args], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: suite.adminPassword },
        });
    const seed = () => suite.deployment.seeds[0].split(":")[0];

    async function clusterContents(): Promise<{
        masters: { address: string; slots: number }[];
        keys: Map<string, string>;
        misplaced: string[];
        total: number;
    }> {
        const view = parseClusterNodes(cli("-h", seed(), "cluster", "nodes").stdout);
        const masters = view.filter((v) => v.slots.length > 0);
        const keys = new Map<string, string>();
        const misplaced: string[] = [];
        let total = 0;
        for (const m of masters) {
            const [host, port] = m.address.split(":");
            const c = new Redis({ host, port: Number(port), username: "admin", password: suite.adminPassword, lazyConnect: true });
            await c.connect();
            total += await c.dbsize();
            const owned = (slot: number) => m.slots.some((r) => slot >= r.start && slot <= r.end);
            let cursor = "0";
            do {
                const [next, batch] = await c.scan(cursor, "MATCH", "pre:*", "COUNT", 1000);
                cursor = next;
                for (const k of batch) {
                    if (!owned(keySlot(k)) || keys.has(k)) misplaced.push(k);
                    keys.set(k, (await c.get(k))!);
                }
            } while (cursor !== "0");
            c.disconnect();
        }
        return { masters: masters.map((m) => ({ address: m.address, slots: countSlots(m.slots) })), keys, misplaced, total };
    }

    async function assertHealthy(shards: number): Promise<void> {
        const check = cli("--cluster", "check", suite.deployment.seeds[0]);
        assert.strictEqual(check.status, 0, check.stdout + check.stderr);
        assert.match(check.stdout, /\[OK\] All 16384 slots covered/);
        assert.doesNotMatch(check.stdout, /\[WARNING\]|\[ERR\]/, check.stdout);
        const contents = await clusterContents();
        assert.strictEqual(contents.masters.length, shards, JSON.stringify(contents.masters));
        const counts = contents.masters.map((m) => m.slots);
        assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `slots not balanced: ${counts}`);
        assert.deepStrictEqual(contents.misplaced, [], "keys outside their slot's master, or on two masters");
        assert.strictEqual(contents.keys.size, PRELOAD, "preloaded key count");
        assert.strictEqual(checksum(contents.keys), expectedChecksum, "preloaded keys and values");
    }

    before(async () => {
        const cluster = new Redis.Cluster(
            suite.deployment.seeds.map((s) => ({ host: s.split(":")[0], port: 6379 })),
            { redisOptions: { username: suite.deployment.user!, password: suite.password }, enableAutoPipelining: true },
        );
        const expected = new Map<string, string>();
        for (let i = 0; i < PRELOAD; i += 500) {
            const writes: Promise<unknown>[] = [];
            for (let j = i; j < i + 500; j++) {
                writes.push(cluster.set(`pre:${j}`, preloadValue(j)));
                expected.set(`pre:${j}`, preloadValue(j));
            }
            await Promise.all(writes);
        }
        cluster.disconnect();
        expectedChecksum = checksum(expected);
        await assertHealthy(3);
        workload = await suite.project.startWorkload(suite.deployment, suite.password);
    });

    it("3 -> 4: the provider killed mid-migration leaves slots open; the next up finishes them", async () => {
        writeStack(4);
        const child = suite.project.spawnUp();
        let output = "";
        child.stdout!.on("data", (d) => (output += d));
        child.stderr!.on("data", (d) => (output += d));
        const exited = new Promise((r) => child.on("exit", r));
        let killedOpen = false;
        while (child.exitCode === null) {
            if (/moving \d+ slots/.test(output)) {
                const nodes = cli("-h", seed(), "cluster", "nodes").stdout;
                if (/\[\d+-(>|<)-/.test(nodes)) {
                    child.kill("SIGKILL");
                    killedOpen = true;
                    break;
                }
            }
            await new Promise((r) => setTimeout(r, 5));
        }
        await exited;
        assert.ok(killedOpen, `the provider was not caught mid-migration:\n${output}`);
        const open = parseClusterNodes(cli("-h", seed(), "cluster", "nodes").stdout).filter(
            (v) => v.migrating.length + v.importing.length > 0,
        );
        assert.ok(open.length > 0, "no slot was left open by the kill");

        suite.deployment = await suite.project.up();
        await assertHealthy(4);
    });

    it("4 -> 6: two new shards get their share", async () => {
        writeStack(6);
        suite.deployment = await suite.project.up();
        assert.strictEqual(suite.deployment.pods.length, 12);
        await assertHealthy(6);
    });

    it("6 -> 3 that would overfill the staying masters is refused before anything moves", async () => {
        const before = cli("-h", seed(), "cluster", "nodes").stdout;
        writeStack(3, { maxmemory: "3mb" });
        await assert.rejects(
            suite.project.up(),
            /refusing to scale in to 3 shards: .*would hold about [\d.]+ MiB after the move, over 80% of maxmemory \(3\.0 MiB/,
        );
        const slotsOf = (text: string) =>
            parseClusterNodes(text)
                .map((v) => `${v.id}:${v.slots.map((r) => `${r.start}-${r.end}`)}`)
                .sort();
        assert.deepStrictEqual(slotsOf(cli("-h", seed(), "cluster", "nodes").stdout), slotsOf(before));
        await assertHealthy(6);
    });

    it("6 -> 3: the leaving pods are drained before they stop; no acknowledged write is lost", async () => {
        writeStack(3);
        suite.deployment = await suite.project.up();
        assert.strictEqual(suite.deployment.pods.length, 6);
        await assertHealthy(3);
        await workload.stop();
        const report = await workload.verify();
        assert.ok(report.acknowledged > 1000, `too few writes to mean anything: ${report.acknowledged}`);
        assert.deepStrictEqual(report.lostAcknowledged, []);
    });
});

function checksum(keys: Map<string, string>): string {
    const h = createHash("sha256");
    for (const k of [...keys.keys()].sort()) h.update(`${k}=${keys.get(k)}\n`);
    return h.digest("hex");
}
