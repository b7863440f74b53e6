// When a restored deployment serves every key: the nodes that hold keys are masters whose
// cluster_state is ok, and their DBSIZEs add up to the number of keys the benchmark wrote (a count
// from outside the code under test). Polled beside `up`, which returns later (replicas synced).
import * as fs from "fs";
import Redis from "ioredis";
import { USERS } from "../components/settings/spec";

async function masterKeys(address: string, password: string): Promise<number> {
    const c = new Redis({
        host: address,
        port: 6379,
        username: USERS.admin,
        password,
        lazyConnect: true,
        connectTimeout: 500,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
    });
    c.on("error", () => undefined);
    try {
        await c.connect();
        const role = (await c.call("ROLE")) as unknown[];
        if (role[0] !== "master") return 0;
        if (!/cluster_state:ok/.test(String(await c.call("CLUSTER", "INFO")))) return -Infinity;
        return Number(await c.call("DBSIZE"));
    } catch {
        // Not started, still loading (LOADING), or its password not written yet.
        return -Infinity;
    } finally {
        c.disconnect();
    }
}

/**
 * Resolves with the moment (process.hrtime.bigint) every key is served, polling every 100 ms
 * until `stop()` is called (then resolves undefined).
 */
export function watchKeysServed(
    addresses: string[],
    passwordFile: string,
    keys: number,
): { served: Promise<bigint | undefined>; stop: () => void } {
    let stopped = false;
    const served = (async () => {
        while (!stopped) {
            if (fs.existsSync(passwordFile)) {
                const password = fs.readFileSync(passwordFile, "utf8");
                const counts = await Promise.all(addresses.map((a) => masterKeys(a, password)));
                if (counts.reduce((n, k) => n + k, 0) === keys) return process.hrtime.bigint();
            }
            await new Promise((r) => setTimeout(r, 100));
        }
        return undefined;
    })();
    return {
        served,
        stop: () => {
            stopped = true;
        },
    };
}
