// `npm run kube -- up|down|status` as functions: the control plane (control-plane.ts), the
// bootstrap objects, the provisioner and the node agent, started in that order, recorded in
// state.json, stopped in reverse by pid.
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../components/package-files";
import { applyBootstrap } from "./bootstrap";
import { ControlPlane, healthChecks, startControlPlane } from "./control-plane";
import { healthy, waitUntil } from "./health";
import { kubectl, kubectlOk } from "./kubectl";
import { pkiPaths } from "./pki";
import { isRunning, startDetached, stopProcess } from "./processes";
import { Component, COMPONENTS, layout, loadState, saveState } from "./state";

export const NODE_AGENT = path.join(packageRoot, "dist", "kube", "node-agent.js");
const PROVISIONER = path.join(packageRoot, "dist", "kube", "provisioner.js");
const ZONE_LABEL = "topology.kubernetes.io/zone";
const NODES_READY_TIMEOUT_MS = 180000;
/** SIGTERM grace per component; the node agent's covers stopping every pod it runs. */
const STOP_GRACE_MS: Record<Component, number> = {
    "node-agent": 120000,
    provisioner: 5000,
    "kube-scheduler": 10000,
    "kube-controller-manager": 10000,
    "kube-apiserver": 30000,
    etcd: 30000,
};

export interface UpResult {
    kubeconfig: string;
    bin: string;
    apiServer: string;
    nodes: { name: string; zone: string }[];
}

/** Starts (or adopts) a detached node process running one of our compiled scripts. */
function ensureScript(cp: ControlPlane, component: Component, script: string, args: string[]): void {
    if (isRunning(cp.state.processes[component])) return;
    cp.state.processes[component] = startDetached([process.execPath, script, ...args], layout(cp.dir).log(component));
    saveState(cp.dir, cp.state);
}

/** The control plane, its bootstrap objects and the provisioner: everything but the nodes. */
export async function upControlPlane(dir: string, bin: string, say: (msg: string) => void = () => undefined): Promise<ControlPlane> {
    const cp = await startControlPlane(dir, bin, say);
    applyBootstrap(bin, cp.adminKubeconfig);
    ensureScript(cp, "provisioner", PROVISIONER, ["--kubeconfig", layout(dir).kubeconfig("provisioner"), "--state", dir]);
    say("bootstrap objects applied, provisioner running");
    return cp;
}

interface NodeFacts {
    name: string;
    zone: string;
    ready: boolean;
}

export function listNodes(bin: string, kubeconfig: string): NodeFacts[] {
    const items = JSON.parse(kubectlOk(bin, kubeconfig, ["get", "nodes", "-o", "json"])).items as any[];
    return items
        .map((n) => ({
            name: n.metadata.name,
            zone: n.metadata.labels?.[ZONE_LABEL] ?? "",
            ready: (n.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"),
        }))
        .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

export async function up(dir: string, bin: string, nodes: number, say: (msg: string) => void): Promise<UpResult> {
    const cp = await upControlPlane(dir, bin, say);
    const running = cp.state.processes["node-agent"];
    if (isRunning(running) && cp.state.nodes !== nodes) {
        throw new Error(`the node agent already runs ${cp.state.nodes} nodes; run \`npm run kube -- down\` before asking for ${nodes}`);
    }
    // Recorded before the agent starts: `status` then holds the cluster to the nodes asked for.
    cp.state.nodes = nodes;
    saveState(dir, cp.state);
    if (!fs.existsSync(NODE_AGENT)) {
        throw new Error(
            `the node agent is missing: ${NODE_AGENT} (built from kube/node-agent.ts) does not exist, so no Node ` +
                `can join. The control plane is running (KUBECONFIG=${cp.adminKubeconfig}); \`npm run kube -- down\` stops it.`,
        );
    }
    ensureScript(cp, "node-agent", NODE_AGENT, ["--kubeconfig", cp.adminKubeconfig, "--state", dir, "--nodes", String(nodes)]);
    const agent = cp.state.processes["node-agent"];
    await waitUntil(
        `${nodes} Ready Nodes`,
        NODES_READY_TIMEOUT_MS,
        async () => {
            const r = kubectl(bin, cp.adminKubeconfig, ["get", "nodes", "-o", "json"]);
            if (r.status !== 0) return { ok: false, detail: r.stderr.trim() };
            const ready = (JSON.parse(r.stdout).items as any[]).filter((n) =>
                (n.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"),
            );
            return { ok: ready.length >= nodes, detail: `${ready.length} Ready` };
        },
        agent,
        500,
    );
    return {
        kubeconfig: cp.adminKubeconfig,
        bin,
        apiServer: cp.apiServer,
        nodes: listNodes(bin, cp.adminKubeconfig).map(({ name, zone }) => ({ name, zone })),
    };
}

export interface Status {
    healthy: boolean;
    lines: string[];
}

export async function status(dir: string): Promise<Status> {
    const state = loadState(dir);
    if (!state) return { healthy: false, lines: [`no cluster: ${dir} holds no state.json (npm run kube -- up starts one)`] };
    const pki = pkiPaths(layout(dir).pki);
    const lines: string[] = [];
    let ok = true;
    for (const [component, { url, tls }] of Object.entries(healthChecks({ state, pki }))) {
        const h = await healthy(url, tls);
        ok &&= h.ok;
        lines.push(`${component}: ${h.ok ? "ok" : `NOT OK (${h.detail})`} pid ${state.processes[component as Component]?.pid ?? "-"}`);
    }
    for (const component of ["provisioner", "node-agent"] as Component[]) {
        // A control plane started without nodes (the integration test) has no agent to check.
        if (component === "node-agent" && state.nodes === undefined) continue;
        const running = isRunning(state.processes[component]);
        ok &&= running;
        lines.push(`${component}: ${running ? "running" : "NOT RUNNING"} pid ${state.processes[component]?.pid ?? "-"}`);
    }
    try {
        const nodes = listNodes(state.bin, layout(dir).adminKubeconfig);
        const notReady = nodes.filter((n) => !n.ready);
        const enough = nodes.length >= (state.nodes ?? 0);
        ok &&= notReady.length === 0 && enough;
        lines.push(
            `nodes: ${nodes.filter((n) => n.ready).length}/${nodes.length} Ready` +
                (enough ? "" : ` (want ${state.nodes})`) +
                (notReady.length ? `; not ready: ${notReady.map((n) => n.name).join(", ")}` : ""),
        );
    } catch (e) {
        ok = false;
        lines.push(`nodes: cannot list (${e instanceof Error ? e.message : e})`);
    }
    return { healthy: ok, lines };
}

/** Stops every recorded process (node agent first, so its pods stop while the API still answers), then removes the state. */
export async function down(dir: string): Promise<{ stopped: string[] }> {
    const state = loadState(dir);
    const stopped: string[] = [];
    for (const component of [...COMPONENTS].reverse()) {
        const proc = state?.processes[component];
        if (!isRunning(proc)) continue;
        await stopProcess(proc, STOP_GRACE_MS[component]);
        stopped.push(`${component} (pid ${proc.pid})`);
    }
    if (fs.existsSync(dir)) {
        // Only a folder that is ours: a mistyped REDIS_KUBE_STATE must not remove anything else.
        if (!state && !fs.existsSync(layout(dir).pki))
            throw new Error(`${dir} does not look like a kube state folder (no state.json, no pki/); not removing it`);
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return { stopped };
}
