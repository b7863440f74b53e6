// A write/verify workload for fault tests: writes keys spread over every slot, records each write
// Redis acknowledged (plain, and acknowledged by a replica through WAIT), then checks what survived.
// It routes by the cluster's slot map itself (refreshed on MOVED and errors), so that SET and WAIT
// go down one connection to the key's master.
import Redis from "ioredis";
import { USERS } from "../components/settings/spec";

const keySlot: (key: string) => number = require("cluster-key-slot");

export interface Address {
    host: string;
    port: number;
}

interface Attempt {
    t: number;
    slot: number;
    ok: boolean;
}

export interface WorkloadReport {
    attempted: number;
    acknowledged: number;
    replicaAcknowledged: number;
    lostAcknowledged: string[];
    lostReplicaAcknowledged: string[];
}

export class Workload {
    private readonly slotOwner: string[] = new Array(16384).fill("");
    private readonly conns = new Map<string, Redis>();
    private readonly acked = new Map<string, string>();
    private readonly waitAcked = new Set<string>();
    private readonly attempts: Attempt[] = [];
    private running = false;
    private loop?: Promise<void>;
    private next = 0;
    private lastRefresh = 0;

    /** Writes as `opts.username` (the app user unless told otherwise) with `password`. */
    constructor(
        private seeds: Address[],
        private readonly password: string,
        private readonly opts: { concurrency?: number; prefix?: string; username?: string } = {},
    ) {}

    private conn(addr: string): Redis {
        let c = this.conns.get(addr);
        if (!c) {
            const [host, port] = addr.split(":");
            c = new Redis({
                host,
                port: Number(port),
                username: this.opts.username ?? USERS.app,
                password: this.password,
                maxRetriesPerRequest: 0,
                connectTimeout: 1000,
                commandTimeout: 2000,
                enableOfflineQueue: false,
                lazyConnect: true,
                retryStrategy: () => 200,
            });
            c.on("error", () => undefined);
            this.conns.set(addr, c);
            c.connect().catch(() => undefined);
        }
        return c;
    }

    /** Points the workload at new seed addresses (every pod moved), dropping old connections. */
    retarget(seeds: Address[]): void {
        this.close();
        this.conns.clear();
        this.seeds = seeds;
    }

    /** Reads the slot map from the first node that answers. */
    async refresh(): Promise<void> {
        this.lastRefresh = Date.now();
        const candidates = [...new Set([...this.seeds.map((s) => `${s.host}:${s.port}`), ...this.conns.keys()])];
        for (const addr of candidates) {
            try {
                const slots = (await this.conn(addr).call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
                for (const [start, end, [host, port]] of slots) for (let s = start; s <= end; s++) this.slotOwner[s] = `${host}:${port}`;
                return;
            } catch {
                // try the next node
            }
        }
    }

    private async writeOne(): Promise<void> {
        const key = `${this.opts.prefix ?? "wl"}:${this.next++}`;
        const value = `v-${key}-${Date.now()}`;
        const slot = keySlot(key);
        const t = Date.now();
        try {
            const owner = this.slotOwner[slot];
            if (!owner) throw new Error("no owner");
            let [[setErr, setRes], [waitErr, replicas]] = await this.setAndWait(owner, key, value, false);
            const ask = askTarget(setErr);
            // The slot is being resharded and the key is already (or will be) on the target.
            if (ask) [[setErr, setRes], [waitErr, replicas]] = await this.setAndWait(ask, key, value, true);
            if (setErr || setRes !== "OK") throw setErr ?? new Error(String(setRes));
            this.acked.set(key, value);
            if (!waitErr && Number(replicas) >= 1) this.waitAcked.add(key);
            this.attempts.push({ t, slot, ok: true });
        } catch {
            this.attempts.push({ t, slot, ok: false });
            if (Date.now() - this.lastRefresh > 100) await this.refresh();
            else await new Promise((r) => setTimeout(r, 20));
        }
    }

    private async setAndWait(addr: string, key: string, value: string, asking: boolean): Promise<[Error | null, unknown][]> {
        const p = this.conn(addr).pipeline();
        if (asking) p.call("ASKING");
        const replies = (await p.set(key, value).call("WAIT", 1, 500).exec())!;
        return replies.slice(asking ? 1 : 0);
    }

    /** GET by the slot map, following an ASK redirect of a slot being resharded. */
    private async read(key: string): Promise<string | null> {
        try {
            return await this.conn(this.slotOwner[keySlot(key)]).get(key);
        } catch (e) {
            const ask = askTarget(e);
            if (!ask) throw e;
            const [, [err, value]] = (await this.conn(ask).pipeline().call("ASKING").get(key).exec())!;
            if (err) throw err;
            return value as string | null;
        }
    }

    async start(): Promise<void> {
        await this.refresh();
        this.running = true;
        const worker = async () => {
            while (this.running) await this.writeOne();
        };
        this.loop = Promise.all(Array.from({ length: this.opts.concurrency ?? 8 }, worker)).then(() => undefined);
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.loop;
    }

    /** The longest stretch without a successful write to `slots` (ms), over the attempts made. */
    longestGapMs(slots: (slot: number) => boolean): number {
        const ok = this.attempts
            .filter((a) => a.ok && slots(a.slot))
            .map((a) => a.t)
            .sort((a, b) => a - b);
        let gap = 0;
        for (let i = 1; i < ok.length; i++) gap = Math.max(gap, ok[i] - ok[i - 1]);
        return gap;
    }

    /** Reads back every acknowledged key (retrying while the cluster settles) and reports what is missing. */
    async verify(timeoutMs = 30000): Promise<WorkloadReport> {
        const pending = new Map(this.acked);
        const lost = new Set<string>();
        const deadline = Date.now() + timeoutMs;
        while (pending.size > 0 && Date.now() < deadline) {
            // Failed commands reject without touching the network: give new connections a turn.
            await new Promise((r) => setTimeout(r, 50));
            await this.refresh();
            for (const [key, value] of [...pending]) {
                try {
                    const got = await this.read(key);
                    pending.delete(key);
                    if (got !== value) lost.add(key);
                } catch {
                    // not answerable yet; try again after a refresh
                }
            }
        }
        if (pending.size > 0) throw new Error(`${pending.size} acknowledged keys could not be read within ${timeoutMs} ms`);
        return {
            attempted: this.attempts.length,
            acknowledged: this.acked.size,
            replicaAcknowledged: this.waitAcked.size,
            lostAcknowledged: [...lost],
            lostReplicaAcknowledged: [...lost].filter((k) => this.waitAcked.has(k)),
        };
    }

    close(): void {
        for (const c of this.conns.values()) c.disconnect();
    }
}

/** "ASK <slot> <host:port>" errors name where the key lives while its slot moves. */
function askTarget(e: unknown): string | undefined {
    return /^ASK \d+ (\S+)/.exec(e instanceof Error ? e.message : "")?.[1];
}
