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
}

export interface LocalState {
    stack: string;
    topology: string;
    pods: LocalPodState[];
    /** The local kubelet (probes on schedule, restarts). */
    kubeletPid?: number;
    /** The formation provider's outputs (no password), for updates. */
    formation?: { id: string; outs: Record<string, unknown> };
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

/** The deployment's password, generated once (alphanumeric, like the component's). */
export function passwordFile(dir: string): string {
    const file = path.join(dir, "password");
    if (!fs.existsSync(file)) {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        const password = Array.from({ length: 32 }, () => alphabet[crypto.randomInt(alphabet.length)]).join("");
        fs.writeFileSync(file, password, { mode: 0o600 });
    }
    return file;
}

/** Pod `ordinal`'s loopback address: 127.0.0.11, .12, ... ($REDIS_LOCAL_ADDRESS_BASE moves the start). */
export function podAddress(ordinal: number): string {
    const base = (process.env.REDIS_LOCAL_ADDRESS_BASE ?? "127.0.0.11").split(".").map(Number);
    const last = base[3] + ordinal;
    if (last > 254) throw new Error(`no loopback address left for pod ${ordinal} from base ${base.join(".")}`);
    return [...base.slice(0, 3), last].join(".");
}
