// Persistence and CPU/QoS settings as rendered: no RDB save rules by default (the AOF persists),
// no CPU limit unless asked for, Guaranteed QoS for every container of the Redis pod when asked,
// and the warnings that explain each risky choice.
import * as assert from "assert";
import { renderRedisConf } from "../../components/redis/redis-conf";
import { buildStatefulSet } from "../../components/kubernetes/statefulset";
import { resolveSpec } from "../../components/settings/spec";
import type { RedisClusterArgs } from "../../components/settings/args";

const podOf = (args: RedisClusterArgs) => (buildStatefulSet(resolveSpec(args)) as any).spec.template.spec;
const warningKeys = (args: RedisClusterArgs) => resolveSpec(args).warnings.map((w) => w.key);

describe("persistence", () => {
    it('renders `save ""` beside the AOF by default, and the rules when given', () => {
        const conf = renderRedisConf(resolveSpec({}));
        assert.match(conf, /^save ""$/m);
        assert.match(conf, /^appendonly yes$/m);
        assert.match(renderRedisConf(resolveSpec({ redis: { save: [{ seconds: 900, changes: 1 }] } })), /^save 900 1$/m);
    });

    it("warns about save rules beside the AOF (snapshots and the shutdown save), and about no persistence at all", () => {
        const rdb = resolveSpec({ redis: { save: [{ seconds: 60, changes: 10000 }] } }).warnings.find((w) => w.key === "redis.save");
        assert.ok(rdb, "no warning for save rules beside the AOF");
        assert.match(rdb.message, /every SIGTERM writes one more/);
        assert.deepStrictEqual(warningKeys({ redis: { appendonly: false } }), ["redis.appendonly"]);
        assert.deepStrictEqual(warningKeys({ redis: { appendonly: false, save: [{ seconds: 900, changes: 1 }] } }), []);
    });
});

describe("CPU limit and QoS of the Redis pods", () => {
    it("sets no CPU limit by default, and no warning", () => {
        const redis = podOf({ profile: "production" }).containers.find((c: any) => c.name === "redis");
        assert.deepStrictEqual(redis.resources, { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "16Gi" } });
        assert.deepStrictEqual(warningKeys({ profile: "production" }), []);
    });

    it("sets a CPU limit when asked, with a warning that names throttled forks and failovers", () => {
        const redis = podOf({ resources: { limits: { cpu: "4" } } }).containers.find((c: any) => c.name === "redis");
        assert.strictEqual(redis.resources.limits.cpu, "4");
        const [w] = resolveSpec({ resources: { limits: { cpu: "4" } } }).warnings;
        assert.strictEqual(w.key, "resources.limits.cpu");
        assert.match(w.message, /fork children/);
        assert.match(w.message, /fails the master over/);
    });

    it("with qos guaranteed gives every container, init containers included, requests equal to its limits", () => {
        const pod = podOf({
            profile: "production",
            resources: { qos: "guaranteed", limits: { cpu: "4" } },
            restore: { from: "s3://backups-bucket/redis/daily/20260101T020000Z/" },
        });
        const all = [...(pod.initContainers ?? []), ...pod.containers];
        assert.ok(all.length > 2 && (pod.initContainers ?? []).length > 0, all.map((c: any) => c.name).join(", "));
        for (const c of all) {
            assert.deepStrictEqual(c.resources.requests, c.resources.limits, c.name);
            assert.ok(c.resources.limits.cpu && c.resources.limits.memory, `${c.name} lacks a CPU or memory limit`);
        }
        assert.deepStrictEqual(pod.containers.find((c: any) => c.name === "redis").resources.requests, { cpu: "4", memory: "16Gi" });
    });

    it("leaves the exporter burstable by default", () => {
        const exporter = podOf({}).containers.find((c: any) => c.name === "exporter");
        assert.notDeepStrictEqual(exporter.resources.requests, exporter.resources.limits);
    });
});

describe("backup schedules", () => {
    it("warn when the daily run starts in a minute the hourly one uses", () => {
        assert.deepStrictEqual(warningKeys({}), []);
        const w = resolveSpec({ backup: { daily: { schedule: "0 2 * * *" } } }).warnings;
        assert.deepStrictEqual(
            w.map((x) => x.key),
            ["backup.daily.schedule"],
        );
        assert.match(w[0].message, /Mon 02:00/);
    });
});
