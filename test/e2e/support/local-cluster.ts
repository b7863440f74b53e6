// The local Kubernetes cluster of `npm run kube`, as the end-to-end suite uses it: brought up once
// (or reused when already running), driven with the real kubectl, and taken down at the end.
import { spawnSync } from "child_process";
import * as path from "path";

const REPO = path.resolve(__dirname, "../../../..");
const CLI = path.join(REPO, "dist/kube/cli.js");

export interface LocalCluster {
    kubeconfig: string;
    bin: string;
    apiServer: string;
    nodes: { name: string; zone: string }[];
}

function kubeCli(args: string[], timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync("node", [CLI, ...args], { cwd: REPO, encoding: "utf8", timeout: timeoutMs, maxBuffer: 32 * 2 ** 20 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** `npm run kube -- up`: its last line is the cluster's JSON. */
export function clusterUp(nodes = 3): LocalCluster {
    const r = kubeCli(["up", "--nodes", String(nodes)], 3_600_000);
    if (r.status !== 0) throw new Error(`kube up exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    const last = r.stdout.trim().split("\n").pop()!;
    return JSON.parse(last);
}

export function clusterDown(): void {
    kubeCli(["down"], 300_000);
}

export function kubectl(cluster: LocalCluster, args: string[], input?: string): string {
    const r = spawnSync(path.join(cluster.bin, "kubectl"), args, {
        encoding: "utf8",
        input,
        timeout: 120_000,
        env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
        maxBuffer: 64 * 2 ** 20,
    });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr || r.error}`);
    return r.stdout;
}

export const kubectlJson = (cluster: LocalCluster, args: string[]): any => JSON.parse(kubectl(cluster, [...args, "-o", "json"]));

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs` with the last reason. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline)
            throw new Error(
                `${what}: not within ${timeoutMs / 1000} s${last ? ` (last: ${last instanceof Error ? last.message : last})` : ""}`,
            );
        await new Promise((r) => setTimeout(r, 500));
    }
}

/** Deletes a namespace and waits until it is gone (the data in it too): what a user does to drop the data. */
export function dropNamespace(cluster: LocalCluster, namespace: string): void {
    kubectl(cluster, ["delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=300s"]);
}
