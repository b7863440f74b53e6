// The rules of the secret-leak sampler (test/support/leak-rules.ts), case by case: which process
// may hold a password in which variable, which file may hold which, and that a finding never
// carries the password. The sampler's self-test (test/integration/leak-sampler.test.ts) runs them
// against real processes.
import * as assert from "assert";
import { CGROUP_LAUNCHER } from "../../local/pod";
import { fingerprint, judgeFile, judgeProcess, KnownSecret, knownSecret, ProcessView, redact } from "../support/leak-rules";

const admin = knownSecret("admin-password", "AdminPw0123456789xyz")!;
const app = knownSecret("app-password-previous", "AppPw0123456789abcdef")!;
const replication = knownSecret("replication-password", "ReplPw0123456789abcdef")!;
const sentinel = knownSecret("sentinel-password", "SentPw0123456789abcdef")!;
const secrets: KnownSecret[] = [admin, app, replication, sentinel];

const proc = (exe: string, argv: string[], env: Record<string, string> = {}): ProcessView => ({
    pid: 42,
    exe,
    argv,
    env: Object.entries(env),
});
const verdict = (p: ProcessView) => {
    const { leaks, holdings } = judgeProcess(p, secrets);
    return {
        leaks: leaks.map((l) => l.where.replace(/^pid 42 \([^)]*\) /, "")),
        holdings: holdings.map((h) => `${h.variable} ${h.secret}`),
    };
};

