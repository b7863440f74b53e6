// Planned handover as clients feel it: the longest stretch without an acknowledged write on the
// stopping master's slots, for real client libraries with the README's settings (ioredis
// `Cluster`, redis-py `RedisCluster`; and ioredis with auto-pipelining, see bench/soak.ts), each in its own process, through a graceful stop (the
// preStop hook, then SIGTERM, as the kubelet does). The hook as shipped (it keeps the demoted
// master answering with redirects until clients have learned the new owner) against the same hook
// with HANDOVER_DRAIN=off (it returns as soon as the master is a replica, the behaviour before),
// interleaved in one run on one cluster. Each run also records the timeline: the hook's own
// output and the Redis logs of both nodes, as milliseconds from the hook's start.
import { stopProcess } from "../local/pod";
import { USERS } from "../components/settings/spec";
import { admin, BenchCluster, clusterOk, masterOf, PASSWORD, slotsOf, until } from "./bench-cluster";
import { logTimes } from "./redis-log";
import { soak as startSoak, SOAK_CLIENTS, SoakClient } from "./soak";
import type { SoakReport } from "./soak/recorder";
import { median, printTable } from "./stats";

const keySlot: (key: string) => number = require("cluster-key-slot");

export const HANDOVER_VARIANTS: { name: string; env: Record<string, string> }[] = [
    { name: "drain", env: {} },
    { name: "no drain", env: { HANDOVER_DRAIN: "off" } },
];

export interface HandoverRun {
    variant: string;
    client: SoakClient;
    stallMs: number;
    /** Errors the application saw (after the client's own retries). */
    errors: Record<string, number>;
    /** Milliseconds from the hook's start to each step. */
    timeline: Record<string, number>;
}

export interface HandoverCell {
    variant: string;
    client: SoakClient;
    stallsMs: number[];
    medianMs: number;
    maxMs: number;
    errors: number;
}

/** Steps in the Redis logs (first occurrence after the hook started), by node. */
const LOG_STEPS: { node: "old" | "new"; step: string; pattern: RegExp }[] = [
    { node: "new", step: "replica accepts FAILOVER", pattern: /Manual failover user request accepted/ },
    { node: "old", step: "old master pauses writes", pattern: /Manual failover requested by replica/ },
    { node: "new", step: "replica caught up", pattern: /manual failover can start/ },
    { node: "new", step: "replica promoted", pattern: /Failover election won/ },
    { node: "old", step: "old master demoted", pattern: /Configuration change detected\. Reconfiguring myself as a replica/ },
    { node: "old", step: "old master exits", pattern: /ready to exit, bye bye/ },
];

/** Keys spread over the slots of `ranges`. */
function keysIn(ranges: [number, number][], count: number): string[] {
    const keys: string[] = [];
    for (let i = 0; keys.length < count; i++) {
        const slot = keySlot(`handover:${i}`);
        if (ranges.some(([a, b]) => slot >= a && slot <= b)) keys.push(`handover:${i}`);
    }
    return keys;
}

/** The first slot of each shard: the benchmark hands the shards over in turn. */
const SHARD_SLOTS = [0, 5461, 10923];
/**
 * Masters refuse to vote for a replica of a master they voted about less than two node timeouts
 * ago (the manual failover then times out after 5 s): a node hands over again only after that.
 */
const VOTE_SPACING_MS = 2 * 5000 + 1000;
const lastHandoverFrom = new Map<string, number>();

/** Every node sees the cluster healthy and every replica's link to its master is up. */
async function settled(addresses: string[]): Promise<boolean> {
    if (!(await clusterOk(addresses, true))) return false;
    for (const a of addresses) {
        const c = await admin(a);
        const info = String(await c.call("INFO", "replication"));
        c.disconnect();
        if (/role:slave/.test(info) && !/master_link_status:up/.test(info)) return false;
    }
    return true;
}

