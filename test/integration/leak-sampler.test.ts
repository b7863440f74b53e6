// The secret-leak sampler can fail: with fake passwords in a state root of its own, real processes
// that live a fraction of a second put one in their command line and another in the environment
// of a process that does not need it, a real redis-cli holds one where it may, files and printed
// text hold them where they may and may not; the sampler names every leak by pid and place, lets
// the allowed holders be, and never prints a password.
import * as assert from "assert";
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { requireTool } from "../../local/tools";
import { LeakReport, LeakSampler } from "../support/leak-sampler";

const fake = () =>
    crypto
        .randomBytes(18)
        .toString("base64")
        .replace(/[^A-Za-z0-9]/g, "x");

/** Runs a process for `ms` and resolves with its pid once it has exited. */
function briefly(cmd: string, args: string[], env: NodeJS.ProcessEnv, ms: number): Promise<number> {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH, ...env }, stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    return new Promise((resolve) =>
        child.on("exit", () => {
            clearTimeout(timer);
            resolve(child.pid!);
        }),
    );
}

describe("secret-leak sampler, self-test with fake passwords (real processes)", function () {
    this.timeout(30000);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "leak-sampler-"));
    const stack = path.join(root, "dev");
    const admin = fake();
    const app = fake();
    const replication = fake();
    const extra = fake();
    let report: LeakReport;
    const pids: Record<string, number> = {};
    let server: net.Server;
    const received: string[] = [];

    before(async () => {
        requireTool("redis-cli");
        for (const dir of ["secrets", "pods/p-0/auth", "pods/p-0/run", "pods/p-1/run"])
            fs.mkdirSync(path.join(stack, dir), { recursive: true });
        fs.writeFileSync(path.join(stack, "secrets", "admin-password"), admin);
        fs.writeFileSync(path.join(stack, "secrets", "app-password"), app);
        fs.writeFileSync(path.join(stack, "secrets", "replication-password"), replication);
        // A Redis that never answers: redis-cli sends AUTH and waits, holding REDISCLI_AUTH.
        server = net.createServer((s) => s.on("data", (d) => received.push(String(d))));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = String((server.address() as net.AddressInfo).port);

        const sampler = LeakSampler.start({ stateRoots: [root] });
        sampler.addSecret("test-only-password", extra);
        await new Promise((r) => setTimeout(r, 200));
        // Each process lives 300 ms: a single look before or after would miss it.
        pids.argv = await briefly("sh", ["-c", "sleep 5; true", "leaker", `--pass=${admin}`], {}, 300);
        pids.environ = await briefly("sleep", ["5"], { REDISCLI_AUTH: app }, 300);
        pids.wrongVariable = await briefly("/usr/bin/python3", ["-c", "import time; time.sleep(5)"], { SOME_TOKEN: extra }, 300);
        pids.redisCli = await briefly(
            "redis-cli",
            ["--no-auth-warning", "--user", "admin", "-h", "127.0.0.1", "-p", port, "ping"],
            { REDISCLI_AUTH: admin },
            300,
        );
        fs.writeFileSync(path.join(stack, "pods", "p-0", "auth", "admin-password"), admin);
        fs.writeFileSync(path.join(stack, "pods", "p-0", "run", "redis.conf"), `masterauth ${replication}\n`);
        fs.writeFileSync(path.join(stack, "pods", "p-1", "run", "redis.conf"), `masterauth ${admin}\n`);
        fs.writeFileSync(path.join(stack, "pods", "p-1", "redis.log"), `connected with ${Buffer.from(app).toString("base64")}\n`);
        console.log(`      (a fake password printed on purpose: ${replication})`);
        sampler.scanText("local up's result", JSON.stringify({ seeds: ["127.0.0.1:6379"], user: "app" }));
        await new Promise((r) => setTimeout(r, 600));
        report = await sampler.stop();
    });

    after(async () => {
        server?.close();
        fs.rmSync(root, { recursive: true, force: true });
    });

    const leaksOf = (re: RegExp) => report.leaks.filter((l) => re.test(`${l.where}: ${l.secret}`));

    it("catches a password in a short-lived process's command line, naming the pid and the key", () => {
        const found = leaksOf(
            new RegExp(
                `^pid ${pids.argv} \\(\\w+: sh -c sleep 5; true leaker --pass=<admin-password>\\) command line: admin-password \\[sha256:[0-9a-f]{10}\\]$`,
            ),
        );
        assert.strictEqual(found.length, 1, JSON.stringify(report.leaks, null, 1));
    });

    it("catches a password in the environment of a process that does not read it", () => {
        assert.strictEqual(
            leaksOf(new RegExp(`^pid ${pids.environ} \\(sleep: sleep 5\\) environment REDISCLI_AUTH: app-password`)).length,
            1,
            JSON.stringify(report.leaks, null, 1),
        );
        assert.strictEqual(
            leaksOf(new RegExp(`^pid ${pids.wrongVariable} \\(python3[\\d.]*: .*\\) environment SOME_TOKEN: test-only-password`)).length,
            1,
            JSON.stringify(report.leaks, null, 1),
        );
    });

    it("lets redis-cli hold REDISCLI_AUTH: it sent AUTH with it, and no leak names it", () => {
        assert.ok(received.join("").includes(admin), "redis-cli did not authenticate with REDISCLI_AUTH");
        assert.deepStrictEqual(leaksOf(new RegExp(`^pid ${pids.redisCli} `)), []);
        assert.ok(
            report.holdings.some((h) => h.variable === "REDISCLI_AUTH" && h.secret === "admin-password" && /redis-cli/.test(h.who)),
            JSON.stringify(report.holdings),
        );
    });

    it("judges files: a Secret's file and masterauth in the runtime config are allowed, other passwords in them and logs are not", () => {
        assert.deepStrictEqual(
            leaksOf(/^file /)
                .map((l) => l.where + " " + l.secret.split(" ")[0])
                .sort(),
            ["file dev/pods/p-1/redis.log app-password", "file dev/pods/p-1/run/redis.conf admin-password"],
        );
    });

    it("catches printed text, and never prints a password itself", () => {
        assert.deepStrictEqual(
            leaksOf(/^the test process's stdout/).map((l) => l.secret.split(" ")[0]),
            ["replication-password"],
        );
        assert.deepStrictEqual(leaksOf(/^local up's result/), []);
        const text = JSON.stringify(report);
        for (const secret of [admin, app, replication, extra]) {
            for (const form of [secret, Buffer.from(secret).toString("base64")])
                assert.ok(!text.includes(form), "the report prints a password");
        }
    });

    it("samples many times a second", () => {
        const seconds = (report.stoppedAt - report.startedAt) / 1000;
        assert.ok(report.sweeps / seconds >= 10, `${report.sweeps} samples in ${seconds} s`);
        assert.deepStrictEqual(report.secretKeys, ["admin-password", "app-password", "replication-password", "test-only-password"]);
    });
});
