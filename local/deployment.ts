// Local mode's operations on a whole deployment: up (start or update), status, down. Pods run
// detached, so the deployment outlives the command; state.json remembers their pids.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { drainProvider, formationProvider } from "../components/formation/provider";
import type { KubeObject } from "../components/kubernetes/object";
import { PASSWORD_KEY, passwordKey, PORTS, TLS_FILES, USERS } from "../components/spec/spec";
import { renderStack } from "../tools/render";
import { isAlive, planPod, PodPlan, runProbe, SecretValues, stopProcess } from "./pod";
import { canPublishNames, publishNames } from "./dns";
import { progress, startPod, stopPod, waitForProbe } from "./pod-lifecycle";
import { recordEvent, rollOut, templateRevision } from "./rollout";
import { localS3Calls } from "./s3";
import type { ContainerTrack } from "./probe-schedule";
import { LocalPodState, LocalState, loadState, podAddress, saveState, secretFile, stateDir } from "./state";
import { secretsOf } from "./secrets";
import { applyPolicies, enforcementMode, podCgroupDir, removePolicies } from "./network-policy-enforcement";
import { policedPodsOf } from "./policed-pods";

export { secretsOf } from "./secrets";
import { requireTool } from "./tools";
import { engineFor, runningServer, standInNotice } from "./engines";

const FORMATION_TYPE = "pulumi-nodejs:dynamic/redis-cluster:ClusterFormation";

export interface UpResult {
    stack: string;
    topology: string;
    seeds: string[];
    user: string | null;
    passwordFile: string;
    tls: boolean;
    /** With TLS: the CA file clients verify the pods' certificate with. */
    caFile?: string;
    /** `host`: the pod's stable DNS name (the headless Service's), published in /etc/hosts as root; `servers`: the binary and version each server process runs. */
    pods: { name: string; address: string; host: string; pids: Record<string, number>; servers?: Record<string, RunningServer> }[];
    /** Sentinel topology: every Sentinel's `address:port`, and the master's name to ask them for. */
    sentinels?: string[];
    masterName?: string;
}

/** The server binary a container's process runs, and the version it reports. */
export interface RunningServer { binary: string; version?: string }

/** Per container of a pod that runs a Redis or Valkey server: which binary, read from the running process. */
function serversOf(pids: Record<string, number>): Record<string, RunningServer> {
    return Object.fromEntries(Object.entries(pids).flatMap(([c, pid]) => {
        const s = runningServer(pid);
        return s ? [[c, s]] : [];
    }));
}

/** The image of every Redis or Valkey server the stack runs, with the build that stands in for it (said loudly when it is not the image's line). */
function chooseServers(r: Rendered): void {
    const images = new Set((r.objects.filter((o) => o.kind === "StatefulSet") as any[])
        .flatMap((s) => s.spec.template.spec.containers.map((c: any) => c.image as string))
        .filter((i) => /^(redis|valkey\/valkey):/.test(i)));
    for (const image of images) {
        const choice = engineFor(image);
        const notice = standInNotice(choice);
        if (notice) process.stderr.write(notice);
        else progress(`${image}: ${choice.version} from ${choice.source}`);
    }
}

/** A StatefulSet of the stack; its pods take addresses from the base plus `addressOffset`. */
interface Workload {
    statefulSet: string;
    replicas: number;
    /** The headless Service's DNS domain of its pods. */
    podDomain: string;
    addressOffset: number;
    /** Its pod template's revision (a rolling update replaces pods on another). */
    revision: string;
}

/** Sentinel pods sit 20 addresses above the Redis pods (127.0.0.31 for a base of .11). */
export const SENTINEL_ADDRESS_OFFSET = 20;

export interface Rendered {
    objects: KubeObject[];
    /** The Redis pods' StatefulSet first, then the Sentinels' (sentinel topology). */
    workloads: Workload[];
    /** The formation resource's inputs (cluster topology; the sentinel topology forms itself). */
    formationInputs?: Record<string, any>;
    topology: string;
    /** The Sentinels' master name (sentinel topology). */
    masterName?: string;
}

