// Security contexts that meet the Pod Security Standards "restricted" profile. The official
// redis image's `redis` user is uid/gid 999.
export const REDIS_UID = 999;

export const restrictedPodSecurity = {
    runAsNonRoot: true,
    runAsUser: REDIS_UID,
    runAsGroup: REDIS_UID,
    fsGroup: REDIS_UID,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
};

export const restrictedContainerSecurity = {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
};

/** Only for the optional node-tuning DaemonSet's init container: it writes the node's /sys. */
export const privilegedInitSecurity = {
    privileged: true,
    runAsUser: 0,
    runAsNonRoot: false,
    allowPrivilegeEscalation: true,
    readOnlyRootFilesystem: true,
};
