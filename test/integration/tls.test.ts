// TLS in local mode, with real redis-server, the real exporter and a certificate made by openssl
// the way cert-manager issues it from the rendered Certificate (DNS names and 127.0.0.1, no pod
// IPs): clients that verify host names (ioredis, redis-py) reach every shard by the names the
// nodes announce, a client reaching a node by IP is refused, replication and the cluster bus run
// over TLS, the formation provider formed the cluster over TLS, the exporter scrapes over TLS,
// and a backup dumps over TLS. Throughout, the secret-leak sampler watches every process and file.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import Redis, { Cluster } from "ioredis";
import { runJob } from "../../local/jobs";
import { requireTool } from "../../local/tools";
import { podAction, UpResult } from "../../local/deployment";
import { until } from "../../testing/sentinel-health";
import { adminPasswordOf, updateMountedSecret } from "../support/local-deployment";
import { LocalProject } from "../support/local-project";
import { assertNoLeaks, LeakSampler } from "../support/leak-sampler";
import { passwordKey, USER_ROLES } from "../../components/settings/spec";
import { installLocalTlsSecret, issueLikeCertManager, makeCertificate, TestCertificate } from "../../testing/certificates";
import { packageRoot } from "../../components/package-files";

const STACK = "tls-dev";

/** The SHA-256 fingerprint of the certificate `address:port` presents (chain verified against `ca`). */
function servedFingerprint(address: string, port: number, ca: string): Promise<string> {
    return new Promise((resolve, reject) => {
        // By address, so the name is not checked here; the chain is (the tests of names are below).
        const socket = tls.connect({ host: address, port, ca, timeout: 5000, checkServerIdentity: () => undefined }, () => {
            resolve(socket.getPeerCertificate().fingerprint256);
            socket.end();
        });
        socket.on("error", reject);
    });
}

const BASE = "127.0.18.";
const ADDRESSES = [11, 12, 13, 14, 15, 16].map((n) => `${BASE}${n}`);

