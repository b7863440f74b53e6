import * as assert from "assert";
import { DEFAULT_IMAGES } from "../../components/spec/images";
import { slotsFromManifest } from "../../components/backup";
import { parseRanges } from "../../components/bootstrap/plan";
import { checkArgs, resolveSpec } from "../../components/spec/spec";
import { deployStack } from "../../program/stack";
import { RegisteredResource, REDACTED, runUnderMocks } from "../../tools/pulumi-mocks";
import { offlineOutputs, splitResources } from "../../tools/render";
import { readStackConfig } from "../../tools/stack-config";
import { packageRoot } from "../../components/package-files";
import { validateStrict } from "../support/kube-validate";
import type { KubeObject } from "../../components/kubernetes/object";

// Values no real object holds by chance: wherever they show up unredacted, a secret leaked.
const ACCESS_KEY_SECRET = "AkSecretCanary9d8e7f6a5b4c3d2e1f0a";
const KMS = "arn:aws:kms:eu-west-1:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444";
const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123";
const OIDC_URL = "oidc.eks.eu-west-1.amazonaws.com/id/ABC123";

const MANIFEST = JSON.stringify({
    format: 1, id: "20260101T020000Z", kind: "daily", shardCount: 3,
    shards: [
        { index: 1, slots: "5461-10922", file: "shard-1.rdb" },
        { index: 0, slots: "0-5460", file: "shard-0.rdb" },
        { index: 2, slots: "10923-16383", file: "shard-2.rdb" },
    ],
});

async function run(config: Record<string, string>) {
    const r = await runUnderMocks(() => deployStack(config), {
        project: "redis-cluster",
        stack: "test",
        outputs: (type, name, inputs) => ({
            ...offlineOutputs(type, name, inputs),
            ...(type === "aws:iam/accessKey:AccessKey" ? { secret: ACCESS_KEY_SECRET } : {}),
            ...(type === "aws:s3/bucket:Bucket" ? { region: "eu-west-1" } : {}),
        }),
        calls: (token) => (token === "aws:s3/getObject:getObject" ? { body: MANIFEST } : undefined),
    });
    return r.resources;
}

const prodConfig = () => readStackConfig(packageRoot, "prod").config;
const withBackup = (config: Record<string, string>, backup: object) =>
    ({ ...config, "redis-cluster:backup": JSON.stringify(backup) });

const find = (resources: RegisteredResource[], type: string) => {
    const found = resources.filter((r) => r.type === type);
    assert.strictEqual(found.length, 1, `expected one ${type}, got ${found.length}`);
    return found[0].inputs as any;
};
const kube = (resources: RegisteredResource[], kind: string, name: string): any => {
    const o = splitResources(resources).kubernetes.find((x: any) => x.kind === kind && x.metadata.name === name);
    assert.ok(o, `no ${kind} ${name}`);
    return o;
};