describe("secret-leak rules", () => {
    it("names a password by its key (the previous generation under the current key) and a hash, never the value", () => {
        assert.strictEqual(app.key, "app-password");
        assert.match(fingerprint(admin), /^admin-password \[sha256:[0-9a-f]{10}\]$/);
        assert.ok(!fingerprint(admin).includes(admin.forms[0]));
        assert.strictEqual(
            redact(`redis-cli -a ${admin.forms[0]} x ${admin.forms[1]}`, secrets),
            "redis-cli -a <admin-password> x <admin-password>",
        );
        assert.strictEqual(knownSecret("x-password", "short"), undefined, "a short value would match by chance");
    });

    it("a password on any command line is a leak, whatever the process", () => {
        for (const p of [
            proc("/usr/bin/redis-cli", ["redis-cli", "-a", admin.forms[0], "ping"]),
            proc("/usr/bin/redis-check-rdb", ["redis-server", "--masterauth", replication.forms[0]]),
            proc("/usr/bin/dash", ["sh", "-c", `echo ${admin.forms[1]}`]),
        ]) {
            assert.deepStrictEqual(verdict(p).leaks.length, 1, p.argv.join(" "));
        }
    });

    it("REDISCLI_AUTH: redis-cli, valkey-cli and the redis-cli.sh wrapper (also under timeout) may hold it; nothing else", () => {
        const env = { REDISCLI_AUTH: admin.forms[0] };
        const allowed = [
            proc("/usr/bin/redis-cli", ["redis-cli", "--user", "admin", "ping"], env),
            proc("/usr/bin/valkey-cli", ["valkey-cli", "ping"], env),
            proc("/usr/bin/dash", ["sh", "/state/dev/pods/p/scripts/redis-cli.sh", "--no-auth-warning", "ping"], env),
            proc("/usr/bin/timeout", ["timeout", "2", "sh", "/state/dev/pods/p/scripts/redis-cli.sh", "ping"], env),
        ];
        // An executable the sampler could not read (exiting between its reads): its command line decides.
        allowed.push(proc("", ["valkey-cli", "--user", "admin", "sentinel", "master", "m"], env));
        for (const p of allowed)
            assert.deepStrictEqual(verdict(p), { leaks: [], holdings: ["REDISCLI_AUTH admin-password"] }, p.argv.join(" "));
        const leaking = [
            proc("/usr/bin/sleep", ["sleep", "0.5"], env),
            proc("/usr/bin/timeout", ["timeout", "2", "sh", "/state/dev/pods/p/scripts/backup-dump.sh"], env),
            proc("/usr/bin/dash", ["sh", "/state/dev/pods/p/scripts/redis-watchdog.sh"], env),
            proc("/usr/bin/python3.11", ["/usr/bin/aws", "s3", "cp", "x", "s3://b/x"], env),
            proc("/usr/bin/redis-check-rdb", ["redis-server", "127.0.0.11:6379"], env),
            proc("/usr/bin/redis-cli", ["redis-cli", "ping"], { SOME_VAR: admin.forms[0] }),
            proc("", ["sleep", "1"], env),
        ];
        for (const p of leaking) assert.deepStrictEqual(verdict(p).leaks.length, 1, p.argv.join(" "));
        assert.match(verdict(leaking[0]).leaks[0], /^environment REDISCLI_AUTH$/);
    });

    it("local mode's cgroup launcher is judged as the command it execs into, its own argv still checked", () => {
        const env = { REDIS_PASSWORD: app.forms[0] };
        const launched = (argv: string[]) =>
            proc("/usr/bin/dash", ["/bin/sh", "-c", CGROUP_LAUNCHER, "/sys/fs/cgroup/x/pod-0", ...argv], env);
        assert.deepStrictEqual(verdict(launched(["prometheus-redis-exporter", "-redis.addr", "x"])), {
            leaks: [],
            holdings: ["REDIS_PASSWORD app-password"],
        });
        assert.deepStrictEqual(verdict(launched(["sleep", "1"])).leaks, ["environment REDIS_PASSWORD"]);
        assert.strictEqual(verdict(launched(["redis-server", "--masterauth", app.forms[0]])).leaks.length, 2, "argv and environment");
        assert.strictEqual(
            verdict(proc("/usr/bin/dash", ["/bin/sh", "-c", 'exec "$@"', "x", "prometheus-redis-exporter"], env)).leaks.length,
            1,
            "only the exact launcher",
        );
    });

    it("REDIS_PASSWORD: the exporter and the application clients a test runs may hold it; local mode's node processes may not", () => {
        const env = { REDIS_PASSWORD: app.forms[0] };
        assert.deepStrictEqual(
            verdict(proc("/usr/bin/prometheus-redis-exporter", ["prometheus-redis-exporter", "-redis.addr", "x"], env)).leaks,
            [],
        );
        assert.deepStrictEqual(
            verdict(proc("/usr/bin/node", ["node", "/repo/examples/clients/ioredis-cluster.js", "p", "200"], env)).leaks,
            [],
        );
        assert.deepStrictEqual(verdict(proc("/usr/bin/python3.11", ["/usr/bin/python3", "-c", "import redis"], env)).leaks, []);
        assert.strictEqual(verdict(proc("/usr/bin/node", ["node", "/repo/dist/local/kubelet-daemon.js"], env)).leaks.length, 1);
    });

    it("files: a Secret's file holding exactly its value, masterauth in a pod's runtime redis.conf, the Sentinel's passwords in its sentinel.conf; nothing else", () => {
        const keys = (file: string, content: string) => judgeFile(file, content, secrets).map((l) => l.secret.split(" ")[0]);
        assert.deepStrictEqual(keys("dev/secrets/admin-password", admin.forms[0]), []);
        assert.deepStrictEqual(keys("dev/pods/redis-cluster-0/auth/app-password-previous", app.forms[0]), []);
        assert.deepStrictEqual(keys("dev/jobs/backup/auth/admin-password", `${admin.forms[0]}\n`), []);
        assert.deepStrictEqual(keys("dev/pods/redis-cluster-0/run/redis.conf", `masterauth ${replication.forms[0]}`), []);
        assert.deepStrictEqual(keys("dev/pods/redis-cluster-0/run/redis.conf", `masterauth ${admin.forms[0]}`), ["admin-password"]);
        assert.deepStrictEqual(keys("dev/secrets/admin-password", `${admin.forms[0]} ${app.forms[0]}`), ["admin-password", "app-password"]);
        assert.deepStrictEqual(keys("dev/pods/redis-cluster-0/redis.log", `auth ${app.forms[1]}`), ["app-password"]);
        assert.deepStrictEqual(keys("dev/state.json", "{}"), []);
        // Sentinel's runtime config: the admin password it gives Redis, the peer password it gives its
        // peers; also in the temporary file of its config rewrite. Nothing else, nowhere else.
        for (const f of ["sentinel-dev/pods/s-0/run/sentinel.conf", "sentinel-dev/pods/s-0/run/sentinel.conf.a0TyEw"]) {
            assert.deepStrictEqual(keys(f, `sentinel auth-pass m ${admin.forms[0]}\nsentinel sentinel-pass "${sentinel.forms[0]}"`), [], f);
            assert.deepStrictEqual(keys(f, `masterauth ${replication.forms[0]}`), ["replication-password"], f);
        }
        assert.deepStrictEqual(keys("sentinel-dev/pods/s-0/run/sentinel.conf.bak", `sentinel sentinel-pass "${sentinel.forms[0]}"`), [
            "sentinel-password",
        ]);
    });
});