// The Pulumi runtime that render runs under is process-global: renders must not overlap, and a
// stack file that did not change need not be rendered twice.
const renders = new Map<string, Promise<Rendered>>();
let renderQueue: Promise<unknown> = Promise.resolve();

/** Where the stack files are: the project directory, or another one a test or user names. */
const projectDir = () => process.env.REDIS_LOCAL_PROJECT_DIR ?? process.cwd();

/** The stack's rendered objects and formation inputs (rendered once per stack file version). */
export function render(stack: string): Promise<Rendered> {
    const files = ["Pulumi.yaml", `Pulumi.${stack}.yaml`].map((f) => path.join(projectDir(), f));
    const key = `${stack}:${files.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)).join(":")}`;
    if (!renders.has(key)) {
        const next = renderQueue.then(() => renderOnce(stack));
        renderQueue = next.catch(() => undefined);
        renders.set(key, next);
        next.catch(() => renders.delete(key));
    }
    return renders.get(key)!;
}

async function renderOnce(stack: string): Promise<Rendered> {
    const r = await renderStack(stack, projectDir(), { calls: localS3Calls() });
    const objects = r.kubernetes as KubeObject[];
    const sets = objects.filter((o) => o.kind === "StatefulSet") as any[];
    if (sets.length === 0) throw new Error(`stack ${stack} renders no StatefulSet`);
    const env = (sts: any, name: string) => (sts.spec.template.spec.containers[0].env as any[]).find((e) => e.name === name)?.value;
    const topology = env(sets[0], "TOPOLOGY") ?? "cluster";
    const formation = r.others.find((o) => o.type === FORMATION_TYPE);
    if (topology === "cluster" && !formation) throw new Error(`stack ${stack} renders no formation resource`);
    const workloads = sets.map((sts, i) => ({
        statefulSet: sts.metadata.name,
        replicas: sts.spec.replicas,
        podDomain: `${sts.spec.serviceName}.${sts.metadata.namespace}.svc.cluster.local`,
        addressOffset: i === 0 ? 0 : SENTINEL_ADDRESS_OFFSET,
        revision: templateRevision(sts),
    }));
    return { objects, workloads, formationInputs: formation?.inputs, topology, masterName: env(sets[0], "MASTER_NAME") };
}


/** Starts the per-deployment kubelet stand-in (probes on schedule, restarts), detached. */
function startKubelet(stack: string, dir: string): number {
    const log = fs.openSync(path.join(dir, "kubelet.log"), "a");
    const child = spawn(process.execPath, [path.join(__dirname, "kubelet-daemon.js"), stack], {
        cwd: process.cwd(), detached: true, stdio: ["ignore", log, log], env: process.env,
    });
    child.unref();
    fs.closeSync(log);
    return child.pid!;
}

/** For the kubelet: the plan of any pod of the stack, from one render. */
export async function renderPodPlans(stack: string): Promise<(pod: PodRef, address: string) => PodPlan> {
    const r = await render(stack);
    const dir = stateDir(stack);
    const password = secretsOf(r, dir);
    return (pod, address) => podPlan(r, dir, pod, password, address);
}

/** What the headless Service's DNS would answer now: running pods by name. */
function publishPods(dir: string, r: Rendered, pods: LocalPodState[]): void {
    publishNames(dir, pods.filter((p) => Object.keys(p.pids).length > 0)
        .map((p) => ({ address: p.address, name: podName(r, p) })));
}

/** The pod's name under its headless Service, as the cluster DNS answers it. */
function podName(r: Rendered, pod: PodRef & { name: string }): string {
    return `${pod.name}.${workloadOf(r, pod).podDomain}`;
}

/** A pod by its StatefulSet (absent: the Redis pods') and ordinal. */
type PodRef = Pick<LocalPodState, "statefulSet" | "ordinal">;

