// Starts the client programs of bench/soak/ as processes of their own (so that nothing this
// process does, such as running a hook with spawnSync, can pause them) and collects their
// reports: soak writers (a real client library with the README's settings) and the redirect
// probe (a client that learns owners only from MOVED).
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { packageRoot } from "../components/package-files";
import type { SoakReport } from "./soak/recorder";

/**
 * "ioredis" and "redis-py" with the README's settings; "ioredis autopipelining" adds
 * enableAutoPipelining, which the README recommended before the handover benchmark showed that
 * ioredis then passes MOVED errors to the application instead of following them.
 */
export type SoakClient = "ioredis" | "redis-py" | "ioredis autopipelining";
export const SOAK_CLIENTS: SoakClient[] = ["ioredis", "redis-py", "ioredis autopipelining"];

export interface RedirectReport {
    moved: { key: string; from: string; to: string }[];
    unreachable: { key: string; node: string; error: string }[];
    acknowledged: number;
}

/** A client program that prints "ready" once it works and one JSON line when sent SIGTERM. */
export class ClientProcess<Report> {
    private readonly child: ChildProcess;
    private output = "";
    private readonly exited: Promise<number | null>;

    /** The password goes through the environment, never the command line. */
    constructor(argv: string[], password: string) {
        this.child = spawn(argv[0], argv.slice(1), {
            env: { ...process.env, REDIS_PASSWORD: password },
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.child.stdout!.on("data", (d) => {
            this.output += d;
        });
        this.child.stderr!.on("data", (d) => {
            this.output += d;
        });
        this.exited = new Promise((r) => this.child.on("exit", r));
    }

    async ready(timeoutMs = 20000): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        while (!/^ready$/m.test(this.output)) {
            if (this.child.exitCode !== null || Date.now() > deadline)
                throw new Error(`${this.child.spawnfile} did not start: ${this.output}`);
            await new Promise((r) => setTimeout(r, 20));
        }
    }

    async stop(): Promise<Report> {
        this.child.kill("SIGTERM");
        const code = await this.exited;
        const line = this.output.split("\n").find((l) => l.startsWith("{"));
        if (code !== 0 || !line) throw new Error(`${this.child.spawnfile} exited ${code}: ${this.output}`);
        return JSON.parse(line) as Report;
    }
}

const compiled = (file: string) => [process.execPath, path.join(packageRoot, "dist", "bench", "soak", file)];

/** A soak writer: the keys in turn, one SET at a time per writer, until stopped. */
export function soak(client: SoakClient, seeds: string[], user: string, password: string, keys: string[]): ClientProcess<SoakReport> {
    // Debian's python3-redis is importable only from /usr/bin/python3.
    const program =
        client === "redis-py"
            ? ["/usr/bin/python3", path.join(packageRoot, "bench", "soak", "redis-py-soak.py")]
            : compiled("ioredis-soak.js");
    const options = client === "ioredis autopipelining" ? ["autopipelining"] : [];
    return new ClientProcess<SoakReport>([...program, seeds.join(","), user, keys.join(","), ...options], password);
}

/** The redirect probe: writes each key every `intervalMs` to the node it believes owns it. */
export function redirectProbe(
    seed: string,
    user: string,
    password: string,
    keys: string[],
    intervalMs: number,
): ClientProcess<RedirectReport> {
    return new ClientProcess<RedirectReport>([...compiled("redirect-probe.js"), seed, user, keys.join(","), String(intervalMs)], password);
}
