// Connection scale (an analytics hub with hundreds of client pods): what 1,000 client connections
// cost a node of the rendered prod pods, with and without TLS. Memory per connection: one master's
// used_memory and RSS before and after 1,000 authenticated, idle connections (each sent AUTH and
// PING and got both answers). Limits: the node's maxclients and its open-files limit. Throughput:
// redis-benchmark --cluster with 1,000 clients against 50, interleaved.
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import Redis from "ioredis";
import { USERS } from "../components/settings/spec";
import { BenchmarkResult, medianResult } from "./redis-benchmark";
import { printTable } from "./stats";
import { BenchCluster, PASSWORD, prodServerBinary, redisBenchmark, ThroughputConfig, withClusters } from "./throughput";
import { stopProcess } from "../local/pod";

const CONNECTIONS = 1000;
const CLIENT_COUNTS = [50, CONNECTIONS];

export interface NodeLimits {
    maxclients: number;
    openFilesSoft: string;
    openFilesHard: string;
}
export interface MemoryCell {
    config: ThroughputConfig;
    connections: number;
    usedBytesPerConnection: number;
    rssBytesPerConnection: number;
    clientsBefore: number;
    clientsAfter: number;
}
export interface ConnectionsThroughputCell {
    config: ThroughputConfig;
    test: string;
    clients: number;
    rps: number;
    p50: number;
    p99: number;
    samples: number[];
}
/** What a server started with a container's default open-files limit made of it. */
export interface PodLimits {
    started: string;
    maxclients: number;
    openFilesSoft: string;
    openFilesHard: string;
    log: string;
}
export interface ConnectionsResult {
    podLimits: PodLimits;
    limits: Record<string, NodeLimits>;
    memory: MemoryCell[];
    throughput: ConnectionsThroughputCell[];
}

const field = (info: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(info)![1]);

/** RESP for one command (the password travels only over the socket). */
const resp = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

/** An authenticated connection that has answered AUTH and PING, left open. */
function openClient(host: string, ca?: string): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
        const s: net.Socket = ca ? tls.connect({ host, port: 6379, ca }) : net.connect({ host, port: 6379 });
        let answer = "";
        s.on(ca ? "secureConnect" : "connect", () => s.write(resp("AUTH", USERS.app, PASSWORD) + resp("PING")));
        s.on("data", (d) => {
            answer += d;
            if (answer === "+OK\r\n+PONG\r\n") resolve(s);
            else if (answer.length >= 12) reject(new Error(`unexpected answer from ${host}: ${JSON.stringify(answer)}`));
        });
        s.once("error", reject);
    });
}

async function admin(cluster: BenchCluster, caFile: string): Promise<Redis> {
    const n = cluster.nodes[0];
    const c = new Redis({
        host: n.ip,
        port: n.port,
        username: USERS.admin,
        password: PASSWORD,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        ...(cluster.config === "rendered-tls" ? { tls: { ca: fs.readFileSync(caFile, "utf8") } } : {}),
    });
    await c.connect();
    return c;
}

function openFiles(pid: number): { soft: string; hard: string } {
    const line = fs
        .readFileSync(`/proc/${pid}/limits`, "utf8")
        .split("\n")
        .find((l) => l.startsWith("Max open files"))!;
    const [soft, hard] = line.replace("Max open files", "").trim().split(/\s+/);
    return { soft, hard };
}

/**
 * containerd 2.x no longer sets LimitNOFILE, so containers get systemd's default, soft 1024 and
 * hard 524288 (containerd/containerd#8924); Kubernetes has no field to change it. The server asked
 * for the rendered maxclients under exactly that limit: what it raised its own soft limit to.
 */
async function underPodLimits(maxclients: number): Promise<PodLimits> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pod-limits-"));
    const log = path.join(dir, "server.log");
    // Without CAP_SYS_RESOURCE no process may raise its hard limit (prlimit: "Operation not
    // permitted"), so where this machine's hard limit is lower, the cell runs under that one and
    // says so: the question (does the server raise its soft 1024 to maxclients + 32?) is the same
    // while the hard limit is at least that.
    const hardLimit = Math.min(524288, Number(openFiles(process.pid).hard) || 524288);
    const started = `prlimit --nofile=1024:${hardLimit}${hardLimit < 524288 ? " (this machine's hard limit; a container's is 524288)" : ""}`;
    const child = spawn(
        "prlimit",
        [
            `--nofile=1024:${hardLimit}`,
            prodServerBinary(),
            "--port",
            "0",
            // A server that listens nowhere exits right after start-up ("Configured to not listen
            // anywhere"); a Unix socket keeps it up while the cell reads its limits.
            "--unixsocket",
            path.join(dir, "s.sock"),
            "--dir",
            dir,
            "--maxclients",
            String(maxclients),
            "--logfile",
            log,
        ],
        { stdio: "ignore" },
    );
    try {
        const deadline = Date.now() + 10000;
        while (!(fs.existsSync(log) && /Ready to accept connections/.test(fs.readFileSync(log, "utf8")))) {
            if (Date.now() > deadline)
                throw new Error(`server under ${started} did not start: ${fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "no log"}`);
            await new Promise((r) => setTimeout(r, 100));
        }
        const { soft, hard } = openFiles(child.pid!);
        const said = fs
            .readFileSync(log, "utf8")
            .split("\n")
            .filter((l) => /open files|maxclients|listen/i.test(l))
            .map((l) => l.replace(/^\d+:\w \S+ \S+ \S+ \S+ /, ""))
            .join(" | ");
        return { started, maxclients, openFilesSoft: soft, openFilesHard: hard, log: said };
    } finally {
        await stopProcess(child.pid!, 5000);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function memoryPerConnection(cluster: BenchCluster, caFile: string): Promise<{ limits: NodeLimits; memory: MemoryCell }> {
    const c = await admin(cluster, caFile);
    try {
        const pid = field(await c.info("server"), "process_id");
        const maxclients = Number(((await c.config("GET", "maxclients")) as string[])[1]);
        const { soft, hard } = openFiles(pid);
        const before = await c.info();
        const ca = cluster.config === "rendered-tls" ? fs.readFileSync(caFile, "utf8") : undefined;
        const sockets: net.Socket[] = [];
        try {
            // In batches of 100, as a fleet of client pods would connect, not all in one instant.
            for (let i = 0; i < CONNECTIONS; i += 100) {
                sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => openClient(cluster.nodes[0].ip, ca)))));
            }
            const after = await c.info();
            return {
                limits: { maxclients, openFilesSoft: soft, openFilesHard: hard },
                memory: {
                    config: cluster.config,
                    connections: sockets.length,
                    usedBytesPerConnection: (field(after, "used_memory") - field(before, "used_memory")) / sockets.length,
                    rssBytesPerConnection: (field(after, "used_memory_rss") - field(before, "used_memory_rss")) / sockets.length,
                    clientsBefore: field(before, "connected_clients"),
                    clientsAfter: field(after, "connected_clients"),
                },
            };
        } finally {
            for (const s of sockets) s.destroy();
        }
    } finally {
        c.disconnect();
    }
}

