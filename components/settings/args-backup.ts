// RedisClusterArgs (args.ts), data safety: the backup jobs, their S3 bucket, and restore.
import type * as pulumi from "@pulumi/pulumi";

export interface BackupScheduleArgs {
    /** Cron schedule (5 fields, UTC). */
    schedule?: string;
    /** How many backups of this kind to keep: on the backup volume by count, and in S3 as the bucket's lifecycle expiry (keep x the schedule's longest gap, in whole days; the jobs never delete from S3). */
    keep?: number;
}

export interface S3BackupArgs {
    /** Upload backups to S3 (otherwise they stay on the backup volume). Creates AWS resources: the bucket, and an IAM role (IRSA) or an IAM user with an access key. Default: `false`. */
    enabled?: boolean;
    /** Bucket name; empty generates one. Default: `""`. */
    bucketName?: pulumi.Input<string>;
    /** Key prefix inside the bucket; it becomes part of IAM resource ARNs, so `*` and `?` (IAM wildcards) are refused. Default: `"redis-cluster/"`. */
    prefix?: string;
    /** How the backup jobs and the restore step reach S3: `irsa` (EKS IAM roles for service accounts, no static key; needs `oidcProviderArn`; what production uses) or `iamUser` (IAM users whose access keys live in Kubernetes Secrets). Empty picks `irsa` when `oidcProviderArn` is set, else `iamUser`. Either way the writer (backup jobs) and the reader (verify, restore) are separate identities. Default: `""`. */
    identity?: string;
    /** ARN of the cluster's IAM OIDC provider (`arn:aws:iam::<account>:oidc-provider/<issuer>`), for IRSA. Default: `""`. */
    oidcProviderArn?: pulumi.Input<string>;
    /** Issuer of that OIDC provider (without `https://`); empty takes it from `oidcProviderArn`, where it follows `oidc-provider/`. Default: `""`. */
    oidcProviderUrl?: pulumi.Input<string>;
    /** An existing KMS key's ARN for SSE-KMS (its key policy must let the backup identities use it); empty uses SSE-S3 unless `createKmsKey`. Default: `""`. */
    kmsKeyArn?: pulumi.Input<string>;
    /** Create a customer-managed KMS key (rotated yearly) for SSE-KMS whose key policy lets the writer encrypt and the reader decrypt, through S3 only. Not with `kmsKeyArn`. Default: `false`. */
    createKmsKey?: boolean;
    /** Object Lock in governance mode: every backup object version is locked for this many days from its upload, so neither a leaked writer nor anyone without `s3:BypassGovernanceRetention` can delete or expire it before then. 0 is off. Turning it on later enables Object Lock on the existing bucket. Default: `0`. */
    objectLockDays?: number;
}

export interface BackupVerifyArgs {
    /** Run the verify job on its schedule (when false the CronJob is suspended and runs only by hand). Default: `true`. */
    enabled?: boolean;
    /** Cron schedule of the verify job. Default: `"30 3 * * *"`. */
    schedule?: string;
    /** The oldest the newest backup may be, in minutes, or verify fails; 0 derives it from the schedules: twice the longest gap between runs of the most frequent backup verify reads (hourly with S3, daily without) plus that job's deadline, so one missed run passes and two do not. Default: `0`. */
    maxAgeMinutes?: number;
}

export interface BackupArgs {
    /** Run the backup CronJobs (cluster topology; the sentinel topology has no backups yet, and asking for them is an error). Default: `true`. */
    enabled?: boolean;
    /** Hourly RDB snapshots. Default: `{schedule: "0 * * * *", keep: 3}`. */
    hourly?: BackupScheduleArgs;
    /** Daily full backup, half an hour away from the hourly runs so two dumps never start together. Default: `{schedule: "30 2 * * *", keep: 7}`. */
    daily?: BackupScheduleArgs;
    /** Size of each backup volume (one per kind; they keep the newest backups of their kind, and the verify job's scratch volume). Default: `"2Gi"`. */
    volumeSize?: string;
    /** Image of the upload, fetch and restore steps (the official AWS CLI image; the dump steps use the Redis image). Default: `"amazon/aws-cli:2.17.0"`. */
    awsCliImage?: string;
    /** The verify job: loads the newest backup into a scratch Redis and checks it against its manifest. */
    verify?: BackupVerifyArgs;
    /** Where backups go in S3. */
    s3?: S3BackupArgs;
}

export interface RestoreArgs {
    /** Backup to load into a new deployment, before Redis starts: a daily backup id (`20260101T020000Z`), `hourly/<id>`, or an `s3://bucket/prefix/<kind>/<id>/` URL. Only empty volumes are filled; the shard count must match the backup's. Default: `""` (no restore). */
    from?: string;
}