describe("TLS (local mode, real redis-server and exporter, certificates from openssl)", function () {
    this.timeout(180000);
    let project: LocalProject;
    let deployment: UpResult;
    let cert: TestCertificate;
    let password: string;
    let adminPassword: string;
    let leaks: LeakSampler;

    /** redis-cli as `user`, over TLS with the deployment's CA unless `plaintext`. */
    function cli(address: string, port: number, args: string[], opts: { plaintext?: boolean; user?: string; ca?: string } = {}) {
        const tls = opts.plaintext ? [] : ["--tls", "--cacert", opts.ca ?? deployment.caFile!];
        const user = opts.user ?? "admin";
        return spawnSync("redis-cli", [...tls, "--no-auth-warning", "--user", user, "-h", address, "-p", String(port), ...args], {
            encoding: "utf8",
            timeout: 10000,
            env: { ...process.env, REDISCLI_AUTH: user === "admin" ? adminPassword : password },
        });
    }

    const savedInterval = process.env.TLS_RELOAD_INTERVAL_SECONDS;

    before(async () => {
        for (const tool of ["redis-server", "redis-cli", "prometheus-redis-exporter", "openssl"]) requireTool(tool);
        // The pods check their certificate files every second instead of every 30.
        process.env.TLS_RELOAD_INTERVAL_SECONDS = "1";
        project = new LocalProject(STACK, `${BASE}11`);
        leaks = LeakSampler.start({ stateRoots: [path.dirname(project.stateDir)] });
        // A namespace of its own: the pods' names in /etc/hosts then meet no other deployment's.
        project.write({ namespace: "redis-tls", tls: { enabled: true, issuerRef: { name: "local-ca", kind: "ClusterIssuer" } } });
        cert = await issueLikeCertManager(STACK);
        assert.deepStrictEqual(
            new X509Certificate(cert.cert).subjectAltName!.split(", ").filter((n) => n.startsWith("IP")),
            ["IP Address:127.0.0.1"],
            "the certificate names a pod IP",
        );
        installLocalTlsSecret(project.stateDir, cert);
        deployment = await project.up();
        leaks.scanText("local up's result (the stack's outputs)", JSON.stringify(deployment));
        password = fs.readFileSync(deployment.passwordFile, "utf8");
        adminPassword = adminPasswordOf(deployment);
    });

    after(async () => {
        await project?.destroy();
        if (leaks) assertNoLeaks(await leaks.stop(), USER_ROLES.map(passwordKey));
        if (savedInterval === undefined) delete process.env.TLS_RELOAD_INTERVAL_SECONDS;
        else process.env.TLS_RELOAD_INTERVAL_SECONDS = savedInterval;
    });

    it("serves clients over TLS: an ioredis Cluster checking the CA and host names writes and reads across every shard", async () => {
        assert.strictEqual(deployment.tls, true);
        assert.strictEqual(fs.readFileSync(deployment.caFile!, "utf8"), cert.ca);
        const names = deployment.pods.map((p) => `${p.name}.redis-cluster-headless.redis-tls.svc.cluster.local:6379`);
        assert.deepStrictEqual(deployment.seeds, names, "over TLS the seeds are the pods' names");
        const cluster = new Cluster(
            deployment.seeds.map((s) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) })),
            {
                // Keeps the seeds' names (ioredis would connect to the IPs they resolve to, which the
                // certificate does not name); Node's default checkServerIdentity stays on.
                dnsLookup: (address, callback) => callback(null, address),
                redisOptions: { username: "app", password, tls: { ca: cert.ca } },
            },
        );
        try {
            const keys = Array.from({ length: 300 }, (_, i) => `tls:key:${i}`);
            for (const k of keys) await cluster.set(k, `value-${k}`);
            for (const k of keys) assert.strictEqual(await cluster.get(k), `value-${k}`);
            const masters = cluster.nodes("master");
            assert.strictEqual(masters.length, 3);
            const counts = await Promise.all(masters.map((m) => m.dbsize()));
            assert.ok(
                counts.every((c) => c > 0),
                `every shard holds keys: ${counts}`,
            );
            assert.strictEqual(
                counts.reduce((a, b) => a + b, 0),
                keys.length,
            );
            // The masters the client followed are the names CLUSTER SLOTS gave it.
            assert.deepStrictEqual(
                masters.map((m) => `${m.options.host}:${m.options.port}`).filter((a) => !names.includes(a)),
                [],
            );
        } finally {
            cluster.disconnect();
        }
    });

    it("announces every node by its name: CLUSTER SLOTS and MOVED name pods, not addresses", async () => {
        const endpoints = () =>
            cli(ADDRESSES[0], 6379, ["cluster", "slots"])
                .stdout.split("\n")
                .filter((l) => /\.svc\.cluster\.local$/.test(l));
        // 3 masters and 3 replicas (a replica is listed once its master has gossiped its offset).
        await until(() => new Set(endpoints()).size === 6, "CLUSTER SLOTS lists 6 nodes", 30000);
        for (const e of endpoints()) assert.match(e, /^redis-cluster-\d\.redis-cluster-headless\.redis-tls\.svc\.cluster\.local$/);
        // A key another node owns: the redirect names that node.
        const moved = ["a", "b", "c", "d"]
            .map((k) => cli(ADDRESSES[0], 6379, ["get", k], { user: "app" }))
            .map((r) => r.stdout + r.stderr)
            .find((o) => /MOVED/.test(o));
        assert.match(moved ?? "", /MOVED \d+ redis-cluster-\d\.redis-cluster-headless\.redis-tls\.svc\.cluster\.local:6379/);
    });

    it("refuses a client that reaches a node by an address the certificate does not name; redis-cli checks no names", async () => {
        // ioredis (Node's checkServerIdentity): a pod's IP is not on the certificate.
        const byIp = new Redis({
            host: ADDRESSES[0],
            port: 6379,
            username: "app",
            password,
            tls: { ca: cert.ca },
            lazyConnect: true,
            maxRetriesPerRequest: 0,
            retryStrategy: () => null,
            connectTimeout: 3000,
        });
        const errors: NodeJS.ErrnoException[] = [];
        byIp.on("error", (e) => errors.push(e));
        await assert.rejects(byIp.connect());
        byIp.disconnect();
        assert.deepStrictEqual(
            errors.map((e) => e.code),
            ["ERR_TLS_CERT_ALTNAME_INVALID"],
            errors.map((e) => e.message).join("; "),
        );
        // The same client by the pod's name gets in.
        const byName = new Redis({
            host: deployment.seeds[0].split(":")[0],
            port: 6379,
            username: "app",
            password,
            tls: { ca: cert.ca },
            lazyConnect: true,
        });
        await byName.connect();
        assert.strictEqual(await byName.ping(), "PONG");
        byName.disconnect();
        // redis-py with ssl_check_hostname=True refuses the IP and accepts the name.
        const py = (host: string) =>
            spawnSync(
                "/usr/bin/python3",
                [
                    "-c",
                    [
                        "import os, redis",
                        "r = redis.Redis(host=os.environ['HOST'], port=6379, username='app', password=os.environ['REDIS_PASSWORD'], ssl=True, ssl_ca_certs=os.environ['CA'], ssl_check_hostname=True)",
                        "print(r.ping())",
                    ].join("\n"),
                ],
                { encoding: "utf8", timeout: 10000, env: { ...process.env, HOST: host, REDIS_PASSWORD: password, CA: deployment.caFile! } },
            );
        const pyByIp = py(ADDRESSES[0]);
        assert.notStrictEqual(pyByIp.status, 0);
        assert.match(pyByIp.stderr, /match|hostname/i);
        const pyByName = py(deployment.seeds[0].split(":")[0]);
        assert.strictEqual(pyByName.stdout.trim(), "True", pyByName.stderr);
        // redis-cli verifies the chain only (what the pods' scripts rely on when they call POD_IP).
        assert.strictEqual(cli(ADDRESSES[0], 6379, ["ping"], { user: "app" }).stdout.trim(), "PONG");
    });

    it("the client examples, TLS variant: ioredis and redis-py (ssl_check_hostname) write and read every shard by name", () => {
        const examples = path.join(packageRoot, "examples", "clients");
        const env = {
            ...process.env,
            REDIS_SEEDS: deployment.seeds.join(","),
            REDIS_USER: "app",
            REDIS_PASSWORD: password,
            REDIS_CA_FILE: deployment.caFile!,
        };
        const run = (cmd: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
            JSON.parse(
                execFileSync(cmd, args, { env: { ...env, ...extra }, encoding: "utf8", timeout: 60000 })
                    .trim()
                    .split("\n")
                    .pop()!,
            );
        const io = run(process.execPath, [path.join(examples, "ioredis-cluster.js"), "tls-ioredis", "200"]);
        assert.deepStrictEqual([io.written, io.readBack, io.masters], [200, 200, 3]);
        const py = run("/usr/bin/python3", [path.join(examples, "redis-py-cluster.py"), "tls-py", "200", "tls-ioredis"]);
        assert.deepStrictEqual([py.written, py.readBack, py.checked, py.masters], [200, 200, 200, 3]);
        for (const n of py.keysPerMaster) assert.ok(n > 0, `a shard holds none of the keys: ${py.keysPerMaster}`);
        // Not asserted: that the redis-py example refuses an IP seed. Debian's redis-py 4.3.4
        // RedisCluster drops ssl_check_hostname (not in its REDIS_ALLOWED_KEYS), so it checks the
        // chain only and accepted an IP seed when tried (docs/tls.md). ioredis refuses it:
        const byIp = spawnSync(process.execPath, [path.join(examples, "ioredis-cluster.js"), "tls-io-ip", "10"], {
            env: { ...env, REDIS_SEEDS: `${ADDRESSES[0]}:6379` },
            encoding: "utf8",
            timeout: 60000,
        });
        assert.notStrictEqual(byIp.status, 0, byIp.stdout);
        assert.match(byIp.stderr, /altnames|ERR_TLS_CERT_ALTNAME_INVALID|Failed to refresh slots cache/i);
    });

    it("refuses plaintext, and TLS clients that do not trust the deployment's CA", async () => {
        for (const address of ADDRESSES) {
            const plain = cli(address, 6379, ["ping"], { plaintext: true, user: "app" });
            assert.notStrictEqual(plain.stdout.trim(), "PONG", `${address} answered plaintext`);
        }
        const plainClient = new Redis({
            host: ADDRESSES[0],
            port: 6379,
            username: "app",
            password,
            lazyConnect: true,
            maxRetriesPerRequest: 0,
            retryStrategy: () => null,
            connectTimeout: 3000,
        });
        plainClient.on("error", () => undefined);
        await assert.rejects(plainClient.connect().then(() => plainClient.ping()));
        plainClient.disconnect();

        const stranger = makeCertificate(["localhost"], ["127.0.0.1"]);
        const caFile = path.join(project.dir, "other-ca.crt");
        fs.writeFileSync(caFile, stranger.ca);
        const untrusted = cli(ADDRESSES[0], 6379, ["ping"], { ca: caFile, user: "app" });
        assert.notStrictEqual(untrusted.stdout.trim(), "PONG");
        assert.match(untrusted.stderr + untrusted.stdout, /certificate verify failed|SSL/i);
        assert.strictEqual(cli(ADDRESSES[0], 6379, ["ping"], { user: "app" }).stdout.trim(), "PONG");
    });

    it("runs replication and the cluster bus over TLS only: no plaintext port, replicas linked, bus handshakes verify", async () => {
        for (const address of ADDRESSES) {
            const config = cli(address, 6379, ["config", "get", "*port*"]).stdout;
            assert.match(config, /^port\n0$/m, `${address} has a plaintext port`);
            assert.match(config, /^tls-port\n6379$/m);
            for (const [key, value] of [
                ["tls-replication", "yes"],
                ["tls-cluster", "yes"],
            ]) {
                assert.strictEqual(cli(address, 6379, ["config", "get", key]).stdout.trim().split("\n")[1], value, `${address} ${key}`);
            }
            // The bus port answers a TLS handshake with the deployment's certificate.
            const handshake = spawnSync(
                "openssl",
                ["s_client", "-connect", `${address}:16379`, "-CAfile", deployment.caFile!, "-verify_return_error", "-brief"],
                { input: "", encoding: "utf8", timeout: 10000 },
            );
            assert.match(handshake.stderr + handshake.stdout, /Verification: OK|Verify return code: 0/, `${address}:16379`);
        }
        const info = cli(ADDRESSES[0], 6379, ["cluster", "info"]).stdout;
        assert.match(info, /^cluster_state:ok/m);
        assert.match(info, /^cluster_known_nodes:6/m);
        const replicas = ADDRESSES.map((a) => cli(a, 6379, ["info", "replication"]).stdout).filter((r) => /^role:slave/m.test(r));
        assert.strictEqual(replicas.length, 3);
        for (const r of replicas) assert.match(r, /^master_link_status:up/m);
    });

    it("the exporters scrape their pods over TLS and report them up", async () => {
        for (const address of ADDRESSES.slice(0, 2)) {
            const text = await (await fetch(`http://${address}:9121/metrics`)).text();
            assert.match(
                text,
                /^redis_up 1$/m,
                `exporter at ${address}: ${text
                    .split("\n")
                    .filter((l) => /redis_up|error/i.test(l))
                    .join("; ")}`,
            );
            assert.match(text, /^redis_connected_clients \d+$/m);
        }
    });

    it("loads a renewed certificate without a restart: every pod presents it, the cluster stays ok", async () => {
        const before = await servedFingerprint(ADDRESSES[0], 6379, cert.ca);
        assert.strictEqual(before, new X509Certificate(cert.cert).fingerprint256);
        const renewed = await issueLikeCertManager(STACK, cert);
        const pids = deployment.pods.map((p) => p.pids.redis);
        updateMountedSecret(project.stateDir, "tls", { "tls.key": renewed.key, "tls.crt": renewed.cert });
        const wanted = new X509Certificate(renewed.cert).fingerprint256;
        await until(
            async () =>
                (
                    await Promise.all(ADDRESSES.flatMap((a) => [servedFingerprint(a, 6379, cert.ca), servedFingerprint(a, 16379, cert.ca)]))
                ).every((f) => f === wanted),
            "every pod presents the renewed certificate on the client and bus ports",
            30000,
        );
        assert.deepStrictEqual(
            deployment.pods.map((p) => {
                process.kill(p.pids.redis, 0);
                return p.pids.redis;
            }),
            pids,
            "a pod restarted",
        );
        assert.match(cli(ADDRESSES[0], 6379, ["cluster", "info"]).stdout, /^cluster_state:ok/m);
        const log = fs.readFileSync(path.join(project.stateDir, "pods", "pod-0", "redis.log"), "utf8");
        assert.match(log, /^tls: the certificate files changed; Redis loaded them$/m);
    });

    it("a backup dumps every shard over TLS", async () => {
        const job = await runJob(STACK, "redis-cluster-backup-hourly");
        assert.ok(job.succeeded, job.containers.map((c) => c.output).join("\n"));
        const manifests: string[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, e.name);
                if (e.isDirectory()) walk(p);
                else if (e.name === "manifest.json") manifests.push(p);
            }
        };
        walk(project.stateDir);
        assert.strictEqual(manifests.length, 1, manifests.join(", "));
        const manifest = JSON.parse(fs.readFileSync(manifests[0], "utf8"));
        assert.strictEqual(manifest.shardCount, 3);
        // 300 keys of the first test, 200 + 200 of the examples.
        assert.strictEqual(
            manifest.shards.reduce((n: number, s: any) => n + s.keys, 0),
            700,
        );
    });
});

