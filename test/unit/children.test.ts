// The component hands out its main children typed, the pulumi-eks way: the StatefulSet(s), the
// Services, the Secret and (TypeScript only) the backup bucket, each the very resource it registered.
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RedisCluster } from "../../components/redis-cluster";
import { resolveOutput, runUnderMocks } from "../../tools/pulumi-mocks";
import type { RedisClusterArgs } from "../../components/settings/args";

async function build(args: RedisClusterArgs) {
    return (await runUnderMocks(() => new RedisCluster("c", args), { project: "consumer", stack: "dev" })).result;
}
const nameOf = async (r: pulumi.CustomResource) => (await resolveOutput(r.urn)).value.split("::").pop();
const metaName = async (r: k8s.apps.v1.StatefulSet | k8s.core.v1.Service | k8s.core.v1.Secret) =>
    (await resolveOutput(r.metadata.name)).value;

describe("RedisCluster children", function () {
    this.timeout(60000);

    it("cluster topology: the Redis StatefulSet, both Services and the Secret, no Sentinels, no bucket", async () => {
        const c = await build({ name: "cache" });
        assert.ok(c.statefulSet instanceof k8s.apps.v1.StatefulSet);
        assert.strictEqual(await nameOf(c.statefulSet), "c-statefulset-cache");
        assert.strictEqual(await metaName(c.clientService), "cache");
        assert.strictEqual(await metaName(c.headlessService), "cache-headless");
        assert.ok(c.secret instanceof k8s.core.v1.Secret);
        assert.strictEqual(await nameOf(c.secret), "c-secret");
        assert.strictEqual(c.sentinelStatefulSet, undefined);
        assert.strictEqual(c.sentinelService, undefined);
        assert.strictEqual(c.bucket, undefined);
    });

    it("sentinel topology adds the Sentinel StatefulSet and Service", async () => {
        const c = await build({ name: "cache", topology: "sentinel" });
        assert.strictEqual(await metaName(c.statefulSet), "cache");
        assert.strictEqual(await metaName(c.sentinelStatefulSet!), "cache-sentinel");
        assert.strictEqual(await metaName(c.sentinelService!), "cache-sentinel");
    });

    it("with S3 backups, the bucket the backup jobs write to", async () => {
        const c = await build({ backup: { s3: { enabled: true, bucketName: "my-backups" } } });
        assert.ok(c.bucket instanceof aws.s3.Bucket);
        assert.strictEqual(await nameOf(c.bucket), "c-backups");
        assert.strictEqual((await resolveOutput(c.bucket.bucket)).value, "my-backups");
    });
});
