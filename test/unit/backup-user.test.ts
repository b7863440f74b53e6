// The backup jobs log in as their own `backup` user, which may find the shards and pull a
// snapshot and nothing else, and their pods hold that user's password alone.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { buildBackupObjects } from "../../components/backup/jobs";
import { packageRoot } from "../../components/package-files";
import { ACL_RULES, renderAclRules } from "../../components/redis/acl";
import { PATHS, resolveSpec, USER_ROLES } from "../../components/settings/spec";

const spec = resolveSpec({});
const cronJobs = () => buildBackupObjects(spec, { bucket: "b" }).filter((o) => o.kind === "CronJob");
const podOf = (cj: any) => cj.spec.jobTemplate.spec.template.spec;

describe("backup ACL user", () => {
    it("has exactly the commands backup-dump.sh sends: CLUSTER NODES/INFO and redis-cli --rdb", () => {
        assert.strictEqual(ACL_RULES.backup, "on resetkeys resetchannels -@all +sync +replconf +ping +cluster|nodes +cluster|info");
        const line = renderAclRules(spec)
            .split("\n")
            .find((l) => l.startsWith("backup "));
        assert.strictEqual(line, `backup backup ${ACL_RULES.backup}`);
    });

    it("covers every Redis command the dump script runs (a new command in the script must be granted on purpose)", () => {
        const script = fs.readFileSync(path.join(packageRoot, "components", "backup", "scripts", "backup-dump.sh"), "utf8");
        // Calls look like: cli -h "$host" -p "$port" <command> [<subcommand>] or ... --rdb <file>
        const calls = [...script.matchAll(/\bcli -h "\$\w+" -p "\$\w+" (--rdb|[a-z]+(?: [a-z]+)?)/g)].map((m) => m[1]);
        assert.deepStrictEqual([...new Set(calls)].sort(), ["--rdb", "cluster info", "cluster nodes"]);
        const granted = ACL_RULES.backup
            .split(" ")
            .filter((w) => w.startsWith("+"))
            .map((w) => w.slice(1).replace("|", " "));
        // redis-cli --rdb sends REPLCONF capa eof, REPLCONF rdb-only 1, then SYNC.
        for (const needed of ["cluster info", "cluster nodes", "sync", "replconf"]) assert.ok(granted.includes(needed), needed);
        assert.ok(!granted.some((g) => g.startsWith("@")), "no command category is granted");
    });

    it("gets its own rotated password slots like every user", () => {
        assert.ok(USER_ROLES.includes("backup"));
    });
});

describe("backup job pods", () => {
    it("mount only the backup user's password and log in as backup", () => {
        const jobs = cronJobs();
        assert.deepStrictEqual(jobs.map((j) => j.metadata.name).sort(), [
            "redis-cluster-backup-daily",
            "redis-cluster-backup-hourly",
            "redis-cluster-backup-verify",
        ]);
        for (const cj of jobs) {
            const pod = podOf(cj);
            const secretVolumes = pod.volumes.filter((v: any) => v.secret?.secretName === spec.names.secret);
            assert.deepStrictEqual(
                secretVolumes.map((v: any) => v.secret.items),
                [[{ key: "backup-password", path: "backup-password" }]],
                cj.metadata.name,
            );
            const text = JSON.stringify(pod);
            for (const other of ["admin", "app", "exporter", "replication"]) {
                assert.ok(!text.includes(`${other}-password`), `${cj.metadata.name} references ${other}'s password`);
            }
        }
        const hourly = podOf(jobs.find((j) => j.metadata.name === "redis-cluster-backup-hourly"));
        const dump = hourly.initContainers.find((c: any) => c.name === "dump");
        const env = Object.fromEntries(dump.env.map((e: any) => [e.name, e.value]));
        assert.strictEqual(env.REDIS_USER, "backup");
        assert.strictEqual(env.PASSWORD_FILE, `${PATHS.secrets}/backup-password`);
        // The password is a file, never an environment variable.
        assert.ok(!dump.env.some((e: any) => e.valueFrom?.secretKeyRef?.name === spec.names.secret));
        // Only the dump step sees it; the upload step has S3 access and no Redis password.
        const mounting = [...hourly.initContainers, ...hourly.containers].filter((c: any) =>
            c.volumeMounts.some((m: any) => m.name === "auth"),
        );
        assert.deepStrictEqual(
            mounting.map((c: any) => c.name),
            ["dump"],
        );
    });
});
