// Local mode as a new user runs it: `npm run local -- up` on the dev stack, clients connect
// (ioredis Cluster and redis-py's RedisCluster), `status` is healthy, a second `up` adopts, and
// `down` leaves no process behind.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { packageRoot } from "../../components/package-files";
import { isAlive } from "../../local/pod";
import { requireTool } from "../../local/tools";

const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), "local-mode-"));
const env = { ...process.env, REDIS_LOCAL_STATE_DIR: stateRoot, REDIS_LOCAL_ADDRESS_BASE: "127.0.8.11" };

function local(...args: string[]) {
    return spawnSync(process.execPath, [path.join(packageRoot, "dist", "local", "cli.js"), ...args], {
        cwd: packageRoot,
        env,
        encoding: "utf8",
    });
}

describe("local mode (dev stack)", function () {
    this.timeout(120000);
    let up: any;
    let password: string;
    let kubeletPid: number | undefined;

    before(() => {
        requireTool("redis-server");
        requireTool("prometheus-redis-exporter");
        const r = local("up", "--stack", "dev");
        assert.strictEqual(r.status, 0, r.stderr);
        const lines = r.stdout.trim().split("\n");
        up = JSON.parse(lines[lines.length - 1]);
        password = fs.readFileSync(up.passwordFile, "utf8");
    });

    after(() => {
        if (up) local("down", "--stack", "dev");
        fs.rmSync(stateRoot, { recursive: true, force: true });
    });

    it("prints the connection facts as its last line", () => {
        assert.strictEqual(up.stack, "dev");
        assert.strictEqual(up.topology, "cluster");
        assert.deepStrictEqual(
            up.seeds,
            Array.from({ length: 6 }, (_, i) => `127.0.8.${11 + i}:6379`),
        );
        assert.strictEqual(up.tls, false);
        // Clients connect as the app user with its password (DESIGN.md's contract).
        assert.strictEqual(up.user, "app");
        assert.strictEqual(path.basename(up.passwordFile), "app-password");
        assert.strictEqual(up.pods.length, 6);
        for (const p of up.pods) assert.ok(isAlive(p.pids.redis) && isAlive(p.pids.exporter), JSON.stringify(p));
        assert.strictEqual(fs.statSync(up.passwordFile).mode & 0o077, 0, "password file readable by others");
    });

    it("forms the cluster from the rendered objects: redis-cli --cluster check passes", () => {
        const check = spawnSync("redis-cli", ["--user", up.user!, "--cluster", "check", up.seeds[0]], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: password },
        });
        assert.strictEqual(check.status, 0, check.stdout);
        assert.match(check.stdout, /\[OK\] All 16384 slots covered/);
    });

    it("round-trips data with ioredis Cluster and redis-py RedisCluster", async () => {
        const [host, port] = up.seeds[0].split(":");
        const cluster = new Redis.Cluster([{ host, port: Number(port) }], { redisOptions: { username: up.user!, password } });
        await Promise.all(Array.from({ length: 1000 }, (_, i) => cluster.set(`node:${i}`, `v${i}`)));
        const py = spawnSync(
            "/usr/bin/python3",
            [
                "-c",
                [
                    "import sys, redis.cluster",
                    "rc = redis.cluster.RedisCluster(host=sys.argv[1], port=int(sys.argv[2]), username=sys.argv[4], password=sys.argv[3], decode_responses=True)",
                    "bad = [i for i in range(1000) if rc.get(f'node:{i}') != f'v{i}']",
                    "[rc.set(f'py:{i}', f'p{i}') for i in range(1000)]",
                    "print(len(bad))",
                ].join("\n"),
                host,
                port,
                password,
                up.user!,
            ],
            { encoding: "utf8" },
        );
        assert.strictEqual(py.status, 0, py.stderr);
        assert.strictEqual(py.stdout.trim(), "0");
        const back = await Promise.all(Array.from({ length: 1000 }, (_, i) => cluster.get(`py:${i}`)));
        assert.deepStrictEqual(
            back.filter((v, i) => v !== `p${i}`),
            [],
        );
        cluster.disconnect();
    });

    it("serves metrics from every pod's exporter on port 9121", async () => {
        for (const p of up.pods) {
            const text = await (await fetch(`http://${p.address}:9121/metrics`)).text();
            assert.match(text, /^redis_up 1$/m, p.name);
            assert.match(text, /^redis_cluster_state 1$/m, p.name);
        }
    });

    it("reports every pod healthy in status", () => {
        const r = local("status", "--stack", "dev");
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        const s = JSON.parse(r.stdout);
        assert.strictEqual(s.healthy, true);
        assert.ok(s.pods.every((p: any) => p.probes["redis/readiness"].ok));
    });

    it("runs the probes on the kubelet's schedule and reports them in status", async () => {
        await new Promise((r) => setTimeout(r, 6000)); // longer than the readiness period (5 s)
        const s = JSON.parse(local("status", "--stack", "dev").stdout);
        for (const p of s.pods) {
            const readiness = p.scheduled["redis/readiness"];
            assert.ok(readiness?.ok, `${p.name}: no scheduled readiness result: ${JSON.stringify(p.scheduled)}`);
            assert.ok(Date.now() - Date.parse(readiness.at) < 15000, `${p.name}: stale readiness result ${readiness.at}`);
            assert.ok(p.scheduled["redis/liveness"]?.ok, p.name);
        }
    });

    it("restarts a container whose process died, as the kubelet does, and the node rejoins", async () => {
        const victim = up.pods[5];
        process.kill(victim.pids.redis, "SIGKILL");
        const deadline = Date.now() + 60000;
        for (;;) {
            const s = JSON.parse(local("status", "--stack", "dev").stdout);
            const pod = s.pods.find((p: any) => p.name === victim.name);
            if (pod.containers.redis.restarts >= 1 && pod.containers.redis.running && s.healthy) break;
            assert.ok(Date.now() < deadline, `not restarted: ${JSON.stringify(pod.containers)}`);
            await new Promise((r) => setTimeout(r, 500));
        }
        const check = spawnSync("redis-cli", ["--user", up.user!, "--cluster", "check", up.seeds[0]], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: password },
        });
        assert.strictEqual(check.status, 0, check.stdout);
        // The restarted container's new pid, as status reports it; the rest of the pod stays.
        const restarted = JSON.parse(local("status", "--stack", "dev").stdout).pods[5];
        up.pods[5] = {
            ...up.pods[5],
            pids: Object.fromEntries(Object.entries(restarted.containers).map(([c, v]: [string, any]) => [c, v.pid])),
        };
    });

    it("adopts the running deployment on a second up, keeping the same processes", () => {
        const r = local("up", "--stack", "dev");
        assert.strictEqual(r.status, 0, r.stderr);
        const again = JSON.parse(r.stdout.trim().split("\n").pop()!);
        assert.deepStrictEqual(again.pods, up.pods);
        kubeletPid = JSON.parse(fs.readFileSync(path.join(stateRoot, "dev", "state.json"), "utf8")).kubeletPid;
        assert.ok(!r.stderr.includes("assigning slots"), r.stderr);
    });

    it("down stops every process and removes the state", () => {
        const r = local("down", "--stack", "dev");
        assert.strictEqual(r.status, 0, r.stderr);
        for (const p of up.pods)
            for (const pid of Object.values(p.pids) as number[]) assert.ok(!isAlive(pid), `${p.name} pid ${pid} still runs`);
        assert.ok(kubeletPid && !isAlive(kubeletPid), "the local kubelet still runs");
        assert.ok(!fs.existsSync(path.join(stateRoot, "dev")));
        // Nor any helper the containers started (the rejoin and watchdog loops): nothing runs from the pods' files.
        const leftovers = fs
            .readdirSync("/proc")
            .filter((d) => /^\d+$/.test(d))
            .filter((pid) => {
                try {
                    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(stateRoot);
                } catch {
                    return false;
                }
            });
        assert.deepStrictEqual(leftovers, []);
        up = undefined;
    });
});
