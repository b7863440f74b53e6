// Local mode's operations on a whole deployment: up (start or update), status, down. Pods run
// detached, so the deployment outlives the command; state.json remembers their pids.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { drainProvider, formationProvider } from "../components/bootstrap/provider";
import type { KubeObject } from "../components/kubernetes/object";
import { PASSWORD_KEY, passwordKey, PORTS, USERS } from "../components/spec/spec";
import { renderStack } from "../tools/render";
import { isAlive, materializeVolumes, planPod, PodPlan, runProbe, runToCompletion, SecretValues, startContainer, stopProcess } from "./pod";
import { publishNames } from "./dns";
import { recordEvent, rollOut, templateRevision } from "./rollout";
import { localS3Calls } from "./s3";
import type { ContainerTrack } from "./probe-schedule";
import { LocalPodState, LocalState, loadState, localSecrets, podAddress, saveState, secretFile, stateDir } from "./state";
import { requireTool } from "./tools";

const FORMATION_TYPE = "pulumi-nodejs:dynamic/redis-cluster:ClusterFormation";
const progress = (line: string) => process.stderr.write(`local: ${line}\n`);

export interface UpResult {
    stack: string;
    topology: string;
    seeds: string[];
    user: string | null;
    passwordFile: string;
    tls: boolean;
    pods: { name: string; address: string; pids: Record<string, number> }[];
}

export interface Rendered {
    objects: KubeObject[];
    /** The headless Service's DNS domain of the pods. */
    podDomain: string;
    formationInputs: Record<string, any>;
    replicas: number;
    topology: string;
    /** The StatefulSet's pod template revision. */
    revision: string;
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
    const sts = objects.find((o) => o.kind === "StatefulSet") as any;
    const formation = r.others.find((o) => o.type === FORMATION_TYPE);
    if (!sts || !formation) throw new Error(`stack ${stack} renders no StatefulSet or formation resource`);
    const topology = (sts.spec.template.spec.containers[0].env as any[]).find((e) => e.name === "TOPOLOGY")?.value ?? "cluster";
    const podDomain = `${sts.spec.serviceName}.${sts.metadata.namespace}.svc.cluster.local`;
    return { objects, podDomain, formationInputs: formation.inputs, replicas: sts.spec.replicas, topology, revision: templateRevision(sts) };
}

