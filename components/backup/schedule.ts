// How long backup runs may take and how old the newest backup may get: the jobs' deadlines, and
// the freshness limits the verify job and the RedisBackupStale alert hold backups to.
import { longestGapMinutes } from "../settings/cron";
import { BACKUP_KINDS, BackupKind, ClusterSpec } from "../settings/spec";

/** Bounds of one run: an hourly backup must end before the next is due; retries cover a lost pod or a failover mid-dump. */
export const JOB_LIMITS = {
    hourly: { activeDeadlineSeconds: 50 * 60, backoffLimit: 2 },
    daily: { activeDeadlineSeconds: 6 * 60 * 60, backoffLimit: 2 },
    verify: { activeDeadlineSeconds: 6 * 60 * 60, backoffLimit: 1 },
} as const;
export type BackupJob = keyof typeof JOB_LIMITS;

const scheduleOf = (spec: ClusterSpec, job: BackupJob) =>
    job === "verify" ? spec.settings.backup.verify.schedule : spec.settings.backup[job].schedule;

/**
 * Minutes after which a job's last success is too old: two of its longest gaps between runs (one
 * missed or failed run passes, two do not) plus the deadline of the run that would catch up.
 */
export function stalenessMinutes(spec: ClusterSpec, job: BackupJob): number {
    return 2 * longestGapMinutes(scheduleOf(spec, job)) + Math.ceil(JOB_LIMITS[job].activeDeadlineSeconds / 60);
}

/**
 * The oldest backup verify accepts, in minutes: backup.verify.maxAgeMinutes, or derived from the
 * kinds verify reads (any kind from S3, whichever is freshest; without S3 the daily volume).
 */
export function verifyMaxAgeMinutes(spec: ClusterSpec): number {
    const b = spec.settings.backup;
    if (b.verify.maxAgeMinutes > 0) return b.verify.maxAgeMinutes;
    const kinds: readonly BackupKind[] = b.s3.enabled ? BACKUP_KINDS : ["daily"];
    return Math.min(...kinds.map((kind) => stalenessMinutes(spec, kind)));
}
