// Starts the deployment's kubelet stand-in (local/kubelet-daemon.ts: probes on schedule,
// restarts), detached, so it outlives the command that started it.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Its pid; it logs to kubelet.log in the deployment's state directory. */
export function startKubelet(stack: string, dir: string): number {
    const log = fs.openSync(path.join(dir, "kubelet.log"), "a");
    const child = spawn(process.execPath, [path.join(__dirname, "kubelet-daemon.js"), stack], {
        cwd: process.cwd(),
        detached: true,
        stdio: ["ignore", log, log],
        env: process.env,
    });
    child.unref();
    fs.closeSync(log);
    return child.pid!;
}
