// Local mode's operations on a whole deployment: up (start or update), status, down. Pods run
// detached, so the deployment outlives the command; state.json remembers their pids.
import * as fs from "fs";
import * as path from "path";
import { TLS_FILES } from "../components/settings/spec";
import { isAlive, runProbe, stopProcess } from "./pod";
import { canPublishNames, publishNames } from "./dns";
import { startPod, stopPod, waitForProbe } from "./pod-lifecycle";
import { enforcePolicies, publishPods } from "./pod-network";
import { podPlan } from "./pod-plans";
import type { ContainerTrack } from "./probe-schedule";
import { LocalPodState, LocalState, loadState, saveState, stateDir } from "./state";
import { secretsOf } from "./secrets";
import { removePolicies } from "./network-policy-enforcement";
import { requireTool } from "./tools";
import { chooseServers, RunningServer, serversOf } from "./server-choice";
import { render } from "./stack-render";
import { planUp } from "./up-plan";
import { pruneDeadDeployments } from "./leftovers";
import { drainBeforePodsChange, form, formationFor } from "./formation-step";
import { startPods } from "./start-pods";
import { rollWorkloads } from "./roll-workloads";
import { startKubelet } from "./kubelet-launch";
import { UpResult, upResult } from "./up-result";

// What other modules and the tests import from here, wherever it now lives.
export { secretsOf } from "./secrets";
export { render, SENTINEL_ADDRESS_OFFSET } from "./stack-render";
export type { Rendered } from "./stack-render";
export { renderPodPlans } from "./pod-plans";
export type { RunningServer } from "./server-choice";
export type { UpResult } from "./up-result";

/** Starts the stack's pods (or applies its current config to a running deployment) and forms the cluster. */
export async function up(stack: string): Promise<UpResult> {
    requireTool("prometheus-redis-exporter");
    const r = await render(stack);
    chooseServers(r);
    const dir = stateDir(stack);
    const password = secretsOf(r, dir);
    if (password[TLS_FILES.ca] !== undefined && !canPublishNames()) {
        throw new Error(
            "TLS is on: clients and the formation provider reach the pods by the DNS names the certificate covers, " +
                "which local mode publishes in /etc/hosts; that needs write access to it (run as root, as CI does)",
        );
    }
    const state: LocalState = loadState(dir) ?? { stack, topology: r.topology, pods: [] };
    pruneDeadDeployments(dir);
    const plan = planUp(r, dir, state, password);
    const formation = formationFor(r, plan.plans, password);
    // Pulumi's order: the drain, then the StatefulSets (pods start, stop and roll), then formation.
    await drainBeforePodsChange(state, formation, password);
    // Kept whatever fails later, as Pulumi keeps each resource's state as it goes.
    saveState(dir, state);
    const pods = await startPods(r, dir, state, plan, password);
    await rollWorkloads(r, dir, state, pods, plan.plans, password);
    if (formation) await form(formation, state, password);
    if (!state.kubeletPid || !isAlive(state.kubeletPid)) state.kubeletPid = startKubelet(stack, dir);
    saveState(dir, state);
    await Promise.all(plan.plans.map((p) => waitForProbe(p, "readiness", 60000)));
    return upResult(stack, r, dir, pods, password);
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
    Object.assign(
        fresh.pods.find((p) => p.name === pod.name)!,
        pod,
    );
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
        const containers = Object.fromEntries(
            Object.entries(p.pids).map(([c, pid]) => [
                c,
                { pid, running: isAlive(pid), restarts: kubelet[`${p.name}/${c}`]?.restarts ?? 0 },
            ]),
        );
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
