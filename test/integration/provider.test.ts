// The formation provider exactly as Pulumi stores it: the component runs under mocks, the
// serialized provider is loaded the way Pulumi's dynamic-provider host loads it, and its methods
// run against real redis-server processes.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec } from "../../components/settings/spec";
import { deployStack } from "../../program/stack";
import { runUnderMocks } from "../../tools/pulumi-mocks";
import { LocalPod, startRedisPod } from "../../testing/redis-pod";
import { requireTool } from "../../local/tools";

const requireFromString: (code: string) => any = require("require-from-string");
const PASSWORD = "ProviderPw3e5a7c9e1b3d5f7a9c1e3b5d7f9a";
const ip = (i: number) => `127.0.4.${i + 1}`;
const DEV = {
    "redis-cluster:resources": JSON.stringify({ requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } }),
    "redis-cluster:storage": JSON.stringify({ size: "1Gi", storageClass: "" }),
    "redis-cluster:redis": JSON.stringify({ maxmemory: "128mb", ioThreads: 1 }),
    // The test's Redis nodes are plain processes on loopback, reached at their addresses.
    "redis-cluster:formation": JSON.stringify({ connectivity: "direct" }),
};

function check(): { status: number | null; out: string } {
    const r = spawnSync("redis-cli", ["--user", "admin", "--cluster", "check", `${ip(0)}:6379`], {
        encoding: "utf8",
        env: { ...process.env, REDISCLI_AUTH: PASSWORD },
    });
    return { status: r.status, out: r.stdout + r.stderr };
}

