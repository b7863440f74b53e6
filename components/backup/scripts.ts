import { readPackageFile } from "../package-files";

/** The backup, verify and restore scripts, shipped in the backup scripts ConfigMap. */
export const BACKUP_SCRIPTS = [
    "s3-lib.sh",
    "manifest-lib.sh",
    "backup-dump.sh",
    "backup-upload.sh",
    "backup-fetch.sh",
    "backup-verify.sh",
    "restore-fetch.sh",
] as const;
export type BackupScript = (typeof BACKUP_SCRIPTS)[number] | "redis-cli.sh";

export function loadBackupScripts(): Record<BackupScript, string> {
    const out = {} as Record<BackupScript, string>;
    for (const name of BACKUP_SCRIPTS) out[name] = readPackageFile("components", "backup", "scripts", name);
    // The dump speaks TLS exactly as the pods' scripts do: the same wrapper, shipped from one file.
    out["redis-cli.sh"] = readPackageFile("components", "redis", "scripts", "redis-cli.sh");
    return out;
}
