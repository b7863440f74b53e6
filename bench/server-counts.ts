// Throughput counted on the servers instead of timed by the client. redis-benchmark's own figure
// includes its connection set-up, its cluster discovery and its 250 ms stop tick
// (redis-benchmark.ts, at the top); the servers' command counters over the steady part of a run
// include none of that. Beside the rate, the CPU the servers spend per command, over the same
// window, says whether a configuration costs more per command. Neither is immune to the machine:
// on these VMs the same cluster's rate, and its CPU per command, vary up to twice from one run
// to the next, which is why the throughput bench runs the clusters it compares side by side
// (docs/performance.md, "Counted on the servers, side by side").
import Redis from "ioredis";
import { connect, sleep } from "../components/formation/live/redis-client";
import type { FormationNode } from "../components/formation/types";
import { median } from "./stats";

/** The counters of a whole cluster at one moment. */
export interface ServerSnapshot {
    /** Milliseconds since the run started. */
    at: number;
    /** Calls of the measured command on the masters (replicas count the replication stream too). */
    calls: number;
    /**
     * CPU seconds of every node, user and system, all threads. Forked children (AOF rewrites, RDB
     * saves) are left out: both sides of a comparison have the same rewrite and save policy, and
     * a child's whole CPU lands in whichever window it is reaped in, which would make the figure
     * depend on when a rewrite happened to end.
     */
    cpu: number;
}

/** The command rate and the CPU per command over the steady part of one run. */
export interface ServerRate {
    /** Commands per second on the masters. */
    rate: number;
    /** Microseconds of the servers' CPU per command. */
    cpuPerCallUs: number;
    /** Length of the window the figures come from. */
    seconds: number;
}

/** One field of INFO's `name:value` lines, as a number (0 when absent). */
function infoNumber(info: string, name: string): number {
    const m = new RegExp(`^${name}:([0-9.]+)`, "m").exec(info);
    return m ? Number(m[1]) : 0;
}

/** `calls` of `cmdstat_<command>` in INFO commandstats (0 before the first call). */
export function commandCalls(info: string, command: string): number {
    const m = new RegExp(`^cmdstat_${command.toLowerCase()}:calls=(\\d+)`, "m").exec(info);
    return m ? Number(m[1]) : 0;
}

/** The process's CPU seconds in INFO cpu: all its threads, not its children (ServerSnapshot.cpu). */
export function cpuSeconds(info: string): number {
    return infoNumber(info, "used_cpu_sys") + infoNumber(info, "used_cpu_user");
}

/**
 * The rate over the run's steady part. The load starts and ends inside some poll interval, and
 * those two intervals are only partly busy; so the window runs from the end of the first busy
 * interval to the start of the last one. Fewer than two full intervals in between is an error
 * that says how to get more: a longer run.
 */
export function steadyRate(snapshots: ServerSnapshot[]): ServerRate {
    const busy = snapshots.slice(1).map((s, i) => s.calls > snapshots[i].calls);
    const first = busy.indexOf(true);
    const last = busy.lastIndexOf(true);
    // Interval i runs from snapshot i to i + 1: full ones are first + 1 .. last - 1.
    const from = snapshots[first + 1];
    const to = snapshots[last];
    if (first < 0 || last - first < 3)
        throw new Error(
            `the run was too short to count on the servers: ${Math.max(0, last - first + 1)} busy polls; send more requests per run`,
        );
    const seconds = (to.at - from.at) / 1000;
    const calls = to.calls - from.calls;
    return { rate: calls / seconds, cpuPerCallUs: ((to.cpu - from.cpu) / calls) * 1e6, seconds };
}

/** How often the counters are read: 60 INFO calls a second on a cluster of six, under 0.2 % of the commands of the slowest cell. */
export const POLL_MS = 100;

/** A cluster's counters, read over connections opened once. */
export interface Counters {
    read: () => Promise<Omit<ServerSnapshot, "at">>;
    close: () => void;
}

/**
 * Opens a connection to every node and tells the masters apart, once: nothing fails over during a
 * benchmark. Each read then sends one INFO per node.
 */
export async function openCounters(nodes: FormationNode[], password: string, command: string): Promise<Counters> {
    const clients = nodes.map((n) => connect(n, password));
    const close = () => clients.forEach((c) => c.disconnect());
    try {
        await Promise.all(clients.map((c) => c.connect()));
        const roles = await Promise.all(clients.map((c) => c.info("replication")));
        const masters = clients.filter((_, i) => /^role:master/m.test(roles[i]));
        const info = async (c: Redis) => String(await c.call("INFO", "commandstats", "cpu"));
        const read = async () => {
            const infos = await Promise.all(clients.map(info));
            return {
                calls: infos.filter((_, i) => masters.includes(clients[i])).reduce((sum, x) => sum + commandCalls(x, command), 0),
                cpu: infos.reduce((sum, x) => sum + cpuSeconds(x), 0),
            };
        };
        return { read, close };
    } catch (e) {
        close();
        throw e;
    }
}

/**
 * Reads the cluster's counters every POLL_MS while `running` says the load runs, over connections
 * opened beforehand (so no connection is made inside the window).
 */
export async function countWhile(
    nodes: FormationNode[],
    password: string,
    command: string,
    running: () => boolean,
): Promise<ServerSnapshot[]> {
    const counters = await openCounters(nodes, password, command);
    try {
        const started = Date.now();
        const snapshots: ServerSnapshot[] = [];
        for (let next = started; running(); next += POLL_MS) {
            // Paced by the clock, not by sleeps after each read: a slow read does not stretch the interval.
            await sleep(Math.max(0, next - Date.now()));
            const at = Date.now() - started;
            snapshots.push({ at, ...(await counters.read()) });
        }
        return snapshots;
    } finally {
        counters.close();
    }
}

/** Ours against a peer in one cell, from runs paired by round (each round ran both side by side). */
export interface Comparison {
    /** Median of the rounds' rate ratios (ours / theirs), and their range. */
    ratio: number;
    low: number;
    high: number;
    /** Their CPU per command / ours (medians): below 1, ours spends more of the servers' CPU on each command. */
    cpuRatio: number;
    /**
     * "met": the median of the rounds' rate ratios reaches the goal. "within noise": it does not,
     * but it misses by no more than `noise`, the run's resolution (controlResolution). "not met":
     * it misses by more.
     */
    verdict: "met" | "within noise" | "not met";
}

/**
 * How far from 1 the control pair's medians (two identical clusters side by side, one per cell)
 * read at most: closer than this, a median ratio cannot be told from 1 in that run. Single rounds
 * stray much further, but every verdict is on a median of rounds.
 */
export const controlResolution = (controls: Comparison[]) => Math.max(...controls.map((c) => Math.abs(1 - c.ratio)));

export function compareRuns(ours: ServerRate[], theirs: ServerRate[], goal: number, noise = 0): Comparison {
    if (ours.length === 0 || ours.length !== theirs.length) throw new Error(`runs to pair: ${ours.length} against ${theirs.length}`);
    const ratios = ours.map((o, i) => o.rate / theirs[i].rate);
    const ratio = median(ratios);
    const cpuRatio = median(theirs.map((t) => t.cpuPerCallUs)) / median(ours.map((o) => o.cpuPerCallUs));
    const verdict = ratio >= goal ? "met" : ratio >= goal - noise ? "within noise" : "not met";
    return { ratio, low: Math.min(...ratios), high: Math.max(...ratios), cpuRatio, verdict };
}