function workloadOf(r: Rendered, pod: PodRef): Workload {
    const w = r.workloads.find((x) => x.statefulSet === (pod.statefulSet ?? r.workloads[0].statefulSet));
    if (!w) throw new Error(`the stack renders no StatefulSet ${pod.statefulSet}`);
    return w;
}

function podPlan(r: Rendered, dir: string, pod: PodRef, password: SecretValues, address?: string): PodPlan {
    const w = workloadOf(r, pod);
    // The Redis pods keep their historical directory names; other StatefulSets' pods are named.
    const root = w === r.workloads[0] ? `pod-${pod.ordinal}` : `${w.statefulSet}-${pod.ordinal}`;
    const plan = planPod(r.objects, pod.ordinal, address ?? podAddress(w.addressOffset + pod.ordinal), path.join(dir, "pods", root), password, w.statefulSet);
    // Enforced policies: every process of the pod (containers, init containers, probes, hooks) joins its cgroup.
    const cgroup = podCgroupDir(dir, plan.name);
    if (cgroup) for (const c of [...plan.initContainers, ...plan.containers]) c.cgroup = cgroup;
    return plan;
}

/**
 * Loads the deployment's NetworkPolicies into the kernel for `pods` at their addresses (before
 * they start, so their first connection is already judged), or says why they are not enforced.
 */
function enforcePolicies(dir: string, r: Rendered, pods: { name: string; address: string; statefulSet?: string }[]): void {
    const mode = enforcementMode();
    if (!mode.on) {
        progress(`NetworkPolicies are NOT enforced: ${mode.reason}`);
        return;
    }
    const identities = policedPodsOf(r.objects, pods.map((p) => ({ ...p, statefulSet: p.statefulSet ?? r.workloads[0].statefulSet })));
    const table = applyPolicies(dir, r.objects, identities);
    progress(`NetworkPolicies enforced by nftables table inet ${table} over ${identities.length} pod addresses`);
}

/** Every pod the stack's StatefulSets ask for. */
function desiredPods(r: Rendered): PodRef[] {
    return r.workloads.flatMap((w, i) => Array.from({ length: w.replicas }, (_, ordinal) => ({ ...(i > 0 ? { statefulSet: w.statefulSet } : {}), ordinal })));
}


