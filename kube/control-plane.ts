// Starts the real control plane on loopback: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler, each detached with its own log, certificates and kubeconfig, each waited on
// through its health endpoint (bounded). A component already running (same pid, same program)
// is adopted rather than started again, so `up` twice is harmless and `up` heals a dead one.
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { stringify } from "yaml";
import { healthy, TlsFiles, waitUntil } from "./health";
import { writeKubeconfig } from "./kubeconfig";
import { ensurePki, Pki, PROVISIONER_USER } from "./pki";
import { isRunning, startDetached } from "./processes";
import { Component, KubeState, layout, loadState, Ports, saveState } from "./state";

/**
 * Service ClusterIPs come from 198.18.0.0/15 (RFC 2544 benchmarking space, never a real private
 * range), its upper half, so pod addresses in network namespaces can use the lower one.
 */
export const SERVICE_CIDR = "198.18.128.0/20";
/** The `kubernetes` Service's ClusterIP: the range's first address (it is in the serving cert). */
export const KUBERNETES_SERVICE_IP = "198.18.128.1";
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/** How long each component may take to report healthy on a busy 2-core machine. */
const START_TIMEOUT_MS: Record<string, number> = {
    etcd: 120000,
    "kube-apiserver": 300000,
    "kube-controller-manager": 180000,
    "kube-scheduler": 180000,
};

export interface ControlPlane {
    dir: string;
    bin: string;
    apiServer: string;
    adminKubeconfig: string;
    pki: Pki;
    state: KubeState;
}

/** `count` distinct free ports on 127.0.0.1 (all held open until every one is chosen). */
async function freePorts(count: number): Promise<number[]> {
    const servers = await Promise.all(
        Array.from(
            { length: count },
            () =>
                new Promise<net.Server>((resolve, reject) => {
                    const s = net.createServer();
                    s.once("error", reject);
                    s.listen(0, "127.0.0.1", () => resolve(s));
                }),
        ),
    );
    const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return ports;
}

export async function allocatePorts(): Promise<Ports> {
    const [etcdClient, etcdPeer, apiServer, controllerManager, scheduler] = await freePorts(5);
    return { etcdClient, etcdPeer, apiServer, controllerManager, scheduler };
}

function etcdArgs(bin: string, dir: string, ports: Ports, pki: Pki): string[] {
    const client = `https://127.0.0.1:${ports.etcdClient}`;
    // One member: the peer listener carries no traffic, so it stays plain HTTP on loopback.
    const peer = `http://127.0.0.1:${ports.etcdPeer}`;
    return [
        path.join(bin, "etcd"),
        "--name=redis-kube",
        `--data-dir=${layout(dir).etcdData}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=redis-kube=${peer}`,
        "--initial-cluster-state=new",
        `--cert-file=${pki.etcdServer.cert}`,
        `--key-file=${pki.etcdServer.key}`,
        "--client-cert-auth=true",
        `--trusted-ca-file=${pki.ca.cert}`,
        "--log-level=warn",
    ];
}

export function apiServerArgs(bin: string, ports: Ports, pki: Pki): string[] {
    return [
        path.join(bin, "kube-apiserver"),
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${ports.apiServer}`,
        `--etcd-servers=https://127.0.0.1:${ports.etcdClient}`,
        `--etcd-cafile=${pki.ca.cert}`,
        `--etcd-certfile=${pki.apiServerEtcdClient.cert}`,
        `--etcd-keyfile=${pki.apiServerEtcdClient.key}`,
        `--tls-cert-file=${pki.apiServer.cert}`,
        `--tls-private-key-file=${pki.apiServer.key}`,
        `--client-ca-file=${pki.ca.cert}`,
        "--authorization-mode=Node,RBAC",
        // The default plugins (PodSecurity, ServiceAccount, DefaultStorageClass, PersistentVolumeClaimResize,
        // ResourceQuota, the webhooks, ...) stay on; NodeRestriction is added as kubeadm does.
        "--enable-admission-plugins=NodeRestriction",
        // PodTopologyLabels (on by default in the plugin list) copies the node's zone label onto each
        // pod at binding, so the Downward API can give a pod its zone (Valkey's availability-zone);
        // alpha in 1.34, on by default from 1.35.
        "--feature-gates=PodTopologyLabelsAdmission=true",
        // Privileged pods are then refused by PodSecurity per namespace, as on a real cluster, not globally.
        "--allow-privileged=true",
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${pki.serviceAccount.pub}`,
        `--service-account-signing-key-file=${pki.serviceAccount.key}`,
        // The advertise address is 127.0.0.1, and Endpoints/EndpointSlice validation refuses loopback
        // (ValidateEndpointIP: "may not be in the loopback range"): the lease reconciler would fail on
        // every sync. With no reconciler the `kubernetes` Service simply has no endpoints.
        "--endpoint-reconciler-type=none",
        `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
        "--requestheader-allowed-names=front-proxy-client",
        "--requestheader-username-headers=X-Remote-User",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
        `--proxy-client-key-file=${pki.frontProxyClient.key}`,
        // Port-forward: the API server reaches each Node's kubelet API (the node agent) at its
        // InternalIP, the only address it can dial (the Hostname address is a name in no resolver),
        // as kube-apiserver-kubelet-client, and checks the node's serving certificate against the CA.
        "--kubelet-preferred-address-types=InternalIP",
        `--kubelet-client-certificate=${pki.apiServerKubeletClient.cert}`,
        `--kubelet-client-key=${pki.apiServerKubeletClient.key}`,
        `--kubelet-certificate-authority=${pki.ca.cert}`,
        "--profiling=false",
    ];
}

