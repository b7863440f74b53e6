// Cross-field rules of backups and restore: the S3 identity (IRSA or IAM users), encryption,
// Object Lock, and where a restore reads from; with the identity and issuer the rules decide.
import { type CrossFieldRule, problem, when } from "./rule-kit";
import { OIDC_PROVIDER_ARN, Settings } from "./schema";

/** `aws s3 cp --checksum-algorithm`, which uploads into an Object Lock bucket need, is in aws-cli 2.18 and later. */
export const OBJECT_LOCK_CLI_MINOR = 18;

const backupToS3 = (s: Settings) => s.backup.enabled && s.backup.s3.enabled;

/** The identity backups use: backup.s3.identity, or irsa when an OIDC provider is given. */
export function backupIdentity(s: Settings): "irsa" | "iamUser" {
    const chosen = s.backup.s3.identity;
    if (chosen === "irsa" || chosen === "iamUser") return chosen;
    return s.backup.s3.oidcProviderArn !== "" ? "irsa" : "iamUser";
}

/** The OIDC issuer IRSA trust conditions are keyed by: oidcProviderUrl, or the issuer in the ARN. */
export function oidcIssuer(s: Settings): string {
    const s3 = s.backup.s3;
    return s3.oidcProviderUrl || (OIDC_PROVIDER_ARN.exec(s3.oidcProviderArn)?.[1] ?? "");
}

/** The backup and restore rules, in the order their problems are listed. */
export const BACKUP_RULES: readonly CrossFieldRule[] = [
    {
        // IRSA's roles trust tokens of one issuer only.
        name: "irsaHasOidcProvider",
        check: (s) =>
            when(
                backupToS3(s) && backupIdentity(s) === "irsa" && s.backup.s3.oidcProviderArn === "",
                "backup.s3.oidcProviderArn",
                s.backup.s3.oidcProviderArn,
                () =>
                    'the ARN of the EKS cluster\'s IAM OIDC provider (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>) with backup.s3.identity "irsa": the roles trust tokens of that issuer only; `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer` shows the issuer. Or set backup.s3.identity "iamUser" for access keys in Secrets',
            ),
    },
    {
        name: "iamUserHasNoOidcProvider",
        check: (s) =>
            when(
                backupToS3(s) &&
                    backupIdentity(s) === "iamUser" &&
                    (s.backup.s3.oidcProviderArn !== "" || s.backup.s3.oidcProviderUrl !== ""),
                "backup.s3.identity",
                s.backup.s3.identity,
                () => '"irsa" (or empty) when backup.s3.oidcProviderArn or oidcProviderUrl is set: with "iamUser" they would be ignored',
            ),
    },
    {
        name: "oidcUrlMatchesProviderArn",
        check(s) {
            const s3 = s.backup.s3;
            const issuer = OIDC_PROVIDER_ARN.exec(s3.oidcProviderArn)?.[1];
            return when(
                backupToS3(s) && issuer !== undefined && s3.oidcProviderUrl !== "" && s3.oidcProviderUrl !== issuer,
                "backup.s3.oidcProviderUrl",
                s3.oidcProviderUrl,
                () => `empty or the issuer in backup.s3.oidcProviderArn (${issuer}): the trust policy's conditions are keyed by it`,
            );
        },
    },
    {
        name: "oidcUrlNeedsProviderArn",
        check: (s) =>
            when(
                backupToS3(s) && s.backup.s3.oidcProviderUrl !== "" && s.backup.s3.oidcProviderArn === "",
                "backup.s3.oidcProviderUrl",
                s.backup.s3.oidcProviderUrl,
                () => "empty unless backup.s3.oidcProviderArn is set (IRSA needs the provider's ARN)",
            ),
    },
    {
        name: "objectLockHasChecksummingCli",
        check(s) {
            const s3 = s.backup.s3;
            const cli = /:(\d+)\.(\d+)\.\d+(@|$)/.exec(s.backup.awsCliImage);
            const tooOld = cli !== null && (Number(cli[1]) < 2 || (Number(cli[1]) === 2 && Number(cli[2]) < OBJECT_LOCK_CLI_MINOR));
            return when(
                backupToS3(s) && s3.objectLockDays > 0 && tooOld,
                "backup.awsCliImage",
                s.backup.awsCliImage,
                () =>
                    `an aws-cli image of 2.${OBJECT_LOCK_CLI_MINOR}.0 or later with backup.s3.objectLockDays ${s3.objectLockDays}: S3 refuses an upload without a checksum into a bucket with default retention, and \`aws s3 cp --checksum-algorithm\` came in 2.${OBJECT_LOCK_CLI_MINOR}`,
            );
        },
    },
    {
        name: "oneKmsKeySource",
        check: (s) =>
            when(
                backupToS3(s) && s.backup.s3.createKmsKey && s.backup.s3.kmsKeyArn !== "",
                "backup.s3.createKmsKey",
                true,
                () =>
                    `false when backup.s3.kmsKeyArn is set (${s.backup.s3.kmsKeyArn}): one key encrypts the bucket, the given one or a created one`,
            ),
    },
    {
        name: "restoreReadsFromS3",
        check(s) {
            const from = s.restore.from;
            if (from === "") return [];
            if (!backupToS3(s)) {
                return [
                    problem(
                        "restore.from",
                        from,
                        "empty unless backup.enabled and backup.s3.enabled are true: the restore step reads the backup from S3 with the backup jobs' access",
                    ),
                ];
            }
            return when(
                !from.startsWith("s3://") && s.backup.s3.bucketName === "",
                "restore.from",
                from,
                () =>
                    "an s3://bucket/prefix/<kind>/<id>/ URL when backup.s3.bucketName is empty: a generated bucket is new and holds no backup to restore",
            );
        },
    },
    {
        name: "restoreOnlyForCluster",
        check: (s) =>
            when(
                s.restore.from !== "" && s.topology !== "cluster",
                "restore.from",
                s.restore.from,
                () => 'empty with topology "sentinel": restore loads one RDB per shard of the cluster topology',
            ),
    },
    {
        name: "backupOnlyForCluster",
        check: (s, given) =>
            when(
                given.backup?.enabled === true && s.topology !== "cluster",
                "backup.enabled",
                true,
                () =>
                    'false with topology "sentinel" in this version: the backup jobs find shards and their replicas through CLUSTER NODES, which a Sentinel deployment does not answer',
            ),
    },
];
