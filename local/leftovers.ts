// What a local-mode run killed before its `down` leaves behind, found before the next `up` starts
// pods: its /etc/hosts block and nftables table, which would answer for or police the same names and
// addresses, and its processes, which would keep serving the addresses with their own passwords.
// Each showed up as a confusing failure of a later test (WRONGPASS, names resolving to old
// addresses, traffic dropped); `up` now cleans what is dead and refuses what still runs.
import { spawnSync } from "child_process";
import * as path from "path";
import { publishedDeployments, publishNames } from "./dns";
import { removePolicies } from "./network-policy-enforcement";
import { isAlive } from "./pod";
import { progress } from "./pod-lifecycle";
import { loadState } from "./state";

/** Whether the deployment in `dir` still has a live process (a pod's or its kubelet's). */
function runs(dir: string): boolean {
    const state = loadState(dir);
    if (!state) return false;
    const pids = [...state.pods.flatMap((p) => Object.values(p.pids)), ...(state.kubeletPid ? [state.kubeletPid] : [])];
    return pids.some(isAlive);
}

/** Drops the hosts block and nftables table of every other local deployment with nothing left running. */
export function pruneDeadDeployments(current: string): string[] {
    const dead = publishedDeployments().filter((id) => path.isAbsolute(id) && path.resolve(id) !== path.resolve(current) && !runs(id));
    for (const dir of dead) {
        progress(`removing what a stopped local deployment left behind: its /etc/hosts block and nftables table (${dir})`);
        publishNames(dir, []);
        removePolicies(dir);
    }
    return dead;
}

/** The processes listening on `ip` (any port), from the kernel's socket table. */
export function listenersOn(ip: string): { pid: number; command: string }[] {
    const out = spawnSync("ss", ["-Hltnp", `src ${ip}`], { encoding: "utf8" }).stdout ?? "";
    const seen = new Map([...out.matchAll(/\("([^"]+)",pid=(\d+)/g)].map((m) => [Number(m[2]), m[1]]));
    return [...seen].map(([pid, command]) => ({ pid, command }));
}

/**
 * Refuses to start pods on addresses that processes other than `own` (this deployment's) serve:
 * a pod of a killed run, or of another deployment, would answer in the new pod's place with its
 * own data and passwords.
 */
export function refuseTakenAddresses(pods: { name: string; ip: string }[], own: Set<number>): void {
    const taken = pods.map((p) => ({ ...p, by: listenersOn(p.ip).filter((l) => !own.has(l.pid)) })).filter((p) => p.by.length > 0);
    if (taken.length === 0) return;
    throw new Error(
        "cannot start pods on addresses that other processes serve: " +
            taken.map((p) => `${p.name} at ${p.ip} (${p.by.map((l) => `pid ${l.pid} ${l.command}`).join(", ")})`).join("; ") +
            ". A local-mode run killed before its `down` leaves its pods running: `npm run local -- down` its stack, " +
            "or stop those processes, then run up again.",
    );
}
