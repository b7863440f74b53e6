// A 3 x 1 Redis Cluster of the rendered dev pods run as local processes, for the benchmarks that
// stop and start its nodes (failover, handover), and the small state checks they wait on.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { formCluster } from "../components/formation/live/formation";
import type { FormationNode } from "../components/formation/types";
import { buildAllObjects } from "../components/kubernetes";
import { resolveSpec } from "../components/settings/spec";
import { ContainerPlan, materializeVolumes, PodPlan, planPod, startContainer, stopProcess } from "../local/pod";

export const PASSWORD = "FailoverBenchPw2b4d6f8a0c2e4b6d8f0a2c4e";

export async function admin(address: string): Promise<Redis> {
    const c = new Redis({
        host: address,
        port: 6379,
        username: "admin",
        password: PASSWORD,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
    });
    c.on("error", () => undefined);
    await c.connect();
    return c;
}

/** Every listed node answers with cluster_state:ok; with `noFailures`, none sees a failed peer either. */
export async function clusterOk(addresses: string[], noFailures: boolean): Promise<boolean> {
    for (const a of addresses) {
        try {
            const c = await admin(a);
            const info = String(await c.call("CLUSTER", "INFO"));
            const flags = String(await c.call("CLUSTER", "NODES"))
                .split("\n")
                .map((l) => l.split(" ")[2] ?? "");
            c.disconnect();
            if (!/cluster_state:ok/.test(info) || (noFailures && flags.some((f) => f.includes("fail")))) return false;
        } catch {
            return false;
        }
    }
    return true;
}

export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 100));
    }
}

/** The master of `slot`, asked of the first node that answers. */
export async function masterOf(addresses: string[], slot: number): Promise<string> {
    for (const a of addresses) {
        try {
            const c = await admin(a);
            const slots = (await c.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
            c.disconnect();
            return slots.find(([lo, hi]) => slot >= lo && slot <= hi)![2][0];
        } catch {
            // next
        }
    }
    throw new Error("no node answered CLUSTER SLOTS");
}

/** The slot ranges the node at `address` serves as a master. */
export async function slotsOf(address: string): Promise<[number, number][]> {
    const c = await admin(address);
    const mine = String(await c.call("CLUSTER", "NODES"))
        .split("\n")
        .find((l) => l.includes("myself"))!;
    c.disconnect();
    return mine
        .split(" ")
        .slice(8)
        .filter((f) => /^\d/.test(f))
        .map((f) => {
            const [a, b] = f.split("-").map(Number);
            return [a, b ?? a];
        });
}

export class BenchCluster {
    readonly pids: number[] = [];

    private constructor(
        readonly addresses: string[],
        readonly plans: PodPlan[],
        private readonly root: string,
        private readonly helpers: boolean,
    ) {}

    /**
     * Forms 3 x 1 shards on 127.0.<firstOctet>.1-6. Without `helpers` (stock Redis) the watchdog
     * and rejoin loops the start script launches are stopped.
     */
    static async start(name: string, nodeTimeoutMs: number, firstOctet: number, helpers: boolean): Promise<BenchCluster> {
        const spec = resolveSpec({
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            storage: { size: "1Gi", storageClass: "" },
            redis: { maxmemory: "128mb", ioThreads: 1, clusterNodeTimeoutMs: nodeTimeoutMs },
            // The benchmarks time one stop and restart the node themselves: no takeover after it
            // (redis-watchdog.sh), which would start an election under the next measurement.
            plannedTakeover: false,
        });
        const objects = buildAllObjects(spec, PASSWORD);
        const root = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
        const addresses = Array.from({ length: 6 }, (_, i) => `127.0.${firstOctet}.${i + 1}`);
        const plans = addresses.map((ip, i) => planPod(objects, i, ip, path.join(root, `pod-${i}`), PASSWORD));
        plans.forEach((p) => materializeVolumes(objects, p, PASSWORD));
        const cluster = new BenchCluster(addresses, plans, root, helpers);
        addresses.forEach((_, i) => cluster.startNode(i));
        const nodes: FormationNode[] = addresses.map((ip, i) => ({ name: plans[i].name, ip, port: 6379, host: `h${i}`, zone: "" }));
        try {
            await formCluster(nodes, { shards: 3, replicasPerShard: 1 }, { password: PASSWORD, readyTimeoutMs: 30000, nodeTimeoutMs });
        } catch (e) {
            await cluster.stop();
            throw e;
        }
        return cluster;
    }

    redis(i: number): ContainerPlan {
        return this.plans[i].containers.find((c) => c.name === "redis")!;
    }

    logFile(i: number): string {
        return path.join(this.plans[i].root, "redis.log");
    }

    /**
     * Runs node i's preStop hook without blocking this process (spawnSync would stop every
     * client in it for the hook's whole run), calling `onLine` as each line is printed.
     */
    runPreStop(i: number, env: Record<string, string> = {}, onLine: (line: string) => void = () => undefined): Promise<void> {
        const hook = spawn("sh", [path.join(this.plans[i].root, "scripts", "redis-prestop.sh")], {
            env: { ...process.env, ...this.redis(i).env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let pending = "";
        hook.stdout.on("data", (d) => {
            const lines = (pending + d).split("\n");
            pending = lines.pop()!;
            lines.forEach(onLine);
        });
        hook.stderr.resume();
        return new Promise((r) => hook.on("exit", () => r()));
    }

    startNode(i: number): void {
        this.pids[i] = startContainer(this.redis(i), this.logFile(i)).pid!;
        // Stock Redis has none of our helpers: stop the watchdog and rejoin loops the start script launched.
        if (!this.helpers) setTimeout(() => spawnSync("pkill", ["-f", `${this.plans[i].root}/scripts/redis-(watchdog|rejoin).sh`]), 300);
    }

    async stop(): Promise<void> {
        await Promise.all(this.pids.map((pid) => stopProcess(pid, 15000)));
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
