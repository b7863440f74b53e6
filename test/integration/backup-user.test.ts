// The backup user against a real redis-server: the real backup-dump.sh, logged in as `backup`
// with its password from a file, dumps a cluster node, and nothing it sends is refused; the same
// user is refused writes, reads, configuration, flushes, ACL and cluster administration.
import * as assert from "assert";
import { BACKUP_SCRIPTS } from "../../components/backup/scripts";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { packageRoot } from "../../components/package-files";
import { renderAclRules } from "../../components/redis/acl";
import { passwordKey, resolveSpec, USER_ROLES, USERS } from "../../components/settings/spec";
import { requireTool } from "../../local/tools";

const HOST = "127.0.53.11";
const PORT = 6379;

describe("backup user (real redis-server)", function () {
    this.timeout(60000);
    let dir: string;
    let server: ChildProcess | undefined;
    const passwords = Object.fromEntries(USER_ROLES.map((r) => [r, `${r}Pw${Math.random().toString(36).slice(2, 14)}`]));

    /** redis-cli as `user`, the password in the environment (never on the command line). */
    const cli = (user: string, ...args: string[]) => {
        const r = spawnSync("redis-cli", ["--no-auth-warning", "--user", user, "-h", HOST, "-p", String(PORT), ...args], {
            encoding: "utf8",
            timeout: 10000,
            env: { ...process.env, REDISCLI_AUTH: passwords[user] },
        });
        return `${r.stdout}${r.stderr}`.trim();
    };

    before(async () => {
        requireTool("redis-server");
        requireTool("redis-cli");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "backup-user-"));
        // The ACL file as the pods build it: the rendered rules, hashed passwords from the Secret's files.
        const secrets = path.join(dir, "secrets");
        fs.mkdirSync(secrets);
        for (const r of USER_ROLES) fs.writeFileSync(path.join(secrets, passwordKey(r)), passwords[r], { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "rules"), renderAclRules(resolveSpec({})));
        const acl = spawnSync("sh", [path.join(packageRoot, "components", "redis", "scripts", "redis-acl.sh"), path.join(dir, "rules")], {
            encoding: "utf8",
            env: { ...process.env, SECRETS_DIR: secrets },
        });
        assert.strictEqual(acl.status, 0, acl.stderr);
        fs.writeFileSync(path.join(dir, "users.acl"), acl.stdout, { mode: 0o600 });
        fs.writeFileSync(
            path.join(dir, "redis.conf"),
            [
                // A lone node learns no address of its own from peers: announce it, as the pods do.
                `bind ${HOST}`,
                `port ${PORT}`,
                `dir ${dir}`,
                "cluster-enabled yes",
                "cluster-config-file nodes.conf",
                `cluster-announce-ip ${HOST}`,
                `aclfile ${dir}/users.acl`,
                "repl-diskless-sync-delay 0",
                'save ""',
                "appendonly no",
            ].join("\n") + "\n",
        );
        server = spawn("redis-server", [path.join(dir, "redis.conf")], { stdio: "ignore" });
        for (let i = 0; i < 100 && cli(USERS.admin, "ping") !== "PONG"; i++) await new Promise((r) => setTimeout(r, 100));
        assert.strictEqual(cli(USERS.admin, "cluster", "addslotsrange", "0", "16383"), "OK");
        for (let i = 0; i < 100 && !/cluster_state:ok/.test(cli(USERS.admin, "cluster", "info")); i++)
            await new Promise((r) => setTimeout(r, 100));
        for (const k of ["a", "b", "c"]) assert.strictEqual(cli(USERS.admin, "set", k, "1"), "OK");
        assert.strictEqual(cli(USERS.admin, "acl", "log", "reset"), "OK");
    });

    after(() => {
        server?.kill("SIGKILL");
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("runs the real backup-dump.sh to a complete backup, with nothing refused", () => {
        // The scripts as the backup ConfigMap ships them: the dump beside the redis-cli wrapper.
        const scripts = path.join(dir, "scripts");
        fs.mkdirSync(scripts);
        for (const name of BACKUP_SCRIPTS)
            fs.copyFileSync(path.join(packageRoot, "components", "backup", "scripts", name), path.join(scripts, name));
        fs.copyFileSync(path.join(packageRoot, "components", "redis", "scripts", "redis-cli.sh"), path.join(scripts, "redis-cli.sh"));
        for (const d of ["staging", "work"]) fs.mkdirSync(path.join(dir, d));
        const r = spawnSync("sh", [path.join(scripts, "backup-dump.sh")], {
            encoding: "utf8",
            env: {
                ...process.env,
                REDIS_HOST: HOST,
                REDIS_PORT: String(PORT),
                REDIS_USER: USERS.backup,
                PASSWORD_FILE: path.join(dir, "secrets", passwordKey("backup")),
                STAGING_DIR: path.join(dir, "staging"),
                WORK_DIR: path.join(dir, "work"),
                BACKUP_KIND: "hourly",
                KEEP: "1",
                CLUSTER_NAME: "redis-cluster",
            },
        });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        const id = fs.readFileSync(path.join(dir, "work", "backup-id"), "utf8").trim();
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, "staging", "hourly", id, "manifest.json"), "utf8"));
        assert.strictEqual(manifest.shardCount, 1);
        assert.strictEqual(manifest.shards[0].keys, 3);
        assert.ok(fs.statSync(path.join(dir, "staging", "hourly", id, "shard-0.rdb")).size > 0);
        assert.strictEqual(cli(USERS.admin, "acl", "log"), "", "the ACL log of refusals is empty");
    });

    it("is refused writes, reads, configuration, flushes, ACL and cluster administration", () => {
        const denied = [
            ["set", "k", "v"],
            ["get", "a"],
            ["config", "get", "maxmemory"],
            ["config", "set", "maxmemory", "0"],
            ["flushall"],
            ["acl", "list"],
            ["acl", "setuser", "x"],
            ["cluster", "addslots", "1"],
            ["cluster", "reset"],
            ["shutdown", "nosave"],
            ["keys", "*"],
            ["psync", "?", "-1"],
            ["eval", "return 1", "0"],
        ];
        for (const args of denied) assert.match(cli(USERS.backup, ...args), /NOPERM/, args.join(" "));
        assert.strictEqual(cli(USERS.admin, "dbsize"), "3", "nothing was flushed");
        assert.strictEqual(cli(USERS.backup, "ping"), "PONG");
    });
});
