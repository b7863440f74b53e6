// Where `npm run kube` keeps a cluster: .local/kube/ in the repository (or $REDIS_KUBE_STATE),
// holding state.json (ports, pids), the PKI, kubeconfigs, etcd's data, logs and the volumes the
// provisioner hands out. Never committed (.local/ is gitignored).
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../components/package-files";

/** The processes `up` starts, in start order; `down` stops them in reverse. */
export const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "provisioner", "node-agent"] as const;
export type Component = (typeof COMPONENTS)[number];

export interface Ports {
    etcdClient: number;
    etcdPeer: number;
    apiServer: number;
    controllerManager: number;
    scheduler: number;
}

export interface RunningProcess {
    pid: number;
    /** The program the pid ran (argv[0] or the script): a stop checks it so a recycled pid is never signalled. */
    program: string;
    log: string;
}

export interface KubeState {
    bin: string;
    ports: Ports;
    processes: Partial<Record<Component, RunningProcess>>;
    /** Node count the node agent was started with. */
    nodes?: number;
}

export function stateDir(): string {
    return path.resolve(process.env.REDIS_KUBE_STATE ?? path.join(packageRoot, ".local", "kube"));
}

/** Every path inside a state dir, named once. */
export function layout(dir: string) {
    return {
        dir,
        stateFile: path.join(dir, "state.json"),
        pki: path.join(dir, "pki"),
        etcdData: path.join(dir, "etcd"),
        logs: path.join(dir, "logs"),
        volumes: path.join(dir, "volumes"),
        config: path.join(dir, "config"),
        adminKubeconfig: path.join(dir, "admin.kubeconfig"),
        kubeconfig: (component: string) => path.join(dir, "config", `${component}.kubeconfig`),
        log: (component: string) => path.join(dir, "logs", `${component}.log`),
    };
}

export function loadState(dir: string): KubeState | undefined {
    const file = layout(dir).stateFile;
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

/** Written after every process start, so a `down` after a failed `up` still finds every pid. */
export function saveState(dir: string, state: KubeState): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = layout(dir).stateFile;
    fs.writeFileSync(file + ".tmp", JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
    fs.renameSync(file + ".tmp", file);
}
