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
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec } from "../../components/settings/spec";
import { standInEnv, writeScriptsWithStandInCli } from "../support/stand-in-cli";

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
            "takeover_fields",
            "resolve",
        ]);
        const source = 'scripts=$(dirname "$0")\n# shellcheck source-path=SCRIPTDIR source=redis-lib.sh\n. "$scripts/redis-lib.sh"\n';
        const problems: string[] = [];
        const users: string[] = [];
        for (const [name, text = ""] of Object.entries(scripts)) {
            if (name === "redis-lib.sh") continue;
            // Another library (resync-lib.sh) uses redis-lib.sh's functions; whoever sources it
            // sources redis-lib.sh first.
            if (name.endsWith("-lib.sh")) {
                const sourcing = new RegExp(`^\\. "\\$scripts/${name}"$`, "m");
                for (const [user, t = ""] of Object.entries(scripts)) {
                    const at = t.search(sourcing);
                    if (at >= 0 && !(t.indexOf(source) >= 0 && t.indexOf(source) < at))
                        problems.push(`${user} sources ${name} without redis-lib.sh before it`);
                }
                continue;
            }
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

    it("redis-lib.sh's replication_fields, cluster_master and takeover_fields read replies with builtins, in a real sh", () => {
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

        const takeover = [
            "# Persistence\r\nloading:0\r\nasync_loading:0\r\naof_rewrite_in_progress:1\r\naof_rewrite_scheduled:0\r\n",
            "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_known_nodes:6\r\n",
            "# Replication\r\nrole:master\r\nmaster_host:127.0.0.11\r\nmaster_link_status:up\r\nmaster_sync_in_progress:0\r\n",
            `${nodes}\n`,
        ].join("");
        const showTakeover = 'echo "[$known] [$state] [$loading] [$link] [$syncing] [$rewriting] [$master_host] [$flags] [$unlinked]"';
        r = run(`takeover_fields "$TEXT"; ${showTakeover}`, { TEXT: takeover });
        assert.strictEqual(r.status, 0, r.stderr);
        // INFO's role (master while a restarted replica loads) is not what it reads: nodes.conf's flags are.
        assert.strictEqual(r.stdout, "[6] [ok] [0] [up] [0] [1] [127.0.0.11] [myself,slave] [0]\n");
        // Masters that serve slots and that the cluster bus has no link to yet: the votes a failover asks for would not reach them.
        const unlinked = (from: string, to: string) =>
            run(`takeover_fields "$TEXT"; echo "$unlinked"`, { TEXT: takeover.replace(from, to) }).stdout;
        const masterC = `${id("c")} 127.0.0.13:6379@16379 master - 0 1700000000000 2 connected 5461-10922`;
        assert.strictEqual(unlinked(masterC, masterC.replace("connected", "disconnected")), "1\n");
        assert.strictEqual(
            unlinked(masterC, masterC.replace(" master ", " master,fail ").replace("connected", "disconnected")),
            "0\n",
            "a failed master votes for nobody",
        );
        assert.strictEqual(
            unlinked(masterC, masterC.replace("connected 5461-10922", "disconnected")),
            "0\n",
            "a master without slots votes for nobody",
        );
        const rewriting = (inProgress: number, scheduled: number) =>
            run(`takeover_fields "$TEXT"; echo "$rewriting"`, {
                TEXT: takeover.replace(
                    "aof_rewrite_in_progress:1\r\naof_rewrite_scheduled:0",
                    `aof_rewrite_in_progress:${inProgress}\r\naof_rewrite_scheduled:${scheduled}`,
                ),
            }).stdout;
        assert.strictEqual(rewriting(0, 0), "0\n");
        assert.strictEqual(rewriting(0, 1), "1\n", "a rewrite scheduled (waiting for another child) counts");
        r = run(`known=x flags=y rewriting=1; takeover_fields "$TEXT"; ${showTakeover}`, { TEXT: "" });
        assert.strictEqual(r.stdout, "[] [] [] [] [] [] [] [] [0]\n", "no answer: the previous look's values are cleared");
    });

    it("the StatefulSet tells the watchdog whether to take over: PLANNED_TAKEOVER from plannedTakeover", () => {
        const takeover = (args: Parameters<typeof resolveSpec>[0]) => {
            const sts = buildAllObjects(resolveSpec(args), "pw").find((o) => o.kind === "StatefulSet") as any;
            const redis = sts.spec.template.spec.containers.find((c: any) => c.name === "redis");
            return redis.env.find((e: any) => e.name === "PLANNED_TAKEOVER")?.value;
        };
        assert.strictEqual(takeover({}), "true");
        // The value redis-watchdog.sh compares ("false" turns it off; see the watchdog test).
        assert.strictEqual(takeover({ plannedTakeover: false }), "false");
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
        assert.match(watchdog, /admin_cli 5 "\$POD_IP" cluster failover/);
        assert.match(watchdog, /rm -f "\$marker"/);
    });

    it("redis-watchdog.sh: back from a planned stop, takes the shard over once, then watches over one connection", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "watchdog-"));
        try {
            const id = (c: string) => c.repeat(40);
            // A stand-in client that logs its calls: a restarted replica that loads for two looks
            // (INFO says role:master meanwhile, nodes.conf says slave), then is synced; CLUSTER
            // FAILOVER makes it a master; the streaming client (-r) answers once and ends.
            writeScriptsWithStandInCli(dir, [
                "case \" $* \" in *' -r '*) printf 'role:master\\r\\n'; exit 0 ;; esac",
                "while [ $# -gt 0 ]; do case $1 in --user|-h|-p) shift 2 ;; --*) shift ;; *) break ;; esac; done",
                'case "$*" in',
                "  '')",
                "    cat >/dev/null",
                '    echo x >>"$d/looks"',
                '    [ "$(wc -l <"$d/looks")" -gt 2 ] && loading=0 || loading=1',
                "    printf 'loading:%s\\r\\ncluster_state:ok\\r\\ncluster_known_nodes:6\\r\\n' \"$loading\"",
                "    printf 'role:master\\r\\nmaster_host:127.0.0.1\\r\\nmaster_link_status:up\\r\\nmaster_sync_in_progress:0\\r\\n'",
                `    printf '${id("a")} 127.0.0.1:6379@16379 master - 0 1 1 connected 0-5460\\n'`,
                `    printf '${id("b")} 127.0.0.2:6379@16379 myself,slave ${id("a")} 0 1 1 connected\\n' ;;`,
                // Refused once when asked to (redis-cli exits 0 on an error reply too), then accepted.
                '  \'cluster failover\') if [ -f "$d/refuse-once" ]; then rm "$d/refuse-once"; echo \'ERR Master is down or failed, please use CLUSTER FAILOVER FORCE\'; else : >"$d/failed-over"; echo OK; fi ;;',
                "  'config set appendonly yes') echo OK ;;",
                "  'info server') printf 'uptime_in_seconds:%s\\r\\n' \"$(cat \"$d/master-uptime\")\" ;;",
                "  role) if [ -f \"$d/failed-over\" ]; then printf 'master\\n0\\n'; else printf 'slave\\n'; fi ;;",
                "esac",
            ]);
            const marker = path.join(dir, "data", "planned-stop");
            // The stop was 30 s ago; the master has been up `masterUptime` seconds.
            const run = (env: Record<string, string> = {}, masterUptime = 100000) => {
                for (const f of ["calls", "looks", "failed-over"]) fs.rmSync(path.join(dir, f), { force: true });
                fs.writeFileSync(marker, `${Math.floor(Date.now() / 1000) - 30}\n`);
                fs.writeFileSync(path.join(dir, "master-uptime"), `${masterUptime}\n`);
                // The watchdog watches its parent: this shell, which leaves once the marker is gone
                // and the watching has had a few intervals.
                return spawnSync(
                    "sh",
                    [
                        "-c",
                        'sh "$1" & while [ -f "$2" ]; do sleep 0.05; done; sleep 0.5',
                        "parent",
                        path.join(dir, "redis-watchdog.sh"),
                        marker,
                    ],
                    {
                        encoding: "utf8",
                        timeout: 20000,
                        env: {
                            ...standInEnv(dir),
                            WATCHDOG_INTERVAL_SECONDS: "0.1",
                            TAKEOVER_TIMEOUT_SECONDS: "10",
                            ...env,
                        },
                    },
                );
            };
            let r = run();
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stdout, /taking the shard over after a planned stop\nwatchdog: takeover done\n/);
            assert.ok(!fs.existsSync(marker), "the marker is left");
            const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
            const streaming = (c: string) => / -r -1 -i 0\.1 info replication$/.test(c);
            const firstStream = calls.findIndex(streaming);
            assert.ok(firstStream > 0, calls.join("\n"));
            const before = calls.slice(0, firstStream);
            // Three looks (two while loading), one CLUSTER FAILOVER, then ROLE until it is a master.
            assert.strictEqual(before.filter((c) => /6379$/.test(c)).length, 3, before.join("\n"));
            assert.strictEqual(before.filter((c) => / cluster failover$/.test(c)).length, 1, before.join("\n"));
            // Afterwards nothing but the streaming client: the takeover is not looked at again.
            assert.deepStrictEqual(
                calls.slice(firstStream).filter((c) => !streaming(c)),
                [],
            );

            // The first CLUSTER FAILOVER refused (just after a start the cluster bus may not have
            // reached the master): it asks again instead of waiting for a failover that never began.
            fs.writeFileSync(path.join(dir, "refuse-once"), "");
            r = run();
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stdout, /CLUSTER FAILOVER refused, trying again: ERR Master is down or failed/);
            assert.match(r.stdout, /watchdog: takeover done\n/);
            const retried = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
            assert.strictEqual(retried.filter((c) => / cluster failover$/.test(c)).length, 2, retried.join("\n"));

            // Back from the planned stop's RDB with the AOF off (redis-start.sh): the AOF back on first.
            r = run({ AOF_DEFERRED: "1" });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stdout, /^watchdog: AOF back on after the start from the planned stop's RDB\nwatchdog: taking the shard over/);
            const deferred = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
            assert.match(deferred[0], / config set appendonly yes$/, deferred.join("\n"));

            // Every pod stopped at once: the master came back 25 s ago, after this pod's stop.
            r = run({}, 25);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stdout, /watchdog: no takeover: the master restarted after this pod stopped \(up 25 s, stopped 3\d s ago\)/);
            assert.doesNotMatch(r.stdout, /no takeover within/, "a decision not to take over reported as a timeout");
            assert.ok(!fs.existsSync(marker), "the marker is left when no takeover is due");
            assert.ok(!fs.readFileSync(path.join(dir, "calls"), "utf8").includes("cluster failover"), "it failed over anyway");

            r = run({ PLANNED_TAKEOVER: "false" });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.ok(!fs.existsSync(marker), "the marker is left with PLANNED_TAKEOVER=false");
            const off = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
            assert.deepStrictEqual(
                off.filter((c) => !streaming(c)),
                [],
                "PLANNED_TAKEOVER=false still looked",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("backup jobs: every script a backup script runs is shipped in the backup ConfigMap", () => {
        assert.deepStrictEqual(missingCallees(loadBackupScripts()), []);
    });
});
