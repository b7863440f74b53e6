// The denial matrix of the sentinel topology (issue 16): every user of the Sentinels and of the
// Redis pods, asked with the real redis-cli (password in REDISCLI_AUTH, never on the command line)
// in local mode: each command it needs works, each it must not run is refused. Then the guide's
// Sentinel clients (ioredis, redis-py) fail over end to end as the Sentinels' client user, and the
// Sentinels' ACL LOG shows that nothing the real clients, exporter and peers sent was refused.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Redis from "ioredis";
import { podAction } from "../../local/deployment";
import { SentinelProbe, until } from "../../testing/sentinel-health";
import { SentinelWorkload } from "../../testing/sentinel-workload";
import { requireTool } from "../../local/tools";
import { passwordKey, USER_ROLES, UserRole, USERS } from "../../components/settings/spec";
import { printLogsOnFailure, startDevDeployment, TestDeployment } from "../support/local-deployment";

const STACK = "sentinel-dev";
const BASE = "127.0.21.11";
const SENTINEL_PORT = 26379;
const NOPERM = /^NOPERM/;

describe("sentinel topology: who may do what (local mode, real redis-cli, ioredis, redis-py)", function () {
    this.timeout(180000);
    let t: TestDeployment;
    let pw: Record<UserRole, string>;
    let sentinels: string[];
    let sentinelHosts: string[];
    let masterName: string;
    let probe: SentinelProbe;
    let redisHosts: string[];

    /** redis-cli as `user` against host:port; the reply, or the error it printed. */
    const as = (user: string, password: string, host: string, port: number, ...args: string[]): string => {
        const r = spawnSync("redis-cli", ["--no-auth-warning", "--user", user, "-h", host, "-p", String(port), ...args], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: password },
            timeout: 5000,
        });
        return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
    };
    const onSentinel = (user: UserRole, ...args: string[]) => as(USERS[user], pw[user], sentinelHosts[0], SENTINEL_PORT, ...args);
    /** The master at the start of the test at hand. */
    let master: string;
    const onMaster = (user: UserRole, ...args: string[]) => as(USERS[user], pw[user], master, 6379, ...args);

    function assertMatrix(where: string, run: (...args: string[]) => string, allowed: [string[], RegExp][], denied: string[][]): void {
        for (const [args, reply] of allowed) assert.match(run(...args), reply, `${where}: ${args.join(" ")} should work`);
        for (const args of denied) assert.match(run(...args), NOPERM, `${where}: ${args.join(" ")} should be refused`);
    }

    before(async () => {
        for (const tool of ["redis-server", "redis-sentinel", "redis-cli", "prometheus-redis-exporter"]) requireTool(tool);
        t = await startDevDeployment(BASE, STACK);
        const secrets = path.dirname(t.deployment.passwordFile);
        pw = Object.fromEntries(USER_ROLES.map((r) => [r, fs.readFileSync(path.join(secrets, passwordKey(r)), "utf8")])) as Record<
            UserRole,
            string
        >;
        sentinels = t.deployment.sentinels!;
        sentinelHosts = sentinels.map((s) => s.split(":")[0]);
        masterName = t.deployment.masterName!;
        redisHosts = t.deployment.pods.filter((p) => t.deployment.seeds.includes(`${p.address}:6379`)).map((p) => p.host);
        probe = new SentinelProbe(redisHosts, sentinels, pw.app, masterName, pw.admin);
        await until(() => probe.healthyMaster() !== undefined, "one master, linked replicas, every Sentinel naming it");
        await until(
            () => sentinels.every((s) => /^OK 3 usable Sentinels/.test(probe.ckquorum(s))),
            "every Sentinel counts 3 usable Sentinels",
        );
    });

    beforeEach(() => {
        master = probe.healthyMaster()!;
    });

    afterEach(function () {
        printLogsOnFailure(this, t, STACK);
    });

    after(async () => {
        await t?.stop();
    });

    it("the Sentinels' client user (app) may only ask: no SENTINEL SET/REMOVE/FAILOVER/CONFIG SET, ACL SETUSER, SHUTDOWN or PUBLISH", () => {
        assertMatrix(
            "app on a Sentinel",
            (...a) => onSentinel("app", ...a),
            [
                [["ping"], /^PONG$/],
                [["sentinel", "get-master-addr-by-name", masterName], new RegExp(`^${master.replace(/\./g, "\\.")}\\n6379$`)],
                [["sentinel", "masters"], /^name\nredis-cluster\n/],
                [["sentinel", "sentinels", masterName], /^name\n/],
                [["sentinel", "replicas", masterName], /^name\n/],
            ],
            [
                ["sentinel", "set", masterName, "quorum", "1"],
                ["sentinel", "remove", masterName],
                ["sentinel", "failover", masterName],
                ["sentinel", "config", "set", "resolve-hostnames", "no"],
                ["sentinel", "monitor", "evil", "127.0.0.1", "6379", "1"],
                ["sentinel", "reset", "*"],
                ["sentinel", "debug"],
                ["acl", "setuser", "app", "+@all"],
                ["acl", "list"],
                ["shutdown", "nosave"],
                ["publish", "__sentinel__:hello", "127.0.0.1,26379,x,0,redis-cluster,127.0.0.1,6379,99"],
                ["client", "kill", "type", "normal"],
                ["info"],
            ],
        );
        // Nothing changed: the Sentinels still name the same master with their quorum.
        assert.strictEqual(probe.sentinelView(sentinels[0]), master);
        assert.match(probe.ckquorum(sentinels[0]), /^OK 3 usable Sentinels/);
    });

    it("the Sentinels' default user is off: the app password alone (no user name) is refused", () => {
        const r = spawnSync("redis-cli", ["--no-auth-warning", "-h", sentinelHosts[0], "-p", String(SENTINEL_PORT), "ping"], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: pw.app },
            timeout: 5000,
        });
        assert.match(`${r.stdout}${r.stderr}`, /WRONGPASS|NOAUTH/);
        // Nor does any other user's password open `app`, or `admin` with the app password.
        assert.match(as(USERS.admin, pw.app, sentinelHosts[0], SENTINEL_PORT, "ping"), /WRONGPASS/);
        assert.match(as(USERS.app, pw.admin, sentinelHosts[0], SENTINEL_PORT, "ping"), /WRONGPASS/);
    });

    it("the exporter reads the Sentinel and nothing more; the peer user exchanges hellos and votes, nothing more", () => {
        assertMatrix(
            "exporter on a Sentinel",
            (...a) => onSentinel("exporter", ...a),
            [
                [["ping"], /^PONG$/],
                [["info", "sentinel"], /^# Sentinel\r?$/m],
                [["sentinel", "masters"], /^name\n/],
                [["sentinel", "ckquorum", masterName], /^OK 3 usable Sentinels/],
            ],
            [
                ["sentinel", "set", masterName, "quorum", "1"],
                ["sentinel", "failover", masterName],
                ["sentinel", "get-master-addr-by-name", masterName],
                ["acl", "setuser", "exporter", "+@all"],
                ["shutdown", "nosave"],
                ["publish", "__sentinel__:hello", "x"],
                ["subscribe", "+switch-master"],
            ],
        );
        assertMatrix(
            "sentinel (peer) on a Sentinel",
            (...a) => onSentinel("sentinel", ...a),
            [
                [["ping"], /^PONG$/],
                // A malformed hello is ignored by the Sentinel; PUBLISH itself is allowed, on this channel only.
                [["publish", "__sentinel__:hello", "malformed"], /^\d+$/],
            ],
            [
                ["publish", "+switch-master", "x"],
                ["sentinel", "masters"],
                ["sentinel", "set", masterName, "quorum", "1"],
                ["sentinel", "failover", masterName],
                ["acl", "setuser", "sentinel", "+@all"],
                ["shutdown", "nosave"],
            ],
        );
        assert.match(onSentinel("admin", "sentinel", "ckquorum", masterName), /^OK 3 usable Sentinels/);
    });

    it("on the Redis master: app cannot forge a Sentinel hello or a server notification, but publishes and subscribes elsewhere; the other users keep to their job", () => {
        assertMatrix(
            "app on the master",
            (...a) => onMaster("app", ...a),
            [
                [["set", "acl:k", "v"], /^OK$/],
                [["publish", "orders", "x"], /^\d+$/],
                [["publish", "_single", "x"], /^\d+$/],
                [["spublish", "orders", "x"], /^\d+$/],
            ],
            [
                ["publish", "__sentinel__:hello", "127.0.0.1,26379,x,0,redis-cluster,127.0.0.1,6379,99"],
                ["publish", "__keyspace@0__:acl:k", "del"],
                ["publish", "__redis__:invalidate", "acl:k"],
                ["spublish", "__sentinel__:hello", "x"],
                ["acl", "setuser", "app", "+@all"],
                ["config", "set", "masterauth", "x"],
                ["replicaof", "127.0.0.1", "6379"],
                ["shutdown", "nosave"],
            ],
        );
        // SUBSCRIBE and PSUBSCRIBE keep every channel (keyspace notifications included): the
        // subscription is confirmed, then redis-cli is stopped by its timeout.
        const sub = spawnSync(
            "redis-cli",
            ["--no-auth-warning", "--user", "app", "-h", master, "-p", "6379", "psubscribe", "__keyspace@0__:*"],
            { encoding: "utf8", env: { ...process.env, REDISCLI_AUTH: pw.app }, timeout: 1500 },
        );
        assert.match(sub.stdout, /^psubscribe\n__keyspace@0__:\*\n1$/m);
        assertMatrix(
            "exporter on the master",
            (...a) => onMaster("exporter", ...a),
            [[["info", "replication"], /role:master/]],
            [
                ["get", "acl:k"],
                ["config", "get", "masterauth"],
                ["publish", "orders", "x"],
                ["shutdown", "nosave"],
            ],
        );
        assertMatrix(
            "replication on the master",
            (...a) => onMaster("replication", ...a),
            [[["ping"], /^PONG$/]],
            [
                ["get", "acl:k"],
                ["set", "acl:k", "x"],
                ["publish", "orders", "x"],
                ["config", "set", "masterauth", "x"],
            ],
        );
        assertMatrix(
            "backup on the master",
            (...a) => onMaster("backup", ...a),
            [[["ping"], /^PONG$/]],
            // (PSYNC is refused too; redis-cli turns a typed PSYNC into its replica mode: backup-user.test.ts checks it.)
            [["get", "acl:k"], ["set", "acl:k", "x"], ["flushall"], ["publish", "orders", "x"]],
        );
        // The Sentinels' peer user is off on Redis.
        assert.match(onMaster("sentinel", "ping"), /WRONGPASS/);
        assert.strictEqual(onMaster("admin", "get", "acl:k"), "v");
    });

    it("ioredis and redis-py fail over end to end as the client user; +switch-master reaches a subscriber; no Sentinel refused a real client, exporter or peer", async () => {
        for (const h of sentinelHosts) assert.strictEqual(as(USERS.admin, pw.admin, h, SENTINEL_PORT, "acl", "log", "reset"), "OK");
        const old = master;
        // A plain subscriber on a Sentinel as the client user, as ioredis's failover detector is.
        // No ready check: it sends INFO, which the client user may not run (ioredis's own Sentinel
        // connections turn it off too).
        const subscriber = new Redis({
            host: sentinelHosts[1],
            port: SENTINEL_PORT,
            username: USERS.app,
            password: pw.app,
            enableReadyCheck: false,
        });
        const switches: string[] = [];
        subscriber.on("message", (channel, message) => channel === "+switch-master" && switches.push(message));
        assert.strictEqual(await subscriber.subscribe("+switch-master"), 1);
        const w = new SentinelWorkload(
            sentinels.map((s) => ({ host: s.split(":")[0], port: SENTINEL_PORT })),
            masterName,
            pw.app,
            "acl",
        );
        w.start();
        try {
            await until(() => w.replicaAcknowledged.length >= 20, "ioredis writes through the Sentinels as app");
            const at = Date.now();
            await podAction(STACK, t.deployment.pods.find((p) => p.host === old)!.name, "kill");
            await until(() => sentinels.every((s) => probe.sentinelView(s) !== old), "every Sentinel names a new master", 60000);
            await until(() => w.successesAfter(at) >= 20, "ioredis writes again after the failover", 60000);
            await until(() => switches.length > 0, "the subscriber heard +switch-master", 10000);
            const promoted = probe.sentinelView(sentinels[0]);
            assert.match(
                switches[0],
                new RegExp(`^${masterName} ${old.replace(/\./g, "\\.")} 6379 ${promoted.replace(/\./g, "\\.")} 6379$`),
            );
            assert.strictEqual(w.authErrors, 0);
            // redis-py's Sentinel (the guide's snippet): SENTINEL MASTERS finds the new master, it writes there.
            const py = spawnSync(
                "/usr/bin/python3",
                [
                    "-c",
                    [
                        "import os",
                        "from redis.sentinel import Sentinel",
                        "pw = os.environ['APP_PASSWORD']",
                        "s = Sentinel([(h, 26379) for h in os.environ['SENTINELS'].split()], sentinel_kwargs={'username': 'app', 'password': pw}, username='app', password=pw, socket_timeout=2)",
                        "s.master_for(os.environ['MASTER']).set('py:after', 'yes')",
                        "print(s.discover_master(os.environ['MASTER'])[0])",
                    ].join("\n"),
                ],
                { encoding: "utf8", env: { ...process.env, APP_PASSWORD: pw.app, SENTINELS: sentinelHosts.join(" "), MASTER: masterName } },
            );
            assert.strictEqual(py.status, 0, py.stderr);
            assert.strictEqual(py.stdout.trim(), promoted);
            assert.strictEqual(as(USERS.app, pw.app, promoted, 6379, "get", "py:after"), "yes");
        } finally {
            await w.stop();
            w.close();
            subscriber.disconnect();
        }
        // Every Sentinel exporter still scrapes as its own user.
        const metrics = await (await fetch(`http://${sentinelHosts[0]}:9121/metrics`)).text();
        assert.match(metrics, /^redis_up 1$/m);
        assert.match(metrics, /^redis_sentinel_masters 1$/m);
        // Clients, exporters and peers sent only what their users allow (the matrix's denials were
        // before the reset).
        for (const h of sentinelHosts) assert.strictEqual(as(USERS.admin, pw.admin, h, SENTINEL_PORT, "acl", "log"), "", `ACL LOG of ${h}`);
    });
});
