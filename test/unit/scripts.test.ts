// The container scripts as shipped: every script a shipped script runs is shipped with it, for
// each topology (a missing one fails only at run time, in the pod).
import * as assert from "assert";
import { spawnSync } from "child_process";
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
        assert.deepStrictEqual(functions, [
            "cli_as",
            "admin_cli",
            "sentinel_cli",
            "sentinel_password_file",
            "field",
            "replication_fields",
            "cluster_master",
            "resolve",
        ]);
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

    it("redis-lib.sh's replication_fields and cluster_master read replies with builtins, in a real sh", () => {
        const lib = readPackageFile("components", "redis", "scripts", "redis-lib.sh");
        const run = (body: string, env: Record<string, string>) =>
            spawnSync("/bin/sh", ["-c", `scripts=/nonexistent\n${lib}\n${body}`], {
                encoding: "utf8",
                // No PATH: a command the functions ran would fail, which is what they must not do.
                env: { PATH: "/nonexistent", ...env },
            });
        const show = 'echo "[$role] [$master_link] [$master_host] [$master_port]"';
        const replica =
            "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.12\r\nmaster_port:6379\r\nmaster_link_status:down\r\nslave_read_only:1\r\n";
        let r = run(`replication_fields "$INFO"; ${show}`, { INFO: replica });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout, "[slave] [down] [127.0.0.12] [6379]\n");
        r = run(`role=x master_host=y; replication_fields "$INFO"; ${show}`, {
            INFO: "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n",
        });
        assert.strictEqual(r.stdout, "[master] [] [] []\n", "a master: the previous look's values are cleared");

        const id = (c: string) => c.repeat(40);
        const nodes = [
            `${id("a")} 127.0.0.41:6379@16379,redis-cluster-0 master - 0 1700000000000 1 connected 0-5460`,
            `${id("b")} 127.0.0.12:6379@16379 myself,slave ${id("a")} 0 1700000000000 1 connected`,
            `${id("c")} 127.0.0.13:6379@16379 master - 0 1700000000000 2 connected 5461-10922`,
        ].join("\n");
        const showMaster = 'echo "[$master_id] [$master_address]"';
        r = run(`cluster_master "$NODES"; ${showMaster}`, { NODES: nodes });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout, `[${id("a")}] [127.0.0.41]\n`);
        r = run(`master_address=x; cluster_master "$NODES"; ${showMaster}`, {
            NODES: nodes
                .replace("myself,slave", "slave")
                .replace(`${id("c")} 127.0.0.13:6379@16379 master`, `${id("c")} 127.0.0.13:6379@16379 myself,master`),
        });
        assert.strictEqual(r.stdout, "[] []\n", "a master replicates nobody");
        r = run(`cluster_master "$NODES"; ${showMaster}`, { NODES: nodes.split("\n").slice(1).join("\n") });
        assert.strictEqual(r.stdout, `[${id("a")}] []\n`, "a master this node does not know has no address");
    });

    it("backup jobs: every script a backup script runs is shipped in the backup ConfigMap", () => {
        assert.deepStrictEqual(missingCallees(loadBackupScripts()), []);
    });
});
