// The kubelet of the local cluster's Nodes: registers N Nodes (one zone each) and keeps their
// Leases, runs the pods the real scheduler binds to them as local processes, each pod on its own
// address inside its node's network namespace, reports their status, honours deletion (preStop,
// grace period, SIGKILL, then the final delete), and serves cluster DNS from EndpointSlices.
//
// Usage: node dist/kube/node-agent.js --kubeconfig <file> --state <dir> --nodes <N>
// Runs until SIGTERM or SIGINT, then stops every pod it runs and removes the node networks.
import * as fs from "fs";
import * as path from "path";
import { isStatus, KubeApi } from "./node/api";
import { dnsEntries, publishDns } from "./node/cluster-dns";
import { addPod, createNetwork, nodeNetwork, removeNetwork, removePod } from "./node/network";
import { heartbeat, LocalNode, localNodes, registerNode } from "./node/nodes";
import { PodRuntime } from "./node/pod-runtime";
import { serveKubelet } from "./node/kubelet-server";
import { ensureLeaf, pkiPaths } from "./pki";
import { layout } from "./state";
import { publishNames } from "../local/dns";

const TICK_MS = 500;
const HEARTBEAT_MS = 10_000;

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

function arg(name: string, fallback?: string): string {
    const i = process.argv.indexOf(`--${name}`);
    const value = i >= 0 ? process.argv[i + 1] : fallback;
    if (value === undefined) throw new Error(`--${name} is required`);
    return value;
}

/** Pod addresses per node, handed out round-robin so a recreated pod gets a new one. */
class AddressPool {
    private next = new Map<string, number>();
    private used = new Set<string>();

    take(node: LocalNode): string {
        for (let tries = 0; tries < 253; tries++) {
            const n = this.next.get(node.name) ?? 2;
            this.next.set(node.name, n >= 254 ? 2 : n + 1);
            const address = `198.19.${node.network.index}.${n}`;
            if (!this.used.has(address)) {
                this.used.add(address);
                addPod(address);
                return address;
            }
        }
        throw new Error(`${node.name}: no free pod address`);
    }

    release(address: string): void {
        this.used.delete(address);
        removePod(address);
    }
}

/**
 * Each Node's kubelet API (port-forward), before the Node is registered with its port. The serving
 * certificate names every node's address and is signed by the cluster CA, which the API server
 * checks it against (--kubelet-certificate-authority).
 */
async function serveKubelets(
    stateDir: string,
    nodes: LocalNode[],
    podIp: (node: string, key: string) => string | undefined,
): Promise<void> {
    const pki = pkiPaths(layout(stateDir).pki);
    const serving = ensureLeaf(pki.dir, `kubelet-serving-${nodes.length}`, pki.ca, {
        cn: "local-node-kubelet",
        usages: ["serverAuth"],
        sans: nodes.map((n) => `IP:${n.network.address}`),
    });
    const tls = { cert: fs.readFileSync(serving.cert), key: fs.readFileSync(serving.key), ca: fs.readFileSync(pki.ca.cert) };
    for (const n of nodes) await serveKubelet(n.network.address, tls, (ns, pod) => podIp(n.name, `${ns}/${pod}`), log);
}

async function main(): Promise<void> {
    const api = await KubeApi.fromFile(arg("kubeconfig"));
    const stateDir = path.resolve(arg("state"));
    const nodes = localNodes(Number(arg("nodes", "3")), nodeNetwork);
    createNetwork(nodes.map((n) => n.network));
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const pool = new AddressPool();
    const pods = new Map<string, PodRuntime>();
    await serveKubelets(stateDir, nodes, (node, key) => [...pods.values()].find((rt) => rt.node.name === node && rt.key === key)?.ip);
    for (const n of nodes) await registerNode(api, n);
    log(`registered ${nodes.map((n) => `${n.name} (${n.zone}, ${n.network.address})`).join(", ")}`);

    const stopping = new Set<string>();
    let shuttingDown = false;

    const finish = async (rt: PodRuntime, graceSeconds: number, hooks: boolean) => {
        await rt.stop(graceSeconds, hooks);
        pool.release(rt.ip);
        pods.delete(rt.uid);
    };

    const reconcile = async () => {
        const all = await api.list("/api/v1/pods");
        const mine = all.filter((p) => byName.has(p.spec?.nodeName));
        const seen = new Set(mine.map((p) => p.metadata.uid));
        for (const pod of mine) {
            const uid = pod.metadata.uid;
            let rt = pods.get(uid);
            if (pod.metadata.deletionTimestamp) {
                if (stopping.has(uid)) continue;
                stopping.add(uid);
                const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
                void (async () => {
                    if (rt) {
                        log(`stopping ${rt.key} (grace ${grace} s)`);
                        await finish(rt, grace, true);
                    }
                    // The kubelet's final delete, once the containers are gone.
                    await api
                        .delete(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, {
                            gracePeriodSeconds: 0,
                            preconditions: { uid },
                        })
                        .catch((e) => {
                            if (!isStatus(e, 409)) log(`final delete of ${pod.metadata.name}: ${e.message}`);
                        });
                    stopping.delete(uid);
                })();
                continue;
            }
            if (!rt) {
                if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") continue;
                const node = byName.get(pod.spec.nodeName)!;
                rt = new PodRuntime(api, pod, node, pool.take(node), stateDir);
                pods.set(uid, rt);
                log(`starting ${rt.key} on ${node.name} at ${rt.ip}`);
            }
            await rt.sync(pod).catch((e) => log(`${rt!.key}: ${e.message}`));
        }
        // Pods deleted behind our back (force deletion): their processes end at once.
        for (const [uid, rt] of pods) {
            if (!seen.has(uid) && !stopping.has(uid)) {
                stopping.add(uid);
                log(`${rt.key} is gone from the API: killing it`);
                void finish(rt, 0, false).then(() => stopping.delete(uid));
            }
        }
        publishDns(dnsEntries(await api.list("/apis/discovery.k8s.io/v1/endpointslices")));
    };

    const shutdown = async () => {
        if (shuttingDown) return;
        shuttingDown = true;
        log(`stopping ${pods.size} pods`);
        await Promise.all([...pods.values()].map((rt) => rt.stop(5, false)));
        publishNames("kube", []);
        removeNetwork();
        process.exit(0);
    };
    process.on("SIGTERM", () => void shutdown());
    process.on("SIGINT", () => void shutdown());

    let lastBeat = Date.now();
    fs.writeFileSync(path.join(stateDir, "node-agent.ready"), new Date().toISOString());
    while (!shuttingDown) {
        const started = Date.now();
        await reconcile().catch((e) => log(`reconcile: ${e.message}`));
        if (Date.now() - lastBeat >= HEARTBEAT_MS) {
            lastBeat = Date.now();
            await Promise.all(nodes.map((n) => heartbeat(api, n))).catch((e) => log(`heartbeat: ${e.message}`));
        }
        await new Promise((r) => setTimeout(r, Math.max(50, TICK_MS - (Date.now() - started))));
    }
}

if (require.main === module) {
    main().catch((e) => {
        console.error(`node-agent: ${e instanceof Error ? e.stack : e}`);
        process.exit(1);
    });
}
