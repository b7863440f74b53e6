// Pure: the bounds on resharding's in-flight work. MIGRATE blocks the source node for as long as
// it takes to serialize and send its keys, and every command queued behind it on the connection
// waits as long, so a batch is bounded by bytes as well as keys, the bytes outstanding on one
// source are bounded, and each command's timeout grows with the bytes queued ahead of it.

export interface MigrationLimits {
    /** Keys per MIGRATE command. */
    batchKeys: number;
    /** Bytes per MIGRATE command (MEMORY USAGE of its keys); a single larger key goes alone. */
    batchBytes: number;
    /** Bytes of MIGRATE commands outstanding on one source at once; a single larger batch goes alone. */
    inFlightBytes: number;
    /** MIGRATE commands outstanding on one source at once. */
    inFlightCommands: number;
    /** Slots of one move set IMPORTING/MIGRATING together (small commands; draining them is bounded by the above). */
    slotsInFlight: number;
    /** A command's timeout with nothing queued ahead of it. */
    baseTimeoutMs: number;
    /** The slowest transfer the timeouts allow for: each queued byte adds 1/rate to a command's timeout. */
    minBytesPerSecond: number;
}

const MiB = 1024 * 1024;

/**
 * 16 MiB outstanding at the 4 MiB/s floor is at most 4 s of queued transfer: a command's timeout
 * stays under 10 s, and a source never blocks its clients for more than one 4 MiB batch (or one
 * larger key) at a time.
 */
export const MIGRATION_DEFAULTS: MigrationLimits = {
    batchKeys: 500,
    batchBytes: 4 * MiB,
    inFlightBytes: 16 * MiB,
    inFlightCommands: 4,
    slotsInFlight: 128,
    baseTimeoutMs: 5000,
    minBytesPerSecond: 4 * MiB,
};

export interface SizedKey {
    key: string;
    bytes: number;
}

/** Consecutive batches of at most `batchKeys` keys and `batchBytes` bytes; a key larger than that is a batch of its own. */
export function batchesOf(keys: SizedKey[], limits: Pick<MigrationLimits, "batchKeys" | "batchBytes">): SizedKey[][] {
    const batches: SizedKey[][] = [];
    let current: SizedKey[] = [];
    let bytes = 0;
    for (const k of keys) {
        if (current.length > 0 && (current.length >= limits.batchKeys || bytes + k.bytes > limits.batchBytes)) {
            batches.push(current);
            current = [];
            bytes = 0;
        }
        current.push(k);
        bytes += k.bytes;
    }
    if (current.length > 0) batches.push(current);
    return batches;
}

export const bytesOf = (batch: SizedKey[]) => batch.reduce((sum, k) => sum + k.bytes, 0);

/** The timeout of a command with `bytesQueued` bytes to transfer ahead of (and including) it. */
export function timeoutFor(bytesQueued: number, limits: Pick<MigrationLimits, "baseTimeoutMs" | "minBytesPerSecond">): number {
    return limits.baseTimeoutMs + Math.ceil((bytesQueued * 1000) / limits.minBytesPerSecond);
}

/** What a resharding moved, and the most it had outstanding at once on any one source. */
export interface MigrationStats {
    keys: number;
    bytes: number;
    batches: number;
    largestBatchBytes: number;
    maxInFlightBytes: number;
    maxInFlightCommands: number;
}

export const emptyStats = (): MigrationStats => ({
    keys: 0,
    bytes: 0,
    batches: 0,
    largestBatchBytes: 0,
    maxInFlightBytes: 0,
    maxInFlightCommands: 0,
});

/** Totals add up; maxima take the larger. */
export function mergeStats(a: MigrationStats, b: MigrationStats): MigrationStats {
    return {
        keys: a.keys + b.keys,
        bytes: a.bytes + b.bytes,
        batches: a.batches + b.batches,
        largestBatchBytes: Math.max(a.largestBatchBytes, b.largestBatchBytes),
        maxInFlightBytes: Math.max(a.maxInFlightBytes, b.maxInFlightBytes),
        maxInFlightCommands: Math.max(a.maxInFlightCommands, b.maxInFlightCommands),
    };
}
