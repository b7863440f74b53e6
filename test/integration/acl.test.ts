// ACL users and password rotation against real processes: six rendered pods (3 shards x 1 replica)
// on 127.0.17.x, each with its own password per user, formed by our formation code; the real
// prometheus-redis-exporter with the rendered exporter container's environment; and a rotation
// through the credentials provider while clients write continuously (auth.rotation + 1). Throughout,
// the secret-leak sampler watches every process and every file of the pods.
import * as assert from "assert";
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis, { Cluster } from "ioredis";
import { Credentials, acceptedPasswords, credentialsFromSlots, secretData } from "../../components/auth/rotation";
import { credentialsProvider } from "../../components/formation/provider";
import { formCluster } from "../../components/formation/live/formation";
import type { FormationNode } from "../../components/formation/types";
import { buildAllObjects } from "../../components/kubernetes";
import { ClusterSpec, resolveSpec, USER_ROLES, UserRole, USERS } from "../../components/settings/spec";
import { materializeVolumes, planPod, runToCompletion, startContainer, stopProcess } from "../../local/pod";
import { LocalPod, startRedisPod } from "../../testing/redis-pod";
import { requireTool } from "../../local/tools";
import { assertNoLeaks, LeakSampler } from "../support/leak-sampler";
import { ACL_RULES } from "../../components/redis/acl";

/** The users that log in on Redis: the Sentinels' peer user exists there too, switched off. */
const LOGIN_ROLES = USER_ROLES.filter((r) => !ACL_RULES[r].startsWith("off"));

const keySlot: (key: string) => number = require("cluster-key-slot");
/** ACL LOG entries are flat [field, value, ...] lists. */
const chunk = (flat: unknown[]): [string, unknown][] =>
    Array.from({ length: flat.length / 2 }, (_, i) => [String(flat[2 * i]), flat[2 * i + 1]]);
const ip = (i: number) => `127.0.17.${11 + i}`;
// ip(6) is an extra, unformed pod.
const nodes: FormationNode[] = Array.from({ length: 6 }, (_, i) => ({ name: `redis-${i}`, ip: ip(i), port: 6379, host: "", zone: "" }));
let leaks: LeakSampler | undefined;
/** A generation of passwords, told to the leak sampler before any process holds them. */
const gen = (tag: string) => {
    const passwords = Object.fromEntries(USER_ROLES.map((r) => [r, `${tag}${r}Pw${Math.random().toString(36).slice(2, 14)}`])) as Record<
        UserRole,
        string
    >;
    for (const r of USER_ROLES) leaks?.addSecret(`${USERS[r]}-password`, passwords[r]);
    return passwords;
};

/** The commands the app user must be refused (issue #8's list and the like). */
const DANGEROUS: string[][] = [
    ["FLUSHALL"],
    ["FLUSHDB"],
    ["CONFIG", "GET", "maxmemory"],
    ["CONFIG", "SET", "maxmemory", "0"],
    ["DEBUG", "SLEEP", "0"],
    ["SHUTDOWN", "NOSAVE"],
    ["KEYS", "*"],
    ["MONITOR"],
    ["CLUSTER", "FAILOVER"],
    ["CLUSTER", "RESET"],
    ["CLUSTER", "FORGET", "x"],
    ["CLUSTER", "MEET", "127.0.0.1", "1"],
    ["CLUSTER", "ADDSLOTS", "1"],
    ["CLUSTER", "SETSLOT", "1", "STABLE"],
    ["ACL", "LIST"],
    ["ACL", "SETUSER", "x"],
    ["REPLICAOF", "NO", "ONE"],
    ["BGSAVE"],
    ["SAVE"],
    ["CLIENT", "KILL", "ID", "1"],
    ["CLIENT", "LIST"],
    ["MIGRATE", "127.0.0.1", "1", "k", "0", "1"],
    ["SLOWLOG", "RESET"],
    ["SWAPDB", "0", "1"],
    ["BGREWRITEAOF"],
];

async function connectAs(i: number, username: string | undefined, password: string | undefined): Promise<Redis> {
    const c = new Redis({
        host: ip(i),
        port: 6379,
        username,
        password,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableReadyCheck: false,
    });
    c.on("error", () => undefined);
    await c.connect();
    return c;
}

