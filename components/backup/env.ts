// Environment and volumes the backup containers share with the restore step: how they find the
// scripts, the password and S3 (IRSA through the ServiceAccount, or the IAM user's key Secret).
import { ClusterSpec, passwordKey, PATHS } from "../spec/spec";

export interface BackupCloud<P> {
    /** Name of the backup bucket (generated ones are known only once it exists). */
    bucket: P;
    /** IRSA role ARN, annotated on the ServiceAccount; without it the IAM user's key Secret is used. */
    roleArn?: P;
}

export const SCRIPTS_VOLUME = "backup-scripts";

/** Credentials for the aws CLI: none with IRSA (the webhook injects them), else the key Secret. */
export function awsCredentialsEnv(spec: ClusterSpec, irsa: boolean) {
    const fromSecret = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: spec.names.backupCredentials, key: name } } });
    return [
        // The aws CLI caches in $HOME; the root filesystem is read-only, /tmp is an emptyDir.
        { name: "HOME", value: "/tmp" },
        ...(irsa ? [] : [fromSecret("AWS_ACCESS_KEY_ID"), fromSecret("AWS_SECRET_ACCESS_KEY"), fromSecret("AWS_DEFAULT_REGION")]),
    ];
}

export const isIrsa = (spec: ClusterSpec) => spec.settings.backup.s3.oidcProviderArn !== "";

export const scriptsVolume = (spec: ClusterSpec) =>
    ({ name: SCRIPTS_VOLUME, configMap: { name: spec.names.backupScripts, defaultMode: 0o555 } });
export const scriptsMount = { name: SCRIPTS_VOLUME, mountPath: PATHS.scripts, readOnly: true };
/** The one Secret key the backup dump mounts: the backup user's password, no other user's. */
export const BACKUP_PASSWORD_KEY = passwordKey("backup");
export const passwordFile = `${PATHS.secrets}/${BACKUP_PASSWORD_KEY}`;
