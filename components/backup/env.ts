// Environment and volumes the backup containers share with the restore step: how they find the
// scripts, the password and S3 (IRSA through their ServiceAccount, or an IAM user's key Secret).
import { backupIdentity } from "../settings/backup-rules";
import { ClusterSpec, passwordKey, PATHS } from "../settings/spec";
import type { BackupIdentity } from "./policy";

export interface BackupCloud<P> {
    /** Name of the backup bucket (generated ones are known only once it exists). */
    bucket: P;
    /** IRSA role ARNs, annotated on the writer's and the reader's ServiceAccounts; without them the IAM users' key Secrets are used. */
    roleArn?: P;
    readerRoleArn?: P;
}

export const SCRIPTS_VOLUME = "backup-scripts";

export const isIrsa = (spec: ClusterSpec) => backupIdentity(spec.settings) === "irsa";

/** The Secret holding an identity's access key (IAM user mode). */
export const credentialsSecretOf = (spec: ClusterSpec, identity: BackupIdentity) =>
    identity === "writer" ? spec.names.backupCredentials : spec.names.backupReaderCredentials;

/**
 * Credentials for the aws CLI: none with IRSA (the webhook injects the ServiceAccount's role),
 * else the identity's key Secret. With Object Lock every upload carries a checksum, which S3
 * requires of a PUT into a bucket with default retention.
 */
export function awsCredentialsEnv(spec: ClusterSpec, identity: BackupIdentity) {
    const secret = credentialsSecretOf(spec, identity);
    const fromSecret = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key: name } } });
    return [
        // The aws CLI caches in $HOME; the root filesystem is read-only, /tmp is an emptyDir.
        { name: "HOME", value: "/tmp" },
        ...(isIrsa(spec) ? [] : [fromSecret("AWS_ACCESS_KEY_ID"), fromSecret("AWS_SECRET_ACCESS_KEY"), fromSecret("AWS_DEFAULT_REGION")]),
        ...(identity === "writer" && spec.settings.backup.s3.objectLockDays > 0
            ? [{ name: "S3_CHECKSUM_ALGORITHM", value: "SHA256" }]
            : []),
    ];
}

export const scriptsVolume = (spec: ClusterSpec) => ({
    name: SCRIPTS_VOLUME,
    configMap: { name: spec.names.backupScripts, defaultMode: 0o555 },
});
export const scriptsMount = { name: SCRIPTS_VOLUME, mountPath: PATHS.scripts, readOnly: true };
/** The one Secret key the backup dump mounts: the backup user's password, no other user's. */
export const BACKUP_PASSWORD_KEY = passwordKey("backup");
export const passwordFile = `${PATHS.secrets}/${BACKUP_PASSWORD_KEY}`;