/** Starts the stack's pods (or applies its current config to a running deployment) and forms the cluster. */
export async function up(stack: string): Promise<UpResult> {
    requireTool("prometheus-redis-exporter");
    const r = await render(stack);
    chooseServers(r);
    const dir = stateDir(stack);
    const password = secretsOf(r, dir);
    if (password[TLS_FILES.ca] !== undefined && !canPublishNames()) {
        throw new Error("TLS is on: clients and the formation provider reach the pods by the DNS names the certificate covers, " +
            "which local mode publishes in /etc/hosts; that needs write access to it (run as root, as CI does)");
    }
    const pwFile = secretFile(dir, passwordKey("app"));
    const state: LocalState = loadState(dir) ?? { stack, topology: r.topology, pods: [] };

    const known = new Map(state.pods.map((p) => [p.name, p]));
    const planAt = (ref: PodRef) => {
        const plan = podPlan(r, dir, ref, password);
        const address = known.get(plan.name)?.address;
        return address ? podPlan(r, dir, ref, password, address) : plan;
    };
    // Before any pod starts: the policies, and each pod's cgroup (which its plan then names).
    const drafts = desiredPods(r).map(planAt);
    const extraPods = state.pods.filter((p) => !drafts.some((plan) => plan.name === p.name));
    enforcePolicies(dir, r, [...drafts.map((p) => ({ name: p.name, address: p.ip, statefulSet: p.statefulSet })), ...extraPods]);
    const plans = desiredPods(r).map(planAt);
    const planOf = (pod: LocalPodState) => plans.find((p) => p.name === pod.name)!;
    const revisionOf = (plan: PodPlan) => workloadOf(r, plan).revision;
    const running = new Map(state.pods.filter((p) => Object.keys(p.pids).length > 0 && Object.values(p.pids).every(isAlive)).map((p) => [p.name, p]));
    const redisPlans = plans.filter((p) => p.statefulSet === r.workloads[0].statefulSet);
    const formation = r.formationInputs && formationInputs(r.formationInputs, redisPlans, password);
    const olds = state.formation && { ...state.formation.outs, password: password[PASSWORD_KEY] };

    // Pulumi's order: the drain, then the StatefulSets (pods start, stop and roll), then formation.
    if (formation && olds) {
        await formationProvider.diff!(state.formation!.id, olds, formation);
        if (state.pods.some((p) => !plans.some((plan) => plan.name === p.name))) await drainProvider.update!("drain", olds, formation);
    }
    // Missing pods start all at once, as the StatefulSets' podManagementPolicy (Parallel) has
    // Kubernetes do: a restore fetches every shard at the same time.
    const pods: LocalPodState[] = await Promise.all(plans.map(async (plan) => {
        const previous = known.get(plan.name);
        // A rolling update interrupted while it stopped this pod: finish the stop first.
        if (previous?.stopping) await stopPod({ ...previous, pids: previous.stopping }, plan.terminationGracePeriodSeconds * 1000, plan);
        const live = running.get(plan.name);
        if (live) {
            live.revision ??= revisionOf(plan);
            return live;
        }
        const started = { ...await startPod(r.objects, r.workloads[0].statefulSet, plan, password), revision: revisionOf(plan) };
        recordEvent(dir, { t: Date.now(), pod: started.name, event: "start", revision: started.revision });
        return started;
    }));
    const extras = extraPods;
    // Out of the state before they stop, so the kubelet does not restart them.
    state.pods = pods;
    saveState(dir, state);
    for (const extra of extras) {
        progress(`stopping ${extra.name}: the stack no longer has it`);
        await stopPod(extra, 30000, podPlan(r, dir, extra, password, extra.address));
    }
    publishPods(dir, r, pods);
    await Promise.all(plans.map((p) => waitForProbe(p, "startup", 60000)));
    for (const w of r.workloads) {
        await rollOut({
            dir,
            revision: w.revision,
            pods: pods.filter((p) => workloadOf(r, p) === w),
            allReady: () => Promise.all(plans.map((p) => waitForProbe(p, "readiness", 120000))).then(() => undefined),
            stop: async (pod) => {
                const plan = planOf(pod);
                pod.stopping = pod.pids;
                pod.pids = {};
                saveState(dir, state);
                const output = await stopPod({ ...pod, pids: pod.stopping }, plan.terminationGracePeriodSeconds * 1000, plan);
                delete pod.stopping;
                saveState(dir, state);
                return output;
            },
            start: async (pod) => {
                const plan = planOf(pod);
                Object.assign(pod, await startPod(r.objects, r.workloads[0].statefulSet, plan, password));
                saveState(dir, state);
                await waitForProbe(plan, "startup", 60000);
            },
            save: () => saveState(dir, state),
            log: progress,
        });
    }

    if (formation) await form(formation, state, password);
    if (!state.kubeletPid || !isAlive(state.kubeletPid)) state.kubeletPid = startKubelet(stack, dir);
    saveState(dir, state);
    await Promise.all(plans.map((p) => waitForProbe(p, "readiness", 60000)));
    const sentinels = pods.filter((p) => p.statefulSet !== undefined);
    const tlsOn = password[TLS_FILES.ca] !== undefined;
    return {
        stack,
        topology: r.topology,
        // Over TLS, clients reach pods by the names the certificate covers (and the nodes announce).
        seeds: pods.filter((p) => p.statefulSet === undefined).map((p) => `${tlsOn ? podName(r, p) : p.address}:${PORTS.redis}`),
        user: USERS.app,
        passwordFile: pwFile,
        tls: tlsOn,
        ...(tlsOn ? { caFile: secretFile(dir, TLS_FILES.ca) } : {}),
        pods: pods.map((p) => ({ name: p.name, address: p.address, host: podName(r, p), pids: p.pids, servers: serversOf(p.pids) })),
        ...(r.topology === "sentinel" ? { sentinels: sentinels.map((p) => `${p.address}:${PORTS.sentinel}`), masterName: r.masterName } : {}),
    };
}

