// One rendered pod as local processes: its volumes become directories (ConfigMaps and the Secret
// as files), each container's environment is resolved as the kubelet would, and its command runs
// with a local binary standing in for the image. The image map is the only translation.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { KubeObject } from "../components/kubernetes/object";
import { TLS_FILES } from "../components/settings/spec";
import { engineImageEnv } from "./engines";
import { EnvSources, mapMountPaths, PodIdentity, resolveEnv, volumeItems } from "./kubelet";
import { localImageEnv } from "./s3";

/**
 * Container image -> local entrypoint; undefined keeps the container's own command. The Redis and
 * Valkey images' binaries come first on PATH, of the image's own engine and line (engines.ts).
 */
const IMAGE_ENTRYPOINTS: [RegExp, string[] | undefined][] = [
    [/^redis:/, undefined],
    [/^valkey\/valkey:/, undefined],
    [/^oliver006\/redis_exporter:/, ["prometheus-redis-exporter"]],
    [/^amazon\/aws-cli:/, ["/usr/bin/aws"]],
];

export interface ProbePlan {
    argv: string[];
    periodSeconds: number;
    failureThreshold: number;
}

export interface ContainerPlan {
    name: string;
    argv: string[];
    env: Record<string, string>;
    probes: { startup?: ProbePlan; liveness?: ProbePlan; readiness?: ProbePlan };
    preStop?: string[];
    /** The pod's cgroup, which every process of the container joins (NetworkPolicy enforcement). */
    cgroup?: string;
}

export interface PodPlan {
    name: string;
    /** The StatefulSet the pod belongs to. */
    statefulSet: string;
    ordinal: number;
    ip: string;
    root: string;
    terminationGracePeriodSeconds: number;
    initContainers: ContainerPlan[];
    containers: ContainerPlan[];
}

/** The named StatefulSet, or the first (the Redis pods'). */
function statefulSet(objects: KubeObject[], name?: string): any {
    const sts = objects.find((o) => o.kind === "StatefulSet" && (name === undefined || o.metadata.name === name));
    if (!sts) throw new Error(`the rendered objects hold no StatefulSet${name ? ` ${name}` : ""}`);
    return sts;
}

/**
 * The Secrets' values: one password for every key (tests not about ACLs), or one per Secret key
 * (`<user>-password`, ...), as local mode keeps them.
 */
export type SecretValues = string | Record<string, string>;

function secretValue(values: SecretValues, key: string): string {
    if (typeof values === "string") return values;
    if (values[key] === undefined) throw new Error(`no local value for Secret key ${key}`);
    return values[key];
}

/** Pure: what would run for pod `ordinal` (of `statefulSetName`, default the first) at `ip`, with its volumes under `root`. */
export function planPod(
    objects: KubeObject[],
    ordinal: number,
    ip: string,
    root: string,
    password: SecretValues,
    statefulSetName?: string,
): PodPlan {
    const sts = statefulSet(objects, statefulSetName);
    const spec = sts.spec.template.spec;
    const name = `${sts.metadata.name}-${ordinal}`;
    const secrets: Record<string, Record<string, string>> = {};
    for (const s of objects.filter((o) => o.kind === "Secret") as any[]) {
        secrets[s.metadata.name] = Object.fromEntries(Object.keys(s.stringData ?? {}).map((k) => [k, secretValue(password, k)]));
    }
    const identity = { name, namespace: sts.metadata.namespace, ip, labels: sts.spec.template.metadata?.labels ?? {} };
    const plan = (c: any) => planContainer(c, identity, (volume) => path.join(root, volume), { secrets, configMaps: {} });
    return {
        name,
        statefulSet: sts.metadata.name,
        ordinal,
        ip,
        root,
        terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
        initContainers: (spec.initContainers ?? []).map(plan),
        containers: spec.containers.map(plan),
    };
}

/**
 * Pure: one container as a local process: its environment resolved and its mount paths mapped to
 * the directories standing in for its volumes, and its image's local stand-in.
 */
export function planContainer(c: any, pod: PodIdentity, volumeDir: (volume: string) => string, sources: EnvSources): ContainerPlan {
    const mounts: Record<string, string> = {};
    for (const m of c.volumeMounts ?? []) mounts[m.mountPath] = volumeDir(m.name);
    const env = { ...mapMountPaths(resolveEnv(c.env ?? [], pod, sources), mounts), ...localImageEnv(c.image), ...engineImageEnv(c.image) };
    const local = (argv: string[]) => argv.map((a) => mapMountPaths({ a }, mounts).a);
    const entry = IMAGE_ENTRYPOINTS.find(([re]) => re.test(c.image));
    if (!entry) throw new Error(`container ${c.name}: no local binary for image ${c.image}`);
    const argv = c.command ? local([...c.command, ...(c.args ?? [])]) : [...(entry[1] ?? []), ...(c.args ?? [])];
    const probe = (p: any): ProbePlan | undefined =>
        p?.exec
            ? {
                  argv: local(p.exec.command),
                  periodSeconds: p.periodSeconds ?? 10,
                  failureThreshold: p.failureThreshold ?? 3,
              }
            : undefined;
    return {
        name: c.name,
        argv,
        env,
        probes: { startup: probe(c.startupProbe), liveness: probe(c.livenessProbe), readiness: probe(c.readinessProbe) },
        preStop: c.lifecycle?.preStop?.exec ? local(c.lifecycle.preStop.exec.command) : undefined,
    };
}