function controllerManagerArgs(bin: string, dir: string, ports: Ports, pki: Pki): string[] {
    const kubeconfig = layout(dir).kubeconfig("kube-controller-manager");
    return [
        path.join(bin, "kube-controller-manager"),
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.controllerManager}`,
        `--tls-cert-file=${pki.controllerManagerServing.cert}`,
        `--tls-private-key-file=${pki.controllerManagerServing.key}`,
        `--client-ca-file=${pki.ca.cert}`,
        `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
        // Every default controller: statefulset, job, cronjob, endpointslice, persistentvolume-binder,
        // persistentvolume-expander, namespace, garbage collector, serviceaccount-token, nodelifecycle, ...
        "--controllers=*",
        "--cluster-name=redis-kube",
        `--cluster-signing-cert-file=${pki.ca.cert}`,
        `--cluster-signing-key-file=${pki.ca.key}`,
        `--root-ca-file=${pki.ca.cert}`,
        `--service-account-private-key-file=${pki.serviceAccount.key}`,
        // Each controller acts as its own service account, so RBAC applies to it as on a real cluster.
        "--use-service-account-credentials=true",
        // Pods take loopback addresses from the node agent, not CIDRs from the controller; no cloud provider.
        "--allocate-node-cidrs=false",
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        // One instance: leader election would only delay a restart by the old lease's lifetime.
        "--leader-elect=false",
        "--profiling=false",
    ];
}

function schedulerArgs(bin: string, dir: string, ports: Ports, pki: Pki): string[] {
    const kubeconfig = layout(dir).kubeconfig("kube-scheduler");
    const config = path.join(layout(dir).config, "kube-scheduler.yaml");
    fs.writeFileSync(
        config,
        stringify({
            apiVersion: "kubescheduler.config.k8s.io/v1",
            kind: "KubeSchedulerConfiguration",
            clientConnection: { kubeconfig },
            leaderElection: { leaderElect: false },
            enableProfiling: false,
        }),
    );
    return [
        path.join(bin, "kube-scheduler"),
        `--config=${config}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.scheduler}`,
        `--tls-cert-file=${pki.schedulerServing.cert}`,
        `--tls-private-key-file=${pki.schedulerServing.key}`,
        `--client-ca-file=${pki.ca.cert}`,
        `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
    ];
}

/** Each component's health URL and the TLS identity that asks. */
export function healthChecks(cp: { state: KubeState; pki: Pki }): Record<string, { url: string; tls: TlsFiles }> {
    const { ports } = cp.state;
    const ca = cp.pki.ca.cert;
    return {
        etcd: { url: `https://127.0.0.1:${ports.etcdClient}/health`, tls: { ca, ...cp.pki.apiServerEtcdClient } },
        "kube-apiserver": { url: `https://127.0.0.1:${ports.apiServer}/readyz`, tls: { ca, ...cp.pki.admin } },
        // /healthz is in both components' always-allowed paths: no credentials needed.
        "kube-controller-manager": { url: `https://127.0.0.1:${ports.controllerManager}/healthz`, tls: { ca } },
        "kube-scheduler": { url: `https://127.0.0.1:${ports.scheduler}/healthz`, tls: { ca } },
    };
}

/** Starts (or adopts) etcd, the API server, the controller-manager and the scheduler; resolves once all are healthy. */
export async function startControlPlane(dir: string, bin: string, say: (msg: string) => void = () => undefined): Promise<ControlPlane> {
    const l = layout(dir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const state: KubeState = loadState(dir) ?? { bin, ports: await allocatePorts(), processes: {} };
    state.bin = bin;
    saveState(dir, state);
    const pki = ensurePki(l.pki, KUBERNETES_SERVICE_IP);
    const apiServer = `https://127.0.0.1:${state.ports.apiServer}`;
    writeKubeconfig(l.adminKubeconfig, apiServer, pki.ca.cert, "kubernetes-admin", pki.admin);
    writeKubeconfig(
        l.kubeconfig("kube-controller-manager"),
        apiServer,
        pki.ca.cert,
        "system:kube-controller-manager",
        pki.controllerManager,
    );
    writeKubeconfig(l.kubeconfig("kube-scheduler"), apiServer, pki.ca.cert, "system:kube-scheduler", pki.scheduler);
    writeKubeconfig(l.kubeconfig("provisioner"), apiServer, pki.ca.cert, PROVISIONER_USER, pki.provisioner);
    const checks = healthChecks({ state, pki });
    const argv: Record<string, () => string[]> = {
        etcd: () => etcdArgs(bin, dir, state.ports, pki),
        "kube-apiserver": () => apiServerArgs(bin, state.ports, pki),
        "kube-controller-manager": () => controllerManagerArgs(bin, dir, state.ports, pki),
        "kube-scheduler": () => schedulerArgs(bin, dir, state.ports, pki),
    };
    for (const component of Object.keys(argv) as Component[]) {
        const started = Date.now();
        let proc = state.processes[component];
        if (!isRunning(proc)) {
            proc = startDetached(argv[component](), l.log(component));
            state.processes[component] = proc;
            saveState(dir, state);
        }
        const { url, tls } = checks[component];
        await waitUntil(`${component} at ${url}`, START_TIMEOUT_MS[component], () => healthy(url, tls), proc);
        say(`${component} healthy (pid ${proc.pid}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    return { dir, bin, apiServer, adminKubeconfig: l.adminKubeconfig, pki, state };
}
