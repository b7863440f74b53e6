// Every pod template the stacks render meets the "restricted" Pod Security Standard and has a
// read-only root filesystem; the one exception, the optional privileged system-init container,
// is flagged exactly, and lowers the namespace it is created in to "privileged".
import * as assert from "assert";
import { buildAllObjects } from "../../components/kubernetes";
import type { KubeObject } from "../../components/kubernetes/object";
import { resolveSpec } from "../../components/settings/spec";
import { describeViolation, restrictedViolations, writableRootFilesystems } from "../support/pod-security";
import { PodTemplate, podTemplates } from "../support/pod-templates";
import { renderedStack } from "../support/render-stacks";

const PSS = "pod-security.kubernetes.io/";

/** A compliant pod: the rendered Redis pod template. */
const compliant = (): PodTemplate => structuredClone(podTemplates(buildAllObjects(resolveSpec({}), "x"))[0]);

const redisContainer = (t: PodTemplate) => t.spec.containers[0];

// One violating change per control, and the controls it must trip (and nothing else).
const VIOLATIONS: [string, (t: PodTemplate) => void, string | string[]][] = [
    [
        "a Windows HostProcess container",
        (t) => {
            t.spec.securityContext.windowsOptions = { hostProcess: true };
        },
        "hostProcess",
    ],
    [
        "the host network",
        (t) => {
            t.spec.hostNetwork = true;
        },
        "host_namespaces",
    ],
    [
        "the host PID namespace",
        (t) => {
            t.spec.hostPID = true;
        },
        "host_namespaces",
    ],
    [
        "the host IPC namespace",
        (t) => {
            t.spec.hostIPC = true;
        },
        "host_namespaces",
    ],
    [
        "a privileged container",
        (t) => {
            redisContainer(t).securityContext = { ...redisContainer(t).securityContext, privileged: true };
        },
        "privileged",
    ],
    [
        "a hostPath volume",
        (t) => {
            t.spec.volumes[4] = { name: "tmp", hostPath: { path: "/tmp" } };
        },
        ["hostPath_volumes", "restrictedVolumes"],
    ],
    [
        "a host port",
        (t) => {
            redisContainer(t).ports[0].hostPort = 6379;
        },
        "hostPorts",
    ],
    [
        "an unconfined AppArmor profile",
        (t) => {
            redisContainer(t).securityContext = { ...redisContainer(t).securityContext, appArmorProfile: { type: "Unconfined" } };
        },
        "appArmorProfile",
    ],
    [
        "an unconfined AppArmor annotation",
        (t) => {
            t.annotations["container.apparmor.security.beta.kubernetes.io/redis"] = "unconfined";
        },
        "appArmorProfile",
    ],
    [
        "a custom SELinux type",
        (t) => {
            t.spec.securityContext.seLinuxOptions = { type: "spc_t" };
        },
        "seLinuxOptions",
    ],
    [
        "a SELinux user",
        (t) => {
            t.spec.securityContext.seLinuxOptions = { user: "system_u" };
        },
        "seLinuxOptions",
    ],
    [
        "an unmasked /proc",
        (t) => {
            redisContainer(t).securityContext = { ...redisContainer(t).securityContext, procMount: "Unmasked" };
        },
        "procMount",
    ],
    [
        "an unsafe sysctl",
        (t) => {
            t.spec.securityContext.sysctls = [{ name: "net.core.somaxconn", value: "65535" }];
        },
        "sysctls",
    ],
    [
        "a NFS volume",
        (t) => {
            t.spec.volumes[4] = { name: "tmp", nfs: { server: "nfs", path: "/" } };
        },
        "restrictedVolumes",
    ],
    [
        "privilege escalation left unset",
        (t) => {
            delete redisContainer(t).securityContext.allowPrivilegeEscalation;
        },
        "allowPrivilegeEscalation",
    ],
    [
        "a container that may run as root",
        (t) => {
            redisContainer(t).securityContext = { ...redisContainer(t).securityContext, runAsNonRoot: false };
        },
        "runAsNonRoot",
    ],
    [
        "uid 0 on the pod",
        (t) => {
            t.spec.securityContext.runAsUser = 0;
        },
        "runAsUser",
    ],
    [
        "uid 0 on a container",
        (t) => {
            redisContainer(t).securityContext = { ...redisContainer(t).securityContext, runAsUser: 0 };
        },
        "runAsUser",
    ],
    [
        "an unconfined seccomp profile",
        (t) => {
            t.spec.securityContext.seccompProfile = { type: "Unconfined" };
        },
        ["seccompProfile_baseline", "seccompProfile_restricted"],
    ],
    [
        "no seccomp profile at all",
        (t) => {
            delete t.spec.securityContext.seccompProfile;
        },
        "seccompProfile_restricted",
    ],
    [
        "a capability outside the baseline set",
        (t) => {
            redisContainer(t).securityContext = {
                ...redisContainer(t).securityContext,
                capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] },
            };
        },
        ["capabilities_baseline", "capabilities_restricted"],
    ],
    [
        "a baseline capability the restricted profile refuses",
        (t) => {
            redisContainer(t).securityContext = { ...redisContainer(t).securityContext, capabilities: { drop: ["ALL"], add: ["CHOWN"] } };
        },
        "capabilities_restricted",
    ],
    [
        "capabilities not dropped",
        (t) => {
            redisContainer(t).securityContext = { ...redisContainer(t).securityContext, capabilities: { drop: ["NET_RAW"] } };
        },
        "capabilities_restricted",
    ],
];

