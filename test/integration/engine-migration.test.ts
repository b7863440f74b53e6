// The migration users ask for: a Redis snapshot restored into Valkey, every key checked, with the
// real servers (Debian's redis 7.0 and the Redis 8.0 and Valkey 8.1 that tools/engines/servers.sh
// builds). Redis 7.0/7.2 snapshots (RDB 10/11) load as Valkey's own; Redis 7.4+ (RDB 12, "REDIS0012")
// is refused, even with rdb-version-check relaxed, which only admits future Valkey versions: Valkey
// reads 12-79 under the REDIS magic as Redis's post-fork formats (rdb.c, RDB_FOREIGN_VERSION_MIN).
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import Redis from "ioredis";
import * as os from "os";
import * as path from "path";
import { LocalEngine, localEngines } from "../../local/engines";

const KEYS_PER_TYPE = 200;

function engine(name: "redis" | "valkey", line: string): LocalEngine {
    const found = localEngines().find((e) => e.engine === name && e.line === line);
    assert.ok(
        found,
        `no ${name} ${line} build: run sh tools/engines/servers.sh (have: ${localEngines()
            .map((e) => e.version)
            .join(", ")})`,
    );
    return found!;
}

interface Server {
    proc: ChildProcess;
    client: Redis;
    log: string;
}

/** A server on its own loopback address, no persistence but the dump it is given or SAVEd. */
async function startServer(e: LocalEngine, address: string, dir: string, extra: string[] = []): Promise<Server> {
    const log = path.join(dir, `${e.engine}.log`);
    const proc = spawn(
        path.join(e.binDir, `${e.engine}-server`),
        [
            "--bind",
            address,
            "--port",
            "6379",
            "--dir",
            dir,
            "--dbfilename",
            "dump.rdb",
            "--appendonly",
            "no",
            "--save",
            "",
            "--protected-mode",
            "no",
            "--logfile",
            log,
            ...extra,
        ],
        { stdio: "ignore" },
    );
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    const client = new Redis({ host: address, port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    for (let i = 0; i < 100; i++) {
        const gone = await Promise.race([exited, new Promise((r) => setTimeout(() => r("alive"), 100))]);
        if (gone !== "alive")
            throw new Error(`${e.version} exited with ${gone}: ${fs.readFileSync(log, "utf8").split("\n").slice(-5).join(" | ")}`);
        try {
            await client.connect();
            if ((await client.ping()) === "PONG") return { proc, client, log };
        } catch {
            client.disconnect();
        }
    }
    proc.kill("SIGKILL");
    throw new Error(`${e.version} did not answer on ${address}`);
}

async function stopServer(s: Server | undefined): Promise<void> {
    if (!s) return;
    s.client.disconnect();
    if (s.proc.exitCode !== null) return;
    const gone = new Promise((r) => s.proc.once("exit", r));
    s.proc.kill("SIGKILL");
    await gone;
}

/** Every type the guide's clients use, some keys with a TTL; returns nothing: the source is read back below. */
async function writeDataset(c: Redis): Promise<void> {
    const p = c.pipeline();
    for (let i = 0; i < KEYS_PER_TYPE; i++) {
        p.set(`str:${i}`, `value-${i}-${"x".repeat(i % 50)}`);
        p.hset(`hash:${i}`, { a: String(i), b: `b${i}`, c: "γ" });
        p.rpush(`list:${i}`, "one", String(i), "three");
        p.sadd(`set:${i}`, "m1", `m${i}`);
        p.zadd(`zset:${i}`, 1, "low", i + 0.5, `mid${i}`);
        p.xadd(`stream:${i}`, `1-${i + 1}`, "field", String(i));
        if (i % 10 === 0) p.pexpire(`str:${i}`, 3_600_000);
    }
    await p.exec();
}

/** Every key of a server as type and value (plus whether it has a TTL), read with the real client. */
async function snapshot(c: Redis): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const keys = (await c.keys("*")).sort();
    for (const k of keys) {
        const type = await c.type(k);
        const value =
            type === "string"
                ? await c.get(k)
                : type === "hash"
                  ? await c.hgetall(k)
                  : type === "list"
                    ? await c.lrange(k, 0, -1)
                    : type === "set"
                      ? (await c.smembers(k)).sort()
                      : type === "zset"
                        ? await c.zrange(k, 0, -1, "WITHSCORES")
                        : type === "stream"
                          ? await c.xrange(k, "-", "+")
                          : `unexpected type ${type}`;
        out.set(k, JSON.stringify({ type, value, ttl: (await c.pttl(k)) > 0 }));
    }
    return out;
}

function assertSame(source: Map<string, string>, restored: Map<string, string>): void {
    assert.strictEqual(source.size, 6 * KEYS_PER_TYPE);
    assert.deepStrictEqual([...restored.keys()], [...source.keys()]);
    for (const [k, v] of source) assert.strictEqual(restored.get(k), v, k);
}

describe("Redis snapshots restored into Valkey 8.1, every key checked", function () {
    this.timeout(120000);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "engine-migration-"));
    const servers: Server[] = [];
    after(async () => {
        await Promise.all(servers.map(stopServer));
        fs.rmSync(root, { recursive: true, force: true });
    });

    /** Writes the dataset into `from`, SAVEs, and hands its dump.rdb to a fresh directory. */
    async function dumpOf(from: LocalEngine, address: string): Promise<{ dir: string; source: Map<string, string> }> {
        const srcDir = fs.mkdtempSync(path.join(root, `${from.engine}-${from.line}-`));
        const s = await startServer(from, address, srcDir);
        servers.push(s);
        await writeDataset(s.client);
        const source = await snapshot(s.client);
        assert.strictEqual(await s.client.save(), "OK");
        const info = await s.client.info("server");
        assert.match(info, new RegExp(`redis_version:${from.version.split(" ")[1].replace(/\./g, "\\.")}`));
        const dir = fs.mkdtempSync(path.join(root, "valkey-"));
        fs.copyFileSync(path.join(srcDir, "dump.rdb"), path.join(dir, "dump.rdb"));
        return { dir, source };
    }

    it("Redis 7.0 (RDB 10, as 7.2's RDB 11 is Valkey's own): Valkey loads it as is", async () => {
        const valkey = engine("valkey", "8.1");
        const { dir, source } = await dumpOf(engine("redis", "7.0"), "127.0.77.1");
        const v = await startServer(valkey, "127.0.77.2", dir);
        servers.push(v);
        assert.match(await v.client.info("server"), /server_name:valkey[\s\S]*valkey_version:8\.1\./);
        assertSame(source, await snapshot(v.client));
    });

    it("Redis 8.0 (RDB 12): Valkey refuses the snapshot, with rdb-version-check relaxed too", async () => {
        const valkey = engine("valkey", "8.1");
        const { dir } = await dumpOf(engine("redis", "8.0"), "127.0.77.3");
        for (const extra of [[], ["--rdb-version-check", "relaxed"]]) {
            fs.rmSync(path.join(dir, "valkey.log"), { force: true });
            await assert.rejects(startServer(valkey, "127.0.77.4", dir, extra), /exited with 1/, extra.join(" "));
            assert.match(fs.readFileSync(path.join(dir, "valkey.log"), "utf8"), /Can't handle RDB format version 12/, extra.join(" "));
        }
        // The dump is untouched: a logical copy (SCAN and rewrite) is the way across, see docs/engines.md.
        assert.match(fs.readFileSync(path.join(dir, "dump.rdb")).subarray(0, 9).toString(), /^REDIS0012$/);
    });
});