/** The formation provider's inputs, as Pulumi would pass them, with local addresses for the pods. */
function formationInputs(rendered: Record<string, any>, plans: PodPlan[], password: Record<string, string>): Record<string, any> {
    const inputs = {
        ...rendered,
        // Local pods are reachable at their addresses, whatever the stack says for Kubernetes.
        connectivity: "direct",
        // The provider works as the admin user.
        password: password[PASSWORD_KEY],
        // Over TLS the provider reaches each pod by its DNS name (published in /etc/hosts), which
        // the certificate covers, as Pulumi gives them; otherwise at its local address.
        nodes: rendered.tls ? rendered.nodes : plans.map((p) => ({ name: p.name, address: p.ip, port: PORTS.redis, host: "", zone: "" })),
        // The CA comes from the Secret's stand-in, as the provider would read it from the cluster.
        ...(rendered.tls ? { tls: { ...rendered.tls, ca: password[TLS_FILES.ca] } } : {}),
    };
    delete (inputs as any).__provider;
    return inputs;
}

/** The formation provider (cluster topology): create, or update from the outputs of the last run. */
async function form(inputs: Record<string, any>, state: LocalState, password: Record<string, string>): Promise<void> {
    const checked = await formationProvider.check!({}, inputs);
    if (checked.failures?.length) throw new Error(`formation inputs: ${checked.failures.map((f) => f.reason).join("; ")}`);
    if (state.formation) {
        const updated = await formationProvider.update!(state.formation.id, { ...state.formation.outs, password: password[PASSWORD_KEY] }, inputs);
        state.formation = { id: state.formation.id, outs: withoutPassword(updated.outs ?? {}) };
    } else {
        const created = await formationProvider.create(inputs);
        state.formation = { id: created.id, outs: withoutPassword(created.outs ?? {}) };
    }
}

function withoutPassword(outs: Record<string, unknown>): Record<string, unknown> {
    const { password: _password, ...rest } = outs;
    return rest;
}


export type PodAction = "stop" | "kill" | "start" | "wipe";

/**
 * What tests and users do to one pod: stop it gracefully (preStop, SIGTERM) or kill it (SIGKILL),
 * start it again (on a new address, as a rescheduled pod gets a new IP), or wipe its data volume.
 */
export async function podAction(stack: string, name: string, action: PodAction, opts: { address?: string } = {}): Promise<LocalPodState> {
    const dir = stateDir(stack);
    const state = loadState(dir);
    const pod = state?.pods.find((p) => p.name === name);
    if (!state || !pod) throw new Error(`no pod ${name} in the local deployment of ${stack}`);
    const r = await render(stack);
    const password = secretsOf(r, dir);
    const plan = podPlan(r, dir, pod, password, opts.address ?? pod.address);
    const running = Object.values(pod.pids).some(isAlive);
    switch (action) {
        case "stop":
        case "kill": {
            // Marked stopped before the processes go, so the kubelet does not restart them.
            const stopping = { ...pod, pids: { ...pod.pids } };
            pod.pids = {};
            saveMerged(dir, pod);
            if (action === "stop") await stopPod(stopping, plan.terminationGracePeriodSeconds * 1000, plan);
            else await Promise.all(Object.values(stopping.pids).map((pid) => stopProcess(pid, 0, "SIGKILL")));
            break;
        }
        case "wipe":
            if (running) throw new Error(`${name} is running; stop it before wiping its volume`);
            fs.rmSync(path.join(plan.root, "data"), { recursive: true, force: true });
            break;
        case "start": {
            if (running) throw new Error(`${name} is already running`);
            if (plan.ip !== pod.address) {
                // A pod on a new address: recorded first, so that pods moving at the same time
                // each load policies that hold every move made so far; then the policies follow it.
                pod.address = plan.ip;
                enforcePolicies(dir, r, saveMerged(dir, pod).pods);
            }
            Object.assign(pod, await startPod(r.objects, r.workloads[0].statefulSet, plan, password));
            // The headless Services publish a pod's name once it has an address, before its probes
            // pass (publishNotReadyAddresses): a starting pod may need its own and its peers' names.
            publishPods(dir, r, saveMerged(dir, pod).pods);
            await waitForProbe(plan, "startup", 60000);
            break;
        }
    }
    publishPods(dir, r, saveMerged(dir, pod).pods);
    return pod;
}

