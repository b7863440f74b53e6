// A client that learns slot owners only from MOVED replies, never by re-reading the slot map:
// what a client that has not yet noticed a handover does. Every INTERVAL ms it writes each key to
// the node it believes owns it, and records what that node answered:
//   REDIS_PASSWORD=... node redirect-probe.js <seed> <user> <key,key,...> <interval-ms>
// "moved": the node redirected the write (the probe follows); "unreachable": the node did not
// answer at all (refused, closed, timed out), so a real client would have to rediscover the
// cluster. Prints "ready" once every key has been written, and on SIGTERM one JSON line
// { moved: [{key, from, to}], unreachable: [{key, node, error}], acknowledged }.
import Redis from "ioredis";

const keySlot: (key: string) => number = require("cluster-key-slot");

async function main(): Promise<void> {
    const [seed, user, keyList, interval] = process.argv.slice(2);
    const connect = (addr: string) => {
        const [host, port] = addr.split(":");
        const c = new Redis({
            host,
            port: Number(port),
            username: user,
            password: process.env.REDIS_PASSWORD,
            lazyConnect: true,
            maxRetriesPerRequest: 0,
            enableOfflineQueue: false,
            retryStrategy: () => null,
            connectTimeout: 1000,
            commandTimeout: 1000,
        });
        c.on("error", () => undefined);
        return c;
    };
    // One connection per node, shared by the keys' concurrent writes: each waits for the same
    // connect (a write on a connection still connecting fails without reaching the node). A
    // connection that failed is dropped and made again on the next round.
    const conns = new Map<string, Promise<Redis>>();
    const drop = (addr: string) => {
        conns.get(addr)?.then(
            (c) => c.disconnect(),
            () => undefined,
        );
        conns.delete(addr);
    };
    const write = async (addr: string, key: string): Promise<void> => {
        let c = conns.get(addr);
        // A connection the node closed while this probe had nothing for it (it restarted while a
        // replica) is made again, as any client does; only a node that does not answer is unreachable.
        if (c && ["end", "close"].includes((await c.catch(() => undefined))?.status ?? "end")) {
            drop(addr);
            c = undefined;
        }
        if (!c) {
            const client = connect(addr);
            c = client.connect().then(
                () => client,
                (e) => {
                    client.disconnect();
                    throw e;
                },
            );
            conns.set(addr, c);
        }
        await (await c).set(key, String(Date.now()));
    };
    const owner = new Map<string, string>();
    const seedConn = connect(seed);
    await seedConn.connect();
    const slots = (await seedConn.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
    seedConn.disconnect();
    const keys = keyList.split(",");
    for (const key of keys) {
        const s = keySlot(key);
        const [, , [host, port]] = slots.find(([a, b]) => s >= a && s <= b)!;
        owner.set(key, `${host}:${port}`);
    }
    const moved: { key: string; from: string; to: string }[] = [];
    const unreachable: { key: string; node: string; error: string }[] = [];
    let acknowledged = 0;
    let running = true;
    process.on("SIGTERM", () => {
        running = false;
    });
    for (let round = 0; running; round++) {
        const started = Date.now();
        await Promise.all(
            keys.map(async (key) => {
                const node = owner.get(key)!;
                try {
                    await write(node, key);
                    acknowledged++;
                } catch (e) {
                    const m = /^MOVED \d+ (\S+)/.exec(e instanceof Error ? e.message : "");
                    if (m) {
                        moved.push({ key, from: node, to: m[1] });
                        owner.set(key, m[1]);
                    } else {
                        unreachable.push({ key, node, error: e instanceof Error ? e.message : String(e) });
                        drop(node);
                    }
                }
            }),
        );
        if (round === 0) console.log("ready");
        await new Promise((r) => setTimeout(r, Math.max(0, Number(interval) - (Date.now() - started))));
    }
    for (const addr of [...conns.keys()]) drop(addr);
    console.log(JSON.stringify({ moved, unreachable, acknowledged }));
    // A one-shot program: exit once the report is out, whatever socket a node left half-open
    // (rolling.test saw the probe print its report and then not exit).
    process.exit(0);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
