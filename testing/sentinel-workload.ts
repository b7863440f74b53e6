// A write/verify workload for the sentinel topology, through a Sentinel-aware client (ioredis
// with `sentinels`): it writes keys one after another, records each write the master acknowledged
// and each one a replica acknowledged too (WAIT 1), and afterwards checks what survived. The
// timestamps of the attempts give the failover gap (the longest stretch without a successful write).
import { USERS } from "../components/settings/spec";
import Redis from "ioredis";

export interface SentinelAddress {
    host: string;
    port: number;
}

export class SentinelWorkload {
    readonly client: Redis;
    private readonly acked: string[] = [];
    private readonly waitAcked: string[] = [];
    private readonly successes: number[] = [];
    private running = false;
    private loop?: Promise<void>;
    private next = 0;
    errors = 0;
    /** Failed attempts the server refused for authentication (WRONGPASS, NOAUTH). */
    authErrors = 0;

    constructor(
        sentinels: SentinelAddress[],
        masterName: string,
        password: string,
        private readonly prefix = "sw",
    ) {
        this.client = new Redis({
            sentinels,
            name: masterName,
            username: USERS.app,
            password,
            sentinelUsername: USERS.app,
            sentinelPassword: password,
            role: "master",
            // Fail fast and retry in the loop, so the gap is measured, not hidden in a queue.
            commandTimeout: 1000,
            maxRetriesPerRequest: 0,
            enableOfflineQueue: false,
            sentinelRetryStrategy: () => 100,
            retryStrategy: () => 100,
            // A master turned replica answers READONLY: reconnect, which asks the Sentinels again.
            reconnectOnError: (e) => e.message.startsWith("READONLY"),
        });
        this.client.on("error", () => undefined);
    }

    start(): void {
        this.running = true;
        this.loop = (async () => {
            while (this.running) {
                const key = `${this.prefix}:${this.next++}`;
                try {
                    await this.client.set(key, key);
                    this.acked.push(key);
                    this.successes.push(Date.now());
                    if (Number(await this.client.wait(1, 500)) >= 1) this.waitAcked.push(key);
                } catch (e) {
                    this.errors++;
                    if (/WRONGPASS|NOAUTH/.test(String(e))) this.authErrors++;
                    await new Promise((r) => setTimeout(r, 20));
                }
            }
        })();
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.loop;
    }

    /** Writes acknowledged by the master and by at least one replica (WAIT 1). */
    get replicaAcknowledged(): string[] {
        return [...this.waitAcked];
    }

    get acknowledged(): number {
        return this.acked.length;
    }

    /** Successful writes after `t` (epoch ms). */
    successesAfter(t: number): number {
        return this.successes.filter((s) => s > t).length;
    }

    /** From `t` to the first successful write after it: how long writes were not accepted. */
    gapAfterMs(t: number): number | undefined {
        const first = this.successes.find((s) => s > t);
        return first === undefined ? undefined : first - t;
    }

    /**
     * The longest stretch without a successful write that ends after `from` (epoch ms): what a
     * client felt through a stop that began at `from`, whether or not writes went on for a while.
     */
    longestGapAfterMs(from: number): number {
        let longest = 0;
        for (let i = 1; i < this.successes.length; i++)
            if (this.successes[i] > from) longest = Math.max(longest, this.successes[i] - Math.max(this.successes[i - 1], from));
        return longest;
    }

    /** Keys of `keys` that `reader` does not hold with their value. */
    static async missing(reader: Redis, keys: string[]): Promise<string[]> {
        const lost: string[] = [];
        for (let i = 0; i < keys.length; i += 500) {
            const batch = keys.slice(i, i + 500);
            const values = batch.length > 0 ? await reader.mget(...batch) : [];
            batch.forEach((k, j) => values[j] !== k && lost.push(k));
        }
        return lost;
    }

    close(): void {
        this.client.disconnect();
    }
}
