// Where local mode keeps a deployment: .local/<stack>/ (or $REDIS_LOCAL_STATE_DIR/<stack>/),
// holding state.json, the generated password and each pod's volumes and logs. Never committed.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export interface LocalPodState {
    name: string;
    /** The pod's StatefulSet when it is not the Redis pods' (the Sentinels'). */
    statefulSet?: string;
    ordinal: number;
    address: string;
    root: string;
    /** Container name -> pid. */
    pids: Record<string, number>;
    /** The StatefulSet revision (pod template hash) the pod runs. */
    revision?: string;
    /** Pids of a stop a rolling update began but may not have finished. */
    stopping?: Record<string, number>;
}

export interface LocalState {
    stack: string;
    topology: string;
    pods: LocalPodState[];
    /** The local kubelet (probes on schedule, restarts). */
    kubeletPid?: number;
    /** The formation provider's outputs (no password), for updates. */
    formation?: { id: string; outs: Record<string, unknown> };
    /** The drain step's inputs (no password) as of its last run, which Pulumi keeps as the drain resource's state. */
    drain?: Record<string, unknown>;
}

export function stateDir(stack: string, cwd = process.cwd()): string {
    return path.join(process.env.REDIS_LOCAL_STATE_DIR ?? path.join(cwd, ".local"), stack);
}

export function loadState(dir: string): LocalState | undefined {
    const file = path.join(dir, "state.json");
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

export function saveState(dir: string, state: LocalState): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
}

/** Where local mode keeps the value of Secret key `key` (one file each, mode 600). */
export function secretFile(dir: string, key: string): string {
    return path.join(dir, "secrets", key);
}

/**
 * The deployment's Secret values, one per key (`<user>-password`, ...): each generated once,
 * alphanumeric like the component's, and kept for the deployment's life.
 */
export function localSecrets(dir: string, keys: string[]): Record<string, string> {
    fs.mkdirSync(path.join(dir, "secrets"), { recursive: true, mode: 0o700 });
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const values: Record<string, string> = {};
    for (const key of keys) {
        const file = secretFile(dir, key);
        if (!fs.existsSync(file)) {
            fs.writeFileSync(file, Array.from({ length: 32 }, () => alphabet[crypto.randomInt(alphabet.length)]).join(""), { mode: 0o600 });
        }
        values[key] = fs.readFileSync(file, "utf8");
    }
    return values;
}

/** Job pods get an address of their own, well above the Redis pods'. */
export const JOB_ADDRESS_ORDINAL = 40;
/** The name Job pods go by in NetworkPolicy enforcement (they share one address and cgroup). */
export const JOB_POD_NAME = "jobs";

/** Pod `ordinal`'s loopback address: 127.0.0.11, .12, ... ($REDIS_LOCAL_ADDRESS_BASE moves the start). */
export function podAddress(ordinal: number): string {
    const base = (process.env.REDIS_LOCAL_ADDRESS_BASE ?? "127.0.0.11").split(".").map(Number);
    const last = base[3] + ordinal;
    if (last > 254) throw new Error(`no loopback address left for pod ${ordinal} from base ${base.join(".")}`);
    return [...base.slice(0, 3), last].join(".");
}
