// Finds the real engines: tools/engines/build.sh builds them from their Go modules once per version
// and prints the bin folder last (instant when cached). $REDIS_KUBE_BIN points at a folder instead.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../components/package-files";

export const CONTROL_PLANE_BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"];

/** A cold build compiles Kubernetes on this machine: it is long, but not unbounded. */
const BUILD_TIMEOUT_MS = 3 * 60 * 60 * 1000;

export function locateBin(): string {
    let bin = process.env.REDIS_KUBE_BIN;
    if (!bin) {
        const script = path.join(packageRoot, "tools", "engines", "build.sh");
        if (!fs.existsSync(script))
            throw new Error(
                `${script} is missing: it builds etcd and Kubernetes (or set REDIS_KUBE_BIN to a folder holding ${CONTROL_PLANE_BINARIES.join(", ")})`,
            );
        // stderr passes through: a cold build reports its progress there.
        const r = spawnSync("bash", [script, "--quiet"], {
            cwd: packageRoot,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
            timeout: BUILD_TIMEOUT_MS,
        });
        if (r.error) throw new Error(`tools/engines/build.sh: ${r.error.message}`);
        if (r.status !== 0) throw new Error(`tools/engines/build.sh exited with ${r.status}`);
        bin = r.stdout.trim().split("\n").pop() ?? "";
    }
    bin = path.resolve(bin);
    const missing = CONTROL_PLANE_BINARIES.filter((b) => {
        try {
            fs.accessSync(path.join(bin!, b), fs.constants.X_OK);
            return false;
        } catch {
            return true;
        }
    });
    if (missing.length > 0) throw new Error(`${bin} lacks ${missing.join(", ")}: run bash tools/engines/build.sh`);
    return bin;
}