describe("TLS in the sentinel topology (local mode, real redis-sentinel)", function () {
    this.timeout(180000);
    const base = "127.0.19.";
    const saved = { interval: process.env.TLS_RELOAD_INTERVAL_SECONDS, spacing: process.env.TLS_RESTART_SPACING_SECONDS };
    let project: LocalProject;
    let deployment: UpResult;
    let cert: TestCertificate;
    let password: string;
    let leaks: LeakSampler;
    /** CKQUORUM and the Sentinels' master table are for their admin user, not clients. */
    let adminPassword: string;

    before(async () => {
        for (const tool of ["redis-server", "redis-sentinel", "redis-cli", "openssl"]) requireTool(tool);
        // Certificate checks every second, Sentinels restarting a second apart instead of a minute.
        process.env.TLS_RELOAD_INTERVAL_SECONDS = "1";
        process.env.TLS_RESTART_SPACING_SECONDS = "1";
        project = new LocalProject("tls-sentinel", `${base}11`);
        leaks = LeakSampler.start({ stateRoots: [path.dirname(project.stateDir)] });
        project.write({
            shards: null,
            topology: "sentinel",
            replicasPerShard: 2,
            namespace: "redis-tls-sentinel",
            sentinel: { replicas: 3, quorum: 2, downAfterMs: 2000, failoverTimeoutMs: 10000 },
            tls: { enabled: true, secretName: "redis-tls" },
        });
        // Still with the pods' IPs: Sentinels hand out masters by IP (resolve-hostnames and
        // announce-hostnames are off) until they track pods by name (issue #17, finding 3).
        cert = makeCertificate(
            [
                "*.redis-cluster-headless.redis-tls-sentinel.svc.cluster.local",
                "*.redis-cluster-sentinel-headless.redis-tls-sentinel.svc.cluster.local",
                "localhost",
            ],
            [11, 12, 13, 31, 32, 33].map((n) => `${base}${n}`),
        );
        installLocalTlsSecret(project.stateDir, cert);
        deployment = await project.up();
        leaks.scanText("local up's result (the stack's outputs)", JSON.stringify(deployment));
        password = fs.readFileSync(deployment.passwordFile, "utf8");
        adminPassword = adminPasswordOf(deployment);
    });

    after(async () => {
        await project?.destroy();
        if (leaks) assertNoLeaks(await leaks.stop(), USER_ROLES.map(passwordKey));
        for (const [k, v] of [
            ["TLS_RELOAD_INTERVAL_SECONDS", saved.interval],
            ["TLS_RESTART_SPACING_SECONDS", saved.spacing],
        ] as const) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    });

    it("Sentinels agree over TLS, a TLS client finds the master through them and keeps writing across a failover", async () => {
        const sentinels = deployment.sentinels!.map((s) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) }));
        const ask = (host: string, tls: boolean, ...args: string[]) =>
            spawnSync(
                "redis-cli",
                [
                    ...(tls ? ["--tls", "--cacert", deployment.caFile!] : []),
                    "--no-auth-warning",
                    "--user",
                    "admin",
                    "-h",
                    host,
                    "-p",
                    "26379",
                    ...args,
                ],
                { encoding: "utf8", env: { ...process.env, REDISCLI_AUTH: adminPassword }, timeout: 10000 },
            ).stdout.trim();
        // Sentinels meet through the master's hello channel within a few seconds.
        await until(
            () => /^OK 3 usable Sentinels/.test(ask(sentinels[0].host, true, "sentinel", "ckquorum", "redis-cluster")),
            "CKQUORUM over TLS reports 3 usable Sentinels",
        );
        assert.notStrictEqual(ask(sentinels[0].host, false, "ping"), "PONG", "a Sentinel answered plaintext");
        // Sentinels learn the replicas from the master's INFO (every 10 s); before that no failover could promote one.
        const knownReplicas = (host: string) =>
            Number(/(?:^|\n)num-slaves\n(\d+)/.exec(ask(host, true, "sentinel", "master", "redis-cluster"))?.[1] ?? 0);
        await until(() => sentinels.every((s) => knownReplicas(s.host) === 2), "every Sentinel knows both replicas", 30000);

        const client = new Redis({
            sentinels,
            name: "redis-cluster",
            sentinelUsername: "app",
            sentinelPassword: password,
            username: "app",
            password,
            sentinelTLS: { ca: cert.ca },
            enableTLSForSentinelMode: true,
            tls: { ca: cert.ca },
        });
        client.on("error", () => undefined);
        try {
            await client.set("tls:before", "1");
            assert.strictEqual(await client.wait(2, 5000), 2, "both replicas acknowledged over TLS replication");
            const master = ask(sentinels[0].host, true, "sentinel", "get-master-addr-by-name", "redis-cluster").split("\n")[0];
            // The Sentinels track pods by name (docs/sentinel.md).
            const pod = deployment.pods.find((p) => p.host === master);
            assert.ok(pod, `the Sentinels name ${master}`);
            await podAction("tls-sentinel", pod.name, "kill");
            await until(
                () =>
                    client.set("tls:after", "2").then(
                        () => true,
                        () => false,
                    ),
                "the client writes to the promoted master over TLS",
                60000,
            );
            assert.strictEqual(await client.get("tls:before"), "1");
            // The client may have asked the Sentinel that led the failover; the others learn the new
            // master from its hello messages (every 2 s), so a Sentinel may lag by a message or two.
            const named = (host: string) => ask(host, true, "sentinel", "get-master-addr-by-name", "redis-cluster").split("\n")[0];
            await until(
                () => sentinels.every((s) => !["", master].includes(named(s.host))),
                "every Sentinel names the promoted master over TLS (the Sentinels failed over)",
                20000,
            );
        } finally {
            client.disconnect();
        }
    });

    it("Sentinels restart one by one to load a renewed certificate, and agree again", async () => {
        const hosts = deployment.sentinels!.map((s) => s.split(":")[0]);
        const renewed = makeCertificate(
            [
                "*.redis-cluster-headless.redis-tls-sentinel.svc.cluster.local",
                "*.redis-cluster-sentinel-headless.redis-tls-sentinel.svc.cluster.local",
                "localhost",
            ],
            [11, 12, 13, 31, 32, 33].map((n) => `${base}${n}`),
            cert,
        );
        updateMountedSecret(project.stateDir, "tls", { "tls.key": renewed.key, "tls.crt": renewed.cert });
        const wanted = new X509Certificate(renewed.cert).fingerprint256;
        await until(
            async () =>
                (await Promise.all(hosts.map((h) => servedFingerprint(h, 26379, cert.ca).catch(() => "")))).every((f) => f === wanted),
            "every Sentinel presents the renewed certificate",
            60000,
        );
        // The master killed by the previous test stays down: the two running Redis pods.
        await until(
            async () => {
                const served = (
                    await Promise.all([11, 12, 13].map((n) => servedFingerprint(`${base}${n}`, 6379, cert.ca).catch(() => undefined)))
                ).filter(Boolean);
                return served.length === 2 && served.every((f) => f === wanted);
            },
            "the running Redis pods present it (reloaded, not restarted)",
            30000,
        );
        const ask = (host: string) =>
            spawnSync(
                "redis-cli",
                [
                    "--tls",
                    "--cacert",
                    deployment.caFile!,
                    "--no-auth-warning",
                    "--user",
                    "admin",
                    "-h",
                    host,
                    "-p",
                    "26379",
                    "sentinel",
                    "ckquorum",
                    "redis-cluster",
                ],
                { encoding: "utf8", env: { ...process.env, REDISCLI_AUTH: adminPassword }, timeout: 10000 },
            ).stdout.trim();
        await until(
            () => hosts.every((h) => /^OK 3 usable Sentinels/.test(ask(h))),
            "the restarted Sentinels reach CKQUORUM OK again",
            60000,
        );
    });
});
