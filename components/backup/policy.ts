// The AWS documents of the backup storage, as pure functions of the spec and ARNs: the backup
// jobs' least-privilege access, the bucket's TLS-only policy, the IRSA trust and the lifecycle
// rules that match retention. Tested as data; aws.ts only hands them to resources.
import type { ClusterSpec } from "../spec/spec";
import { BACKUP_KINDS } from "../spec/spec";
import type { S3Location } from "./location";

export interface Statement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource?: string | string[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
}
export interface PolicyDocument { Version: "2012-10-17"; Statement: Statement[] }

const bucketArnOf = (bucket: string) => `arn:aws:s3:::${bucket}`;

/**
 * List on the prefix, get/put/delete on objects under it, nothing else; with a KMS key, the two
 * KMS actions SSE-KMS needs to write and read; with a restore from elsewhere, read on that backup.
 */
export function backupAccessPolicy(bucketArn: string, spec: ClusterSpec, restore?: S3Location): PolicyDocument {
    const prefix = spec.settings.backup.s3.prefix;
    const statements: Statement[] = [
        {
            Sid: "ListBackupPrefix", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn,
            Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
        },
        {
            Sid: "ReadWriteBackups", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: `${bucketArn}/${prefix}*`,
        },
    ];
    const kms = spec.settings.backup.s3.kmsKeyArn;
    if (kms) statements.push({ Sid: "UseBackupKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: kms });
    if (restore && !(bucketArnOf(restore.bucket) === bucketArn && restore.key.startsWith(prefix))) {
        statements.push(
            { Sid: "ListRestoreSource", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArnOf(restore.bucket),
                Condition: { StringLike: { "s3:prefix": [`${restore.key}*`] } } },
            { Sid: "ReadRestoreSource", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucketArnOf(restore.bucket)}/${restore.key}*` },
        );
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** Refuses every request that does not use TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        }],
    };
}

/** IRSA: only the backup ServiceAccount of this namespace may assume the role. */
export function irsaTrustPolicy(spec: ClusterSpec): PolicyDocument {
    const { oidcProviderArn, oidcProviderUrl } = spec.settings.backup.s3;
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "BackupServiceAccount", Effect: "Allow", Principal: { Federated: oidcProviderArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${oidcProviderUrl}:sub`]: `system:serviceaccount:${spec.names.namespace}:${spec.names.backupServiceAccount}`,
                    [`${oidcProviderUrl}:aud`]: "sts.amazonaws.com",
                },
            },
        }],
    };
}

/**
 * Expiry as a safety net behind the jobs' own retention (which counts complete backups): each
 * kind's objects expire a day after the last kept backup would be due, assuming the default
 * cadence (hourly, daily). Deleted and overwritten versions go after a week; incomplete
 * multipart uploads after a day.
 */
export function lifecycleRules(spec: ClusterSpec) {
    const b = spec.settings.backup;
    const days = { hourly: Math.ceil(b.hourly.keep / 24) + 1, daily: b.daily.keep + 1 };
    return BACKUP_KINDS.map((kind) => ({
        id: `expire-${kind}`,
        status: "Enabled",
        filter: { prefix: `${b.s3.prefix}${kind}/` },
        expiration: { days: days[kind] },
        noncurrentVersionExpiration: { noncurrentDays: 7 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    }));
}
