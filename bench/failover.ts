// Failover unavailability: the longest stretch with no successful write to the failed master's
// slots, under a live write load. Planned (graceful stop) and unplanned (SIGKILL), for the
// rendered configuration (node timeout 5000 ms, preStop handover) against stock Redis settings
// (node timeout 15000 ms, no preStop hook), same machine, same run.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { FormationNode, formCluster } from "../components/bootstrap/formation";
import { buildAllObjects } from "../components/kubernetes";
import { resolveSpec } from "../components/spec/spec";
import { ContainerPlan, materializeVolumes, planPod, runToCompletion, startContainer, stopProcess } from "../local/pod";
import { Workload } from "../local/workload";
import { median, printTable } from "./stats";

const PASSWORD = "FailoverBenchPw2b4d6f8a0c2e4b6d8f0a2c4e";

/** `preStop`: our helpers (preStop handover, watchdog, rejoin); stock Redis has none of them. */
interface Variant { name: string; nodeTimeoutMs: number; preStop: boolean }
export const VARIANTS: Variant[] = [
    { name: "rendered", nodeTimeoutMs: 5000, preStop: true },
    { name: "stock", nodeTimeoutMs: 15000, preStop: false },
];

export interface FailoverBench { variant: string; kind: "planned" | "unplanned"; gapsMs: number[]; medianMs: number }

async function admin(address: string): Promise<Redis> {
    const c = new Redis({ host: address, port: 6379, username: "admin", password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on("error", () => undefined);
    await c.connect();
    return c;
}

/** Every listed node answers with cluster_state:ok; with `noFailures`, none sees a failed peer either. */
async function clusterOk(addresses: string[], noFailures: boolean): Promise<boolean> {
    for (const a of addresses) {
        try {
            const c = await admin(a);
            const info = String(await c.call("CLUSTER", "INFO"));
            const flags = String(await c.call("CLUSTER", "NODES")).split("\n").map((l) => l.split(" ")[2] ?? "");
            c.disconnect();
            if (!/cluster_state:ok/.test(info) || (noFailures && flags.some((f) => f.includes("fail")))) return false;
        } catch {
            return false;
        }
    }
    return true;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 100));
    }
}

/** The master of `slot`, asked of the first node that answers. */
async function masterOf(addresses: string[], slot: number): Promise<string> {
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

export async function benchFailover(variant: Variant, runs: number, firstOctet: number): Promise<FailoverBench[]> {
    const spec = resolveSpec({
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        storage: { size: "1Gi", storageClass: "" },
        redis: { maxmemory: "128mb", ioThreads: 1, clusterNodeTimeoutMs: variant.nodeTimeoutMs },
    });
    const objects = buildAllObjects(spec, PASSWORD);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `failover-${variant.name}-`));
    const addresses = Array.from({ length: 6 }, (_, i) => `127.0.${firstOctet}.${i + 1}`);
    const plans = addresses.map((ip, i) => planPod(objects, i, ip, path.join(root, `pod-${i}`), PASSWORD));
    const redis = (i: number): ContainerPlan => plans[i].containers.find((c) => c.name === "redis")!;
    const pids: number[] = [];
    const start = (i: number) => {
        pids[i] = startContainer(redis(i), path.join(plans[i].root, "redis.log")).pid!;
        // Stock Redis has none of our helpers: stop the watchdog and rejoin loops the start script launched.
        if (!variant.preStop) setTimeout(() => spawnSync("pkill", ["-f", `${plans[i].root}/scripts/redis-(watchdog|rejoin).sh`]), 300);
    };
    plans.forEach((p) => materializeVolumes(objects, p, PASSWORD));
    addresses.forEach((_, i) => start(i));
    const nodes: FormationNode[] = addresses.map((ip, i) => ({ name: plans[i].name, ip, port: 6379, host: `h${i}`, zone: "" }));
    const results: FailoverBench[] = [];
    try {
        await formCluster(nodes, { shards: 3, replicasPerShard: 1 }, { password: PASSWORD, readyTimeoutMs: 30000, nodeTimeoutMs: variant.nodeTimeoutMs });
        for (const kind of ["planned", "unplanned"] as const) {
            const gaps: number[] = [];
            for (let run = 0; run < runs; run++) {
                const victimIp = await masterOf(addresses, 0);
                const victim = addresses.indexOf(victimIp);
                const ranges: [number, number][] = [];
                const workload = new Workload(addresses.map((host) => ({ host, port: 6379 })), PASSWORD, { prefix: `fb${run}${kind}` });
                await workload.start();
                await new Promise((r) => setTimeout(r, 500));
                const c = await admin(victimIp);
                const mine = String(await c.call("CLUSTER", "NODES")).split("\n").find((l) => l.includes("myself"))!;
                c.disconnect();
                for (const f of mine.split(" ").slice(8)) if (/^\d/.test(f)) {
                    const [a, b] = f.split("-").map(Number);
                    ranges.push([a, b ?? a]);
                }
                if (kind === "unplanned") await stopProcess(pids[victim], 0, "SIGKILL");
                else {
                    if (variant.preStop) runToCompletion({ ...redis(victim), argv: ["sh", path.join(plans[victim].root, "scripts", "redis-prestop.sh")] });
                    await stopProcess(pids[victim], 60000);
                }
                const others = addresses.filter((a) => a !== victimIp);
                await until(async () => (await clusterOk(others, false)) && (await masterOf(others, 0)) !== victimIp, 120000);
                await new Promise((r) => setTimeout(r, 500));
                await workload.stop();
                gaps.push(workload.longestGapMs((slot) => ranges.some(([a, b]) => slot >= a && slot <= b)));
                workload.close();
                start(victim);
                await until(() => clusterOk(addresses, true), 120000);
            }
            results.push({ variant: variant.name, kind, gapsMs: gaps, medianMs: median(gaps) });
        }
    } finally {
        await Promise.all(pids.map((pid) => stopProcess(pid, 15000)));
        fs.rmSync(root, { recursive: true, force: true });
    }
    return results;
}

export function printFailover(results: FailoverBench[]): void {
    const get = (v: string, k: string) => results.find((r) => r.variant === v && r.kind === k)!;
    printTable("Failover: longest write gap on the failed master's slots (median ms)", ["kind", "runs", "rendered", "stock", "rendered/stock"],
        (["planned", "unplanned"] as const).map((k) => [k, get("rendered", k).gapsMs.length, get("rendered", k).medianMs.toFixed(0),
            get("stock", k).medianMs.toFixed(0), (get("rendered", k).medianMs / get("stock", k).medianMs).toFixed(3)]));
}
