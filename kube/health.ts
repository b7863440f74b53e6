// Health endpoints over TLS (verified against our CA) and the one bounded wait every start uses:
// it polls a check, fails fast with the log's tail when the process dies, and names what it
// waited for when the time is up. No fixed sleeps anywhere.
import * as fs from "fs";
import * as https from "https";
import { alive, sleep, tail } from "./processes";
import type { RunningProcess } from "./state";

export interface TlsFiles {
    ca: string;
    cert?: string;
    key?: string;
}

export interface HttpResult {
    status: number;
    body: string;
}

/** One GET, bounded by `timeoutMs`; a network error is a result (status 0), not a throw. */
export function httpsGet(url: string, tls: TlsFiles, timeoutMs = 5000): Promise<HttpResult> {
    return new Promise((resolve) => {
        const req = https.get(
            url,
            {
                ca: fs.readFileSync(tls.ca),
                cert: tls.cert ? fs.readFileSync(tls.cert) : undefined,
                key: tls.key ? fs.readFileSync(tls.key) : undefined,
                timeout: timeoutMs,
            },
            (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (d) => (body += d));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
                res.on("error", (e) => resolve({ status: 0, body: e.message }));
            },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
        req.on("error", (e) => resolve({ status: 0, body: e.message }));
    });
}

/** True when GET `url` answers 200 with body "ok" (readyz/healthz) or etcd's {"health":"true"}. */
export async function healthy(url: string, tls: TlsFiles): Promise<{ ok: boolean; detail: string }> {
    const r = await httpsGet(url, tls);
    const ok = r.status === 200 && (r.body.trim() === "ok" || /"health":\s*"true"/.test(r.body));
    return { ok, detail: r.status === 0 ? r.body : `HTTP ${r.status}: ${r.body.trim().slice(0, 300)}` };
}

/**
 * Polls `check` every `intervalMs` until it returns ok, for at most `timeoutMs`. When `proc` is given
 * and dies meanwhile, fails at once with its log's tail.
 */
export async function waitUntil(
    what: string,
    timeoutMs: number,
    check: () => Promise<{ ok: boolean; detail: string }>,
    proc?: RunningProcess,
    intervalMs = 250,
): Promise<number> {
    const started = Date.now();
    for (;;) {
        const r = await check();
        if (r.ok) return Date.now() - started;
        if (proc && !alive(proc)) {
            throw new Error(`${what}: ${proc.program} (pid ${proc.pid}) exited; last lines of ${proc.log}:\n${tail(proc.log)}`);
        }
        if (Date.now() - started > timeoutMs) {
            throw new Error(
                `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what} (last: ${r.detail})` +
                    (proc ? `; see ${proc.log}` : ""),
            );
        }
        await sleep(intervalMs);
    }
}
