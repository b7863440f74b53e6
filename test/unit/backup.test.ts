import * as assert from "assert";
import { DEFAULT_IMAGES } from "../../components/settings/images";
import { slotsFromManifest } from "../../components/backup";
import { parseRanges } from "../../components/formation/plan/plan";
import { checkArgs, resolveSpec } from "../../components/settings/spec";
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
    format: 1,
    id: "20260101T020000Z",
    kind: "daily",
    shardCount: 3,
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
const withBackup = (config: Record<string, string>, backup: object) => ({ ...config, "redis-cluster:backup": JSON.stringify(backup) });

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
        assert.deepStrictEqual(
            find(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules,
            [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        );
    });

    it("blocks all four kinds of public access", () => {
        const pab = find(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
            assert.strictEqual(pab[k], true, k);
    });

    it("denies every request without TLS, on the bucket and its objects", () => {
        const policy = JSON.parse(find(resources, "aws:s3/bucketPolicy:BucketPolicy").policy);
        assert.deepStrictEqual(policy.Statement, [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: ["arn:aws:s3:::llm-analytics-redis-backups", "arn:aws:s3:::llm-analytics-redis-backups/*"],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
    });

    it("is the S3 retention: each kind expires after keep x its schedule's gap in days, old versions after a week, stray uploads after a day", () => {
        const rules = find(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules;
        assert.deepStrictEqual(
            rules
                .slice(0, 2)
                .map((r: any) => [
                    r.filter.prefix,
                    r.expiration.days,
                    r.noncurrentVersionExpiration.noncurrentDays,
                    r.abortIncompleteMultipartUpload.daysAfterInitiation,
                    r.status,
                ]),
            [
                ["redis-cluster/hourly/", 1, 7, 1, "Enabled"], // keep 3 hourly: 3 hours, a whole day at least
                ["redis-cluster/daily/", 7, 7, 1, "Enabled"], // keep 7 daily
            ],
        );
        // Delete markers whose versions are gone are cleaned up, under the prefix only.
        assert.deepStrictEqual(rules[2], {
            id: "remove-expired-delete-markers",
            status: "Enabled",
            filter: { prefix: "redis-cluster/" },
            expiration: { expiredObjectDeleteMarker: true },
        });
        assert.strictEqual(rules.length, 3);
    });

    it("scales retention days with keep and the schedule (every 6 hours, keep 10: 60 hours, 3 days)", async () => {
        const r = await run(
            withBackup(prodConfig(), {
                hourly: { schedule: "0 */6 * * *", keep: 10 },
                s3: { bucketName: "llm-analytics-redis-backups", identity: "iamUser" },
            }),
        );
        const rules = find(r, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules;
        assert.strictEqual(rules[0].expiration.days, 3);
    });

    it("has no Object Lock unless asked for; with objectLockDays, governance-mode default retention and checksummed uploads", async () => {
        assert.ok(!resources.some((r) => r.type === "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"));
        const locked = await run(
            withBackup(prodConfig(), {
                awsCliImage: "amazon/aws-cli:2.22.35",
                s3: { bucketName: "llm-analytics-redis-backups", identity: "iamUser", objectLockDays: 14 },
            }),
        );
        const lock = find(locked, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
        assert.deepStrictEqual([lock.objectLockEnabled, lock.rule], ["Enabled", { defaultRetention: { mode: "GOVERNANCE", days: 14 } }]);
        const upload = kube(locked, "CronJob", "redis-cluster-backup-daily").spec.jobTemplate.spec.template.spec.containers[0];
        assert.deepStrictEqual(
            upload.env.find((e: any) => e.name === "S3_CHECKSUM_ALGORITHM"),
            { name: "S3_CHECKSUM_ALGORITHM", value: "SHA256" },
        );
    });

    it("generates a bucket name when none is given", async () => {
        const generated = await run(withBackup(prodConfig(), { s3: { bucketName: "" } }));
        const bucket = find(generated, "aws:s3/bucket:Bucket");
        assert.strictEqual(bucket.bucket, undefined);
        assert.strictEqual(bucket.bucketPrefix, "redis-cluster-backups-");
    });
});

const WRITER_DENIES = {
    Sid: "DenyDestroyingBackups",
    Effect: "Deny",
    Action: [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:BypassGovernanceRetention",
        "s3:PutObjectRetention",
        "s3:PutObjectLegalHold",
        "s3:PutObjectAcl",
        "s3:PutObjectVersionAcl",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketVersioning",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketAcl",
        "s3:DeleteBucket",
    ],
    Resource: ["arn:aws:s3:::llm-analytics-redis-backups", "arn:aws:s3:::llm-analytics-redis-backups/*"],
};
const LIST = {
    Sid: "ListBackupPrefix",
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: "arn:aws:s3:::llm-analytics-redis-backups",
    Condition: { StringLike: { "s3:prefix": ["redis-cluster/*"] } },
};
const iamUsers = () => withBackup(prodConfig(), { s3: { bucketName: "llm-analytics-redis-backups", identity: "iamUser" } });
const policyOf = (resources: RegisteredResource[], name: string) =>
    JSON.parse((resources.find((r) => r.name === name)!.inputs as any).policy);

describe("backups under Pulumi mocks: least-privilege access", function () {
    this.timeout(30000);

    it("IAM users: the writer may list the prefix and put under it, nothing else, and is denied every destructive action; the reader lists and gets", async () => {
        const resources = await run(iamUsers());
        assert.deepStrictEqual(policyOf(resources, "redis-backup-access"), {
            Version: "2012-10-17",
            Statement: [
                LIST,
                {
                    Sid: "WriteBackups",
                    Effect: "Allow",
                    Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                    Resource: "arn:aws:s3:::llm-analytics-redis-backups/redis-cluster/*",
                },
                WRITER_DENIES,
            ],
        });
        assert.deepStrictEqual(policyOf(resources, "redis-backup-reader-access"), {
            Version: "2012-10-17",
            Statement: [
                LIST,
                {
                    Sid: "ReadBackups",
                    Effect: "Allow",
                    Action: "s3:GetObject",
                    Resource: "arn:aws:s3:::llm-analytics-redis-backups/redis-cluster/*",
                },
                { ...WRITER_DENIES, Action: [...WRITER_DENIES.Action, "s3:PutObject"] },
            ],
        });
        assert.ok(!resources.some((r) => r.type.startsWith("aws:iam/role")), "no role with IAM users");
        assert.deepStrictEqual(
            resources
                .filter((r) => r.type === "aws:iam/user:User")
                .map((r) => r.name)
                .sort(),
            ["redis-backup-reader-user", "redis-backup-user"],
        );
    });

    it("no Allow statement of either identity names a Delete action, and every object ARN stays under the prefix", async () => {
        for (const config of [iamUsers(), prodConfig()]) {
            const resources = await run(config);
            const policies = resources
                .filter((r) => /^aws:iam\/(user|role)Policy:/.test(r.type))
                .map((r) => JSON.parse((r.inputs as any).policy));
            assert.strictEqual(policies.length, 2);
            for (const p of policies) {
                for (const st of p.Statement.filter((x: any) => x.Effect === "Allow")) {
                    assert.ok(![st.Action].flat().some((a: string) => /delete|\*/i.test(a)), JSON.stringify(st));
                    for (const r of [st.Resource].flat())
                        assert.match(r, /^arn:aws:s3:::llm-analytics-redis-backups(\/redis-cluster\/\*)?$/);
                }
            }
        }
    });

    it("the access keys live only in their Kubernetes Secrets, as secret values, and never in rendered output; each job mounts only its own", async () => {
        const resources = await run(iamUsers());
        for (const name of ["redis-backup-credentials", "redis-backup-reader-credentials"]) {
            const secret = resources.find((r) => r.name === name)!;
            assert.strictEqual((secret.inputs as any).stringData.AWS_SECRET_ACCESS_KEY, ACCESS_KEY_SECRET);
            assert.strictEqual((secret.redactedInputs as any).stringData.AWS_SECRET_ACCESS_KEY, REDACTED);
        }
        for (const r of resources) {
            assert.ok(!JSON.stringify(r.redactedInputs).includes(ACCESS_KEY_SECRET), `${r.name} shows the access key secret`);
            if (!/backup(-reader)?-credentials$/.test(r.name))
                assert.ok(!JSON.stringify(r.inputs).includes(ACCESS_KEY_SECRET), `${r.name} holds the access key secret`);
        }
        const keyRefs = (cronJob: string) => {
            const pod = kube(resources, "CronJob", cronJob).spec.jobTemplate.spec.template.spec;
            return [...(pod.initContainers ?? []), ...pod.containers].flatMap((c: any) =>
                c.env
                    .filter((e: any) => e.valueFrom?.secretKeyRef)
                    .map((e: any) => `${c.name}:${e.name}<-${e.valueFrom.secretKeyRef.name}`),
            );
        };
        assert.deepStrictEqual(keyRefs("redis-cluster-backup-daily"), [
            "upload:AWS_ACCESS_KEY_ID<-redis-cluster-backup-s3",
            "upload:AWS_SECRET_ACCESS_KEY<-redis-cluster-backup-s3",
            "upload:AWS_DEFAULT_REGION<-redis-cluster-backup-s3",
        ]);
        assert.deepStrictEqual(keyRefs("redis-cluster-backup-verify"), [
            "fetch:AWS_ACCESS_KEY_ID<-redis-cluster-backup-reader-s3",
            "fetch:AWS_SECRET_ACCESS_KEY<-redis-cluster-backup-reader-s3",
            "fetch:AWS_DEFAULT_REGION<-redis-cluster-backup-reader-s3",
        ]);
    });

    it("IRSA (prod): a writer and a reader role, each assumable only by its own ServiceAccount, with a KMS key's actions", async () => {
        const resources = await run(
            withBackup(prodConfig(), {
                s3: { bucketName: "llm-analytics-redis-backups", kmsKeyArn: KMS, oidcProviderArn: OIDC_ARN },
            }),
        );
        assert.ok(
            !resources.some((r) => r.type.startsWith("aws:iam/user") || r.type.startsWith("aws:iam/accessKey")),
            "no IAM user with IRSA",
        );
        assert.ok(!resources.some((r) => /credentials$/.test(r.name) && r.name.includes("backup")), "no key Secret with IRSA");
        const trust = (name: string) => JSON.parse((resources.find((r) => r.name === name)!.inputs as any).assumeRolePolicy).Statement;
        assert.deepStrictEqual(trust("redis-backup-role"), [
            {
                Sid: "BackupServiceAccount",
                Effect: "Allow",
                Principal: { Federated: OIDC_ARN },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${OIDC_URL}:sub`]: "system:serviceaccount:redis-system:redis-cluster-backup",
                        [`${OIDC_URL}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ]);
        assert.strictEqual(
            trust("redis-backup-reader-role")[0].Condition.StringEquals[`${OIDC_URL}:sub`],
            "system:serviceaccount:redis-system:redis-cluster-backup-reader",
        );
        assert.deepStrictEqual(
            policyOf(resources, "redis-backup-access")
                .Statement.map((s: any) => [s.Effect, s.Action, s.Resource])
                .slice(0, 3),
            [
                ["Allow", "s3:ListBucket", "arn:aws:s3:::llm-analytics-redis-backups"],
                ["Allow", ["s3:PutObject", "s3:AbortMultipartUpload"], "arn:aws:s3:::llm-analytics-redis-backups/redis-cluster/*"],
                ["Allow", ["kms:GenerateDataKey", "kms:Decrypt"], KMS],
            ],
        );
        assert.deepStrictEqual(policyOf(resources, "redis-backup-reader-access").Statement[2], {
            Sid: "DecryptBackups",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: KMS,
        });
        assert.deepStrictEqual(
            find(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules,
            [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS }, bucketKeyEnabled: true }],
        );
        const role = (sa: string) => kube(resources, "ServiceAccount", sa).metadata.annotations["eks.amazonaws.com/role-arn"];
        assert.strictEqual(role("redis-cluster-backup"), "arn:aws:iam::<account>:role/redis-backup-role");
        assert.strictEqual(role("redis-cluster-backup-reader"), "arn:aws:iam::<account>:role/redis-backup-reader-role");
        const pod = (cj: string) => kube(resources, "CronJob", cj).spec.jobTemplate.spec.template.spec;
        assert.deepStrictEqual(
            ["redis-cluster-backup-hourly", "redis-cluster-backup-daily", "redis-cluster-backup-verify"].map(
                (cj) => pod(cj).serviceAccountName,
            ),
            ["redis-cluster-backup", "redis-cluster-backup", "redis-cluster-backup-reader"],
        );
        assert.ok(!pod("redis-cluster-backup-hourly").containers[0].env.some((e: any) => e.valueFrom), "IRSA jobs read no key Secret");
    });

    it("createKmsKey: a rotated customer-managed key whose policy lets the writer encrypt and the reader decrypt, through S3 only", async () => {
        const resources = await run(
            withBackup(prodConfig(), { s3: { bucketName: "llm-analytics-redis-backups", oidcProviderArn: OIDC_ARN, createKmsKey: true } }),
        );
        const key = find(resources, "aws:kms/key:Key");
        assert.strictEqual(key.enableKeyRotation, true);
        const viaS3 = { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } };
        assert.deepStrictEqual(JSON.parse(key.policy).Statement, [
            {
                Sid: "AccountAdministersKey",
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::<account>:root" },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "BackupWriterEncrypts",
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::<account>:role/redis-backup-role" },
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: "*",
                Condition: viaS3,
            },
            {
                Sid: "BackupReaderDecrypts",
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::<account>:role/redis-backup-reader-role" },
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: viaS3,
            },
        ]);
        const created = "arn:aws:kms:<provider region>:<account>:key/<generated>";
        assert.deepStrictEqual(
            find(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules,
            [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: created }, bucketKeyEnabled: true }],
        );
        assert.strictEqual(policyOf(resources, "redis-backup-reader-access").Statement[2].Resource, created);
    });

    it("with backup.s3.enabled false (dev) creates nothing in AWS and keeps backups on the volume", async () => {
        const resources = await run(readStackConfig(packageRoot, "dev").config);
        assert.deepStrictEqual(
            resources.filter((r) => r.type.startsWith("aws:")),
            [],
        );
        const pod = kube(resources, "CronJob", "redis-cluster-backup-daily").spec.jobTemplate.spec.template.spec;
        assert.strictEqual(pod.initContainers, undefined);
        assert.deepStrictEqual(
            pod.containers.map((c: any) => [c.name, c.image]),
            [["dump", DEFAULT_IMAGES.valkey]],
        );
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
            const keep = cj.jobTemplate.spec.template.spec.initContainers?.[0].env.find((e: any) => e.name === "KEEP")?.value;
            return [
                kind,
                cj.schedule,
                cj.concurrencyPolicy,
                cj.jobTemplate.spec.activeDeadlineSeconds,
                cj.jobTemplate.spec.backoffLimit,
                keep,
            ];
        });
        assert.deepStrictEqual(summary, [
            ["hourly", "0 * * * *", "Forbid", 3000, 2, "3"],
            ["daily", "30 2 * * *", "Forbid", 21600, 2, "7"],
            ["verify", "30 3 * * *", "Forbid", 21600, 1, undefined],
        ]);
    });

    it("dump with the redis image and upload with the official aws-cli image, one image per step", () => {
        const pod = kube(resources, "CronJob", "redis-cluster-backup-daily").spec.jobTemplate.spec.template.spec;
        assert.deepStrictEqual(
            [...pod.initContainers, ...pod.containers].map((c: any) => [c.name, c.image, c.command.join(" ")]),
            [
                ["dump", DEFAULT_IMAGES.valkey, "sh /scripts/backup-dump.sh"],
                ["upload", "amazon/aws-cli:2.17.0", "sh /scripts/backup-upload.sh"],
            ],
        );
        const verify = kube(resources, "CronJob", "redis-cluster-backup-verify").spec.jobTemplate.spec.template.spec;
        assert.deepStrictEqual(
            [...verify.initContainers, ...verify.containers].map((c: any) => [c.name, c.image]),
            [
                ["fetch", "amazon/aws-cli:2.17.0"],
                ["verify", DEFAULT_IMAGES.valkey],
            ],
        );
    });

    it("label their pods for NetworkPolicies and meet the restricted Pod Security Standard", () => {
        for (const kind of ["hourly", "daily", "verify"]) {
            const template = kube(resources, "CronJob", `redis-cluster-backup-${kind}`).spec.jobTemplate.spec.template;
            assert.deepStrictEqual(template.metadata.labels, {
                "app.kubernetes.io/name": "redis-backup",
                "app.kubernetes.io/instance": "redis-cluster",
                "app.kubernetes.io/component": "backup",
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
        const irsa = await run({ ...prodConfig(), "redis-cluster:restore": JSON.stringify({ from: "20260101T020000Z" }) });
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
    });

    it("IRSA: the pods run as the reader, and the pod identity webhook gives its role to the restore container only", async () => {
        const resources = await run({ ...prodConfig(), "redis-cluster:restore": JSON.stringify({ from: "hourly/20260101T020000Z" }) });
        const template = kube(resources, "StatefulSet", "redis-cluster").spec.template;
        assert.strictEqual(template.spec.serviceAccountName, "redis-cluster-backup-reader");
        assert.strictEqual(template.spec.automountServiceAccountToken, false);
        const names = [...template.spec.initContainers, ...template.spec.containers].map((c: any) => c.name);
        assert.deepStrictEqual(names, ["restore", "exporter-auth", "redis", "exporter"]);
        assert.strictEqual(template.metadata.annotations["eks.amazonaws.com/skip-containers"], "exporter-auth,redis,exporter");
        const sts = resources.find((r) => r.name === "redis-statefulset-redis-cluster")!;
        const readerRole = resources.find((r) => r.name === "redis-backup-reader-access")!;
        assert.ok(sts.dependencies.includes(readerRole.urn), "restoring pods wait for the reader's access");
    });

    it("IAM users: only the restore container gets a key, the reader's; the pods wait for its Secret", async () => {
        const resources = await run({ ...iamUsers(), "redis-cluster:restore": JSON.stringify({ from: "hourly/20260101T020000Z" }) });
        const pod = kube(resources, "StatefulSet", "redis-cluster").spec.template.spec;
        assert.strictEqual(pod.serviceAccountName, undefined);
        const refs = [...pod.initContainers, ...pod.containers].flatMap((c: any) =>
            (c.env ?? [])
                .filter((e: any) => e.valueFrom?.secretKeyRef?.name?.includes("-s3"))
                .map((e: any) => `${c.name}:${e.valueFrom.secretKeyRef.name}`),
        );
        assert.deepStrictEqual([...new Set(refs)], ["restore:redis-cluster-backup-reader-s3"]);
        const sts = resources.find((r) => r.name === "redis-statefulset-redis-cluster")!;
        const secret = resources.find((r) => r.name === "redis-backup-reader-credentials")!;
        assert.ok(sts.dependencies.includes(secret.urn), "restoring pods wait for the reader's key Secret");
    });

    it("adds nothing to the pods without a restore", async () => {
        const pod = kube(await run(prodConfig()), "StatefulSet", "redis-cluster").spec.template.spec;
        // Only the exporter's password map, which every pod writes.
        assert.deepStrictEqual(
            pod.initContainers.map((c: any) => c.name),
            ["exporter-auth"],
        );
        assert.ok(!pod.volumes.some((v: any) => v.name === "backup-scripts"));
    });

    it("refuses a backup of another shard count, saying what to do", () => {
        assert.throws(
            () => slotsFromManifest(MANIFEST, resolveSpec({ shards: 4 }), "s3://b/p/daily/x/"),
            /has 3 shards and this deployment 4; restore into the same shard count \(shards: 3\), then change shards/,
        );
        assert.throws(
            () => slotsFromManifest(undefined, resolveSpec({}), "s3://b/p/daily/x/"),
            /cannot read s3:\/\/b\/p\/daily\/x\/manifest\.json/,
        );
    });

    it("config errors: restore needs S3 and, for a bare id, a named bucket", () => {
        // The laptop defaults keep backups off S3: nothing to restore from.
        assert.match(
            String(checkArgs({ restore: { from: "s3://other-bucket/p/daily/20260101T020000Z/" } })[0].allowed),
            /backup\.s3\.enabled are true/,
        );
        assert.deepStrictEqual(
            checkArgs({ profile: "production", restore: { from: "20260101T020000Z" } }).map((p) => p.key),
            ["restore.from"],
        );
        assert.match(String(checkArgs({ profile: "production", restore: { from: "20260101T020000Z" } })[0].allowed), /s3:\/\/bucket/);
        assert.deepStrictEqual(
            checkArgs({ profile: "production", restore: { from: "daily/20260101T020000Z" }, backup: { s3: { enabled: false } } }).map(
                (p) => p.key,
            ),
            ["restore.from"],
        );
        assert.deepStrictEqual(
            checkArgs({ profile: "production", restore: { from: "s3://other-bucket/old/daily/20260101T020000Z/" } }),
            [],
        );
        assert.deepStrictEqual(
            checkArgs({ restore: { from: "yesterday" } }).map((p) => [p.key, p.value]),
            [["restore.from", "yesterday"]],
        );
    });

    it("parses the manifest's slot ranges as CLUSTER NODES writes them", () => {
        assert.deepStrictEqual(parseRanges("0-5460,6000 7000-7001"), [
            { start: 0, end: 5460 },
            { start: 6000, end: 6000 },
            { start: 7000, end: 7001 },
        ]);
        assert.throws(() => parseRanges("5-3"), /not a slot range/);
        assert.throws(() => parseRanges("16384"), /not a slot range/);
    });
});
