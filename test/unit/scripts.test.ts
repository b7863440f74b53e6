// The container scripts as shipped: every script a shipped script runs is shipped with it, for
// each topology (a missing one fails only at run time, in the pod).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readPackageFile } from "../../components/package-files";
import { loadBackupScripts } from "../../components/backup/scripts";
import { loadRedisScripts, SENTINEL_SCRIPTS } from "../../components/redis/scripts";

/** Calls to scripts that are not shipped; `branchOnly` callees may be missing when only redis-start.sh calls them (it branches on TOPOLOGY). */
function missingCallees(scripts: Record<string, string | undefined>, branchOnly: readonly string[] = []): string[] {
    const shipped = new Set(Object.keys(scripts));
    const missing: string[] = [];
    for (const [name, text] of Object.entries(scripts)) {
        for (const m of (text ?? "").matchAll(/\$scripts\/([\w.-]+\.sh)/g)) {
            if (shipped.has(m[1]) || (name === "redis-start.sh" && branchOnly.includes(m[1]))) continue;
            missing.push(`${name} runs ${m[1]}`);
        }
    }
    return missing;
}

describe("container scripts", () => {
    for (const topology of ["cluster", "sentinel"]) {
        it(`${topology} topology: every script a shipped script runs is shipped too`, () => {
            const scripts = loadRedisScripts(topology);
            assert.deepStrictEqual(missingCallees(scripts, topology === "cluster" ? SENTINEL_SCRIPTS : []), []);
            // The check sees the calls it guards.
            assert.ok(Object.values(scripts).some((t) => /\$scripts\/redis-cli\.sh/.test(t ?? "")));
        });
    }

    it("cluster topology: the sentinel-only scripts stay out, and redis-start.sh runs them only when TOPOLOGY is sentinel", () => {
        const scripts = loadRedisScripts("cluster");
        assert.ok(!("sentinel-start.sh" in scripts) && !("acl-reload.sh" in scripts));
        const start = scripts["redis-start.sh"]!;
        for (const callee of ["sentinel-role.sh", "sentinel-follow.sh", "acl-reload.sh"]) {
            const at = start.indexOf(`$scripts/${callee}`);
            const guard = start.lastIndexOf('if [ "$TOPOLOGY" = ', at);
            assert.ok(at > 0 && guard >= 0, `${callee} is not run under a TOPOLOGY test`);
        }
    });

    it("redis-lib.sh: every script that calls it sources it the one way, and none defines its functions again", () => {
        const scripts = loadRedisScripts("sentinel");
        const functions = [...scripts["redis-lib.sh"]!.matchAll(/^(\w+)\(\) \{/gm)].map((m) => m[1]);
        assert.deepStrictEqual(functions, ["cli_as", "admin_cli", "sentinel_cli", "sentinel_password_file", "field", "resolve"]);
        const source = 'scripts=$(dirname "$0")\n# shellcheck source-path=SCRIPTDIR source=redis-lib.sh\n. "$scripts/redis-lib.sh"\n';
        const problems: string[] = [];
        const users: string[] = [];
        for (const [name, text = ""] of Object.entries(scripts)) {
            if (name === "redis-lib.sh") continue;
            const own = text.replace(/^\s*#.*$/gm, "");
            for (const f of [...functions, "cli"])
                if (new RegExp(`^\\s*${f}\\(\\)`, "m").test(own)) problems.push(`${name} defines ${f}()`);
            if (/REDISCLI_AUTH=\$\(cat|export REDIS_AUTH_FILE/.test(own)) problems.push(`${name} reads the admin password itself`);
            if (!functions.some((f) => new RegExp(`(^|[\\s($|])${f} `, "m").test(own))) continue;
            users.push(name);
            if (!text.includes(source)) problems.push(`${name} calls redis-lib.sh without sourcing it as the others do`);
        }
        assert.deepStrictEqual(problems, []);
        // The check sees the scripts it guards.
        assert.ok(users.includes("redis-probe.sh") && users.includes("sentinel-start.sh") && users.length >= 10, users.join(" "));
    });

    it("redis-lib.sh's field reads INFO replies as redis-cli prints them (CRLF), in a real sh", () => {
        const lib = readPackageFile("components", "redis", "scripts", "redis-lib.sh");
        const info = "# Replication\r\nrole:slave\r\nmaster_host:redis-cluster-1.x\r\nmaster_link_status:down\r\nslave_read_only:1\r\n";
        const r = spawnSync(
            "sh",
            [
                "-c",
                `scripts=/nonexistent\n${lib}\nfor n in role master_link_status master_host absent; do echo "$n=[$(field "$INFO" $n)]"; done`,
            ],
            { encoding: "utf8", env: { PATH: process.env.PATH, INFO: info } },
        );
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout, "role=[slave]\nmaster_link_status=[down]\nmaster_host=[redis-cluster-1.x]\nabsent=[]\n");
    });

    it("redis-probe.sh: a pod back from a planned stop is not Ready until it has taken its shard over (marker gone)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
        try {
            for (const [name, text] of Object.entries(loadRedisScripts("cluster"))) fs.writeFileSync(path.join(dir, name), text!);
            // A stand-in client: a healthy, synced replica in a formed cluster.
            fs.mkdirSync(path.join(dir, "bin"));
            fs.writeFileSync(
                path.join(dir, "bin", "redis-cli"),
                "#!/bin/sh\ncat >/dev/null\nprintf 'PONG\\r\\ncluster_state:ok\\r\\ncluster_known_nodes:6\\r\\nrole:slave\\r\\nmaster_link_status:up\\r\\n'\n",
                { mode: 0o755 },
            );
            fs.writeFileSync(path.join(dir, "password"), "x");
            fs.mkdirSync(path.join(dir, "data"));
            const probe = () =>
                spawnSync("sh", [path.join(dir, "redis-probe.sh"), "readiness"], {
                    encoding: "utf8",
                    env: {
                        PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
                        POD_IP: "127.0.0.1",
                        PASSWORD_FILE: path.join(dir, "password"),
                        ADMIN_USER: "admin",
                        REDIS_PORT: "6379",
                        DATA_DIR: path.join(dir, "data"),
                    },
                });
            assert.strictEqual(probe().status, 0, probe().stdout);
            fs.writeFileSync(path.join(dir, "data", "planned-stop"), "1\n");
            const pending = probe();
            assert.strictEqual(pending.status, 1);
            assert.match(pending.stdout, /taking its shard over after a planned stop/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("redis-prestop.sh leaves the planned-stop marker before it can return early, and redis-watchdog.sh acts on it and removes it", () => {
        const scripts = loadRedisScripts("cluster");
        const prestop = scripts["redis-prestop.sh"]!;
        assert.ok(
            prestop.indexOf('"$DATA_DIR/planned-stop"') < prestop.indexOf("cluster nodes"),
            "the marker is not written before the hook can return early",
        );
        const watchdog = scripts["redis-watchdog.sh"]!;
        assert.match(watchdog, /cluster failover >\/dev\/null/);
        assert.match(watchdog, /rm -f "\$marker"/);
    });

    it("backup jobs: every script a backup script runs is shipped in the backup ConfigMap", () => {
        assert.deepStrictEqual(missingCallees(loadBackupScripts()), []);
    });
});
