// What the rendered persistence settings do in a real redis-server: with the default `save ""`
// beside the AOF, a SIGTERM writes no RDB and a restart still has every key (from the AOF); with
// the guide's save rules, the same SIGTERM writes a full RDB first (the save a grace period would
// have to hold, docs/persistence.md).
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { renderRedisConf } from "../../components/redis/redis-conf";
import { resolveSpec } from "../../components/settings/spec";
import type { RedisClusterArgs } from "../../components/settings/args";
import { requireTool } from "../../local/tools";

const ADDRESS = "127.0.12.61";
const PORT = 6391;
const KEYS = 20000;

/** Starts redis-server on the rendered redis.conf (standalone: no cluster, no pod scripts); resolves once it answers. */
async function start(args: RedisClusterArgs, dir: string) {
    const conf = path.join(dir, "redis.conf");
    fs.writeFileSync(
        conf,
        `${renderRedisConf(resolveSpec(args))}cluster-enabled no\nbind ${ADDRESS}\nport ${PORT}\ndir ${dir}\nlogfile ${dir}/redis.log\n`,
    );
    const proc = spawn("redis-server", [conf], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
    const client = new Redis({ host: ADDRESS, port: PORT, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // Refused connections while redis-server starts are expected; the loop below retries them.
    client.on("error", () => undefined);
    const deadline = Date.now() + 20000;
    for (;;) {
        try {
            await client.connect();
            if ((await client.ping()) === "PONG") break;
        } catch {
            client.disconnect();
        }
        if (Date.now() > deadline) throw new Error(`redis-server did not start: ${fs.readFileSync(path.join(dir, "redis.log"), "utf8")}`);
        await new Promise((r) => setTimeout(r, 100));
    }
    return { proc, exited, client };
}

async function writeKeys(client: Redis): Promise<void> {
    const p = client.pipeline();
    for (let i = 0; i < KEYS; i++) p.set(`k:${i}`, `v-${i}`);
    await p.exec();
}

describe("persistence under SIGTERM (real redis-server, rendered redis.conf)", function () {
    this.timeout(120000);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "persistence-test-"));
    before(() => requireTool("redis-server"));
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it('default (`save ""` with the AOF): no RDB at shutdown, no fork while writing, every key back from the AOF', async () => {
        const dir = fs.mkdtempSync(path.join(root, "aof-"));
        const a = await start({}, dir);
        assert.deepStrictEqual(await a.client.config("GET", "save"), ["save", ""]);
        await writeKeys(a.client);
        const stats = String(await a.client.info("stats"));
        assert.match(stats, /total_forks:0\r?\n/, "something forked while writing");
        a.client.disconnect();
        a.proc.kill("SIGTERM");
        await a.exited;
        const log = fs.readFileSync(path.join(dir, "redis.log"), "utf8");
        assert.doesNotMatch(log, /Saving the final RDB snapshot/);
        assert.ok(!fs.existsSync(path.join(dir, "dump.rdb")), "dump.rdb was written");
        const b = await start({}, dir);
        try {
            assert.strictEqual(await b.client.dbsize(), KEYS);
            assert.strictEqual(await b.client.get(`k:${KEYS - 1}`), `v-${KEYS - 1}`);
        } finally {
            b.client.disconnect();
            b.proc.kill("SIGTERM");
            await b.exited;
        }
    });

    it("the guide's save rules: the same SIGTERM first writes a full RDB of the dataset", async () => {
        const dir = fs.mkdtempSync(path.join(root, "rdb-"));
        const guide = {
            redis: {
                save: [
                    { seconds: 900, changes: 1 },
                    { seconds: 300, changes: 10 },
                    { seconds: 60, changes: 10000 },
                ],
            },
        };
        const a = await start(guide, dir);
        assert.deepStrictEqual(await a.client.config("GET", "save"), ["save", "900 1 300 10 60 10000"]);
        await writeKeys(a.client);
        a.client.disconnect();
        a.proc.kill("SIGTERM");
        await a.exited;
        assert.match(fs.readFileSync(path.join(dir, "redis.log"), "utf8"), /Saving the final RDB snapshot/);
        assert.ok(fs.statSync(path.join(dir, "dump.rdb")).size > KEYS * 5, "the final RDB holds the dataset");
    });
});
