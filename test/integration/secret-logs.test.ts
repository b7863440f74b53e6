// The passwords of a real run stay where Kubernetes would keep them: the dev stack in local mode
// (real redis-server and exporter processes, the real formation code) is brought up, inspected and
// taken down, and every line the commands printed and every log and data file the pods wrote is
// scanned for every ACL user's password, raw and base64; from before `up` to after `down` the
// secret-leak sampler watches every process's command line and environment on the machine. The
// only places one may be are the Secret's stand-ins (the state's secrets directory, each pod's
// Secret volume) and, for the replication password alone (masterauth), the runtime
// config the start script writes to its memory-backed emptyDir, and for the exporter's alone its
// password map on another memory-backed emptyDir; the ACL file holds hashes only.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { packageRoot } from "../../components/package-files";
import { PATHS, passwordKey, USER_ROLES } from "../../components/settings/spec";
import { requireTool } from "../../local/tools";
import { fileMayHold, knownSecret } from "../support/leak-rules";
import { assertNoLeaks, LeakSampler } from "../support/leak-sampler";

// This file's own address range (127.0.13.0/24), so it meets no other test's pods.
const ADDRESS_BASE = "127.0.13.11";
const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), "secret-logs-"));
// Pod names go to a hosts file of this run, not /etc/hosts: other runs on this machine publish
// the dev stack's same pod names, and a shared file would send their lookups to these pods.
const hostsFile = path.join(os.tmpdir(), `secret-logs-hosts-${process.pid}`);
fs.writeFileSync(hostsFile, "");
const env = { ...process.env, REDIS_LOCAL_STATE_DIR: stateRoot, REDIS_LOCAL_ADDRESS_BASE: ADDRESS_BASE, REDIS_LOCAL_HOSTS_FILE: hostsFile };

function local(...args: string[]) {
    const r = spawnSync(process.execPath, [path.join(packageRoot, "dist", "local", "cli.js"), ...args], {
        cwd: packageRoot,
        env,
        encoding: "utf8",
    });
    return { ...r, printed: `${r.stdout}${r.stderr}` };
}

function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
    });
}

describe("secret scan of a real local-mode run (dev stack)", function () {
    this.timeout(180000);
    /** Secret key -> the password's forms (raw, base64). */
    let forms: Record<string, string[]>;
    const printed: string[] = [];
    let leaks: LeakSampler;

    /** The Secret keys whose password `text` holds. */
    const holds = (text: string | Buffer): string[] => {
        const s = typeof text === "string" ? text : text.toString("latin1");
        return Object.entries(forms)
            .filter(([, f]) => f.some((x) => s.includes(x)))
            .map(([k]) => k);
    };
    const contains = (text: string | Buffer) => holds(text).length > 0;

    before(() => {
        requireTool("redis-server");
        requireTool("prometheus-redis-exporter");
        leaks = LeakSampler.start({ stateRoots: [stateRoot] });
        const up = local("up", "--stack", "dev");
        printed.push(up.printed);
        assert.strictEqual(up.status, 0, up.stderr);
        const facts = JSON.parse(up.stdout.trim().split("\n").pop()!);
        const secretsDir = path.dirname(facts.passwordFile);
        forms = Object.fromEntries(
            USER_ROLES.map((role) => {
                const password = fs.readFileSync(path.join(secretsDir, passwordKey(role)), "utf8");
                assert.ok(password.length >= 16, role);
                return [passwordKey(role), [password, Buffer.from(password).toString("base64")]];
            }),
        );
        assert.strictEqual(new Set(Object.values(forms).map((f) => f[0])).size, USER_ROLES.length, "users share a password");
        // A second up adopts the running cluster through the formation code, and prints its steps.
        const again = local("up", "--stack", "dev");
        printed.push(again.printed);
        assert.strictEqual(again.status, 0, again.stderr);
        const status = local("status", "--stack", "dev");
        printed.push(status.printed);
        assert.strictEqual(status.status, 0, status.stdout);
    });

    after(async () => {
        local("down", "--stack", "dev");
        const report = await leaks?.stop();
        fs.rmSync(stateRoot, { recursive: true, force: true });
        fs.rmSync(hostsFile, { force: true });
        if (report) assertNoLeaks(report, USER_ROLES.map(passwordKey));
    });

    it("no command printed it", () => {
        assert.ok(printed.join("").includes(ADDRESS_BASE), "the scan saw no output");
        assert.strictEqual(contains(printed.join("\n")), false);
    });

    it("no log, data or config file has it; only the Secret stand-ins and the in-memory runtime config do", () => {
        const files = filesUnder(stateRoot);
        assert.ok(files.some((f) => f.endsWith("redis.log")) && files.some((f) => f.endsWith("nodes.conf")), files.join("\n"));
        const holding = files
            .map((f) => ({ f: path.relative(stateRoot, f), keys: holds(fs.readFileSync(f)) }))
            .filter((h) => h.keys.length > 0);
        // The sampler's rules: a Secret's own file (the stand-in, a pod's `auth` volume), masterauth in `run/redis.conf`, the exporter's password map.
        const allowed = (f: string, key: string) =>
            fileMayHold(f, fs.readFileSync(path.join(stateRoot, f), "latin1"), knownSecret(key, forms[key][0])!);
        assert.deepStrictEqual(
            holding.flatMap((h) => h.keys.filter((k) => !allowed(h.f, k)).map((k) => `${h.f} holds ${k}`)),
            [],
        );
        for (const key of Object.keys(forms))
            assert.ok(
                holding.some((h) => h.f.endsWith(`auth/${key}`)),
                `the scan did not see ${key} in a Secret volume`,
            );
        assert.ok(holding.every((h) => !h.f.endsWith("users.acl")));
        assert.ok(
            holding.some((h) => h.f.endsWith("run/redis.conf")),
            `the scan did not find the runtime config (${PATHS.run}/redis.conf)`,
        );
        for (const { f } of holding) {
            assert.strictEqual(fs.statSync(path.join(stateRoot, f)).mode & 0o077, 0, `${f} is readable by others`);
        }
    });
});
