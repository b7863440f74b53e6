// The AWS documents of the backup storage, as pure functions of the spec and ARNs: the writer's
// and the reader's least-privilege access, the bucket's TLS-only policy, the IRSA trust, the KMS
// key policy and the lifecycle rules that are the S3 retention. Tested as data (and through an IAM
// policy simulator); aws.ts only hands them to resources.
import { longestGapMinutes } from "../settings/cron";
import type { ClusterSpec } from "../settings/spec";
import { BACKUP_KINDS } from "../settings/spec";
import { oidcIssuer } from "../settings/backup-rules";
import type { S3Location } from "./location";

export interface Statement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource?: string | string[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
}
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

/** The two identities of backups: the jobs that upload, and verify and restore that only read. */
export type BackupIdentity = "writer" | "reader";

export const bucketArnOf = (bucket: string) => `arn:aws:s3:::${bucket}`;

/**
 * What no backup identity may ever do to the bucket, denied explicitly so that no policy attached
 * later can grant it: delete or overwrite-protect-bypass objects and versions, or change the rules
 * that keep them (lifecycle, versioning, Object Lock, policy, encryption, public access, ACLs).
 */
export const DESTRUCTIVE_ACTIONS = [
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
] as const;

const listPrefix = (sid: string, bucketArn: string, prefix: string): Statement => ({
    Sid: sid,
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: bucketArn,
    Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
});
const denyDestruction = (bucketArn: string, extra: string[] = []): Statement => ({
    Sid: "DenyDestroyingBackups",
    Effect: "Deny",
    Action: [...DESTRUCTIVE_ACTIONS, ...extra],
    Resource: [bucketArn, `${bucketArn}/*`],
});

/**
 * The backup jobs: list the prefix (to find complete backups), put objects under it (and abort
 * their own multipart uploads), nothing else: no read, no delete. With SSE-KMS, GenerateDataKey to
 * encrypt and Decrypt, which S3 needs for multipart uploads (the writer still reads no object).
 */
export function writerPolicy(bucketArn: string, spec: ClusterSpec, kmsKeyArn = ""): PolicyDocument {
    const prefix = spec.settings.backup.s3.prefix;
    const statements: Statement[] = [
        listPrefix("ListBackupPrefix", bucketArn, prefix),
        { Sid: "WriteBackups", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `${bucketArn}/${prefix}*` },
    ];
    if (kmsKeyArn)
        statements.push({ Sid: "EncryptBackups", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: kmsKeyArn });
    statements.push(denyDestruction(bucketArn));
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * Verify and restore: list and get under the prefix (and the restore source, when restore.from
 * names a backup elsewhere), Decrypt with SSE-KMS; writes are denied on the backup bucket.
 */
export function readerPolicy(bucketArn: string, spec: ClusterSpec, restore?: S3Location, kmsKeyArn = ""): PolicyDocument {
    const prefix = spec.settings.backup.s3.prefix;
    const statements: Statement[] = [
        listPrefix("ListBackupPrefix", bucketArn, prefix),
        { Sid: "ReadBackups", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucketArn}/${prefix}*` },
    ];
    if (restore && !(bucketArnOf(restore.bucket) === bucketArn && restore.key.startsWith(prefix))) {
        statements.push(listPrefix("ListRestoreSource", bucketArnOf(restore.bucket), restore.key), {
            Sid: "ReadRestoreSource",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: `${bucketArnOf(restore.bucket)}/${restore.key}*`,
        });
    }
    if (kmsKeyArn) statements.push({ Sid: "DecryptBackups", Effect: "Allow", Action: "kms:Decrypt", Resource: kmsKeyArn });
    statements.push(denyDestruction(bucketArn, ["s3:PutObject"]));
    return { Version: "2012-10-17", Statement: statements };
}

/** Refuses every request that does not use TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}

/** The ServiceAccount each identity's pods run as (its IRSA role trusts only that one). */
export const serviceAccountOf = (spec: ClusterSpec, identity: BackupIdentity) =>
    identity === "writer" ? spec.names.backupServiceAccount : spec.names.backupReaderServiceAccount;

/** IRSA: only the identity's ServiceAccount of this namespace may assume the role. */
export function irsaTrustPolicy(spec: ClusterSpec, identity: BackupIdentity = "writer"): PolicyDocument {
    const issuer = oidcIssuer(spec.settings);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: identity === "writer" ? "BackupServiceAccount" : "BackupReaderServiceAccount",
                Effect: "Allow",
                Principal: { Federated: spec.settings.backup.s3.oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${spec.names.namespace}:${serviceAccountOf(spec, identity)}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/** arn:<partition>:iam::<account>:root of the account an IAM principal ARN belongs to. */
export function accountRootOf(principalArn: string): string {
    const [, partition, , , account] = principalArn.split(":");
    return `arn:${partition}:iam::${account}:root`;
}

/**
 * The created key's policy: the account administers it (AWS's default statement; without it a
 * key can become unmanageable), the writer may encrypt (and Decrypt, for multipart uploads) and
 * the reader decrypt, each only through S3.
 */
export function kmsKeyPolicy(writerArn: string, readerArn: string): PolicyDocument {
    const viaS3 = { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } };
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: accountRootOf(writerArn) }, Action: "kms:*", Resource: "*" },
            {
                Sid: "BackupWriterEncrypts",
                Effect: "Allow",
                Principal: { AWS: writerArn },
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: "*",
                Condition: viaS3,
            },
            {
                Sid: "BackupReaderDecrypts",
                Effect: "Allow",
                Principal: { AWS: readerArn },
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: viaS3,
            },
        ],
    };
}

/** Days S3 keeps a kind's backups: `keep` runs at the schedule's longest gap, in whole days (at least 1). */
export function retentionDays(spec: ClusterSpec, kind: (typeof BACKUP_KINDS)[number]): number {
    const b = spec.settings.backup[kind];
    return Math.max(1, Math.ceil((b.keep * longestGapMinutes(b.schedule)) / 1440));
}

/** Days a replaced or expired object version stays recoverable (noncurrent) before S3 removes it. */
export const NONCURRENT_DAYS = 7;

/**
 * The S3 retention: the jobs never delete, the bucket expires each kind's objects after its
 * retention days (S3 rounds up to the next midnight UTC). Expiry only hides an object behind a
 * delete marker in a versioned bucket; the version stays NONCURRENT_DAYS more (longer while
 * Object Lock holds it). Incomplete multipart uploads go after a day, and delete markers left
 * with no version behind them are removed.
 */
export function lifecycleRules(spec: ClusterSpec) {
    const prefix = spec.settings.backup.s3.prefix;
    return [
        ...BACKUP_KINDS.map((kind) => ({
            id: `expire-${kind}`,
            status: "Enabled",
            filter: { prefix: `${prefix}${kind}/` },
            expiration: { days: retentionDays(spec, kind) },
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_DAYS },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        })),
        { id: "remove-expired-delete-markers", status: "Enabled", filter: { prefix }, expiration: { expiredObjectDeleteMarker: true } },
    ];
}
