// What a soak client records: when each write was acknowledged, and every error the client let
// through to the application (a write that failed after the client's own retries).
export interface SoakReport {
    client: string;
    acknowledged: number;
    /** Errors the application saw, by message (host:port numbers stripped). */
    errors: Record<string, number>;
    /** The longest stretch without an acknowledged write (ms), and where it lay (epoch ms). */
    longestStallMs: number;
    stallFrom: number;
    stallTo: number;
    /** The slowest single write (ms) and when it started. */
    slowestWriteMs: number;
    slowestWriteAt: number;
    /** What the client library did around the longest stall: [ms from its start, event] (redis-py only). */
    stallTrace?: [number, string][];
    /** Errors the client library handled itself (retried, redirected), by exception type (redis-py only). */
    libraryErrors?: Record<string, number>;
}

export class SoakRecorder {
    private acknowledged = 0;
    private lastAck = 0;
    private readonly errors: Record<string, number> = {};
    private stall = { ms: 0, from: 0, to: 0 };
    private slowest = { ms: 0, at: 0 };

    constructor(private readonly client: string) {}

    ok(started: number): void {
        const now = Date.now();
        if (this.acknowledged === 0) console.log("ready");
        else if (now - this.lastAck > this.stall.ms) this.stall = { ms: now - this.lastAck, from: this.lastAck, to: now };
        if (now - started > this.slowest.ms) this.slowest = { ms: now - started, at: started };
        this.lastAck = now;
        this.acknowledged++;
    }

    failed(started: number, e: unknown): void {
        const message = (e instanceof Error ? e.message : String(e)).replace(/\d+\.\d+\.\d+\.\d+:\d+/g, "<node>");
        this.errors[message] = (this.errors[message] ?? 0) + 1;
        if (Date.now() - started > this.slowest.ms) this.slowest = { ms: Date.now() - started, at: started };
    }

    report(): SoakReport {
        // A stall still going on when the soak stops counts too.
        const now = Date.now();
        if (this.acknowledged > 0 && now - this.lastAck > this.stall.ms)
            this.stall = { ms: now - this.lastAck, from: this.lastAck, to: now };
        return {
            client: this.client,
            acknowledged: this.acknowledged,
            errors: this.errors,
            longestStallMs: this.stall.ms,
            stallFrom: this.stall.from,
            stallTo: this.stall.to,
            slowestWriteMs: this.slowest.ms,
            slowestWriteAt: this.slowest.at,
        };
    }
}
