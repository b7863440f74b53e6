// Data for the benchmarks that move it (backup, restore, rolling restarts): 64 KB values that
// compression cannot shrink, written through the cluster as the app user.
import { Cluster } from "ioredis";
import { USERS } from "../components/settings/spec";

const VALUE_BYTES = 64 * 1024;

/** Writes `megabytes` of 64 KB values; returns the number of keys written. */
export async function fill(seed: string, password: string, megabytes: number): Promise<number> {
    const cluster = new Cluster([{ host: seed, port: 6379 }], {
        redisOptions: { username: USERS.app, password },
        enableAutoPipelining: true,
    });
    try {
        const value = Buffer.alloc(VALUE_BYTES);
        const count = Math.ceil((megabytes * 2 ** 20) / VALUE_BYTES);
        for (let i = 0; i < count; i += 256) {
            const batch = [];
            for (let j = i; j < Math.min(count, i + 256); j++) {
                // Distinct, poorly compressible values: RDB compression must not flatter either side.
                value.writeUInt32LE(j, 0);
                for (let k = 4; k < 64; k += 4) value.writeUInt32LE((j * 2654435761 + k) >>> 0, k);
                batch.push(cluster.set(`bench:${j}`, Buffer.concat([value.subarray(0, 64), randomTail(j)])));
            }
            await Promise.all(batch);
        }
        return count;
    } finally {
        cluster.disconnect();
    }
}

const tails = new Map<number, Buffer>();
/** 64 KB that zlib/LZF cannot shrink, varied per key (a pool of 64 random blocks, rotated). */
function randomTail(j: number): Buffer {
    const block = j % 64;
    if (!tails.has(block)) tails.set(block, require("crypto").randomBytes(VALUE_BYTES - 64));
    return tails.get(block)!;
}
