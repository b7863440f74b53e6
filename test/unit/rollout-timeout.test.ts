// How long `pulumi up` waits for the Redis StatefulSet: sized from the data by the documented
// formula (docs/pulumi-waits.md), overridable, validated, and sent to the engine as the
// resource's customTimeouts. The expected numbers are worked out by hand from that formula.
import * as assert from "assert";
import { packageRoot } from "../../components/package-files";
import { rolloutTimeoutSeconds } from "../../components/kubernetes/rollout-timeout";
import { RedisCluster } from "../../components/redis-cluster";
import { RedisClusterArgs } from "../../components/settings/args";
import { ConfigError } from "../../components/settings/errors";
import { resolveSpec } from "../../components/settings/spec";
import { argsFromConfig } from "../../program/config";
import { readStackConfig } from "../../tools/stack-config";
import { runUnderMocks } from "../../tools/pulumi-mocks";

const stackArgs = (stack: string) => argsFromConfig(readStackConfig(packageRoot, stack).config);

describe("the Redis StatefulSet's rollout timeout", function () {
    this.timeout(30000);

    it("prod: 6 pods x (60 s grace + 60 s start + 6144 MiB / 100 MiB/s + 6144 MiB / 50 MiB/s) = 1825.9 s, rounded up to 31 minutes", () => {
        assert.strictEqual(rolloutTimeoutSeconds(resolveSpec(stackArgs("prod"))), 1860);
    });

    it("grows with the data and the pod count", () => {
        // 5 shards x 3 pods x (60 + 60 + 12288/100 + 12288/50) = 15 x 488.64 = 7329.6 s -> 123 minutes.
        assert.strictEqual(
            rolloutTimeoutSeconds(resolveSpec({ profile: "production", shards: 5, replicasPerShard: 2, redis: { maxmemory: "12gb" } })),
            7380,
        );
    });

    it("never waits less than Pulumi's own 10 minutes: dev (6 x (30 + 60 + 1.28 + 2.56) = 563 s) gets 600", () => {
        assert.strictEqual(rolloutTimeoutSeconds(resolveSpec(stackArgs("dev"))), 600);
    });

    it("takes the operator's number when set, and refuses a negative one naming key, value and range", () => {
        assert.strictEqual(rolloutTimeoutSeconds(resolveSpec({ rolloutTimeoutSeconds: 7200 })), 7200);
        assert.throws(
            () => resolveSpec({ rolloutTimeoutSeconds: -5 } as RedisClusterArgs),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.match(e.message, /rolloutTimeoutSeconds/);
                assert.match(e.message, /-5/);
                assert.match(e.message, /from 0 to 86400/);
                return true;
            },
        );
    });

    it("reaches the engine as the StatefulSet's create and update customTimeouts, and on no other resource", async () => {
        const run = await runUnderMocks(() => new RedisCluster("redis", stackArgs("prod")), { project: "redis-cluster", stack: "prod" });
        const sts = run.resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
        assert.strictEqual(sts.length, 1);
        assert.deepStrictEqual(sts[0].customTimeouts, { create: "1860s", update: "1860s", delete: "" });
        const others = run.resources.filter((r) => r !== sts[0] && (r.customTimeouts.create || r.customTimeouts.update));
        assert.deepStrictEqual(
            others.map((r) => r.type),
            [],
        );
    });
});
