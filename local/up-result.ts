// What `npm run local -- up` prints last (docs: the DESIGN contract): how clients reach the
// deployment, and every pod with its processes.
import { passwordKey, PORTS, TLS_FILES, USERS } from "../components/settings/spec";
import { podName } from "./pod-plans";
import { RunningServer, serversOf } from "./server-choice";
import type { Rendered } from "./stack-render";
import { LocalPodState, secretFile } from "./state";

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

export function upResult(stack: string, r: Rendered, dir: string, pods: LocalPodState[], password: Record<string, string>): UpResult {
    const sentinels = pods.filter((p) => p.statefulSet !== undefined);
    const tlsOn = password[TLS_FILES.ca] !== undefined;
    return {
        stack,
        topology: r.topology,
        // Over TLS, clients reach pods by the names the certificate covers (and the nodes announce).
        seeds: pods.filter((p) => p.statefulSet === undefined).map((p) => `${tlsOn ? podName(r, p) : p.address}:${PORTS.redis}`),
        user: USERS.app,
        passwordFile: secretFile(dir, passwordKey("app")),
        tls: tlsOn,
        ...(tlsOn ? { caFile: secretFile(dir, TLS_FILES.ca) } : {}),
        pods: pods.map((p) => ({ name: p.name, address: p.address, host: podName(r, p), pids: p.pids, servers: serversOf(p.pids) })),
        ...(r.topology === "sentinel"
            ? { sentinels: sentinels.map((p) => `${p.address}:${PORTS.sentinel}`), masterName: r.masterName }
            : {}),
    };
}
