// Probes and hooks as the kubelet runs them: exec (inside the pod's network namespace), httpGet and
// tcpSocket against the pod's address, each bounded by its timeoutSeconds.
import * as http from "http";
import * as net from "net";
import { run } from "./network";

export interface KubeProbe {
    periodSeconds: number;
    failureThreshold: number;
    timeoutSeconds: number;
    initialDelaySeconds: number;
    exec?: string[];
    http?: { port: number; path: string };
    tcp?: { port: number };
}

/** Pure: a container's probe spec, its named ports resolved, exec paths mapped by `local`. */
export function kubeProbe(spec: any, container: any, local: (argv: string[]) => string[]): KubeProbe | undefined {
    if (!spec) return undefined;
    const port = (p: number | string): number => {
        if (typeof p === "number") return p;
        const named = (container.ports ?? []).find((x: any) => x.name === p);
        if (!named) throw new Error(`container ${container.name}: probe names port ${p}, which it does not declare`);
        return named.containerPort;
    };
    return {
        periodSeconds: spec.periodSeconds ?? 10,
        failureThreshold: spec.failureThreshold ?? 3,
        timeoutSeconds: spec.timeoutSeconds ?? 1,
        initialDelaySeconds: spec.initialDelaySeconds ?? 0,
        exec: spec.exec ? local(spec.exec.command) : undefined,
        http: spec.httpGet ? { port: port(spec.httpGet.port), path: spec.httpGet.path ?? "/" } : undefined,
        tcp: spec.tcpSocket ? { port: port(spec.tcpSocket.port) } : undefined,
    };
}

export async function runKubeProbe(
    p: KubeProbe,
    ip: string,
    inPod: (argv: string[]) => string[],
    env: NodeJS.ProcessEnv,
): Promise<{ ok: boolean; output: string }> {
    const timeoutMs = p.timeoutSeconds * 1000;
    if (p.exec) {
        const r = await run(inPod(p.exec), env, timeoutMs);
        return { ok: r.code === 0, output: r.output.trim() };
    }
    if (p.http) return httpProbe(ip, p.http.port, p.http.path, timeoutMs);
    if (p.tcp) return tcpProbe(ip, p.tcp.port, timeoutMs);
    return { ok: true, output: "" };
}

function httpProbe(host: string, port: number, path: string, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
    return new Promise((resolve) => {
        const req = http.get({ host, port, path, timeout: timeoutMs }, (res) => {
            res.resume();
            const status = res.statusCode ?? 0;
            resolve({ ok: status >= 200 && status < 400, output: `HTTP ${status}` });
        });
        req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
        req.on("error", (e) => resolve({ ok: false, output: e.message }));
    });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
    return new Promise((resolve) => {
        const s = net.connect({ host, port, timeout: timeoutMs }, () => {
            s.destroy();
            resolve({ ok: true, output: "connected" });
        });
        s.on("timeout", () => s.destroy(new Error(`no answer in ${timeoutMs} ms`)));
        s.on("error", (e) => resolve({ ok: false, output: e.message }));
    });
}
