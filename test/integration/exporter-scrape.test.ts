// redis_exporter's multi-target endpoint, /scrape?target=<address>, dials any address the caller
// names with the exporter's configured credentials (issue #16, finding 5). The rendered pod gives
// the exporter its password only as a map keyed by its own address (exporter-auth.sh), so a
// foreign target gets no AUTH. Proven with the real exporter local mode runs
// (prometheus-redis-exporter) and a real redis-server from the rendered pod: a fake Redis-protocol
// listener on the loopback records every command it is sent. The negative control runs the same
// exporter the way it was configured before (REDIS_PASSWORD), and the listener does see the password.
import * as assert from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec, USERS } from "../../components/settings/spec";
import { ContainerPlan, materializeVolumes, planPod, runToCompletion, startContainer, stopProcess } from "../../local/pod";
import { LocalPod, startRedisPod } from "../../testing/redis-pod";
import { until } from "../../testing/sentinel-health";
import { requireTool } from "../../local/tools";

// This file's own address range.
const POD_IP = "127.0.61.11";
const FOREIGN = "127.0.61.99";
const FOREIGN_PORT = 6390;
const PASSWORD = `exporterTest${Math.random().toString(36).slice(2, 14)}`;

/** A Redis-protocol listener that answers every command with an error and keeps what it was sent. */
function fakeRedis(): Promise<{ commands: string[][]; raw: () => string; close: () => Promise<void> }> {
    const commands: string[][] = [];
    let raw = "";
    const server = net.createServer((socket) => {
        let buf = Buffer.alloc(0);
        socket.on("data", (d) => {
            raw += d.toString("latin1");
            buf = Buffer.concat([buf, d]);
            for (;;) {
                const parsed = parseCommand(buf);
                if (!parsed) break;
                commands.push(parsed.args);
                buf = buf.subarray(parsed.used);
                socket.write("-ERR this is not Redis\r\n");
            }
        });
        socket.on("error", () => undefined);
    });
    return new Promise((resolve) =>
        server.listen(FOREIGN_PORT, FOREIGN, () =>
            resolve({
                commands,
                raw: () => raw,
                close: () => new Promise<void>((r) => server.close(() => r())),
            }),
        ),
    );
}

/** One RESP array of bulk strings from the front of `buf`, or undefined until it is complete. */
function parseCommand(buf: Buffer): { args: string[]; used: number } | undefined {
    const line = (at: number) => {
        const end = buf.indexOf("\r\n", at);
        return end < 0 ? undefined : { text: buf.subarray(at, end).toString("latin1"), next: end + 2 };
    };
    const head = line(0);
    if (!head || !head.text.startsWith("*")) return undefined;
    let at = head.next;
    const args: string[] = [];
    for (let i = 0; i < Number(head.text.slice(1)); i++) {
        const len = line(at);
        if (!len) return undefined;
        const n = Number(len.text.slice(1));
        if (buf.length < len.next + n + 2) return undefined;
        args.push(buf.subarray(len.next, len.next + n).toString("latin1"));
        at = len.next + n + 2;
    }
    return { args, used: at };
}

const metricsOf = async (query: string) => (await fetch(`http://${POD_IP}:9121${query}`)).text();