async function handoverOnce(
    cluster: BenchCluster,
    variant: (typeof HANDOVER_VARIANTS)[number],
    client: SoakClient,
    shard: number,
): Promise<HandoverRun> {
    const { addresses } = cluster;
    const oldIp = await masterOf(addresses, SHARD_SLOTS[shard]);
    const wait = (lastHandoverFrom.get(oldIp) ?? 0) + VOTE_SPACING_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const old = addresses.indexOf(oldIp);
    const soak = startSoak(
        client,
        addresses.map((a) => `${a}:6379`),
        USERS.app,
        PASSWORD,
        keysIn(await slotsOf(oldIp), 64),
    );
    let report: SoakReport;
    const timeline: Record<string, number> = {};
    let t0 = 0;
    try {
        await soak.ready();
        await new Promise((r) => setTimeout(r, 300));
        t0 = Date.now();
        lastHandoverFrom.set(oldIp, t0);
        await cluster.runPreStop(old, variant.env, (line) => {
            timeline[`hook: ${line.replace(/\d+\.\d+\.\d+\.\d+/g, "<ip>")}`] ??= Date.now() - t0;
        });
        timeline["hook returns, SIGTERM sent"] = Date.now() - t0;
        await stopProcess(cluster.pids[old], 60000);
        timeline["process gone"] = Date.now() - t0;
        const others = addresses.filter((a) => a !== oldIp);
        await until(async () => (await clusterOk(others, false)) && (await masterOf(others, SHARD_SLOTS[shard])) !== oldIp, 60000);
        await new Promise((r) => setTimeout(r, 700));
    } finally {
        report = await soak.stop();
    }
    const newIp = await masterOf(
        addresses.filter((a) => a !== oldIp),
        SHARD_SLOTS[shard],
    );
    const logs = { old: logTimes(cluster.logFile(old), t0), new: logTimes(cluster.logFile(addresses.indexOf(newIp)), t0) };
    for (const s of LOG_STEPS) {
        const hit = logs[s.node].find((l) => s.pattern.test(l.text));
        if (hit) timeline[s.step] = hit.t - t0;
    }
    if (report.stallTo > t0) {
        timeline["longest stall starts"] = report.stallFrom - t0;
        timeline["first write after it"] = report.stallTo - t0;
    }
    cluster.startNode(old);
    await until(() => settled(addresses), 120000);
    return { variant: variant.name, client, stallMs: report.longestStallMs, errors: report.errors, timeline };
}

export async function benchHandover(runs: number, firstOctet: number): Promise<{ runs: HandoverRun[]; cells: HandoverCell[] }> {
    const cluster = await BenchCluster.start("handover", 5000, firstOctet, true);
    const all: HandoverRun[] = [];
    try {
        // Interleaved, so that the machine's load falls on every peer alike.
        let turn = 0;
        for (let run = 0; run < runs; run++) {
            for (const client of SOAK_CLIENTS) {
                for (const variant of HANDOVER_VARIANTS) {
                    const r = await handoverOnce(cluster, variant, client, turn++ % SHARD_SLOTS.length);
                    console.log(
                        `  handover ${variant.name} ${client}: longest stall ${r.stallMs} ms; ${JSON.stringify(r.timeline)}${Object.keys(r.errors).length ? ` errors ${JSON.stringify(r.errors)}` : ""}`,
                    );
                    all.push(r);
                }
            }
        }
    } finally {
        await cluster.stop();
    }
    const cells = HANDOVER_VARIANTS.flatMap((v) =>
        SOAK_CLIENTS.map((client) => {
            const mine = all.filter((r) => r.variant === v.name && r.client === client);
            const stalls = mine.map((r) => r.stallMs);
            return {
                variant: v.name,
                client,
                stallsMs: stalls,
                medianMs: median(stalls),
                maxMs: Math.max(...stalls),
                errors: mine.reduce((n, r) => n + Object.values(r.errors).reduce((a, b) => a + b, 0), 0),
            };
        }),
    );
    return { runs: all, cells };
}

export function printHandover(cells: HandoverCell[]): void {
    const get = (v: string, c: string) => cells.find((x) => x.variant === v && x.client === c)!;
    printTable(
        "Planned handover: longest write stall on the stopping master's slots (ms)",
        ["client", "runs", "drain median", "drain max", "no-drain median", "no-drain max", "drain/no-drain", "app errors"],
        SOAK_CLIENTS.map((c) => [
            c,
            get("drain", c).stallsMs.length,
            get("drain", c).medianMs.toFixed(0),
            get("drain", c).maxMs.toFixed(0),
            get("no drain", c).medianMs.toFixed(0),
            get("no drain", c).maxMs.toFixed(0),
            (get("drain", c).medianMs / get("no drain", c).medianMs).toFixed(3),
            `${get("drain", c).errors}/${get("no drain", c).errors}`,
        ]),
    );
}
