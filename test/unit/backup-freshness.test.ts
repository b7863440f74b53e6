// How old backups may get, and what the dump and verify scripts count as covered: cron gaps (the
// expectations are plain calendar facts), the limits derived from them, the verify job's age and
// memory, and the scripts' slot arithmetic run in a real POSIX sh.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { longestGapMinutes, sharedStarts, WINDOW_MINUTES } from "../../components/settings/cron";
import { stalenessMinutes, verifyMaxAgeMinutes } from "../../components/backup/schedule";
import { buildBackupObjects } from "../../components/backup";
import { packageRoot } from "../../components/package-files";
import { resolveSpec } from "../../components/settings/spec";
import type { RedisClusterArgs } from "../../components/settings/args";

describe("cron schedules: the longest gap between runs", () => {
    const table: [string, number][] = [
        ["0 * * * *", 60],
        ["@hourly", 60],
        ["*/15 * * * *", 15],
        ["5/20 * * * *", 20], // :05, :25, :45, then :05 of the next hour
        ["30 2 * * *", 24 * 60],
        ["0 2,14 * * *", 12 * 60],
        ["0 3 * * 1-5", 3 * 24 * 60], // Friday 03:00 to Monday 03:00
        ["@weekly", 7 * 24 * 60],
        ["0 0 1 1 *", WINDOW_MINUTES], // beyond the window: the window's length, the conservative answer
    ];
    for (const [schedule, gap] of table) {
        it(`${schedule}: ${gap} min`, () => assert.strictEqual(longestGapMinutes(schedule), gap));
    }

    it("finds the minutes two schedules share", () => {
        assert.deepStrictEqual(sharedStarts("0 * * * *", "30 2 * * *"), []);
        assert.deepStrictEqual(sharedStarts("0 * * * *", "0 2 * * 0"), ["Sun 02:00"]);
        assert.strictEqual(sharedStarts("@hourly", "0 2 * * *").length, 7);
    });
});

describe("backup freshness limits", () => {
    it("allow one missed run and not two: two gaps plus the catching-up run's deadline", () => {
        const spec = resolveSpec({});
        assert.strictEqual(stalenessMinutes(spec, "hourly"), 2 * 60 + 50);
        assert.strictEqual(stalenessMinutes(spec, "daily"), 2 * 24 * 60 + 6 * 60);
        assert.strictEqual(stalenessMinutes(spec, "verify"), 2 * 24 * 60 + 6 * 60);
    });

    it("verify holds the newest backup to the freshest kind it reads, or to the configured age", () => {
        assert.strictEqual(verifyMaxAgeMinutes(resolveSpec({ profile: "production" })), 170, "with S3 the hourly backups are the freshest");
        assert.strictEqual(
            verifyMaxAgeMinutes(resolveSpec({ backup: { s3: { enabled: false } } })),
            3240,
            "without S3 verify reads the daily volume",
        );
        assert.strictEqual(
            verifyMaxAgeMinutes(resolveSpec({ profile: "production", backup: { hourly: { schedule: "*/30 * * * *" } } })),
            2 * 30 + 50,
        );
        assert.strictEqual(verifyMaxAgeMinutes(resolveSpec({ backup: { verify: { maxAgeMinutes: 45 } } })), 45);
    });
});

describe("the verify job", () => {
    const verifyContainer = (args: RedisClusterArgs) => {
        const cj = buildBackupObjects(resolveSpec({ profile: "production", ...args }), { bucket: "b" }).find(
            (o) => o.metadata.name === "redis-cluster-backup-verify",
        ) as any;
        return cj.spec.jobTemplate.spec.template.spec.containers.find((c: any) => c.name === "verify");
    };

    it("gets the memory a shard of maxmemory needs, as request and limit (8Gi for 6gb, never below 512Mi)", () => {
        const prod = verifyContainer({});
        assert.deepStrictEqual(prod.resources, { requests: { cpu: "100m", memory: "8192Mi" }, limits: { cpu: "1", memory: "8192Mi" } });
        const big = verifyContainer({
            redis: { maxmemory: "24gb" },
            resources: { requests: { memory: "32Gi" }, limits: { memory: "32Gi" } },
            storage: { size: "400Gi" },
        });
        assert.strictEqual(big.resources.limits.memory, "32768Mi");
        assert.strictEqual(verifyContainer({ redis: { maxmemory: "100mb" } }).resources.limits.memory, "512Mi");
    });

    it("is told the oldest backup it may accept, in seconds", () => {
        const env = (args: RedisClusterArgs) => verifyContainer(args).env.find((e: any) => e.name === "MAX_AGE_SECONDS").value;
        assert.strictEqual(env({}), String(170 * 60));
        assert.strictEqual(env({ backup: { verify: { maxAgeMinutes: 90 } } }), "5400");
    });
});

describe("backup scripts: slot coverage and backup age (manifest-lib.sh in a real sh)", () => {
    const lib = path.join(packageRoot, "components", "backup", "scripts", "manifest-lib.sh");
    const sh = (script: string) => {
        const r = spawnSync("sh", ["-c", `. "${lib}"; ${script}`], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        return r.stdout.trim();
    };

    it("finds no gap when the shards cover all 16384 slots, however the ranges are written", () => {
        assert.strictEqual(sh(`uncovered_slots "0-5460,5461-10922 10923-16383"`), "");
        assert.strictEqual(sh(`uncovered_slots "0-100 101,102-16383"`), "");
    });

    it("names the uncovered ranges: a skipped shard, single slots, nothing at all", () => {
        assert.strictEqual(sh(`uncovered_slots "0-5460,10923-16383"`), "5461-10922");
        assert.strictEqual(sh(`uncovered_slots "1-16382"`), "0,16383");
        assert.strictEqual(sh(`uncovered_slots ""`), "0-16383");
    });

    it("reads a backup id as UTC seconds, as date(1) does", () => {
        assert.strictEqual(sh("backup_epoch 20260101T020000Z"), String(Date.UTC(2026, 0, 1, 2) / 1000));
        assert.strictEqual(sh("backup_epoch 20261231T235959Z"), String(Date.UTC(2026, 11, 31, 23, 59, 59) / 1000));
    });
});
