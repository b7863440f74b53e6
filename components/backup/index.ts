// Backups: Kubernetes objects (pure), the AWS storage (Pulumi resources) and restore.
export { buildBackupObjects, JOB_LIMITS } from "./jobs";
export { createBackupStorage, restoreSlots, slotsFromManifest } from "./aws";
export { restoreInitContainers } from "./restore";
export { restoreLocation } from "./location";
export type { BackupCloud } from "./env";
