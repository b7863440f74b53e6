// The AWS side of backups: the bucket (versioned, encrypted, private, TLS only, expiring by
// lifecycle, optionally Object Locked) and two identities: the writer (backup jobs: put, never
// read or delete) and the reader (verify and restore: list and get). Each is an IRSA role trusted
// by its own ServiceAccount, or an IAM user whose key exists only in a Kubernetes Secret and as
// secret values. With createKmsKey, a customer-managed key whose policy names both.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { meta } from "../kubernetes/object";
import type { SplitSettings } from "../inputs";
import type { ClusterSpec } from "../settings/spec";
import { BackupCloud, credentialsSecretOf, isIrsa } from "./env";
import { MANIFEST, restoreLocation } from "./location";
import { BackupIdentity, irsaTrustPolicy, kmsKeyPolicy, lifecycleRules, readerPolicy, tlsOnlyBucketPolicy, writerPolicy } from "./policy";

export interface BackupStorage {
    cloud: BackupCloud<pulumi.Output<string>>;
    bucket: aws.s3.Bucket;
    /** Everything the backup objects must wait for (bucket settings, access, the key Secrets). */
    ready: pulumi.Resource[];
}

/** An IAM principal of one identity, before its access policy is attached (the KMS key names it). */
interface Principal {
    arn: pulumi.Output<string>;
    /** With IRSA, the role ARN its ServiceAccount is annotated with. */
    roleArn?: pulumi.Output<string>;
    attach(policy: pulumi.Output<string>): pulumi.Resource[];
}

// Resource names of the writer keep the names they had when it was the only identity, so an
// existing stack updates them in place.
const suffix = (identity: BackupIdentity) => (identity === "writer" ? "backup" : "backup-reader");

function createPrincipal(
    name: string,
    settings: SplitSettings,
    identity: BackupIdentity,
    region: pulumi.Output<string>,
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[],
): Principal {
    const spec = settings.shape;
    const opts = { parent };
    const id = `${name}-${suffix(identity)}`;
    if (isIrsa(spec)) {
        const role = new aws.iam.Role(
            `${id}-role`,
            {
                assumeRolePolicy: settings.value((s) => JSON.stringify(irsaTrustPolicy(s, identity))),
                description: settings.value((s) => `Backups of Redis ${s.names.namespace}/${s.names.statefulSet}: the ${identity} (IRSA)`),
            },
            opts,
        );
        return {
            arn: role.arn,
            roleArn: role.arn,
            attach: (policy) => [role, new aws.iam.RolePolicy(`${id}-access`, { role: role.id, policy }, opts)],
        };
    }
    const user = new aws.iam.User(`${id}-user`, { path: "/redis-backup/" }, opts);
    return {
        arn: user.arn,
        attach: (policy) => {
            const userPolicy = new aws.iam.UserPolicy(`${id}-access`, { user: user.name, policy }, opts);
            const key = new aws.iam.AccessKey(`${id}-key`, { user: user.name }, { parent, additionalSecretOutputs: ["secret"] });
            const secret = new k8s.core.v1.Secret(
                `${id}-credentials`,
                {
                    metadata: settings.value((s) => meta(s, credentialsSecretOf(s, identity), "backup")),
                    type: "Opaque",
                    stringData: {
                        AWS_ACCESS_KEY_ID: pulumi.secret(key.id),
                        AWS_SECRET_ACCESS_KEY: pulumi.secret(key.secret),
                        AWS_DEFAULT_REGION: region,
                    },
                },
                { parent, dependsOn },
            );
            return [userPolicy, secret];
        },
    };
}

/**
 * The shape decides which resources there are (a named or generated bucket, roles or users, a key);
 * the resolved settings fill them in (the same, once every Output given for them resolved).
 */
