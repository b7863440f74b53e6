// Locates the real tools local mode and the tests drive, or fails with the command that installs them.
import { spawnSync } from "child_process";

const APT: Record<string, string> = {
    "redis-server": "redis-server",
    "redis-cli": "redis-tools",
    "redis-sentinel": "redis-sentinel",
    shellcheck: "shellcheck",
    promtool: "prometheus",
    "prometheus-redis-exporter": "prometheus-redis-exporter",
};

export function requireTool(name: string): string {
    const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    const path = found.stdout.trim();
    if (found.status !== 0 || !path) {
        throw new Error(
            `${name} is not installed: run \`apt-get update && apt-get install -y ${APT[name] ?? name}\` (or bash .ci/run, which installs everything)`,
        );
    }
    return path;
}
