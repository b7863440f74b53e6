// Talking to Redis nodes with ioredis: connect, inspect, and the cluster commands formation
// uses. Every wait is bounded and names what it waited for.
import Redis, { Command } from "ioredis";
import { USERS } from "../../settings/spec";
import { ClusterNodeView, parseClusterNodes, parseInfo } from "../plan/topology";
import type { NodeAddress } from "../types";

export interface NodeState {
    node: NodeAddress;
    id: string;
    /** Nodes this node knows, itself included. */
    view: ClusterNodeView[];
    myself: ClusterNodeView;
    keys: number;
    clusterState: string;
    configEpoch: number;
    masterLinkUp: boolean;
}

export type Log = (line: string) => void;

/** A connection as `username` (the admin user unless told otherwise). */
export function connect(node: NodeAddress, password: string, timeoutMs = 5000, username: string = USERS.admin): Redis {
    return new Redis({
        host: node.connect?.host ?? node.ip,
        port: node.connect?.port ?? node.port,
        username,
        password,
        lazyConnect: true,
        connectTimeout: timeoutMs,
        commandTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
        // The certificate must chain to the deployment's CA and name the pod (or its IP, locally).
        ...(node.tls ? { tls: { ca: node.tls.ca, ...(node.tls.servername ? { servername: node.tls.servername } : {}) } } : {}),
    });
}

/**
 * Whether a command failed because its connection is gone rather than by the server's answer.
 * ioredis says so in two ways, both without sending the command (enableOfflineQueue is off):
 * "Connection is closed." once the client has ended, and "Stream isn't writeable ..." while the
 * socket is closing but the client has not ended yet.
 */