describe("the serialized formation provider against real Redis", function () {
    this.timeout(120000);
    let provider: any;
    let drainProvider: any;
    let baseInputs: any;
    const pods: LocalPod[] = [];
    const objects = buildAllObjects(
        resolveSpec({
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            storage: { size: "1Gi", storageClass: "" },
            redis: { maxmemory: "128mb", ioThreads: 1 },
        }),
        PASSWORD,
    );
    const startPods = async (from: number, to: number) => {
        for (let i = from; i < to; i++) pods[i] = startRedisPod(objects, i, ip(i), PASSWORD);
        await new Promise((r) => setTimeout(r, 500));
    };
    const inputsFor = (count: number, extra: Record<string, unknown> = {}) => ({
        ...baseInputs,
        nodes: Array.from({ length: count }, (_, i) => ({
            name: `redis-cluster-${i}`,
            address: ip(i),
            port: 6379,
            host: `host-${i}`,
            zone: `zone-${i % 3}`,
        })),
        ...extra,
    });

    before(async () => {
        requireTool("redis-server");
        const run = await runUnderMocks(() => deployStack(DEV), {
            project: "redis-cluster",
            stack: "test",
            outputs: (type) => (type.startsWith("random:") ? { result: PASSWORD } : {}),
        });
        const formation = run.resources.find((r) => r.type === "pulumi-nodejs:dynamic/redis-cluster:ClusterFormation");
        assert.ok(formation, "the component registers no formation resource");
        const sts = run.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
        assert.ok(formation.dependencies.includes(sts.urn), "formation does not wait for the StatefulSet");
        const serialized = formation.inputs.__provider as string;
        assert.ok(!serialized.includes(PASSWORD), "the serialized provider captured the password");
        provider = requireFromString(serialized).handler();
        const drain = run.resources.find((r) => r.type === "pulumi-nodejs:dynamic/redis-cluster:ClusterDrain")!;
        assert.ok(sts.dependencies.includes(drain.urn), "the StatefulSet does not wait for the drain");
        drainProvider = requireFromString(drain.inputs.__provider as string).handler();
        const { __provider, ...inputs } = formation.inputs;
        baseInputs = inputs;
        assert.strictEqual(baseInputs.password, PASSWORD);
        await startPods(0, 6);
    });

    after(async () => {
        await Promise.all(pods.map((p) => p?.stop()));
        pods.forEach((p) => p && fs.rmSync(p.root, { recursive: true, force: true }));
    });

    it("check accepts the component's inputs and rejects a node count that does not fit the shape", async () => {
        assert.deepStrictEqual((await provider.check({}, inputsFor(6))).failures, []);
        const bad = await provider.check({}, inputsFor(5));
        assert.match(bad.failures[0].reason, /5 given, the shape needs 6/);
    });

    let outs: any;
    it("create forms the cluster and reports its topology without the password", async () => {
        const created = await provider.create(inputsFor(6));
        outs = created.outs;
        assert.strictEqual(Object.keys(outs.nodeIds).length, 6);
        assert.strictEqual(outs.shardLayout.length, 3);
        assert.deepStrictEqual(
            outs.shardLayout.map((s: any) => s.slots),
            ["0-5461", "5462-10922", "10923-16383"],
        );
        for (const s of outs.shardLayout) assert.deepStrictEqual(outs.replicasByMaster[s.master], s.replicas);
        const topology = JSON.stringify([outs.nodeIds, outs.shardLayout, outs.replicasByMaster, created.id]);
        assert.ok(!topology.includes(PASSWORD));
        assert.strictEqual(check().status, 0, check().out);
    });

    it("diff tells a shape change from an address change and never replaces", async () => {
        assert.strictEqual((await provider.diff("id", outs, inputsFor(6))).changes, false);
        const moved = inputsFor(6);
        moved.nodes[0] = { ...moved.nodes[0], address: "127.0.4.200" };
        const addr = await provider.diff("id", outs, moved);
        assert.deepStrictEqual([addr.changes, addr.replaces], [true, []]);
        const shape = await provider.diff("id", outs, inputsFor(9, { replicasPerShard: 2 }));
        assert.deepStrictEqual([shape.changes, shape.replaces], [true, []]);
    });

    it("read reports the real topology", async () => {
        const read = await provider.read("id", outs);
        assert.deepStrictEqual(read.props.nodeIds, outs.nodeIds);
        assert.deepStrictEqual(read.props.shardLayout, outs.shardLayout);
    });

    it("update to 2 replicas per shard attaches the new nodes as replicas", async () => {
        await startPods(6, 9);
        outs = (await provider.update("id", outs, inputsFor(9, { replicasPerShard: 2 }))).outs;
        assert.ok(
            outs.shardLayout.every((s: any) => s.replicas.length === 2),
            JSON.stringify(outs.shardLayout),
        );
        assert.deepStrictEqual(
            outs.shardLayout.map((s: any) => s.slots),
            ["0-5461", "5462-10922", "10923-16383"],
        );
        assert.strictEqual(check().status, 0, check().out);
    });

    it("back to 1 replica: the drain hands a leaving master's shard to a staying replica before the pods go", async () => {
        // Make a leaving pod a master, as an earlier failover may have.
        const leaving = outs.shardLayout.find((s: any) => s.replicas.includes("redis-cluster-6"));
        const cli = (i: number, ...args: string[]) =>
            spawnSync("redis-cli", ["--user", "admin", "-h", ip(i), ...args], {
                encoding: "utf8",
                env: { ...process.env, REDISCLI_AUTH: PASSWORD },
            });
        // The master may not know its new replica yet: a manual failover it ignores times out in 5 s.
        for (let t = 0; t < 200 && !/role:master/.test(cli(6, "info", "replication").stdout); t++) {
            if (t % 60 === 0) cli(6, "cluster", "failover");
            await new Promise((r) => setTimeout(r, 100));
        }
        assert.match(cli(6, "info", "replication").stdout, /role:master/);
        await drainProvider.update("drain", outs, inputsFor(6));
        const owners = check().out;
        assert.strictEqual(check().status, 0, owners);
        for (const i of [6, 7, 8]) assert.match(cli(i, "role").stdout, /^slave/, `redis-cluster-${i} still a master after the drain`);
        assert.ok(leaving, "redis-cluster-6 was no replica");
    });

    it("update back to 1 replica forgets the departed nodes", async () => {
        await Promise.all([6, 7, 8].map((i) => pods[i].stop()));
        const departed = [6, 7, 8].map((i) => outs.nodeIds[`redis-cluster-${i}`]);
        outs = (await provider.update("id", outs, inputsFor(6))).outs;
        assert.ok(
            outs.shardLayout.every((s: any) => s.replicas.length === 1),
            JSON.stringify(outs.shardLayout),
        );
        const c = check();
        assert.strictEqual(c.status, 0, c.out);
        for (const id of departed) assert.ok(!c.out.includes(id), `${id} is still known`);
    });

    it("applies a live-changeable setting with CONFIG SET on every node, restarting nothing", async () => {
        const pids = pods.slice(0, 6).map((p) => p.process.pid);
        const diff = await provider.diff("id", outs, inputsFor(6, { redisConfig: { ...baseInputs.redisConfig, maxmemory: "100mb" } }));
        assert.deepStrictEqual([diff.changes, diff.replaces], [true, []]);
        outs = (await provider.update("id", outs, inputsFor(6, { redisConfig: { ...baseInputs.redisConfig, maxmemory: "100mb" } }))).outs;
        for (let i = 0; i < 6; i++) {
            const r = spawnSync("redis-cli", ["--user", "admin", "-h", ip(i), "config", "get", "maxmemory"], {
                encoding: "utf8",
                env: { ...process.env, REDISCLI_AUTH: PASSWORD },
            });
            assert.strictEqual(r.stdout.trim().split("\n")[1], String(100 * 2 ** 20), `node ${i}`);
        }
        assert.deepStrictEqual(
            pods.slice(0, 6).map((p) => p.process.pid),
            pids,
        );
        assert.ok(
            pods.slice(0, 6).every((p) => p.process.exitCode === null),
            "a node restarted",
        );
    });

    it("previews a shard count change as an update with its slot moves, never a replacement", async () => {
        const lines: string[] = [];
        const original = console.log;
        console.log = (line: string) => lines.push(line);
        try {
            const diff = await provider.diff("id", outs, inputsFor(8, { shards: 4 }));
            assert.deepStrictEqual([diff.changes, diff.replaces], [true, []]);
        } finally {
            console.log = original;
        }
        assert.match(
            lines.join("\n"),
            /shards 3 -> 4: redis-cluster-6 becomes the master of a new shard; 4096 slots move: 1366 slots 4096-5461 from redis-cluster-0 to redis-cluster-6/,
        );
    });

    it("delete leaves the cluster and its data alone", async () => {
        await provider.delete("id", outs);
        assert.strictEqual(check().status, 0);
    });
});