describe("pod security", function () {
    this.timeout(60000);

    for (const stack of ["prod", "dev"]) {
        it(`${stack} stack: every pod template meets the restricted profile and has a read-only root filesystem`, async () => {
            const objects = (await renderedStack(stack)).kubernetes as KubeObject[];
            const templates = podTemplates(objects);
            assert.ok(
                templates.some((t) => t.where.startsWith("StatefulSet/")),
                "no pod template rendered",
            );
            assert.deepStrictEqual(templates.flatMap(restrictedViolations).map(describeViolation), []);
            assert.deepStrictEqual(templates.flatMap(writableRootFilesystems), []);
            const ns = objects.find((o) => o.kind === "Namespace")!;
            assert.strictEqual(ns.metadata.labels?.[`${PSS}enforce`], "restricted");
        });
    }

    it("node tuning is the one privileged thing, in a namespace of its own; the Redis namespace stays restricted", () => {
        const spec = resolveSpec({ systemInit: { enabled: true } });
        const objects = buildAllObjects(spec, "x");
        const templates = podTemplates(objects);
        const found = templates.flatMap((t) => restrictedViolations(t).map((v) => `${t.where} ${v.subject} ${v.rule}`)).sort();
        assert.deepStrictEqual(found, [
            "DaemonSet/redis-cluster-node-tuning container disable-thp allowPrivilegeEscalation",
            "DaemonSet/redis-cluster-node-tuning container disable-thp capabilities_restricted",
            "DaemonSet/redis-cluster-node-tuning container disable-thp privileged",
            "DaemonSet/redis-cluster-node-tuning container disable-thp runAsNonRoot",
            "DaemonSet/redis-cluster-node-tuning container disable-thp runAsUser",
            "DaemonSet/redis-cluster-node-tuning pod hostPath_volumes",
            "DaemonSet/redis-cluster-node-tuning pod restrictedVolumes",
        ]);
        const enforced = (name: string) =>
            objects.find((o) => o.kind === "Namespace" && o.metadata.name === name)!.metadata.labels![`${PSS}enforce`];
        assert.strictEqual(enforced(spec.names.namespace), "restricted");
        assert.strictEqual(enforced(spec.names.nodeTuningNamespace), "privileged");
        const daemonSet = objects.find((o) => o.kind === "DaemonSet")!;
        assert.strictEqual(daemonSet.metadata.namespace, spec.names.nodeTuningNamespace);
        // Its script is inline: no ConfigMap anyone in the Redis namespace can edit runs as root.
        assert.ok(!JSON.stringify((daemonSet as any).spec.template.spec.volumes).includes("configMap"));
        assert.ok(!objects.some((o) => o.kind === "StatefulSet" && JSON.stringify(o).includes('privileged":true')));
    });

    it("accepts what the profile allows: pod-level defaults, Localhost profiles, NET_BIND_SERVICE, safe sysctls", () => {
        const t = compliant();
        t.spec.securityContext.sysctls = [{ name: "net.ipv4.tcp_keepalive_time", value: "300" }];
        t.spec.securityContext.seLinuxOptions = { type: "container_t", level: "s0:c1,c2" };
        t.spec.securityContext.appArmorProfile = { type: "RuntimeDefault" };
        t.annotations["container.apparmor.security.beta.kubernetes.io/exporter"] = "localhost/redis";
        redisContainer(t).securityContext = {
            ...redisContainer(t).securityContext,
            capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
            seccompProfile: { type: "Localhost", localhostProfile: "redis.json" },
        };
        redisContainer(t).ports[0].hostPort = 0;
        // Non-root set on every container instead of the pod.
        delete t.spec.securityContext.runAsNonRoot;
        assert.deepStrictEqual(restrictedViolations(t).map(describeViolation), []);
    });

    for (const [what, change, rules] of VIOLATIONS) {
        it(`flags ${what} as ${rules}`, () => {
            const t = compliant();
            assert.deepStrictEqual(restrictedViolations(t), [], "the fixture starts compliant");
            change(t);
            assert.deepStrictEqual([...new Set(restrictedViolations(t).map((v) => v.rule))], [rules].flat());
        });
    }

    it("flags a non-root default missing from both pod and container, and a writable root filesystem", () => {
        const t = compliant();
        delete t.spec.securityContext.runAsNonRoot;
        // The builder shares one security context object between containers; unshare it first.
        t.spec.containers[1].securityContext = { ...t.spec.containers[1].securityContext };
        delete t.spec.containers[1].securityContext.runAsNonRoot;
        assert.deepStrictEqual(
            restrictedViolations(t).map((v) => `${v.subject} ${v.rule}`),
            ["container exporter runAsNonRoot"],
        );
        t.spec.containers[1].securityContext = { ...t.spec.containers[1].securityContext, readOnlyRootFilesystem: false };
        assert.deepStrictEqual(writableRootFilesystems(t), ["StatefulSet/redis-cluster container exporter"]);
    });

    it("finds pod templates of every workload kind, CronJobs' job templates included", () => {
        const pod = { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c" }] } };
        const objects = [
            { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cj" }, spec: { jobTemplate: { spec: { template: pod } } } },
            { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: pod } },
            { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template: pod } },
            { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { a: "b" } }, spec: pod.spec },
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } },
        ] as KubeObject[];
        assert.deepStrictEqual(
            podTemplates(objects).map((t) => t.where),
            ["CronJob/cj", "Job/j", "Deployment/d", "Pod/p"],
        );
        assert.strictEqual(
            podTemplates(objects)
                .flatMap(restrictedViolations)
                .filter((v) => v.rule === "allowPrivilegeEscalation").length,
            4,
        );
    });
});
