import * as assert from "assert";
import { sameConfigValue } from "../../components/formation/live/live-config";
import { restartDigest } from "../../components/kubernetes/configmaps";
import { liveDirectives, renderRedisConf } from "../../components/redis/redis-conf";
import { resolveSpec } from "../../components/settings/spec";

describe("redis.conf: live and restart-requiring settings", () => {
    const base = resolveSpec({ profile: "production" });

    it("leaves the pods alone when only live settings change", () => {
        const live = resolveSpec({
            profile: "production",
            redis: { maxmemory: "5gb", maxmemoryPolicy: "allkeys-lfu", slowlogMaxLen: 512, save: [] },
        });
        assert.strictEqual(restartDigest(live), restartDigest(base));
        assert.notStrictEqual(renderRedisConf(live), renderRedisConf(base), "the ConfigMap still carries the new values for restarts");
    });

    it("rolls the pods when a restart-requiring setting changes", () => {
        assert.notStrictEqual(restartDigest(resolveSpec({ profile: "production", redis: { ioThreads: 2 } })), restartDigest(base));
        assert.notStrictEqual(restartDigest(resolveSpec({ profile: "production", redis: { tcpBacklog: 511 } })), restartDigest(base));
    });

    it("hands the live directives to formation in CONFIG SET form", () => {
        const d = liveDirectives(base);
        assert.strictEqual(d.maxmemory, "6gb");
        assert.strictEqual(d.save, "");
        assert.strictEqual(
            liveDirectives(
                resolveSpec({
                    profile: "production",
                    redis: {
                        save: [
                            { seconds: 900, changes: 1 },
                            { seconds: 60, changes: 10000 },
                        ],
                    },
                }),
            ).save,
            "900 1 60 10000",
        );
        assert.strictEqual(d["cluster-node-timeout"], "5000");
        assert.ok(!("io-threads" in d) && !("port" in d));
    });

    it("sentinel topology: no cluster directives, and every change rolls the pods (no formation provider applies it live)", () => {
        const sentinel = resolveSpec({ profile: "production", topology: "sentinel" });
        assert.doesNotMatch(renderRedisConf(sentinel), /^cluster-/m);
        assert.match(renderRedisConf(base), /^cluster-enabled yes$/m);
        assert.notStrictEqual(
            restartDigest(resolveSpec({ profile: "production", topology: "sentinel", redis: { maxmemory: "5gb" } })),
            restartDigest(sentinel),
        );
    });

    it("compares values the way Redis reports them", () => {
        assert.ok(sameConfigValue("6gb", String(6 * 2 ** 30)));
        assert.ok(sameConfigValue("allkeys-lru", "allkeys-lru"));
        assert.ok(!sameConfigValue("6gb", String(5 * 2 ** 30)));
        assert.ok(!sameConfigValue("everysec", "always"));
    });
});
