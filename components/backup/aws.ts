// The AWS side of backups: the bucket (versioned, encrypted, private, TLS only, expiring with
// retention) and the backup jobs' access: an IRSA role when an OIDC provider is given, otherwise
// an IAM user whose key exists only in a Kubernetes Secret and as secret values.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { meta } from "../kubernetes/object";
import type { SplitSettings } from "../inputs";
import type { ClusterSpec } from "../spec/spec";
import type { BackupCloud } from "./env";
import { MANIFEST, restoreLocation } from "./location";
import { backupAccessPolicy, irsaTrustPolicy, lifecycleRules, tlsOnlyBucketPolicy } from "./policy";

export interface BackupStorage {
    cloud: BackupCloud<pulumi.Output<string>>;
    bucket: aws.s3.Bucket;
    /** Everything the backup objects must wait for (bucket settings, access, the key Secret). */
    ready: pulumi.Resource[];
}

/**
 * The shape decides which resources there are (a named or generated bucket, a role or a user);
 * the resolved settings fill them in (the same, once every Output given for them resolved).
 */
export function createBackupStorage(name: string, settings: SplitSettings, parent: pulumi.Resource, dependsOn: pulumi.Resource[]): BackupStorage {
    const spec = settings.shape;
    const s3 = spec.settings.backup.s3;
    const opts = { parent };
    const bucket = new aws.s3.Bucket(`${name}-backups`, {
        ...(s3.bucketName ? { bucket: settings.value((s) => s.settings.backup.s3.bucketName) } : { bucketPrefix: `${spec.names.statefulSet}-backups-` }),
        tags: { "app.kubernetes.io/instance": spec.names.statefulSet, "app.kubernetes.io/component": "backup" },
    }, opts);
    const bucketOpts = { parent, dependsOn: [bucket] };
    const versioning = new aws.s3.BucketVersioning(`${name}-backups-versioning`, {
        bucket: bucket.id, versioningConfiguration: { status: "Enabled" },
    }, bucketOpts);
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-backups-encryption`, {
        bucket: bucket.id,
        rules: [s3.kmsKeyArn
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: settings.value((s) => s.settings.backup.s3.kmsKeyArn) }, bucketKeyEnabled: true }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }, bucketOpts);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(`${name}-backups-public-access`, {
        bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }, bucketOpts);
    const policy = new aws.s3.BucketPolicy(`${name}-backups-tls-only`, {
        bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
    }, { parent, dependsOn: [publicAccess] });
    // Expiry on versioned objects needs versioning configured first.
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(`${name}-backups-lifecycle`, {
        bucket: bucket.id, rules: lifecycleRules(spec),
    }, { parent, dependsOn: [versioning] });

    const access = bucket.arn.apply((arn) => pulumi.output(settings.value((s) => JSON.stringify(backupAccessPolicy(arn, s, restoreLocation(s))))));
    const ready: pulumi.Resource[] = [versioning, encryption, publicAccess, policy, lifecycle];
    if (s3.oidcProviderArn) {
        const role = new aws.iam.Role(`${name}-backup-role`, {
            assumeRolePolicy: settings.value((s) => JSON.stringify(irsaTrustPolicy(s))),
            description: settings.value((s) => `Backups of Redis ${s.names.namespace}/${s.names.statefulSet} (IRSA)`),
        }, opts);
        ready.push(role, new aws.iam.RolePolicy(`${name}-backup-access`, { role: role.id, policy: access }, opts));
        return { cloud: { bucket: bucket.bucket, roleArn: role.arn }, bucket, ready };
    }
    const user = new aws.iam.User(`${name}-backup-user`, { path: "/redis-backup/" }, opts);
    const userPolicy = new aws.iam.UserPolicy(`${name}-backup-access`, { user: user.name, policy: access }, opts);
    const key = new aws.iam.AccessKey(`${name}-backup-key`, { user: user.name }, { parent, additionalSecretOutputs: ["secret"] });
    const secret = new k8s.core.v1.Secret(`${name}-backup-credentials`, {
        metadata: settings.value((s) => meta(s, s.names.backupCredentials, "backup")),
        type: "Opaque",
        stringData: {
            AWS_ACCESS_KEY_ID: pulumi.secret(key.id),
            AWS_SECRET_ACCESS_KEY: pulumi.secret(key.secret),
            AWS_DEFAULT_REGION: bucket.region,
        },
    }, { parent, dependsOn });
    ready.push(userPolicy, secret);
    return { cloud: { bucket: bucket.bucket }, bucket, ready };
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
        throw new Error(`restore.from: the backup at ${where} has ${manifest.shardCount} shards and this deployment ${spec.settings.shards}; ` +
            `restore into the same shard count (shards: ${manifest.shardCount}), then change shards`);
    }
    return [...manifest.shards].sort((a, b) => a.index - b.index).map((s) => s.slots);
}