describe("the exporter's /scrape endpoint against a foreign target", function () {
    this.timeout(90000);
    const objects = buildAllObjects(resolveSpec({}), "x");
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "exporter-scrape-"));
    let redis: LocalPod;
    let exporterPlan: ContainerPlan;
    let admin: Redis;

    before(async () => {
        requireTool("redis-server");
        requireTool("prometheus-redis-exporter");
        redis = startRedisPod(objects, 0, POD_IP, PASSWORD);
        const plan = planPod(objects, 0, POD_IP, root, PASSWORD);
        materializeVolumes(objects, plan, PASSWORD);
        const init = runToCompletion(plan.initContainers.find((c) => c.name === "exporter-auth")!);
        assert.strictEqual(init.status, 0, init.output);
        exporterPlan = plan.containers.find((c) => c.name === "exporter")!;
        await until(() => redis.runScript("redis-probe.sh", "startup").status === 0, "redis-server to start", 20000).catch((e) => {
            throw new Error(`${e.message}: ${redis.output()}`);
        });
        admin = new Redis({ host: POD_IP, port: 6379, username: USERS.admin, password: PASSWORD });
    });

    after(async () => {
        admin?.disconnect();
        await redis?.stop();
        fs.rmSync(root, { recursive: true, force: true });
    });

    async function withExporter(plan: ContainerPlan, body: () => Promise<void>): Promise<void> {
        let child: ChildProcess | undefined;
        try {
            child = startContainer(plan);
            await until(
                async () =>
                    metricsOf("/health").then(
                        (t) => t === "ok",
                        () => false,
                    ),
                "the exporter to listen",
                20000,
            );
            await body();
        } finally {
            if (child?.pid) await stopProcess(child.pid, 5000);
        }
    }

    it("as rendered: its own Redis gets the password, a foreign target gets no AUTH and no password", async () => {
        assert.strictEqual(exporterPlan.env.REDIS_PASSWORD, undefined);
        const fake = await fakeRedis();
        try {
            await withExporter(exporterPlan, async () => {
                assert.match(await metricsOf("/metrics"), /^redis_up 1$/m, "the exporter authenticates to its own Redis");
                const own = await metricsOf(`/scrape?target=redis://${POD_IP}:6379`);
                assert.match(own, /^redis_up 1$/m, "/scrape of the exporter's own address still authenticates");
                for (const target of [
                    `redis://${FOREIGN}:${FOREIGN_PORT}`,
                    `${FOREIGN}:${FOREIGN_PORT}`,
                    `redis://${USERS.exporter}@${FOREIGN}:${FOREIGN_PORT}`,
                ]) {
                    const before = fake.commands.length;
                    const foreign = await metricsOf(`/scrape?target=${encodeURIComponent(target)}`);
                    assert.match(foreign, /^redis_up 0$/m, target);
                    assert.ok(
                        fake.commands.length > before,
                        `the exporter did not dial ${target}: the listener would see nothing either way`,
                    );
                }
            });
            assert.deepStrictEqual(
                fake.commands.filter((c) => c[0].toUpperCase() === "AUTH" || c[0].toUpperCase() === "HELLO"),
                [],
            );
            assert.ok(!fake.raw().includes(PASSWORD), "the password reached the foreign listener");
        } finally {
            await fake.close();
        }
    });

    it("negative control: configured as before (REDIS_PASSWORD), the same exporter hands the password to the foreign target", async () => {
        const fake = await fakeRedis();
        try {
            const old = { ...exporterPlan, env: { ...exporterPlan.env, REDIS_PASSWORD: PASSWORD, REDIS_PASSWORD_FILE: "" } };
            await withExporter(old, async () => {
                await metricsOf(`/scrape?target=redis://${FOREIGN}:${FOREIGN_PORT}`);
            });
            assert.deepStrictEqual(
                fake.commands.find((c) => c[0].toUpperCase() === "AUTH"),
                ["AUTH", USERS.exporter, PASSWORD],
            );
        } finally {
            await fake.close();
        }
    });

    it("without SLOWLOG GET the slow-log alert's metric is still served, and SLOWLOG GET is the one refusal", async () => {
        await admin.call("CONFIG", "SET", "slowlog-log-slower-than", "0");
        await admin.call("SLOWLOG", "RESET");
        await admin.call("ACL", "LOG", "RESET");
        for (let i = 0; i < 5; i++) await admin.call("PING");
        let metrics = "";
        const scrapes = 4;
        await withExporter(exporterPlan, async () => {
            for (let i = 0; i < scrapes; i++) metrics = await metricsOf("/metrics");
        });
        await admin.call("CONFIG", "SET", "slowlog-log-slower-than", "10000");
        assert.match(metrics, /^redis_up 1$/m);
        const length = Number(/^redis_slowlog_length (\S+)$/m.exec(metrics)?.[1]);
        assert.ok(length >= 5, `redis_slowlog_length ${length}: the slow log holds at least the 5 PINGs`);
        // What SLOWLOG GET fed is gone; nothing an alert or the dashboard uses.
        assert.doesNotMatch(metrics, /^redis_slowlog_last_id /m);
        const log = ((await admin.call("ACL", "LOG")) as unknown[][]).map((e) => {
            const flat = e as unknown[];
            return Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [String(flat[2 * i]), flat[2 * i + 1]]));
        });
        const byExporter = log.filter((e) => e.username === USERS.exporter);
        assert.deepStrictEqual([...new Set(byExporter.map((e) => e.object))], ["slowlog|get"]);
        // Redis folds repeats within 60 s into one entry: the refusals do not flood the ACL log.
        console.log(
            `      ${scrapes} scrapes: ${byExporter.length} ACL LOG entr${byExporter.length === 1 ? "y" : "ies"} by the exporter, count ${byExporter.map((e) => e.count).join(",")}`,
        );
        assert.strictEqual(byExporter.length, 1);
        assert.strictEqual(Number(byExporter[0].count), scrapes);
    });
});
