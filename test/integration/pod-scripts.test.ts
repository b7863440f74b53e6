// The rendered redis.conf and container scripts, run for real: Debian's redis-server started by
// the pod's own start script, probed by its own probe script.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildAllObjects } from "../../components/kubernetes";
import { packageRoot } from "../../components/package-files";
import { NODE_TUNING_SCRIPT, REDIS_SCRIPTS, SENTINEL_SCRIPTS } from "../../components/redis/scripts";
import { resolveSpec } from "../../components/settings/spec";
import { argsFromConfig } from "../../program/config";
import { readStackConfig } from "../../tools/stack-config";
import { startRedisPod } from "../../testing/redis-pod";
import { connectWhenUp, podsAndClients } from "../support/redis-nodes";
import { requireTool } from "../../local/tools";

const PASSWORD = "IntegrationPw4c8e1b7d9f2a6c3e5b8d0f1a";

describe("container scripts", () => {
    it("pass shellcheck as POSIX sh (they run under busybox)", () => {
        const shellcheck = requireTool("shellcheck");
        const files = [...REDIS_SCRIPTS, ...SENTINEL_SCRIPTS, NODE_TUNING_SCRIPT].map(
            (s) => `${packageRoot}/components/redis/scripts/${s}`,
        );
        const r = spawnSync(shellcheck, ["-s", "sh", ...files], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });
});

describe("a rendered Redis pod, run for real", function () {
    this.timeout(60000);
    const spec = resolveSpec(argsFromConfig(readStackConfig(packageRoot, "dev").config));
    const objects = buildAllObjects(spec, PASSWORD);
    const { pods, clients } = podsAndClients();

    before(() => {
        requireTool("redis-server");
        requireTool("redis-cli");
    });

    it("starts with the rendered configuration and requires the password", async () => {
        pods.push(startRedisPod(objects, 0, "127.0.2.1", PASSWORD));
        const client = await connectWhenUp("127.0.2.1", PASSWORD);
        clients.push(client);
        const get = async (k: string) => ((await client.config("GET", k)) as string[])[1];
        assert.strictEqual(await get("maxmemory"), String(128 * 2 ** 20));
        assert.strictEqual(await get("maxmemory-policy"), "allkeys-lru");
        assert.strictEqual(await get("cluster-enabled"), "yes");
        assert.strictEqual(await get("appendonly"), "yes");
        assert.strictEqual(await get("appendfsync"), "everysec");
        // No RDB save points beside the AOF (docs/persistence.md).
        assert.strictEqual(await get("save"), "");
        assert.strictEqual(await get("dir"), fs.realpathSync(`${pods[0].root}/data`));
        assert.strictEqual(await get("cluster-announce-hostname"), "redis-cluster-0.redis-cluster-headless.redis-system.svc.cluster.local");

        // What any client meets: no password, or a wrong one, is refused with Redis's own errors.
        const cli = (auth?: string) =>
            spawnSync("redis-cli", ["--user", "admin", "-h", "127.0.2.1", "ping"], {
                encoding: "utf8",
                env: { ...process.env, ...(auth ? { REDISCLI_AUTH: auth } : {}) },
            });
        assert.match(cli().stdout + cli().stderr, /NOAUTH Authentication required/);
        const wrong = cli("wrong-password");
        assert.match(wrong.stdout + wrong.stderr, /WRONGPASS/);
    });

    it("keeps the password off the command line", () => {
        const cmdline = fs.readFileSync(`/proc/${pods[0].process.pid}/cmdline`, "utf8");
        assert.ok(!cmdline.includes(PASSWORD));
        const child = spawnSync("pgrep", ["-a", "-P", String(pods[0].process.pid)], { encoding: "utf8" }).stdout;
        assert.ok(!child.includes(PASSWORD), child);
    });

    it("is live and ready while it has not joined a cluster, so formation is not blocked", () => {
        assert.strictEqual(pods[0].runScript("redis-probe.sh", "startup").status, 0);
        assert.strictEqual(pods[0].runScript("redis-probe.sh", "liveness").status, 0);
        const ready = pods[0].runScript("redis-probe.sh", "readiness");
        assert.strictEqual(ready.status, 0, ready.stdout);
    });

    it("watches over one connection while all is well: no client started, no connection made per look", async () => {
        // redis-watchdog.sh's client asks INFO replication on one connection every interval
        // (0.5 s); a client per look was 14 ms of CPU each (docs/performance.md).
        const client = clients[0];
        const own = String(await client.call("CLIENT", "ID"));
        // The ids of the connections (not ours) whose last command was INFO: the watchdog's.
        const watchers = async () =>
            String(await client.call("CLIENT", "LIST"))
                .split("\n")
                .filter((l) => /\bcmd=info\b/.test(l) && !new RegExp(`^id=${own} `).test(l))
                .map((l) => /^id=(\d+)/.exec(l)![1]);
        const deadline = Date.now() + 10000;
        let watcher: string[];
        while ((watcher = await watchers()).length === 0) {
            assert.ok(Date.now() < deadline, "no watchdog connection asks INFO");
            await new Promise((r) => setTimeout(r, 100));
        }
        const sample = async () => {
            const info = String(await client.call("INFO", "stats", "commandstats"));
            const num = (re: RegExp) => Number(re.exec(info)?.[1] ?? NaN);
            return { connections: num(/total_connections_received:(\d+)/), info: num(/cmdstat_info:calls=(\d+)/) };
        };
        const before = await sample();
        await new Promise((r) => setTimeout(r, 2600));
        const after = await sample();
        // The same connection still watches. A one-off look (redis-rejoin.sh's, once, at start) may
        // connect meanwhile; a client per look would have made at least 5.
        assert.ok((await watchers()).includes(watcher[0]), "the watchdog's connection was replaced");
        assert.ok(
            after.connections - before.connections <= 1,
            `${after.connections - before.connections} connections made while all was well`,
        );
        // Ours (one per sample) and the watchdog's, every 0.5 s.
        assert.ok(after.info - before.info >= 1 + 4, `INFO ran ${after.info - before.info} times in 2.6 s`);
    });

    it("turns unready once it belongs to a cluster that is not ok, and live all the same", async () => {
        pods.push(startRedisPod(objects, 1, "127.0.2.2", PASSWORD));
        clients.push(await connectWhenUp("127.0.2.2", PASSWORD));
        await clients[0].call("CLUSTER", "MEET", "127.0.2.2", "6379");
        const deadline = Date.now() + 10000;
        while (!String(await clients[0].call("CLUSTER", "INFO")).includes("cluster_known_nodes:2")) {
            assert.ok(Date.now() < deadline, "nodes never met");
            await new Promise((r) => setTimeout(r, 100));
        }
        const ready = pods[0].runScript("redis-probe.sh", "readiness");
        assert.strictEqual(ready.status, 1);
        assert.match(ready.stdout, /cluster_state is fail/);
        assert.strictEqual(pods[0].runScript("redis-probe.sh", "liveness").status, 0);
    });

    it("probes in one redis-cli session, and answers within the kubelet's deadline when Redis stalls", async () => {
        const sts = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === spec.names.statefulSet) as any;
        const deadlineMs = sts.spec.template.spec.containers[0].readinessProbe.timeoutSeconds * 1000;
        // The real client, behind a shim that counts its runs (the pod's watchdog and rejoin
        // loops connect too, so Redis's own connection count cannot tell the probe's apart).
        const shim = fs.mkdtempSync(path.join(os.tmpdir(), "cli-count-"));
        // The engine's own client (redis-cli or valkey-cli), first on the pod's own PATH.
        const podEnv = pods[0].env;
        const cli = `${podEnv.ENGINE ?? "redis"}-cli`;
        const real = spawnSync("sh", ["-c", `command -v ${cli}`], { env: { ...process.env, ...podEnv }, encoding: "utf8" }).stdout.trim();
        assert.ok(real, `${cli} is not on the pod's PATH`);
        fs.writeFileSync(path.join(shim, cli), `#!/bin/sh\necho run >> ${shim}/runs\nexec ${real} "$@"\n`, { mode: 0o755 });
        const ready = spawnSync("sh", [path.join(pods[0].root, "scripts", "redis-probe.sh"), "readiness"], {
            env: { ...process.env, ...podEnv, PATH: `${shim}:${podEnv.PATH ?? process.env.PATH}` },
            encoding: "utf8",
        });
        assert.strictEqual(ready.status, 1);
        assert.match(ready.stdout + ready.stderr, /cluster_state is fail/, "the one session carried every question");
        assert.strictEqual(
            fs.readFileSync(path.join(shim, "runs"), "utf8").split("\n").filter(Boolean).length,
            1,
            "readiness ran the client more than once",
        );
        fs.rmSync(shim, { recursive: true, force: true });

        // Every command of every client waits while Redis is paused: the probe's session too.
        // (Long enough to outlast both probe runs below.)
        const pauseMs = 2 * deadlineMs + 2000;
        await clients[0].call("CLIENT", "PAUSE", String(pauseMs), "ALL");
        const started = Date.now();
        const stalled = pods[0].runScript("redis-probe.sh", "readiness");
        const elapsed = Date.now() - started;
        assert.strictEqual(stalled.status, 1, stalled.stdout);
        assert.match(stalled.stdout, /no answer within 4 s/);
        assert.ok(elapsed < deadlineMs, `the probe took ${elapsed} ms, past the kubelet's ${deadlineMs} ms`);
        const liveStarted = Date.now();
        const live = pods[0].runScript("redis-probe.sh", "liveness");
        assert.strictEqual(live.status, 1, "a stalled Redis passed liveness");
        assert.ok(Date.now() - liveStarted < deadlineMs, "liveness ran past the kubelet's deadline");
        assert.match(live.stdout, /nothing within 4 s/);
        // The pause ends by itself; the node answers again.
        await new Promise((r) => setTimeout(r, pauseMs + 500 - (Date.now() - started)));
        assert.strictEqual(pods[0].runScript("redis-probe.sh", "liveness").status, 0);
    });

    it("fails liveness when Redis is gone", async () => {
        await pods[1].stop();
        const live = pods[1].runScript("redis-probe.sh", "liveness");
        assert.strictEqual(live.status, 1, live.stdout);
    });

    it("the watchdog: a replica whose master's process is gone asks for a forced failover", async () => {
        // Two more pods, one master (no slots) and its replica, in a cluster of their own: no
        // other master can vote, so only the watchdog's request can show.
        pods.push(startRedisPod(objects, 2, "127.0.2.3", PASSWORD), startRedisPod(objects, 3, "127.0.2.4", PASSWORD));
        const [master, replica] = [await connectWhenUp("127.0.2.3", PASSWORD), await connectWhenUp("127.0.2.4", PASSWORD)];
        clients.push(master, replica);
        await master.call("CLUSTER", "MEET", "127.0.2.4", "6379");
        const masterId = String(await master.call("CLUSTER", "MYID"));
        const until = async (what: string, ok: () => Promise<boolean>, ms = 15000) => {
            const deadline = Date.now() + ms;
            while (!(await ok())) {
                assert.ok(Date.now() < deadline, `${what}: not within ${ms} ms`);
                await new Promise((r) => setTimeout(r, 100));
            }
        };
        await until("the replica knows the master", async () => String(await replica.call("CLUSTER", "NODES")).includes(masterId));
        await replica.call("CLUSTER", "REPLICATE", masterId);
        await until("the replica's link up", async () => /master_link_status:up/.test(String(await replica.info("replication"))));
        const line = "watchdog: master 127.0.2.3:6379 refuses connections; asking for a forced failover";
        assert.ok(!pods[3].output().includes(line));
        process.kill(pods[2].process.pid!, "SIGKILL");
        await until("the watchdog's request", async () => pods[3].output().includes(line), 10000);
        // The watchdog says it asks before it asks: the engine's own line follows a moment later.
        await until("the engine accepting it", async () => /Forced failover user request accepted/.test(pods[3].output()), 5000);
    });
});