export function createBackupStorage(
    name: string,
    settings: SplitSettings,
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[],
): BackupStorage {
    const spec = settings.shape;
    const s3 = spec.settings.backup.s3;
    const opts = { parent };
    const bucket = new aws.s3.Bucket(
        `${name}-backups`,
        {
            ...(s3.bucketName
                ? { bucket: settings.value((s) => s.settings.backup.s3.bucketName) }
                : { bucketPrefix: `${spec.names.statefulSet}-backups-` }),
            tags: { "app.kubernetes.io/instance": spec.names.statefulSet, "app.kubernetes.io/component": "backup" },
        },
        opts,
    );
    const writer = createPrincipal(name, settings, "writer", bucket.region, parent, dependsOn);
    const reader = createPrincipal(name, settings, "reader", bucket.region, parent, dependsOn);
    const kmsKeyArn: pulumi.Output<string> = s3.createKmsKey
        ? new aws.kms.Key(
              `${name}-backups-key`,
              {
                  description: `Backups of Redis ${spec.names.namespace}/${spec.names.statefulSet} (SSE-KMS)`,
                  enableKeyRotation: true,
                  deletionWindowInDays: 30,
                  policy: pulumi.all([writer.arn, reader.arn]).apply(([w, r]) => JSON.stringify(kmsKeyPolicy(w, r))),
              },
              opts,
          ).arn
        : pulumi.output(settings.value((s) => s.settings.backup.s3.kmsKeyArn));

    const bucketOpts = { parent, dependsOn: [bucket] };
    const versioning = new aws.s3.BucketVersioning(
        `${name}-backups-versioning`,
        {
            bucket: bucket.id,
            versioningConfiguration: { status: "Enabled" },
        },
        bucketOpts,
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-backups-encryption`,
        {
            bucket: bucket.id,
            rules: [
                s3.kmsKeyArn || s3.createKmsKey
                    ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn }, bucketKeyEnabled: true }
                    : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
            ],
        },
        bucketOpts,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        `${name}-backups-public-access`,
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        bucketOpts,
    );
    const policy = new aws.s3.BucketPolicy(
        `${name}-backups-tls-only`,
        {
            bucket: bucket.id,
            policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
        },
        { parent, dependsOn: [publicAccess] },
    );
    // Expiry on versioned objects needs versioning configured first.
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(
        `${name}-backups-lifecycle`,
        {
            bucket: bucket.id,
            rules: lifecycleRules(spec),
        },
        { parent, dependsOn: [versioning] },
    );
    const ready: pulumi.Resource[] = [versioning, encryption, publicAccess, policy, lifecycle];
    if (s3.objectLockDays > 0) {
        // Enables Object Lock on a new or an existing (versioned) bucket; governance mode, so an
        // administrator with s3:BypassGovernanceRetention can still remove a backup on purpose.
        ready.push(
            new aws.s3.BucketObjectLockConfiguration(
                `${name}-backups-object-lock`,
                {
                    bucket: bucket.id,
                    objectLockEnabled: "Enabled",
                    rule: { defaultRetention: { mode: "GOVERNANCE", days: s3.objectLockDays } },
                },
                { parent, dependsOn: [versioning] },
            ),
        );
    }

    // The policies name the restore source, whose bucket may be an Output: read the resolved settings.
    const resolved = pulumi.output(settings.value((s) => s));
    const document = (make: (arn: string, key: string, s: ClusterSpec) => object) =>
        pulumi.all([bucket.arn, kmsKeyArn, resolved]).apply(([arn, key, s]) => JSON.stringify(make(arn, key, s as ClusterSpec)));
    ready.push(
        ...writer.attach(document((arn, key, s) => writerPolicy(arn, s, key))),
        ...reader.attach(document((arn, key, s) => readerPolicy(arn, s, restoreLocation(s), key))),
    );
    return {
        cloud: { bucket: bucket.bucket, ...(writer.roleArn ? { roleArn: writer.roleArn, readerRoleArn: reader.roleArn! } : {}) },
        bucket,
        ready,
    };
}

/**
 * Slot ranges of each shard of the backup restore.from names, read from its manifest when the
 * program runs (preview included), so a wrong id or a different shard count fails before anything
 * is created. Undefined without a restore.
 */
export function restoreSlots(settings: SplitSettings, parent: pulumi.Resource): pulumi.Output<string[]> {
    // The location names the bucket, which may be an Output (backup.s3.bucketName).
    const loc = pulumi.output(settings.value((s) => restoreLocation(s)!));
    const manifest = aws.s3.getObjectOutput({ bucket: loc.bucket, key: pulumi.interpolate`${loc.key}${MANIFEST}` }, { parent });
    return pulumi.all([manifest.body, loc]).apply(([body, l]) => slotsFromManifest(body, settings.shape, `s3://${l.bucket}/${l.key}`));
}

export function slotsFromManifest(body: string | undefined, spec: ClusterSpec, where: string): string[] {
    if (!body) throw new Error(`restore.from: cannot read ${where}${MANIFEST}; is it a complete backup?`);
    const manifest = JSON.parse(body) as { shardCount: number; shards: { index: number; slots: string }[] };
    if (manifest.shardCount !== spec.settings.shards) {
        throw new Error(
            `restore.from: the backup at ${where} has ${manifest.shardCount} shards and this deployment ${spec.settings.shards}; ` +
                `restore into the same shard count (shards: ${manifest.shardCount}), then change shards`,
        );
    }
    return [...manifest.shards].sort((a, b) => a.index - b.index).map((s) => s.slots);
}
