// The control plane's processes: started detached (they outlive `npm run kube -- up`), each logging
// to its own file, and stopped by the pid recorded in state.json, never by name.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { RunningProcess } from "./state";

/** Starts `argv` in its own process group with stdout and stderr appended to `log`. */
export function startDetached(argv: string[], log: string, env: NodeJS.ProcessEnv = process.env): RunningProcess {
    // A missing binary would otherwise surface as an unhandled 'error' event after we return.
    fs.accessSync(argv[0], fs.constants.X_OK);
    fs.mkdirSync(path.dirname(log), { recursive: true, mode: 0o700 });
    const fd = fs.openSync(log, "a", 0o600);
    try {
        const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["ignore", fd, fd], env });
        child.on("error", () => undefined);
        if (child.pid === undefined) throw new Error(`could not start ${argv[0]}`);
        child.unref();
        return { pid: child.pid, program: argv[argv[0] === process.execPath ? 1 : 0], log };
    } finally {
        fs.closeSync(fd);
    }
}

/** True when a process was recorded and is still running it (see `alive`). */
export function isRunning(proc: RunningProcess | undefined): proc is RunningProcess {
    return proc !== undefined && alive(proc);
}

/** True when `proc.pid` is alive and still runs the program we started (pids are recycled). */
export function alive(proc: RunningProcess): boolean {
    try {
        const cmdline = fs.readFileSync(`/proc/${proc.pid}/cmdline`, "utf8").split("\0");
        const stat = fs.readFileSync(`/proc/${proc.pid}/stat`, "utf8");
        // A zombie (state Z) has exited; its parent has just not reaped it yet.
        if (/^\d+ \(.*\) Z/.test(stat)) return false;
        return cmdline.includes(proc.program);
    } catch {
        return false;
    }
}

/** The last lines of a log, for an error that says why a process died. */
export function tail(log: string, lines = 15): string {
    if (!fs.existsSync(log)) return "(no log)";
    return fs.readFileSync(log, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone (bounded by grace + 10 s). */
export async function stopProcess(proc: RunningProcess, graceMs: number): Promise<void> {
    if (!alive(proc)) return;
    process.kill(proc.pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (alive(proc) && Date.now() < deadline) await sleep(100);
    if (!alive(proc)) return;
    process.kill(proc.pid, "SIGKILL");
    const killDeadline = Date.now() + 10000;
    while (alive(proc)) {
        if (Date.now() > killDeadline) throw new Error(`pid ${proc.pid} (${proc.program}) survived SIGKILL for 10 s`);
        await sleep(100);
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}
