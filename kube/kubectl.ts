// The real kubectl, run against one kubeconfig with a bounded time (its own --request-timeout
// bounds each API call, the process timeout bounds waits such as `kubectl wait`).
import { spawnSync } from "child_process";
import * as path from "path";

export interface KubectlResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

export function kubectl(bin: string, kubeconfig: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): KubectlResult {
    const timeout = opts.timeoutMs ?? 60000;
    const r = spawnSync(path.join(bin, "kubectl"), [`--kubeconfig=${kubeconfig}`, "--request-timeout=30s", ...args], {
        input: opts.input,
        encoding: "utf8",
        timeout,
        maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error)
        throw new Error(
            `kubectl ${args.join(" ")}: ${r.error.message}${(r.error as any).code === "ETIMEDOUT" ? ` (after ${timeout / 1000} s)` : ""}`,
        );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** kubectl that must succeed: a failure throws with kubectl's own message. */
export function kubectlOk(bin: string, kubeconfig: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
    const r = kubectl(bin, kubeconfig, args, opts);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.status}): ${r.stderr.trim()}`);
    return r.stdout;
}