export function connectionLost(e: unknown): boolean {
    return /^(Error: )?(Connection is closed|Stream isn't writeable)/.test(e instanceof Error ? e.message : String(e));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A command with a timeout of its own instead of the connection's, for a command that waits behind
 * large transfers queued on the same connection. The error names the command, never its arguments
 * (MIGRATE's carry the password).
 */
export async function callWithin(client: Redis, timeoutMs: number, command: string, ...args: (string | number)[]): Promise<unknown> {
    const cmd = new Command(command, args, { replyEncoding: "utf8" });
    // Set before sending: ioredis keeps the first timeout a command gets.
    cmd.setTimeout(timeoutMs);
    try {
        return await client.sendCommand(cmd);
    } catch (e) {
        if (e instanceof Error && e.message === "Command timed out") {
            throw new Error(
                `${command} ${typeof args[0] === "string" && /^[A-Z]+$/.test(args[0]) ? `${args[0]} ` : ""}timed out after ${timeoutMs} ms`,
                { cause: e },
            );
        }
        throw e;
    }
}

/** Calls `check` until it returns a value or the deadline passes; then throws describing `what`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 50): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (e) {
            last = e instanceof Error ? e.message : String(e);
        }
        if (Date.now() > deadline)
            throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? ` (last error: ${last})` : ""}`);
        await sleep(intervalMs);
    }
}

/**
 * A port-forward that has failed on every attempt for this long is broken, not starting: its
 * error is reported now rather than after the whole ready timeout (up to 600 s).
 */
export const FORWARD_GIVE_UP_MS = 5000;

/**
 * Connects anew to every node whose connection has closed: a master that gives away its last
 * slot turns into a replica, and its connection can close as it turns (seen with Valkey 8.1 in
 * scaling.test.ts: "Connection is closed" right after the hand-over). The map is updated in place.
 */
export async function reopenClosed(nodes: NodeAddress[], clients: Map<string, Redis>, password: string, timeoutMs: number): Promise<void> {
    const closed = nodes.filter((n) => ["end", "close"].includes(clients.get(n.name)?.status ?? "end"));
    if (closed.length === 0) return;
    const fresh = await connectAll(closed, password, timeoutMs);
    for (const [name, client] of fresh) {
        clients.get(name)?.disconnect();
        clients.set(name, client);
    }
}

/** Opens one authenticated connection per node, waiting until each answers PING. */
export async function connectAll(nodes: NodeAddress[], password: string, timeoutMs: number): Promise<Map<string, Redis>> {
    const clients = new Map<string, Redis>();
    const failures = new Map<string, string>();
    const deadline = Date.now() + timeoutMs;
    let broken: string | undefined;
    await Promise.all(
        nodes.map(async (node) => {
            let failingSince: number | undefined;
            while (!broken) {
                const client = connect(node, password);
                client.on("error", () => undefined);
                try {
                    await client.connect();
                    if ((await client.ping()) === "PONG") {
                        clients.set(node.name, client);
                        return;
                    }
                } catch (e) {
                    failures.set(node.name, e instanceof Error ? e.message : String(e));
                }
                client.disconnect();
                const problem = node.connect?.problem?.();
                if (problem) {
                    failures.set(node.name, `port-forward: ${problem}`);
                    failingSince ??= Date.now();
                    if (Date.now() - failingSince >= FORWARD_GIVE_UP_MS)
                        broken ??= `${node.name}: port-forward failing for ${FORWARD_GIVE_UP_MS / 1000} s: ${problem}`;
                } else {
                    failingSince = undefined;
                }
                if (Date.now() > deadline) return;
                await sleep(200);
            }
        }),
    );
    if (broken) {
        for (const c of clients.values()) c.disconnect();
        throw new Error(`cannot reach the Redis pods through the Kubernetes API: ${broken}`);
    }
    if (clients.size < nodes.length) {
        for (const c of clients.values()) c.disconnect();
        const missing = nodes
            .filter((n) => !clients.has(n.name))
            .map((n) => `${n.name} (${n.ip}:${n.port}: ${failures.get(n.name) ?? "no answer"})`);
        throw new Error(
            `${missing.length} of ${nodes.length} Redis nodes did not answer an authenticated PING within ${Math.round(timeoutMs / 1000)} s: ${missing.join("; ")}`,
        );
    }
    return clients;
}

export async function inspectAll(nodes: NodeAddress[], clients: Map<string, Redis>): Promise<NodeState[]> {
    return Promise.all(nodes.map((n) => inspect(n, clients.get(n.name)!)));
}

/**
 * `command`, asked again while the node answers LOADING: a replica that just resynced (after a
 * regroup, or a link that broke under a large migration) loads its dataset and refuses most
 * commands for a moment. Any other error, or LOADING past `timeoutMs`, is thrown.
 */
export async function whenLoaded<T>(command: () => Promise<T>, timeoutMs = 120000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            return await command();
        } catch (e) {
            if (!(e instanceof Error && e.message.startsWith("LOADING")) || Date.now() > deadline) throw e;
            await sleep(100);
        }
    }
}

export async function inspect(node: NodeAddress, client: Redis): Promise<NodeState> {
    const [nodesText, infoText, clusterInfoText] = await Promise.all([
        whenLoaded(() => client.call("CLUSTER", "NODES") as Promise<string>),
        whenLoaded(() => client.info()),
        whenLoaded(() => client.call("CLUSTER", "INFO") as Promise<string>),
    ]);
    const view = parseClusterNodes(nodesText);
    const myself = view.find((n) => n.flags.includes("myself"));
    if (!myself) throw new Error(`${node.name}: CLUSTER NODES has no "myself" line`);
    const info = parseInfo(infoText);
    const cinfo = parseInfo(clusterInfoText);
    const keys = Object.entries(info)
        .filter(([k]) => /^db\d+$/.test(k))
        .reduce((sum, [, v]) => sum + Number(/keys=(\d+)/.exec(v)?.[1] ?? 0), 0);
    return {
        node,
        id: myself.id,
        view,
        myself,
        keys,
        clusterState: cinfo.cluster_state ?? "unknown",
        configEpoch: Number(cinfo.cluster_my_epoch ?? 0),
        masterLinkUp: info.master_link_status === "up",
    };
}