/** Actions on different pods may run at once: merge one pod into the state as it is now. */
function saveMerged(dir: string, pod: LocalPodState): LocalState {
    const fresh = loadState(dir)!;
    Object.assign(fresh.pods.find((p) => p.name === pod.name)!, pod);
    saveState(dir, fresh);
    return fresh;
}

export interface PodStatus {
    name: string;
    address: string;
    containers: Record<string, { pid: number; running: boolean; restarts: number }>;
    /** Probe results run now. */
    probes: Record<string, { ok: boolean; output: string }>;
    /** The kubelet's latest scheduled results, with when they ran. */
    scheduled: Record<string, { ok: boolean; at: string; output: string }>;
    /** Which server binary each server container runs, and its version. */
    servers: Record<string, RunningServer>;
}

/** Health of every pod: its processes and the result of each probe, run now. */
export async function status(stack: string): Promise<{ stack: string; healthy: boolean; pods: PodStatus[] }> {
    const dir = stateDir(stack);
    const state = loadState(dir);
    if (!state) throw new Error(`no local deployment of stack ${stack} (run: npm run local -- up --stack ${stack})`);
    const r = await render(stack);
    const password = secretsOf(r, dir);
    const probesFile = path.join(dir, "probes.json");
    const kubelet: Record<string, ContainerTrack> = fs.existsSync(probesFile) ? JSON.parse(fs.readFileSync(probesFile, "utf8")) : {};
    const pods = state.pods.map((p) => {
        const plan = podPlan(r, dir, p, password);
        const probes: PodStatus["probes"] = {};
        for (const c of plan.containers) {
            for (const kind of ["startup", "liveness", "readiness"] as const) {
                const result = runProbe(c, kind);
                if (result) probes[`${c.name}/${kind}`] = result;
            }
        }
        const containers = Object.fromEntries(Object.entries(p.pids).map(([c, pid]) =>
            [c, { pid, running: isAlive(pid), restarts: kubelet[`${p.name}/${c}`]?.restarts ?? 0 }]));
        const scheduled: PodStatus["scheduled"] = {};
        for (const c of Object.keys(p.pids)) {
            for (const [kind, t] of Object.entries(kubelet[`${p.name}/${c}`]?.probes ?? {})) {
                if (t?.last) scheduled[`${c}/${kind}`] = { ok: t.last.ok, at: new Date(t.last.at).toISOString(), output: t.last.output };
            }
        }
        return { name: p.name, address: p.address, containers, probes, scheduled, servers: serversOf(p.pids) };
    });
    const healthy = pods.every((p) => Object.values(p.containers).every((c) => c.running) && Object.values(p.probes).every((x) => x.ok));
    return { stack, healthy, pods };
}

/** Stops every process of the deployment (as Kubernetes would: SIGTERM, then SIGKILL after the grace period) and removes its state. */
export async function down(stack: string): Promise<{ stopped: number }> {
    const dir = stateDir(stack);
    const state = loadState(dir);
    if (state?.kubeletPid) await stopProcess(state.kubeletPid, 5000);
    if (state) {
        // Without preStop hooks: every pod stops at once and the data goes with them, so a master's
        // handover would wait for a replica that is stopping too (each hook timed out, 45 s) to
        // keep data nobody will read. SIGTERM still lets each server shut down cleanly.
        await Promise.all(state.pods.map((p) => stopPod(p, 60000)));
    }
    publishNames(dir, []);
    removePolicies(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    return { stopped: state?.pods.reduce((n, p) => n + Object.keys(p.pids).length, 0) ?? 0 };
}
