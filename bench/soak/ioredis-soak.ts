// A write soak with ioredis `Cluster`, configured as the README's client example recommends
// (examples/clients/ioredis-cluster.js). Run as its own process so that nothing in the process
// that stops pods (hooks run with spawnSync there) can pause it:
//   REDIS_PASSWORD=... node ioredis-soak.js <seed,seed> <user> <key,key,...> [autopipelining]
// Writes the keys in turn, one SET at a time per writer, until SIGTERM; prints "ready" after the
// first acknowledged write, then on exit one JSON line (a SoakReport, see bench/soak.ts).
// "autopipelining" adds enableAutoPipelining (the README's advice before the handover benchmark).
import { Cluster } from "ioredis";
import { SoakRecorder } from "./recorder";

async function main(): Promise<void> {
    const [seeds, user, keys, option] = process.argv.slice(2);
    const cluster = new Cluster(
        seeds.split(",").map((s) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) })),
        {
            redisOptions: { username: user || undefined, password: process.env.REDIS_PASSWORD },
            // The README's settings: retry MOVED and failover errors instead of failing the command.
            maxRedirections: 16,
            retryDelayOnFailover: 200,
            enableAutoPipelining: option === "autopipelining",
        },
    );
    cluster.on("error", () => undefined);
    const recorder = new SoakRecorder(option === "autopipelining" ? "ioredis autopipelining" : "ioredis");
    const list = keys.split(",");
    let running = true;
    const stopped = new Promise<void>((resolve) =>
        process.on("SIGTERM", () => {
            running = false;
            resolve();
        }),
    );
    // When each writer's write in flight started (undefined: none in flight).
    const inFlight: (number | undefined)[] = [];
    // A few writers, as an application with several requests in flight would have.
    const writers = Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
            for (let i = w; running; i += 4) {
                const started = (inFlight[w] = Date.now());
                try {
                    await cluster.set(list[i % list.length], String(started));
                    recorder.ok(started);
                } catch (e) {
                    recorder.failed(started, e);
                }
                inFlight[w] = undefined;
            }
        }),
    );
    await stopped;
    // ioredis has no command timeout by default: a write can wait forever (in its offline queue,
    // or on a connection it no longer reads). Such a write is what an application would see as
    // a hang, so it is reported, not waited for.
    const settled = await Promise.race([writers.then(() => true), new Promise((r) => setTimeout(() => r(false), STOP_GRACE_MS))]);
    if (!settled) {
        const state = `cluster ${cluster.status}, connections ${cluster
            .nodes("all")
            .map((n) => n.status)
            .join(" ")}`;
        for (const started of inFlight.filter((t): t is number => t !== undefined))
            recorder.failed(started, new Error(`write still pending ${STOP_GRACE_MS} ms after the soak was stopped (${state})`));
    }
    cluster.disconnect();
    console.log(JSON.stringify(recorder.report()));
    process.exit(0);
}

/** How long a stopped soak waits for its writes in flight. */
const STOP_GRACE_MS = 5000;

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
