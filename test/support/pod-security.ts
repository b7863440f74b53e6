// A checker for the Kubernetes Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
// "restricted" profile including every "baseline" control, as of Kubernetes 1.30. Each violation
// names the control by the id the Pod Security Admission controller uses, so a failure reads like
// the admission error the cluster would give. "Containers" means init, regular and ephemeral ones.
import { allContainers, PodTemplate } from "./pod-templates";

export interface Violation {
    /** The pod template, e.g. "StatefulSet/redis-cluster". */
    where: string;
    /** PSA check id, e.g. "runAsNonRoot". */
    rule: string;
    /** "pod" or "container <name>". */
    subject: string;
    detail: string;
}

const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];
const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const SELINUX_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
const RESTRICTED_VOLUME_SOURCES = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];
const SECCOMP_ALLOWED = ["RuntimeDefault", "Localhost"];
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/** Violations of the restricted profile (which includes baseline) by one pod template. */
export function restrictedViolations(t: PodTemplate): Violation[] {
    const out: Violation[] = [];
    const add = (rule: string, subject: string, detail: string) => out.push({ where: t.where, rule, subject, detail });
    const spec = t.spec ?? {};
    const podSc = spec.securityContext ?? {};
    const containers = allContainers(spec).map((c) => ({ c, sc: c.securityContext ?? {}, subject: `container ${c.name}` }));
    const both = [{ sc: podSc, subject: "pod" }, ...containers];

    // ---- baseline ----
    for (const { sc, subject } of both) {
        if (sc.windowsOptions?.hostProcess === true) add("hostProcess", subject, "windowsOptions.hostProcess is true");
    }
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (spec[field] === true) add("host_namespaces", "pod", `${field} is true`);
    }
    for (const { c, sc, subject } of containers) {
        if (sc.privileged === true) add("privileged", subject, "privileged is true");
        const extra = (sc.capabilities?.add ?? []).filter((cap: string) => !BASELINE_CAPABILITIES.includes(cap));
        if (extra.length > 0) add("capabilities_baseline", subject, `adds ${extra.join(", ")}`);
        for (const p of c.ports ?? []) {
            if (p.hostPort !== undefined && p.hostPort !== 0) add("hostPorts", subject, `hostPort ${p.hostPort}`);
        }
        if (sc.procMount !== undefined && sc.procMount !== "Default") add("procMount", subject, `procMount ${sc.procMount}`);
    }
    for (const v of spec.volumes ?? []) {
        if (v.hostPath) add("hostPath_volumes", "pod", `volume ${v.name} is a hostPath`);
    }
    for (const { sc, subject } of both) {
        const aa = sc.appArmorProfile?.type;
        if (aa !== undefined && aa !== "RuntimeDefault" && aa !== "Localhost")
            add("appArmorProfile", subject, `appArmorProfile.type ${aa}`);
        const se = sc.seLinuxOptions;
        if (se) {
            if (se.type !== undefined && !SELINUX_TYPES.includes(se.type)) add("seLinuxOptions", subject, `seLinuxOptions.type ${se.type}`);
            if (se.user) add("seLinuxOptions", subject, `seLinuxOptions.user ${se.user}`);
            if (se.role) add("seLinuxOptions", subject, `seLinuxOptions.role ${se.role}`);
        }
        if (sc.seccompProfile?.type === "Unconfined") add("seccompProfile_baseline", subject, "seccompProfile.type Unconfined");
    }
    for (const [key, value] of Object.entries(t.annotations)) {
        if (key.startsWith(APPARMOR_ANNOTATION) && value !== "runtime/default" && !value.startsWith("localhost/")) {
            add("appArmorProfile", "pod", `annotation ${key}: ${value}`);
        }
    }
    for (const s of podSc.sysctls ?? []) {
        if (!SAFE_SYSCTLS.includes(s.name)) add("sysctls", "pod", `sysctl ${s.name} is not in the safe set`);
    }

    // ---- restricted ----
    for (const v of spec.volumes ?? []) {
        const sources = Object.keys(v).filter((k) => k !== "name");
        const bad = sources.filter((s) => !RESTRICTED_VOLUME_SOURCES.includes(s));
        if (bad.length > 0) add("restrictedVolumes", "pod", `volume ${v.name} uses ${bad.join(", ")}`);
    }
    for (const { sc, subject } of containers) {
        if (sc.allowPrivilegeEscalation !== false) {
            add(
                "allowPrivilegeEscalation",
                subject,
                `allowPrivilegeEscalation is ${sc.allowPrivilegeEscalation ?? "unset"}, must be false`,
            );
        }
        // Non-root: the container's own setting wins; unset inherits the pod's.
        if (sc.runAsNonRoot === false || (sc.runAsNonRoot === undefined && podSc.runAsNonRoot !== true)) {
            add(
                "runAsNonRoot",
                subject,
                `runAsNonRoot is ${sc.runAsNonRoot ?? "unset"} (pod: ${podSc.runAsNonRoot ?? "unset"}), must be true`,
            );
        }
        const seccomp = sc.seccompProfile?.type;
        if (seccomp === undefined ? !SECCOMP_ALLOWED.includes(podSc.seccompProfile?.type) : !SECCOMP_ALLOWED.includes(seccomp)) {
            add(
                "seccompProfile_restricted",
                subject,
                `seccompProfile.type is ${seccomp ?? "unset"} (pod: ${podSc.seccompProfile?.type ?? "unset"}), must be RuntimeDefault or Localhost`,
            );
        }
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) add("capabilities_restricted", subject, "does not drop ALL capabilities");
        const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== "NET_BIND_SERVICE");
        if (added.length > 0) add("capabilities_restricted", subject, `adds ${added.join(", ")} (only NET_BIND_SERVICE is allowed)`);
    }
    if (podSc.runAsNonRoot === false) add("runAsNonRoot", "pod", "runAsNonRoot is false");
    for (const { sc, subject } of both) {
        if (sc.runAsUser === 0) add("runAsUser", subject, "runAsUser is 0 (root)");
    }
    return out;
}

/** Containers whose root filesystem is writable (not a Pod Security control, but asked of every container here). */
export function writableRootFilesystems(t: PodTemplate): string[] {
    return allContainers(t.spec ?? {})
        .filter((c) => c.securityContext?.readOnlyRootFilesystem !== true)
        .map((c) => `${t.where} container ${c.name}`);
}

export const describeViolation = (v: Violation) => `${v.where} ${v.subject} ${v.rule}: ${v.detail}`;