describe("backups under Pulumi mocks: the S3 bucket", function () {
    this.timeout(30000);
    let resources: RegisteredResource[];
    before(async () => {
        resources = await run(prodConfig());
    });

    it("is the configured bucket, versioned, encrypted with SSE-S3 when no KMS key is given", () => {
        assert.strictEqual(find(resources, "aws:s3/bucket:Bucket").bucket, "llm-analytics-redis-backups");
        assert.deepStrictEqual(find(resources, "aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration, { status: "Enabled" });
        assert.deepStrictEqual(find(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules,
            [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    });

    it("blocks all four kinds of public access", () => {
        const pab = find(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.strictEqual(pab[k], true, k);
    });

    it("denies every request without TLS, on the bucket and its objects", () => {
        const policy = JSON.parse(find(resources, "aws:s3/bucketPolicy:BucketPolicy").policy);
        assert.deepStrictEqual(policy.Statement, [{
            Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
            Resource: ["arn:aws:s3:::llm-analytics-redis-backups", "arn:aws:s3:::llm-analytics-redis-backups/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        }]);
    });

    it("expires each kind's objects after its retention, old versions after a week, stray uploads after a day", () => {
        const rules = find(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules;
        assert.deepStrictEqual(rules.map((r: any) => [r.filter.prefix, r.expiration.days, r.noncurrentVersionExpiration.noncurrentDays,
            r.abortIncompleteMultipartUpload.daysAfterInitiation, r.status]), [
            ["redis-cluster/hourly/", 2, 7, 1, "Enabled"], // keep 3 hourly: a day covers them, plus a day
            ["redis-cluster/daily/", 8, 7, 1, "Enabled"], // keep 7 daily, plus a day
        ]);
    });

    it("generates a bucket name when none is given", async () => {
        const generated = await run(withBackup(prodConfig(), { s3: { bucketName: "" } }));
        const bucket = find(generated, "aws:s3/bucket:Bucket");
        assert.strictEqual(bucket.bucket, undefined);
        assert.strictEqual(bucket.bucketPrefix, "redis-cluster-backups-");
    });
});

describe("backups under Pulumi mocks: least-privilege access", function () {
    this.timeout(30000);

    it("an IAM user may list the prefix and get/put/delete objects under it, nothing else", async () => {
        const resources = await run(prodConfig());
        const policy = JSON.parse(find(resources, "aws:iam/userPolicy:UserPolicy").policy);
        assert.deepStrictEqual(policy, {
            Version: "2012-10-17",
            Statement: [
                { Sid: "ListBackupPrefix", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::llm-analytics-redis-backups",
                    Condition: { StringLike: { "s3:prefix": ["redis-cluster/*"] } } },
                { Sid: "ReadWriteBackups", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    Resource: "arn:aws:s3:::llm-analytics-redis-backups/redis-cluster/*" },
            ],
        });
        assert.ok(!resources.some((r) => r.type.startsWith("aws:iam/role")), "no role without an OIDC provider");
    });

    it("the access key lives only in the Kubernetes Secret, as secret values, and never in rendered output", async () => {
        const resources = await run(prodConfig());
        const secret = resources.find((r) => r.name === "redis-backup-credentials")!;
        assert.strictEqual((secret.inputs as any).stringData.AWS_SECRET_ACCESS_KEY, ACCESS_KEY_SECRET);
        assert.strictEqual((secret.redactedInputs as any).stringData.AWS_SECRET_ACCESS_KEY, REDACTED);
        for (const r of resources) {
            assert.ok(!JSON.stringify(r.redactedInputs).includes(ACCESS_KEY_SECRET), `${r.name} shows the access key secret`);
            if (r !== secret) assert.ok(!JSON.stringify(r.inputs).includes(ACCESS_KEY_SECRET), `${r.name} holds the access key secret`);
        }
        const jobs = splitResources(resources).kubernetes.filter((o: any) => o.kind === "CronJob");
        const upload = kube(resources, "CronJob", "redis-cluster-backup-daily").spec.jobTemplate.spec.template.spec.containers[0];
        assert.deepStrictEqual(upload.env.filter((e: any) => e.valueFrom).map((e: any) => `${e.name}<-${e.valueFrom.secretKeyRef.name}`),
            ["AWS_ACCESS_KEY_ID<-redis-cluster-backup-s3", "AWS_SECRET_ACCESS_KEY<-redis-cluster-backup-s3", "AWS_DEFAULT_REGION<-redis-cluster-backup-s3"]);
        assert.strictEqual(jobs.length, 3);
    });

    it("with an OIDC provider, an IRSA role only the backup ServiceAccount can assume, with a KMS key's two actions", async () => {
        const resources = await run(withBackup(prodConfig(), {
            s3: { bucketName: "llm-analytics-redis-backups", kmsKeyArn: KMS, oidcProviderArn: OIDC_ARN, oidcProviderUrl: OIDC_URL },
        }));
        assert.ok(!resources.some((r) => r.type.startsWith("aws:iam/user") || r.type.startsWith("aws:iam/accessKey")), "no IAM user with IRSA");
        assert.ok(!resources.some((r) => r.name === "redis-backup-credentials"), "no key Secret with IRSA");
        const trust = JSON.parse(find(resources, "aws:iam/role:Role").assumeRolePolicy);
        assert.deepStrictEqual(trust.Statement, [{
            Sid: "BackupServiceAccount", Effect: "Allow", Principal: { Federated: OIDC_ARN }, Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringEquals: {
                [`${OIDC_URL}:sub`]: "system:serviceaccount:redis-system:redis-cluster-backup",
                [`${OIDC_URL}:aud`]: "sts.amazonaws.com",
            } },
        }]);
        const access = JSON.parse(find(resources, "aws:iam/rolePolicy:RolePolicy").policy);
        assert.deepStrictEqual(access.Statement.map((s: any) => [s.Action, s.Resource]), [
            ["s3:ListBucket", "arn:aws:s3:::llm-analytics-redis-backups"],
            [["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "arn:aws:s3:::llm-analytics-redis-backups/redis-cluster/*"],
            [["kms:GenerateDataKey", "kms:Decrypt"], KMS],
        ]);
        assert.deepStrictEqual(find(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules,
            [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS }, bucketKeyEnabled: true }]);
        const sa = kube(resources, "ServiceAccount", "redis-cluster-backup");
        assert.strictEqual(sa.metadata.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::<account>:role/redis-backup-role");
        const upload = kube(resources, "CronJob", "redis-cluster-backup-hourly").spec.jobTemplate.spec.template.spec.containers[0];
        assert.ok(!upload.env.some((e: any) => e.valueFrom), "IRSA jobs read no key Secret");
    });

    it("with backup.s3.enabled false (dev) creates nothing in AWS and keeps backups on the volume", async () => {
        const resources = await run(readStackConfig(packageRoot, "dev").config);
        assert.deepStrictEqual(resources.filter((r) => r.type.startsWith("aws:")), []);
        const pod = kube(resources, "CronJob", "redis-cluster-backup-daily").spec.jobTemplate.spec.template.spec;
        assert.strictEqual(pod.initContainers, undefined);
        assert.deepStrictEqual(pod.containers.map((c: any) => [c.name, c.image]), [["dump", DEFAULT_IMAGES.redis]]);
    });
});

describe("backup jobs", function () {
    this.timeout(30000);
    let resources: RegisteredResource[];
    before(async () => {
        resources = await run(prodConfig());
    });

    it("run hourly (keep 3) and daily at 02:30 (keep 7, away from the hourly minute), never overlapping, with a deadline and a retry limit", () => {
        const summary = ["hourly", "daily", "verify"].map((kind) => {
            const cj = kube(resources, "CronJob", `redis-cluster-backup-${kind}`).spec;
            const keep = cj.jobTemplate.spec.template.spec.containers[0].env.find((e: any) => e.name === "KEEP")?.value;
            return [kind, cj.schedule, cj.concurrencyPolicy, cj.jobTemplate.spec.activeDeadlineSeconds, cj.jobTemplate.spec.backoffLimit, keep];
        });
        assert.deepStrictEqual(summary, [
            ["hourly", "0 * * * *", "Forbid", 3000, 2, "3"],
            ["daily", "30 2 * * *", "Forbid", 21600, 2, "7"],
            ["verify", "30 3 * * *", "Forbid", 21600, 1, undefined],
        ]);
    });

    it("dump with the redis image and upload with the official aws-cli image, one image per step", () => {
        const pod = kube(resources, "CronJob", "redis-cluster-backup-daily").spec.jobTemplate.spec.template.spec;
        assert.deepStrictEqual([...pod.initContainers, ...pod.containers].map((c: any) => [c.name, c.image, c.command.join(" ")]), [
            ["dump", DEFAULT_IMAGES.redis, "sh /scripts/backup-dump.sh"],
            ["upload", "amazon/aws-cli:2.17.0", "sh /scripts/backup-upload.sh"],
        ]);
        const verify = kube(resources, "CronJob", "redis-cluster-backup-verify").spec.jobTemplate.spec.template.spec;
        assert.deepStrictEqual([...verify.initContainers, ...verify.containers].map((c: any) => [c.name, c.image]),
            [["fetch", "amazon/aws-cli:2.17.0"], ["verify", DEFAULT_IMAGES.redis]]);
    });

    it("label their pods for NetworkPolicies and meet the restricted Pod Security Standard", () => {
        for (const kind of ["hourly", "daily", "verify"]) {
            const template = kube(resources, "CronJob", `redis-cluster-backup-${kind}`).spec.jobTemplate.spec.template;
            assert.deepStrictEqual(template.metadata.labels, {
                "app.kubernetes.io/name": "redis-backup", "app.kubernetes.io/instance": "redis-cluster", "app.kubernetes.io/component": "backup",
            });
            const pod = template.spec;
            assert.strictEqual(pod.securityContext.runAsNonRoot, true);
            assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
            assert.strictEqual(pod.automountServiceAccountToken, false);
            for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
                assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false, c.name);
                assert.deepStrictEqual(c.securityContext.capabilities.drop, ["ALL"], c.name);
                assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true, c.name);
            }
        }
    });

    it("every backup object validates against the Kubernetes schemas with no unknown field (IRSA and restore included)", async () => {
        const irsa = await run(withBackup({ ...prodConfig(), "redis-cluster:restore": JSON.stringify({ from: "20260101T020000Z" }) }, {
            s3: { bucketName: "llm-analytics-redis-backups", oidcProviderArn: OIDC_ARN, oidcProviderUrl: OIDC_URL },
        }));
        const objects = [...splitResources(resources).kubernetes, ...splitResources(irsa).kubernetes] as KubeObject[];
        const problems = (await Promise.all(objects.map(validateStrict))).flat();
        assert.deepStrictEqual(problems, []);
    });
});

describe("restore", function () {
    this.timeout(30000);

    it("loads each shard's RDB in an init container and gives formation the manifest's slot ranges, in shard order", async () => {
        const resources = await run({ ...prodConfig(), "redis-cluster:restore": JSON.stringify({ from: "hourly/20260101T020000Z" }) });
        const pod = kube(resources, "StatefulSet", "redis-cluster").spec.template.spec;
        const restore = pod.initContainers.find((c: any) => c.name === "restore");
        assert.strictEqual(restore.image, "amazon/aws-cli:2.17.0");
        const env = Object.fromEntries(restore.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
        assert.strictEqual(env.RESTORE_URL, "s3://llm-analytics-redis-backups/redis-cluster/hourly/20260101T020000Z/");
        assert.strictEqual(env.APPENDONLY, "yes");
        assert.strictEqual(env.SHARDS, "3");
        const formation = resources.find((r) => r.name === "redis-formation")!.inputs as any;
        assert.deepStrictEqual(formation.restoreSlots, ["0-5460", "5461-10922", "10923-16383"]);
        const sts = resources.find((r) => r.name === "redis-statefulset-redis-cluster")!;
        const secret = resources.find((r) => r.name === "redis-backup-credentials")!;
        assert.ok(sts.dependencies.includes(secret.urn), "restoring pods wait for the S3 key Secret");
    });

    it("adds nothing to the pods without a restore", async () => {
        const pod = kube(await run(prodConfig()), "StatefulSet", "redis-cluster").spec.template.spec;
        // Only the exporter's password map, which every pod writes.
        assert.deepStrictEqual(pod.initContainers.map((c: any) => c.name), ["exporter-auth"]);
        assert.ok(!pod.volumes.some((v: any) => v.name === "backup-scripts"));
    });

    it("refuses a backup of another shard count, saying what to do", () => {
        assert.throws(() => slotsFromManifest(MANIFEST, resolveSpec({ shards: 4 }), "s3://b/p/daily/x/"),
            /has 3 shards and this deployment 4; restore into the same shard count \(shards: 3\), then change shards/);
        assert.throws(() => slotsFromManifest(undefined, resolveSpec({}), "s3://b/p/daily/x/"), /cannot read s3:\/\/b\/p\/daily\/x\/manifest\.json/);
    });

    it("config errors: restore needs S3 and, for a bare id, a named bucket", () => {
        assert.deepStrictEqual(checkArgs({ restore: { from: "20260101T020000Z" } }).map((p) => p.key), ["restore.from"]);
        assert.match(String(checkArgs({ restore: { from: "20260101T020000Z" } })[0].allowed), /s3:\/\/bucket/);
        assert.deepStrictEqual(checkArgs({ restore: { from: "daily/20260101T020000Z" }, backup: { s3: { enabled: false } } }).map((p) => p.key), ["restore.from"]);
        assert.deepStrictEqual(checkArgs({ restore: { from: "s3://other-bucket/old/daily/20260101T020000Z/" } }), []);
        assert.deepStrictEqual(checkArgs({ restore: { from: "yesterday" } }).map((p) => [p.key, p.value]), [["restore.from", "yesterday"]]);
    });

    it("parses the manifest's slot ranges as CLUSTER NODES writes them", () => {
        assert.deepStrictEqual(parseRanges("0-5460,6000 7000-7001"), [{ start: 0, end: 5460 }, { start: 6000, end: 6000 }, { start: 7000, end: 7001 }]);
        assert.throws(() => parseRanges("5-3"), /not a slot range/);
        assert.throws(() => parseRanges("16384"), /not a slot range/);
    });
});