/** The rendered Secret's values as local mode keeps them (generated on first use). */
export function secretsOf(r: Rendered, dir: string): Record<string, string> {
    const keys = r.objects.filter((o) => o.kind === "Secret").flatMap((o: any) => Object.keys(o.stringData ?? {}));
    return localSecrets(dir, keys);
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
export async function renderPodPlans(stack: string): Promise<(ordinal: number, address: string) => PodPlan> {
    const r = await render(stack);
    const dir = stateDir(stack);
    const password = secretsOf(r, dir);
    return (ordinal, address) => podPlan(r, dir, ordinal, password, address);
}

/** What the headless Service's DNS would answer now: running pods by name. */
function publishPods(dir: string, r: Rendered, pods: LocalPodState[]): void {
    publishNames(dir, pods.filter((p) => Object.keys(p.pids).length > 0).map((p) => ({ address: p.address, name: `${p.name}.${r.podDomain}` })));
}

function podPlan(r: Rendered, dir: string, ordinal: number, password: SecretValues, address = podAddress(ordinal)): PodPlan {
    return planPod(r.objects, ordinal, address, path.join(dir, "pods", `pod-${ordinal}`), password);
}

async function startPod(r: Rendered, plan: PodPlan, password: SecretValues): Promise<LocalPodState> {
    materializeVolumes(r.objects, plan, password);
    for (const init of plan.initContainers) {
        const result = runToCompletion(init);
        if (result.status !== 0) throw new Error(`${plan.name}: init container ${init.name} failed: ${result.output}`);
    }
    const pids: Record<string, number> = {};
    for (const c of plan.containers) {
        const child = startContainer(c, path.join(plan.root, `${c.name}.log`));
        pids[c.name] = child.pid!;
    }
    progress(`started ${plan.name} on ${plan.ip} (${Object.entries(pids).map(([c, p]) => `${c} ${p}`).join(", ")})`);
    return { name: plan.name, ordinal: plan.ordinal, address: plan.ip, root: plan.root, pids };
}

async function waitForProbe(plan: PodPlan, kind: "startup" | "readiness", timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const results = plan.containers.map((c) => runProbe(c, kind)).filter((r) => r !== undefined);
        if (results.every((r) => r!.ok)) return;
        if (Date.now() > deadline) throw new Error(`${plan.name}: ${kind} probe still failing: ${results.map((r) => r!.output).join("; ")}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

/** Starts the stack's pods (or applies its current config to a running deployment) and forms the cluster. */
export async function up(stack: string): Promise<UpResult> {
    requireTool("redis-server");
    requireTool("prometheus-redis-exporter");
    const r = await render(stack);
    const dir = stateDir(stack);
    const password = secretsOf(r, dir);
    const pwFile = secretFile(dir, passwordKey("app"));
    const state: LocalState = loadState(dir) ?? { stack, topology: r.topology, pods: [] };

    const known = new Map(state.pods.map((p) => [p.ordinal, p]));
    const plans = Array.from({ length: r.replicas }, (_, i) => podPlan(r, dir, i, password, known.get(i)?.address));
    const running = new Map(state.pods.filter((p) => Object.keys(p.pids).length > 0 && Object.values(p.pids).every(isAlive)).map((p) => [p.ordinal, p]));
    // The formation provider, as Pulumi would call it, with local addresses for the pods.
    const inputs = {
        ...r.formationInputs,
        // Local pods are reachable at their addresses, whatever the stack says for Kubernetes.
        connectivity: "direct",
        // The provider works as the admin user.
        password: password[PASSWORD_KEY],
        nodes: plans.map((p) => ({ name: p.name, address: p.ip, port: PORTS.redis, host: "", zone: "" })),
    };
    delete (inputs as any).__provider;
    const checked = await formationProvider.check!({}, inputs);
    if (checked.failures?.length) throw new Error(`formation inputs: ${checked.failures.map((f) => f.reason).join("; ")}`);
    const olds = state.formation ? { ...state.formation.outs, password: password[PASSWORD_KEY] } : undefined;
    if (olds) await formationProvider.diff!(state.formation!.id, olds, inputs);
    // Pulumi's order: the drain, then the StatefulSet (pods start and stop), then formation.
    if (olds && state.pods.some((p) => p.ordinal >= r.replicas)) await drainProvider.update!("drain", olds, inputs);

    const pods: LocalPodState[] = [];
    for (const plan of plans) {
        const known = state.pods.find((p) => p.ordinal === plan.ordinal);
        // A rolling update interrupted while it stopped this pod: finish the stop first.
        if (known?.stopping) await stopPod({ ...known, pids: known.stopping }, plan.terminationGracePeriodSeconds * 1000, plan);
        const live = running.get(plan.ordinal);
        if (live) {
            live.revision ??= r.revision;
            pods.push(live);
        } else {
            const started = { ...await startPod(r, plan, password), revision: r.revision };
            recordEvent(dir, { t: Date.now(), pod: started.name, event: "start", revision: r.revision });
            pods.push(started);
        }
    }
    const extras = state.pods.filter((p) => p.ordinal >= r.replicas);
    // Out of the state before they stop, so the kubelet does not restart them.
    state.pods = pods;
    saveState(dir, state);
    for (const extra of extras) {
        progress(`stopping ${extra.name}: the stack now has ${r.replicas} pods`);
        await stopPod(extra, 30000, podPlan(r, dir, extra.ordinal, password, extra.address));
    }
    publishPods(dir, r, pods);
    await Promise.all(plans.map((p) => waitForProbe(p, "startup", 60000)));
    await rollOut({
        dir,
        revision: r.revision,
        pods,
        allReady: () => Promise.all(plans.map((p) => waitForProbe(p, "readiness", 120000))).then(() => undefined),
        stop: async (pod) => {
            const plan = plans[pod.ordinal];
            pod.stopping = pod.pids;
            pod.pids = {};
            saveState(dir, state);
            const output = await stopPod({ ...pod, pids: pod.stopping }, plan.terminationGracePeriodSeconds * 1000, plan);
            delete pod.stopping;
            saveState(dir, state);
            return output;
        },
        start: async (pod) => {
            const plan = plans[pod.ordinal];
            Object.assign(pod, await startPod(r, plan, password));
            saveState(dir, state);
            await waitForProbe(plan, "startup", 60000);
        },
        save: () => saveState(dir, state),
        log: progress,
    });

    if (state.formation) {
        const updated = await formationProvider.update!(state.formation.id, { ...state.formation.outs, password: password[PASSWORD_KEY] }, inputs);
        state.formation = { id: state.formation.id, outs: withoutPassword(updated.outs ?? {}) };
    } else {
        const created = await formationProvider.create(inputs);
        state.formation = { id: created.id, outs: withoutPassword(created.outs ?? {}) };
    }
    if (!state.kubeletPid || !isAlive(state.kubeletPid)) state.kubeletPid = startKubelet(stack, dir);
    saveState(dir, state);
    await Promise.all(plans.map((p) => waitForProbe(p, "readiness", 60000)));
    return {
        stack,
        topology: r.topology,
        seeds: pods.map((p) => `${p.address}:${PORTS.redis}`),
        user: USERS.app,
        passwordFile: pwFile,
        tls: false,
        pods: pods.map((p) => ({ name: p.name, address: p.address, pids: p.pids })),
    };
}

function withoutPassword(outs: Record<string, unknown>): Record<string, unknown> {
    const { password: _password, ...rest } = outs;
    return rest;
}

/**
 * Stops a pod as the kubelet does: each container's preStop hook runs first, then SIGTERM, then
 * SIGKILL when the grace period (which the hooks count against) runs out.
 */
async function stopPod(pod: LocalPodState, graceMs: number, plan?: PodPlan): Promise<string> {
    const deadline = Date.now() + graceMs;
    const outputs: string[] = [];
    for (const c of plan?.containers ?? []) {
        if (c.preStop && pod.pids[c.name] && isAlive(pod.pids[c.name])) {
            const hook = runToCompletion({ ...c, argv: c.preStop });
            outputs.push(hook.output.trim().replace(/\n/g, "; ") || `exit ${hook.status}`);
            progress(`${pod.name}/${c.name} preStop: ${outputs[outputs.length - 1]}`);
        }
    }
    await Promise.all(Object.values(pod.pids).map((pid) => stopProcess(pid, Math.max(0, deadline - Date.now()))));
    return outputs.join("; ");
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
    const plan = podPlan(r, dir, pod.ordinal, password, opts.address ?? pod.address);
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
            Object.assign(pod, await startPod(r, plan, password));
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
        const plan = podPlan(r, dir, p.ordinal, password);
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
        return { name: p.name, address: p.address, containers, probes, scheduled };
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
        // A stack that no longer renders (e.g. its restore source is gone) must still stop.
        const r = await render(stack).catch((e) => {
            progress(`cannot render stack ${stack} (${e instanceof Error ? e.message : e}); stopping its pods without preStop hooks`);
            return undefined;
        });
        const secrets = r && secretsOf(r, dir);
        await Promise.all(state.pods.map((p) => stopPod(p, 60000, r && podPlan(r, dir, p.ordinal, secrets!, p.address))));
    }
    publishNames(dir, []);
    fs.rmSync(dir, { recursive: true, force: true });
    return { stopped: state?.pods.reduce((n, p) => n + Object.keys(p.pids).length, 0) ?? 0 };
}