/**
 * The keys of Secret `name`: the rendered Secret's, or for a Secret the program does not create
 * (the TLS certificate: the user's, or cert-manager's) the keys of a TLS Secret.
 */
export function secretKeys(objects: KubeObject[], name: string): string[] {
    const rendered = objects.find((o) => o.kind === "Secret" && o.metadata.name === name) as any;
    return rendered ? Object.keys(rendered.stringData ?? {}) : Object.values(TLS_FILES);
}

/** Writes the pod's volumes: ConfigMap and Secret files (read-only), empty directories for the rest. */
export function materializeVolumes(objects: KubeObject[], plan: PodPlan, password: SecretValues): void {
    const sts = statefulSet(objects, plan.statefulSet);
    const spec = sts.spec.template.spec;
    const claims = (sts.spec.volumeClaimTemplates ?? []).map((c: any) => ({ name: c.metadata.name }));
    for (const vol of [...spec.volumes, ...claims]) {
        const dir = path.join(plan.root, vol.name);
        const files: Record<string, string> | undefined = vol.configMap
            ? (objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === vol.configMap.name) as any)?.data
            : vol.secret
              ? volumeItems(
                    Object.fromEntries(secretKeys(objects, vol.secret.secretName).map((k) => [k, secretValue(password, k)])),
                    vol.secret.items,
                )
              : undefined;
        if (files) fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        for (const [file, content] of Object.entries(files ?? {})) fs.writeFileSync(path.join(dir, file), content, { mode: 0o600 });
    }
}

/**
 * The command line that runs `argv` of container `c`: inside the pod's cgroup when it has one. A
 * shell joins the cgroup and then execs the command, so the command keeps the pid and no process
 * of the pod ever runs (or connects) outside it.
 */
export const CGROUP_LAUNCHER = 'echo 0 > "$0/cgroup.procs" && exec "$@"';

export function commandLine(c: ContainerPlan, argv = c.argv): string[] {
    return c.cgroup ? ["/bin/sh", "-c", CGROUP_LAUNCHER, c.cgroup, ...argv] : argv;
}

export function runToCompletion(c: ContainerPlan): { status: number | null; output: string } {
    const [cmd, ...args] = commandLine(c);
    const r = spawnSync(cmd, args, { env: { ...process.env, ...c.env }, encoding: "utf8" });
    return { status: r.status, output: (r.stdout ?? "") + (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** runToCompletion without blocking this process: what runs beside it (a client, a test's writer) goes on. */
export function runToCompletionAsync(c: ContainerPlan): Promise<{ status: number | null; output: string }> {
    return new Promise((resolve) => {
        let output = "";
        const child = spawn(c.argv[0], c.argv.slice(1), { env: { ...process.env, ...c.env }, stdio: ["ignore", "pipe", "pipe"] });
        child.stdout.on("data", (d) => {
            output += d;
        });
        child.stderr.on("data", (d) => {
            output += d;
        });
        child.on("error", (e) => resolve({ status: null, output: output + String(e) }));
        child.on("close", (status) => resolve({ status, output }));
    });
}

/** Starts a long-running container; detached ones outlive this process and log to a file. */
export function startContainer(c: ContainerPlan, logFile?: string): ChildProcess {
    const out = logFile ? fs.openSync(logFile, "a") : "pipe";
    const [cmd, ...args] = commandLine(c);
    const child = spawn(cmd, args, {
        env: { ...process.env, ...c.env },
        detached: Boolean(logFile),
        stdio: ["ignore", out, out],
    });
    if (logFile) {
        child.unref();
        fs.closeSync(out as number);
    }
    return child;
}

export function runProbe(c: ContainerPlan, kind: "startup" | "liveness" | "readiness"): { ok: boolean; output: string } | undefined {
    const p = c.probes[kind];
    if (!p) return undefined;
    const r = runToCompletion({ ...c, argv: p.argv });
    return { ok: r.status === 0, output: r.output.trim() };
}

/**
 * Whether `pid` still runs. A zombie (it has exited; its parent has not reaped it yet) does not:
 * signal 0 still reaches it, and its /proc entry stays until the reaping. The pods' processes
 * outlive the command that started them, so init reaps them: on this machine a second or two
 * after they exit, which every stop waited out.
 */
export const isAlive = (pid: number): boolean => {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    const state = processState(pid);
    return state !== "Z" && state !== "X";
};

/** The state letter in /proc/<pid>/stat (R, S, D, T, Z, ...); undefined once it is gone, or without /proc. */
export function processState(pid: number): string | undefined {
    let stat: string;
    try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
        return undefined;
    }
    // "pid (comm) state ...": comm may hold spaces and parentheses, so read after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; done only when the process is gone. Like a container
 * runtime, it then kills whatever else the container started (a detached container is its own
 * process group).
 */
export async function stopProcess(pid: number, graceMs: number, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (isAlive(pid)) {
        process.kill(pid, signal);
        const deadline = Date.now() + graceMs;
        while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        if (isAlive(pid)) process.kill(pid, "SIGKILL");
        while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
    }
    try {
        process.kill(-pid, "SIGKILL");
    } catch {
        // no such process group: nothing else ran, or the process was not a container of its own
    }
}
