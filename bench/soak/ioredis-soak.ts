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
    process.on("SIGTERM", () => {
        running = false;
    });
    // A few writers, as an application with several requests in flight would have.
    await Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
            for (let i = w; running; i += 4) {
                const started = Date.now();
                try {
                    await cluster.set(list[i % list.length], String(started));
                    recorder.ok(started);
                } catch (e) {
                    recorder.failed(started, e);
                }
            }
        }),
    );
    cluster.disconnect();
    console.log(JSON.stringify(recorder.report()));
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
