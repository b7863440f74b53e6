// The sentinel topology in local mode, with real redis-server and redis-sentinel processes run
// from the rendered sentinel-dev stack (1 master, 2 replicas, 3 Sentinels with quorum 2), and a
// Sentinel-aware client (ioredis with `sentinels`) writing through every fault. Throughout, and
// across the live rotation of every password, the secret-leak sampler watches every process and file.
import * as assert from "assert";
import Redis from "ioredis";
import { passwordKey, USER_ROLES, USERS } from "../../components/settings/spec";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { podAction, render, status } from "../../local/deployment";
import { stateDir } from "../../local/state";
import { SentinelProbe, until } from "../../testing/sentinel-health";
import { SentinelWorkload } from "../../testing/sentinel-workload";
import { requireTool } from "../../local/tools";
import { newStateRoot, printLogsOnFailure, startDevDeployment, TestDeployment, updateMountedSecret } from "../support/local-deployment";
import { assertNoLeaks, LeakSampler } from "../support/leak-sampler";
import { assertPoliciesHeld } from "../support/policy-audit";

const STACK = "sentinel-dev";
const BASE = "127.0.12.11";

describe("sentinel topology (local mode, real redis-sentinel)", function () {
    this.timeout(180000);
    let t: TestDeployment;
    /** The Redis pods, with their DNS names: Sentinels, replicas and clients know them by those. */
    let redisPods: { name: string; address: string; host: string }[];
    let sentinels: string[];
    let masterName: string;
    /** Every write acknowledged by a replica (WAIT 1) so far: none may ever be lost. */
    const mustSurvive: string[] = [];

    let probe: SentinelProbe;
    let leaks: LeakSampler;
    const field = SentinelProbe.field;
    const replication = (address: string) => probe.replication(address);
    const roles = () => redisPods.map((p) => probe.role(p.host));
    const sentinelView = (s: string) => probe.sentinelView(s);
    const healthy = () => probe.healthyMaster();
    const podByHost = (host: string) => redisPods.find((p) => p.host === host)!;

    async function assertSurvived(master: string): Promise<void> {
        const reader = new Redis({ host: master, port: 6379, username: USERS.app, password: t.password });
        try {
            assert.deepStrictEqual(await SentinelWorkload.missing(reader, mustSurvive), [], "writes acknowledged with WAIT were lost");
        } finally {
            reader.disconnect();
        }
    }

    /** Runs the workload around `fault`, until writes are accepted again; keeps what was acknowledged. */
    async function underLoad(prefix: string, fault: () => Promise<void>): Promise<SentinelWorkload> {
        const [host, port] = sentinels[0].split(":");
        const w = new SentinelWorkload(
            sentinels.map((s) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) })),
            masterName,
            t.password,
            prefix,
        );
        assert.ok(host && port);
        w.start();
        const t0 = Date.now();
        await until(() => w.replicaAcknowledged.length >= 50, "the workload writes");
        const t1 = Date.now();
        await fault();
        const at = Date.now();
        await until(() => w.successesAfter(at) >= 50, "writes are accepted again after the fault", 90000);
        console.log(
            `      ${prefix}: warm-up ${t1 - t0} ms, fault ${at - t1} ms, writes accepted again after ${w.gapAfterMs(at)} ms, ${w.errors} failed attempts`,
        );
        await w.stop();
        w.close();
        mustSurvive.push(...w.replicaAcknowledged);
        return w;
    }

    before(async () => {
        for (const tool of ["redis-server", "redis-sentinel", "redis-cli", "prometheus-redis-exporter"]) requireTool(tool);
        const root = newStateRoot();
        leaks = LeakSampler.start({ stateRoots: [root] });
        t = await startDevDeployment(BASE, STACK, root);
        leaks.scanText("local up's result (the stack's outputs)", JSON.stringify(t.deployment));
        redisPods = t.deployment.pods.filter((p) => t.deployment.seeds.includes(`${p.address}:6379`));
        sentinels = t.deployment.sentinels!;
        masterName = t.deployment.masterName!;
        probe = new SentinelProbe(
            redisPods.map((p) => p.host),
            sentinels,
            t.password,
            masterName,
            t.adminPassword,
        );
    });

    afterEach(function () {
        printLogsOnFailure(this, t, STACK);
    });

    after(async () => {
        await t?.stop();
        if (leaks) assertNoLeaks(await leaks.stop(), USER_ROLES.map(passwordKey));
    });

    it("first boot: pod 0 is the one master, both replicas linked, the Sentinels agree and have a quorum", async () => {
        assert.strictEqual(t.deployment.topology, "sentinel");
        assert.deepStrictEqual(sentinels, ["127.0.12.31:26379", "127.0.12.32:26379", "127.0.12.33:26379"]);
        assert.strictEqual(masterName, "redis-cluster");
        await until(() => healthy() !== undefined, "every replica is linked and every Sentinel names the master");
        assert.deepStrictEqual(roles(), ["master", "slave", "slave"]);
        // The Sentinels name the master by its DNS name, never its address.
        assert.strictEqual(healthy(), "redis-cluster-0.redis-cluster-headless.redis-sentinel-dev.svc.cluster.local");
        assert.strictEqual(field(replication(redisPods[0].host), "connected_slaves"), "2");
        // Sentinels find each other through the master's hello channel within a few seconds.
        await until(
            () => sentinels.every((s) => /^OK 3 usable Sentinels/.test(probe.ckquorum(s))),
            "every Sentinel counts 3 usable Sentinels (CKQUORUM OK)",
        );
    });

    it("serves the README's clients: redis-py's Sentinel finds the master and a replica; local status is healthy", async () => {
        const [host, port] = sentinels[0].split(":");
        const py = spawnSync(
            "/usr/bin/python3",
            [
                "-c",
                [
                    "import os, sys",
                    "from redis.sentinel import Sentinel",
                    "host, port, name, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], os.environ['REDIS_PASSWORD']",
                    // The password from the environment, as an application gets it from its Secret: never argv.
                    // The Sentinels' `default` user is off: the client names the app user there too.
                    "sentinel = Sentinel([(host, port)], sentinel_kwargs={'username': 'app', 'password': pw}, username='app', password=pw, socket_timeout=2)",
                    "master = sentinel.master_for(name)",
                    "master.set('py:hello', 'world')",
                    "master.execute_command('WAIT', 2, 2000)",
                    "print(sentinel.discover_master(name)[0], sentinel.slave_for(name).get('py:hello'))",
                ].join("\n"),
                host,
                port,
                masterName,
            ],
            { encoding: "utf8", env: { ...process.env, REDIS_PASSWORD: t.password } },
        );
        assert.strictEqual(py.status, 0, py.stderr);
        assert.strictEqual(py.stdout.trim(), `${redisPods[0].host} b'world'`);
        const s = await status(STACK);
        assert.strictEqual(s.healthy, true, JSON.stringify(s.pods.map((p) => p.probes)));
        assert.ok(
            s.pods.some((p) => p.probes["sentinel/readiness"]?.ok),
            "the Sentinels' readiness probes ran",
        );
    });

    it("the exporters cover the Sentinels: quorum and the master's health as metrics", async () => {
        await until(async () => {
            const text = await (await fetch("http://127.0.12.31:9121/metrics")).text();
            return /^redis_sentinel_master_ok_sentinels\{[^}]*master_name="redis-cluster"[^}]*\} 3$/m.test(text);
        }, "the Sentinel exporter reports 3 ok Sentinels");
        const text = await (await fetch("http://127.0.12.31:9121/metrics")).text();
        assert.match(text, /^redis_sentinel_master_ckquorum_status\{[^}]*\} 1$/m);
        assert.match(text, /^redis_sentinel_master_status\{[^}]*master_status="ok"[^}]*\} 1$/m);
    });

    it("master killed under write load: a replica is promoted, the client carries on, no WAIT-acknowledged write is lost", async () => {
        const old = healthy()!;
        const w = await underLoad("kill", () => podAction(STACK, podByHost(old).name, "kill").then(() => undefined));
        await until(() => sentinels.every((s) => sentinelView(s) !== old), "every Sentinel names a new master");
        const promoted = sentinelView(sentinels[0]);
        assert.notStrictEqual(promoted, old);
        assert.strictEqual(field(replication(promoted), "role"), "master");
        assert.ok(w.replicaAcknowledged.length > 50, "the workload wrote through the failover");
        await assertSurvived(promoted);
    });

    it("the old master returns as a replica of the new one, with the data", async () => {
        const dead = redisPods.find((p) => replication(p.host) === "")!;
        assert.ok(dead, "the killed pod is down");
        await podAction(STACK, dead.name, "start");
        const master = await (async () => {
            await until(() => healthy() !== undefined, "the returned pod is a linked replica");
            return healthy()!;
        })();
        assert.notStrictEqual(master, dead.host);
        assert.strictEqual(field(replication(dead.host), "role"), "slave");
        // It decided before Redis started: never a master, not even for a moment.
        const log = fs.readFileSync(path.join(t.root, STACK, "pods", `pod-${redisPods.indexOf(dead)}`, "redis.log"), "utf8");
        assert.match(
            log
                .split("\n")
                .filter((l) => l.startsWith("starting as"))
                .pop()!,
            new RegExp(`^starting as replica of ${master.replace(/\./g, "\\.")} 6379$`),
        );
        const replica = new Redis({ host: dead.host, port: 6379, username: USERS.app, password: t.password });
        try {
            assert.deepStrictEqual(await SentinelWorkload.missing(replica, mustSurvive), []);
        } finally {
            replica.disconnect();
        }
    });

    it("a replica no Sentinel knows, pointed at a dead master, finds the Sentinels' master by itself", async () => {
        const master = healthy()!;
        const orphan = redisPods.find((p) => p.host !== master)!;
        // Pointed at an address where nothing listens, and forgotten by every Sentinel (RESET
        // relearns replicas from the master, which no longer lists it): no Sentinel will fix it.
        assert.strictEqual(probe.admin(orphan.host, "replicaof", "127.0.12.99", "6379"), "OK");
        for (const s of sentinels) assert.strictEqual(probe.sentinelAdmin(s.split(":")[0], "sentinel", "reset", masterName), "1");
        await until(
            () =>
                field(replication(orphan.host), "master_host") === master && field(replication(orphan.host), "master_link_status") === "up",
            "the orphaned replica follows the master again",
            30000,
        );
        const log = fs.readFileSync(path.join(t.root, STACK, "pods", `pod-${redisPods.indexOf(orphan)}`, "redis.log"), "utf8");
        assert.match(
            log,
            new RegExp(
                `^follow: master 127\\.0\\.12\\.99 6379 unreachable .* the Sentinels name ${master.replace(/\./g, "\\.")} 6379: following it$`,
                "m",
            ),
        );
        await until(() => healthy() === master, "the Sentinels know the replica again");
        // RESET made them forget each other too; they meet again through the master's hello channel.
        await until(
            () => sentinels.every((s) => /^OK 3 usable Sentinels/.test(probe.ckquorum(s))),
            "every Sentinel counts 3 usable Sentinels again",
        );
    });

    it("a graceful stop of the master fails over first (preStop): no WAIT-acknowledged write is lost", async () => {
        const old = healthy()!;
        await underLoad("stop", () => podAction(STACK, podByHost(old).name, "stop").then(() => undefined));
        const promoted = sentinelView(sentinels[0]);
        assert.notStrictEqual(promoted, old);
        await assertSurvived(promoted);
        await podAction(STACK, podByHost(old).name, "start");
        await until(() => healthy() !== undefined, "the stopped pod is back as a replica");
        assert.strictEqual(field(replication(old), "role"), "slave");
    });

    it("one Sentinel alone (the others stopped) cannot fail over; with its peers back, they do", async () => {
        const master = healthy()!;
        const sentinelPods = t.deployment.pods.filter((p) => sentinels.includes(`${p.address}:26379`));
        for (const p of sentinelPods.slice(1)) await podAction(STACK, p.name, "stop");
        await until(() => /NOQUORUM/.test(probe.ckquorum(sentinels[0])), "the lone Sentinel reports NOQUORUM");
        await podAction(STACK, podByHost(master).name, "kill");
        // Several down-after periods (2 s) and the failover timeout's first attempt: the lone
        // Sentinel sees the master down but can neither agree it is down nor be elected.
        await new Promise((r) => setTimeout(r, 12000));
        assert.strictEqual(sentinelView(sentinels[0]), master, "the lone Sentinel moved the master");
        assert.deepStrictEqual(
            redisPods.filter((p) => p.host !== master).map((p) => field(replication(p.host), "role")),
            ["slave", "slave"],
        );

        for (const p of sentinelPods.slice(1)) await podAction(STACK, p.name, "start");
        await until(() => sentinels.every((s) => sentinelView(s) !== master), "the Sentinels, a quorum again, fail over");
        await podAction(STACK, podByHost(master).name, "start");
        await until(() => healthy() !== undefined, "the old master is back as a replica");
        await assertSurvived(healthy()!);
    });

    it("all pods restarted at once: exactly one master afterwards, no WAIT-acknowledged write lost", async () => {
        await underLoad("restart", async () => {
            const all = t.deployment.pods.map((p) => p.name);
            await Promise.all(all.map((name) => podAction(STACK, name, "kill")));
            await Promise.all(all.map((name) => podAction(STACK, name, "start")));
        });
        // The restart outlasts down-after (2 s), so the Sentinels may fail over meanwhile: wait
        // until the deployment is healthy and stays so for several down-after periods.
        let settled: string | undefined;
        let since = 0;
        await until(
            () => {
                const now = healthy();
                if (now === undefined || now !== settled) {
                    settled = now;
                    since = Date.now();
                }
                return settled !== undefined && Date.now() - since > 8000;
            },
            "one master, linked replicas, agreeing Sentinels, stable after the restart",
            120000,
        );
        assert.strictEqual(roles().filter((r) => r === "master").length, 1);
        await assertSurvived(settled!);
        await until(
            () => sentinels.every((s) => /^OK 3 usable Sentinels/.test(probe.ckquorum(s))),
            "every Sentinel reports CKQUORUM OK with 3 usable Sentinels",
        );
    });

    it("every Redis pod recreated at once on new addresses: the Sentinels follow the pods' names with no action, no WAIT-acknowledged write lost", async () => {
        await until(() => healthy() !== undefined, "a healthy deployment before the fault", 90000);
        const before = new Map(redisPods.map((p) => [p.name, p.address]));
        await underLoad("moved", async () => {
            // As `kubectl delete pod -l app.kubernetes.io/name=redis` (or a node pool replaced):
            // every Redis pod stops at once and comes back with a new IP; the Sentinels stay up.
            await Promise.all(redisPods.map((p) => podAction(STACK, p.name, "stop")));
            const moved = await Promise.all(redisPods.map((p, i) => podAction(STACK, p.name, "start", { address: `127.0.12.${51 + i}` })));
            redisPods = redisPods.map((p, i) => ({ ...p, address: moved[i].address }));
        });
        assert.ok(
            redisPods.every((p) => p.address !== before.get(p.name)),
            "every Redis pod has a new address",
        );
        await until(
            () => healthy() !== undefined,
            "one master, its replicas linked, every Sentinel naming it and reaching its replicas",
            90000,
        );
        const master = healthy()!;
        // The Sentinels reach the pods at their new addresses: none holds the master or a replica down.
        for (const s of sentinels) {
            assert.strictEqual(probe.sentinelFlags(s), "master");
            assert.ok(probe.knowsReplicas(s, master), `Sentinel ${s} does not reach every replica`);
        }
        await until(
            () => sentinels.every((s) => /^OK 3 usable Sentinels/.test(probe.ckquorum(s))),
            "every Sentinel reports CKQUORUM OK with 3 usable Sentinels",
        );
        await assertSurvived(master);
    });

    it("rotates every password live (no restart): writes never fail for authentication, then the old passwords are refused and a failover still works", async () => {
        const roles = ["admin", "app", "exporter", "replication"] as const;
        // The Sentinels' peer password rotates too (a Sentinel-only user: off on Redis).
        const rotated = [...roles, "sentinel"] as const;
        const secretsDir = path.dirname(t.deployment.passwordFile);
        const old = Object.fromEntries(rotated.map((r) => [r, fs.readFileSync(path.join(secretsDir, `${USERS[r]}-password`), "utf8")]));
        const fresh = Object.fromEntries(
            rotated.map((r) => [
                r,
                crypto
                    .randomBytes(24)
                    .toString("base64")
                    .replace(/[^A-Za-z0-9]/g, "")
                    .slice(0, 32),
            ]),
        );
        // Known to the leak sampler before any process can hold them.
        for (const r of rotated) leaks.addSecret(`${USERS[r]}-password`, fresh[r]);
        // What the kubelet does when the Secret changes: every pod's mounted files, in place.
        const mount = (files: Record<string, string | undefined>) => updateMountedSecret(path.join(t.root, STACK), "auth", files);
        const sentinelAddresses = sentinels.map((s) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) }));
        const redisAccepts = (address: string, user: string, password: string) =>
            SentinelProbe.run(user, password, address, 6379, ["ping"]) === "PONG";
        const sentinelAccepts = (s: string, password: string, user: string = USERS.app) =>
            SentinelProbe.run(user, password, s.split(":")[0], 26379, ["ping"]) === "PONG";
        const running = () => redisPods.filter((p) => probe.role(p.host) !== undefined);

        // How often each Sentinel has switched the admin password it gives Redis (at starts too).
        const authSwitches = (i: number) =>
            fs
                .readFileSync(path.join(t.root, STACK, "pods", `redis-cluster-sentinel-${i}`, "sentinel.log"), "utf8")
                .split("\n")
                .filter((l) => l === "sentinel: authenticates to Redis with the Secret's admin password").length;
        const switchesBefore = sentinels.map((_, i) => authSwitches(i));
        const before = new SentinelWorkload(sentinelAddresses, masterName, old.app, "rot-old");
        before.start();
        try {
            // Step 1 (auth.rotation + 1, acceptPrevious true): both generations in the Secret.
            mount(
                Object.fromEntries(
                    rotated.flatMap((r) => [
                        [`${USERS[r]}-password`, fresh[r]],
                        [`${USERS[r]}-password-previous`, old[r]],
                    ]),
                ),
            );
            await until(
                () =>
                    running().every((p) =>
                        roles.every((r) => redisAccepts(p.host, USERS[r], fresh[r]) && redisAccepts(p.host, USERS[r], old[r])),
                    ) &&
                    sentinels.every(
                        (s) =>
                            sentinelAccepts(s, fresh.app) &&
                            sentinelAccepts(s, old.app) &&
                            sentinelAccepts(s, fresh.sentinel, USERS.sentinel) &&
                            sentinelAccepts(s, old.sentinel, USERS.sentinel),
                    ),
                "every pod and Sentinel accepts both generations",
                60000,
            );
            // Clients move to the new password while the old one still works.
            const after = new SentinelWorkload(sentinelAddresses, masterName, fresh.app, "rot-new");
            after.start();
            try {
                await until(() => after.replicaAcknowledged.length >= 50, "a client with the new password writes through the Sentinels");
                await before.stop();
                // Step 2 (acceptPrevious false): the previous generation leaves the Secret.
                mount(Object.fromEntries(rotated.map((r) => [`${USERS[r]}-password-previous`, undefined])));
                await until(
                    () =>
                        running().every(
                            (p) => !redisAccepts(p.host, USERS.app, old.app) && !redisAccepts(p.host, USERS.admin, old.admin),
                        ) && sentinels.every((s) => !sentinelAccepts(s, old.app) && !sentinelAccepts(s, old.sentinel, USERS.sentinel)),
                    "the old passwords are refused everywhere",
                    60000,
                );
                await until(
                    () => sentinels.every((s, i) => authSwitches(i) > switchesBefore[i]),
                    "every Sentinel authenticates to Redis with the new admin password",
                    60000,
                );
                // The Sentinels still see a healthy master (they reach it with the new admin password) and fail it over.
                const newProbe = new SentinelProbe(
                    redisPods.map((p) => p.host),
                    sentinels,
                    fresh.app,
                    masterName,
                    fresh.admin,
                );
                await until(() => newProbe.healthyMaster() !== undefined, "the deployment is healthy with the new passwords only", 60000);
                // The Sentinels count each other again: they log in to their peers with the new peer password.
                await until(
                    () => sentinels.every((s) => /^OK 3 usable Sentinels/.test(newProbe.ckquorum(s))),
                    "every Sentinel counts 3 usable Sentinels with the new peer password",
                    60000,
                );
                const master = newProbe.healthyMaster()!;
                const at = Date.now();
                await podAction(STACK, podByHost(master).name, "kill");
                await until(() => after.successesAfter(at) >= 50, "writes are accepted again after the failover", 90000);
                assert.notStrictEqual(newProbe.sentinelView(sentinels[0]), master);
                assert.strictEqual(before.authErrors + after.authErrors, 0, "a write failed for authentication");
                console.log(
                    `      rotation: ${before.acknowledged} writes with the old password, ${after.acknowledged} with the new one, 0 refused for authentication`,
                );
            } finally {
                await after.stop();
                after.close();
            }
        } finally {
            await before.stop();
            before.close();
        }
    });

    it("every connection made during the suite was judged by the kernel as the NetworkPolicies say", async () => {
        assertPoliciesHeld(stateDir(STACK), (await render(STACK)).objects);
    });
});