export async function benchConnections(runs: number, requests: number): Promise<ConnectionsResult> {
    return withClusters(["rendered", "rendered-tls"], 56, async (clusters, caFile) => {
        const limits: Record<string, NodeLimits> = {};
        const memory: MemoryCell[] = [];
        for (const cluster of clusters) {
            const m = await memoryPerConnection(cluster, caFile);
            limits[cluster.config] = m.limits;
            memory.push(m.memory);
        }
        const throughput: ConnectionsThroughputCell[] = [];
        for (const test of ["set", "get"]) {
            const cells = clusters.flatMap((cluster) =>
                CLIENT_COUNTS.map((clients) => ({ cluster, clients, samples: [] as BenchmarkResult[] })),
            );
            for (let r = 0; r < runs; r++) {
                // Rotate who goes first, so drift in the machine's load favours no cell.
                for (let k = 0; k < cells.length; k++) {
                    const cell = cells[(r + k) % cells.length];
                    cell.samples.push(
                        redisBenchmark(
                            cell.cluster.nodes[0].ip,
                            test,
                            1,
                            64,
                            requests,
                            cell.cluster.config === "rendered-tls" ? caFile : undefined,
                            cell.clients,
                        ),
                    );
                }
            }
            for (const c of cells) {
                throughput.push({
                    config: c.cluster.config,
                    test,
                    clients: c.clients,
                    ...medianResult(c.samples),
                    samples: c.samples.map((x) => Math.round(x.rps)),
                });
            }
        }
        // A failure here is reported, not thrown: it must not cost the cells above.
        const podLimits = await underPodLimits(limits.rendered.maxclients).catch((e): PodLimits => ({
            started: "failed",
            maxclients: limits.rendered.maxclients,
            openFilesSoft: "?",
            openFilesHard: "?",
            log: String(e instanceof Error ? e.message : e),
        }));
        return { podLimits, limits, memory, throughput };
    });
}

/** The range of round-by-round ratios a[i] / b[i] (the cells of one round ran back to back). */
function pairedRange(a: number[], b: number[]): string {
    const ratios = a.map((x, i) => x / b[i]);
    return `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
}

export function printConnections(r: ConnectionsResult): void {
    const p = r.podLimits;
    console.log(
        `\nUnder ${p.started} (a container's default) with maxclients ${p.maxclients}: open files ${p.openFilesSoft}/${p.openFilesHard}; the server said: ${p.log || "nothing about limits"}`,
    );
    printTable(
        `Memory per connection: one master, ${CONNECTIONS} idle authenticated connections (bytes; INFO before/after)`,
        [
            "config",
            "connections",
            "used_memory / conn",
            "RSS / conn",
            "clients before",
            "clients after",
            "maxclients",
            "open files soft/hard",
        ],
        r.memory.map((m) => [
            m.config,
            m.connections,
            Math.round(m.usedBytesPerConnection),
            Math.round(m.rssBytesPerConnection),
            m.clientsBefore,
            m.clientsAfter,
            r.limits[m.config].maxclients,
            `${r.limits[m.config].openFilesSoft}/${r.limits[m.config].openFilesHard}`,
        ]),
    );
    const cell = (config: string, test: string, clients: number) =>
        r.throughput.find((t) => t.config === config && t.test === test && t.clients === clients)!;
    printTable(
        `redis-benchmark --cluster, 64-byte values, not pipelined: ${CONNECTIONS} clients against 50 (median ops/s; latency p50/p99 ms)`,
        [
            "config",
            "test",
            "50 clients",
            `${CONNECTIONS} clients`,
            `${CONNECTIONS} / 50 (range of the rounds' ratios)`,
            "p50/p99 at 50",
            `p50/p99 at ${CONNECTIONS}`,
            `runs at ${CONNECTIONS}`,
        ],
        r.throughput
            .filter((t) => t.clients === 50)
            .map((t) => {
                const many = cell(t.config, t.test, CONNECTIONS);
                return [
                    t.config,
                    t.test.toUpperCase(),
                    Math.round(t.rps),
                    Math.round(many.rps),
                    `${(many.rps / t.rps).toFixed(2)} (${pairedRange(many.samples, t.samples)})`,
                    `${t.p50}/${t.p99}`,
                    `${many.p50}/${many.p99}`,
                    many.samples.join(" "),
                ];
            }),
    );
}