/** What AUTH answers on a fresh connection: "OK", or the error text. */
async function auth(i: number, ...args: string[]): Promise<string> {
    const c = await connectAs(i, undefined, undefined);
    try {
        return String(await c.call("AUTH", ...args));
    } catch (e) {
        return e instanceof Error ? e.message : String(e);
    } finally {
        c.disconnect();
    }
}

/** The error text a raw command gets (or "" when it succeeds). */
async function refusal(c: Redis, args: string[]): Promise<string> {
    try {
        await c.call(args[0], ...args.slice(1));
        return "";
    } catch (e) {
        return e instanceof Error ? e.message : String(e);
    }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

describe("ACL users (rendered pods, real redis-server)", function () {
    this.timeout(180000);
    let spec: ClusterSpec;
    let creds: Credentials<string>;
    let pods: LocalPod[] = [];
    let objects: ReturnType<typeof buildAllObjects>;

    before(async function () {
        requireTool("redis-server");
        requireTool("prometheus-redis-exporter");
        leaks = LeakSampler.start({ stateRoots: [] });
        spec = resolveSpec({ shards: 3, replicasPerShard: 1, redis: { maxmemory: "64mb" } });
        creds = { current: gen("c0") };
        objects = buildAllObjects(spec, creds);
        pods = nodes.map((n, i) => startRedisPod(objects, i, n.ip, secretData(creds)));
        for (const p of pods) leaks.watch(p.root);
        await formCluster(
            nodes,
            { shards: 3, replicasPerShard: 1 },
            { password: creds.current.admin, readyTimeoutMs: 30000, nodeTimeoutMs: 5000 },
        );
    });

    after(async () => {
        await Promise.all(pods.map((p) => p.stop()));
        const report = await leaks?.stop();
        for (const p of pods) fs.rmSync(p.root, { recursive: true, force: true });
        if (report)
            assertNoLeaks(
                report,
                USER_ROLES.map((r) => `${USERS[r]}-password`),
            );
    });

    it("keeps every password out of the ACL file and the runtime conf except masterauth, both mode 600", () => {
        for (const p of pods.slice(0, 1)) {
            const acl = fs.readFileSync(path.join(p.root, "run", "users.acl"), "utf8");
            const conf = fs.readFileSync(path.join(p.root, "run", "redis.conf"), "utf8");
            for (const role of USER_ROLES) assert.ok(!acl.includes(creds.current[role]), `${role}'s password in users.acl`);
            for (const role of USER_ROLES.filter((r) => r !== "replication"))
                assert.ok(!conf.includes(creds.current[role]), `${role}'s password in redis.conf`);
            assert.match(acl, /^user default off /m);
            for (const f of ["users.acl", "redis.conf"])
                assert.strictEqual(fs.statSync(path.join(p.root, "run", f)).mode & 0o077, 0, `${f} readable by others`);
        }
    });

    it("refuses the app user every dangerous command with NOPERM", async () => {
        const app = await connectAs(0, USERS.app, creds.current.app);
        const admin = await connectAs(0, USERS.admin, creds.current.admin);
        try {
            const allowed: string[] = [];
            for (const cmd of DANGEROUS) {
                // DEBUG is refused before the ACL check while enable-debug-command is off (the
                // default); ACL DRYRUN shows the app user would be refused it anyway.
                const err = await refusal(app, cmd);
                if (!/^NOPERM/.test(err) && !(cmd[0] === "DEBUG" && /DEBUG command not allowed/.test(err)))
                    allowed.push(`${cmd.join(" ")} -> ${err || "accepted"}`);
                const dry = String(await admin.call("ACL", "DRYRUN", USERS.app, ...cmd));
                if (!/no permissions/.test(dry)) allowed.push(`ACL DRYRUN ${cmd.join(" ")} -> ${dry}`);
            }
            assert.deepStrictEqual(allowed, []);
        } finally {
            app.disconnect();
            admin.disconnect();
        }
    });

    it("lets the app user do its work: data commands through a cluster client, discovery, redis-cli --cluster check", async () => {
        const cluster = new Cluster([{ host: ip(0), port: 6379 }], { redisOptions: { username: USERS.app, password: creds.current.app } });
        try {
            for (let i = 0; i < 200; i++) await cluster.set(`acl:${i}`, `v${i}`);
            const values = await Promise.all(Array.from({ length: 200 }, (_, i) => cluster.get(`acl:${i}`)));
            assert.deepStrictEqual(
                values,
                Array.from({ length: 200 }, (_, i) => `v${i}`),
            );
            assert.strictEqual(await cluster.incr("acl:counter"), 1);
            assert.strictEqual(await cluster.hset("acl:{h}", "f", "1"), 1);
            await cluster.del("acl:counter");
            await cluster.del("acl:{h}");
        } finally {
            cluster.disconnect();
        }
        const app = await connectAs(0, USERS.app, creds.current.app);
        try {
            for (const sub of ["SLOTS", "SHARDS", "NODES", "INFO", "MYID"])
                assert.strictEqual(await refusal(app, ["CLUSTER", sub]), "", `CLUSTER ${sub}`);
            assert.strictEqual(await app.call("CLUSTER", "KEYSLOT", "acl:1"), keySlot("acl:1"));
            assert.match(String(await app.call("INFO", "server")), /redis_version/);
            const scan = (await app.call("SCAN", "0", "COUNT", "1000")) as [string, string[]];
            assert.ok(Array.isArray(scan[1]));
        } finally {
            app.disconnect();
        }
        const check = spawnSync("redis-cli", ["--user", USERS.app, "--cluster", "check", `${ip(0)}:6379`], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: creds.current.app },
        });
        assert.strictEqual(check.status, 0, check.stdout + check.stderr);
        assert.match(check.stdout, /All 16384 slots covered/);
    });

    it("refuses wrong passwords with WRONGPASS and missing ones with NOAUTH; the default user is off", async () => {
        const wrongpass = /^WRONGPASS invalid username-password pair or user is disabled/;
        assert.match(await auth(0, USERS.app, "not-the-password"), wrongpass);
        assert.match(await auth(0, USERS.admin, creds.current.app), wrongpass);
        assert.match(await auth(0, "nobody", creds.current.app), wrongpass);
        // A password alone authenticates as `default`, which is off: even the right one is refused.
        assert.match(await auth(0, creds.current.app), wrongpass);
        assert.strictEqual(await auth(0, USERS.app, creds.current.app), "OK");
        const anonymous = await connectAs(0, undefined, undefined);
        try {
            assert.match(await refusal(anonymous, ["GET", "x"]), /^NOAUTH Authentication required/);
            assert.match(await refusal(anonymous, ["PING"]), /^NOAUTH/);
        } finally {
            anonymous.disconnect();
        }
        const admin = await connectAs(0, USERS.admin, creds.current.admin);
        try {
            assert.match(String(await admin.call("ACL", "GETUSER", "default")), /off/);
        } finally {
            admin.disconnect();
        }
    });

    it("replicas sync as the replication user, which can pull a snapshot and nothing else", async () => {
        const admin = await connectAs(0, USERS.admin, creds.current.admin);
        const role = (await admin.call("ROLE")) as unknown[];
        admin.disconnect();
        const master = role[0] === "master" ? 0 : nodes.findIndex((n) => n.ip === String((role as string[])[1]));
        for (let i = 0; i < 6; i++) {
            const c = await connectAs(i, USERS.admin, creds.current.admin);
            const info = String(await c.call("INFO", "replication"));
            c.disconnect();
            if (/role:slave/.test(info)) assert.match(info, /master_link_status:up/, `${nodes[i].name}`);
        }
        const rdb = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "acl-rdb-")), "dump.rdb");
        const pull = spawnSync("redis-cli", ["--user", USERS.replication, "-h", ip(master), "--rdb", rdb], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: creds.current.replication },
            timeout: 30000,
        });
        assert.strictEqual(pull.status, 0, pull.stdout + pull.stderr);
        assert.strictEqual(fs.readFileSync(rdb).subarray(0, 5).toString(), "REDIS");
        fs.rmSync(path.dirname(rdb), { recursive: true, force: true });
        const repl = await connectAs(master, USERS.replication, creds.current.replication);
        try {
            for (const cmd of [["GET", "x"], ["SET", "x", "1"], ["INFO"], ["CLUSTER", "NODES"], ["CONFIG", "GET", "masterauth"]]) {
                assert.match(await refusal(repl, cmd), /^NOPERM/, cmd.join(" "));
            }
        } finally {
            repl.disconnect();
        }
    });

    it("lets the real exporter, with the rendered container's environment, scrape everything and nothing more", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "acl-exporter-"));
        const plan = planPod(objects, 0, ip(0), root, secretData(creds));
        materializeVolumes(objects, plan, secretData(creds));
        const exporterPlan = plan.containers.find((c) => c.name === "exporter")!;
        assert.strictEqual(exporterPlan.env.REDIS_USER, USERS.exporter);
        // The password reaches it only through the map its init container writes (exporter-scrape.test.ts).
        assert.strictEqual(exporterPlan.env.REDIS_PASSWORD, undefined);
        const init = runToCompletion(plan.initContainers.find((c) => c.name === "exporter-auth")!);
        assert.strictEqual(init.status, 0, init.output);
        const admin = await connectAs(0, USERS.admin, creds.current.admin);
        await admin.call("ACL", "LOG", "RESET");
        let exporter: ChildProcess | undefined;
        try {
            exporter = startContainer(exporterPlan);
            let metrics = "";
            await until("the exporter's metrics", 20000, async () => {
                metrics = await (await fetch(`http://${ip(0)}:9121/metrics`)).text();
                return /^redis_up 1$/m.test(metrics) && /^redis_cluster_state 1$/m.test(metrics);
            });
            for (const m of [
                "redis_memory_used_bytes",
                "redis_memory_max_bytes",
                "redis_connected_slaves",
                "redis_commands_total",
                "redis_slowlog_length",
                "redis_cluster_slots_ok",
            ]) {
                assert.match(metrics, new RegExp(`^${m}(\\{| )`, "m"), m);
            }
            // Two scrapes, and of their commands only SLOWLOG GET was refused: the exporter sends it
            // on every scrape (no flag turns it off), and the exporter user may not read the entries.
            await (await fetch(`http://${ip(0)}:9121/metrics`)).text();
            const denied = (await admin.call("ACL", "LOG")) as unknown[][];
            const byExporter = denied.map((e) => Object.fromEntries(chunk(e))).filter((e) => e.username === USERS.exporter);
            assert.deepStrictEqual([...new Set(byExporter.map((e) => e.object))], ["slowlog|get"]);
        } finally {
            if (exporter?.pid) await stopProcess(exporter.pid, 5000);
            admin.disconnect();
            fs.rmSync(root, { recursive: true, force: true });
        }
        const exp = await connectAs(0, USERS.exporter, creds.current.exporter);
        try {
            for (const cmd of [
                ["SET", "x", "1"],
                ["GET", "x"],
                ["SCAN", "0"],
                ["CONFIG", "GET", "*"],
                ["FLUSHALL"],
                ["CLUSTER", "NODES"],
                ["CLIENT", "LIST"],
            ]) {
                assert.match(await refusal(exp, cmd), /^NOPERM/, cmd.join(" "));
            }
            assert.strictEqual(await exp.ping(), "PONG");
        } finally {
            exp.disconnect();
        }
    });

    it("starts a pod mid-rotation accepting both generations from the Secret; default as an app alias when asked for", async () => {
        const old = gen("s0");
        const fresh = gen("s1");
        const slots = Object.fromEntries(USER_ROLES.map((r) => [r, { a: old[r], b: fresh[r] }])) as Record<
            UserRole,
            { a: string; b: string }
        >;
        const midSpec = resolveSpec({ shards: 3, replicasPerShard: 1, auth: { rotation: 1, acceptPrevious: true, defaultUser: true } });
        const mid = credentialsFromSlots(midSpec, slots);
        const pod = startRedisPod(buildAllObjects(midSpec, mid), 6, ip(6), secretData(mid));
        leaks?.watch(pod.root);
        try {
            await until("the mid-rotation pod to answer", 15000, async () => (await auth(6, USERS.admin, fresh.admin)) === "OK");
            for (const role of LOGIN_ROLES) {
                assert.strictEqual(await auth(6, USERS[role], old[role]), "OK", `previous ${role}`);
                assert.strictEqual(await auth(6, USERS[role], fresh[role]), "OK", `current ${role}`);
                assert.match(await auth(6, USERS[role], gen("x")[role]), /^WRONGPASS/, `wrong ${role}`);
            }
            assert.match(await auth(6, USERS.sentinel, fresh.sentinel), /^WRONGPASS/, "the Sentinels' peer user is off on Redis");
            // `default` takes the app user's passwords, and its rights: a password-only client
            // works and is still refused the dangerous commands.
            assert.strictEqual(await auth(6, fresh.app), "OK");
            assert.match(await auth(6, fresh.admin), /^WRONGPASS/);
            const legacy = await connectAs(6, undefined, fresh.app);
            try {
                // (The pod is not in a cluster, so no slot is served: commands without keys.)
                assert.strictEqual(await legacy.call("ECHO", "legacy"), "legacy");
                assert.match(String(await legacy.call("CLUSTER", "MYID")), /^[0-9a-f]{40}$/);
                assert.match(await refusal(legacy, ["FLUSHALL"]), /^NOPERM/);
            } finally {
                legacy.disconnect();
            }
            const acl = fs.readFileSync(path.join(pod.root, "run", "users.acl"), "utf8");
            for (const role of USER_ROLES)
                assert.ok(!acl.includes(old[role]) && !acl.includes(fresh[role]), `${role}'s password in users.acl`);
        } finally {
            await pod.stop();
            fs.rmSync(pod.root, { recursive: true, force: true });
        }
    });

    it("rotates every password under continuous writes: no write fails, then the old passwords are refused", async () => {
        const old = creds.current;
        const fresh = gen("c1");
        const slots = Object.fromEntries(USER_ROLES.map((r) => [r, { a: old[r], b: fresh[r] }])) as Record<
            UserRole,
            { a: string; b: string }
        >;
        const overlap = credentialsFromSlots(
            resolveSpec({ shards: 3, replicasPerShard: 1, auth: { rotation: 1, acceptPrevious: true } }),
            slots,
        );
        const done = credentialsFromSlots(resolveSpec({ shards: 3, replicasPerShard: 1, auth: { rotation: 1 } }), slots);
        assert.deepStrictEqual(overlap, { current: fresh, previous: old });
        assert.deepStrictEqual(done, { current: fresh });
        const base = {
            nodes: nodes.map((n) => ({ name: n.name, address: n.ip, port: 6379, host: "", zone: "" })),
            shards: 3,
            replicasPerShard: 1,
            connectivity: "direct",
            readyTimeoutSeconds: 30,
            namespace: "ns",
            podSelector: "x",
        };
        const inputs = (c: Credentials<string>) => ({ ...base, password: c.current.admin, users: acceptedPasswords(spec, c) });

        // A client that re-authenticates all the time: a new cluster connection per batch, with
        // whatever password it was last handed (as an application rolling over would be).
        let password = old.app;
        const failures: string[] = [];
        const phases: Record<string, number> = {};
        let phase = "before";
        let running = true;
        let written = 0;
        const writer = (async () => {
            while (running) {
                const c = new Cluster([{ host: ip(written % 6), port: 6379 }], {
                    redisOptions: { username: USERS.app, password },
                    clusterRetryStrategy: () => null,
                });
                c.on("error", () => undefined);
                try {
                    for (let i = 0; i < 10; i++, written++) {
                        await c.set(`rot:${written}`, String(written));
                        phases[phase] = (phases[phase] ?? 0) + 1;
                    }
                } catch (e) {
                    failures.push(`${phase}: ${e instanceof Error ? e.message : e}`);
                } finally {
                    c.disconnect();
                }
            }
        })();
        const waitWrites = async (p: string, n: number) => until(`${n} writes in phase ${p}`, 30000, async () => (phases[p] ?? 0) >= n);
        try {
            await waitWrites("before", 30);
            // Step 1 (rotation 1, acceptPrevious true): the Secret gets both, the provider makes
            // every node accept both; clients are handed the new one.
            phase = "overlap";
            await credentialsProvider.update!("creds", inputs(creds), inputs(overlap));
            for (const role of LOGIN_ROLES) {
                assert.strictEqual(await auth(1, USERS[role], old[role]), "OK", `old ${role} password during the overlap`);
                assert.strictEqual(await auth(1, USERS[role], fresh[role]), "OK", `new ${role} password during the overlap`);
            }
            await waitWrites("overlap", 30);
            password = fresh.app;
            phase = "new-password";
            await waitWrites("new-password", 30);
            // Step 2 (acceptPrevious false): the old passwords go.
            await credentialsProvider.update!("creds", inputs(overlap), inputs(done));
            phase = "after";
            await waitWrites("after", 30);
        } finally {
            running = false;
            await writer;
        }
        assert.deepStrictEqual(failures, []);
        for (let i = 0; i < 6; i++) {
            for (const role of LOGIN_ROLES) {
                assert.match(await auth(i, USERS[role], old[role]), /^WRONGPASS/, `${nodes[i].name} ${role}`);
                assert.strictEqual(await auth(i, USERS[role], fresh[role]), "OK", `${nodes[i].name} ${role}`);
            }
        }
        // Every acknowledged write is there.
        const check = new Cluster([{ host: ip(0), port: 6379 }], { redisOptions: { username: USERS.app, password: fresh.app } });
        try {
            const values = await Promise.all(Array.from({ length: written }, (_, i) => check.get(`rot:${i}`)));
            assert.deepStrictEqual(values.filter((v, i) => v !== String(i)).length, 0);
        } finally {
            check.disconnect();
        }
        // Replicas re-sync with the new replication password once their links drop.
        for (let i = 0; i < 6; i++) {
            const c = await connectAs(i, USERS.admin, fresh.admin);
            await c.call("CLIENT", "KILL", "TYPE", "replica");
            c.disconnect();
        }
        await until("every replica's link up again", 30000, async () => {
            for (let i = 0; i < 6; i++) {
                const c = await connectAs(i, USERS.admin, fresh.admin);
                const info = String(await c.call("INFO", "replication"));
                c.disconnect();
                if (/role:slave/.test(info) && !/master_link_status:up/.test(info)) return false;
            }
            return true;
        });
        creds = { current: fresh };
        console.log(
            `      rotation: ${written} writes over ${Object.entries(phases)
                .map(([p, n]) => `${p} ${n}`)
                .join(", ")}`,
        );
    });

    it("an emergency rotation (disconnectRevoked) ends the sessions a revoked password opened; a plain one keeps them", async () => {
        const base = {
            nodes: nodes.map((n) => ({ name: n.name, address: n.ip, port: 6379, host: "", zone: "" })),
            shards: 3,
            replicasPerShard: 1,
            connectivity: "direct",
            readyTimeoutSeconds: 30,
            namespace: "ns",
            podSelector: "x",
        };
        const inputs = (c: Credentials<string>, disconnectRevoked = false) => ({
            ...base,
            password: c.current.admin,
            users: acceptedPasswords(spec, c),
            ...(disconnectRevoked ? { disconnectRevoked } : {}),
        });
        const session = async () => {
            const c = await connectAs(1, USERS.app, creds.current.app);
            assert.strictEqual(await c.ping(), "PONG");
            return c;
        };
        const alive = (c: Redis) =>
            c.ping().then(
                (r) => r === "PONG",
                () => false,
            );

        // A plain rotation: the old password opens nothing new, but the open session goes on.
        const kept = await session();
        const second = { current: gen("c2") };
        await credentialsProvider.update!("creds", inputs(creds), inputs(second));
        assert.match(await auth(1, USERS.app, creds.current.app), /^WRONGPASS/);
        assert.strictEqual(await alive(kept), true, "a plain rotation ended a session");
        kept.disconnect();
        creds = second;

        // The emergency one: the session opened with the revoked password is gone on every node.
        const leaked = await session();
        leaked.options.maxRetriesPerRequest = 0;
        leaked.options.retryStrategy = () => null;
        const third = { current: gen("c3") };
        await credentialsProvider.update!("creds", inputs(creds), inputs(third, true));
        assert.strictEqual(await alive(leaked), false, "a session of the revoked password still works");
        assert.match(await auth(1, USERS.app, creds.current.app), /^WRONGPASS/);
        assert.strictEqual(await auth(1, USERS.app, third.current.app), "OK");
        creds = third;
        // Replication goes on with the new password (replicas were killed too, and re-synced).
        await until("every replica's link up again", 30000, async () => {
            for (let i = 0; i < 6; i++) {
                const c = await connectAs(i, USERS.admin, third.current.admin);
                const info = String(await c.call("INFO", "replication"));
                c.disconnect();
                if (/role:slave/.test(info) && !/master_link_status:up/.test(info)) return false;
            }
            return true;
        });
    });
});
