// Runs one rendered Redis pod's redis container as a local process (the seed of local mode):
// ConfigMaps and the Secret become files, the environment is resolved as the kubelet would, and
// the container's own command runs with Debian's redis-server on PATH.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { KubeObject } from "../components/kubernetes/object";
import { mapMountPaths, resolveEnv } from "./kubelet";

export interface LocalPod {
    name: string;
    ip: string;
    root: string;
    env: Record<string, string>;
    process: ChildProcess;
    /** What the containers printed so far. */
    output(): string;
    /** Runs a script of the scripts ConfigMap with the pod's environment. */
    runScript(script: string, ...args: string[]): { status: number | null; stdout: string };
    stop(): Promise<void>;
}

export function startRedisPod(objects: KubeObject[], ordinal: number, ip: string, password: string): LocalPod {
    const sts = objects.find((o) => o.kind === "StatefulSet") as any;
    const podSpec = sts.spec.template.spec;
    const container = podSpec.containers.find((c: any) => c.name === "redis");
    const name = `${sts.metadata.name}-${ordinal}`;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));

    // Volumes: ConfigMaps and the Secret as files, emptyDirs and the data volume as directories.
    const volumeDirs: Record<string, string> = {};
    for (const vol of podSpec.volumes.concat([{ name: "data" }])) {
        const dir = path.join(root, vol.name);
        fs.mkdirSync(dir, { recursive: true });
        const cm = vol.configMap && objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === vol.configMap.name);
        const files: Record<string, string> = cm ? (cm as any).data : vol.secret ? { password } : {};
        for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), content, { mode: 0o600 });
        volumeDirs[vol.name] = dir;
    }
    const mounts: Record<string, string> = {};
    for (const m of container.volumeMounts) mounts[m.mountPath] = volumeDirs[m.name];

    const secret = objects.find((o) => o.kind === "Secret") as any;
    const env = mapMountPaths(resolveEnv(container.env, { name, namespace: sts.metadata.namespace, ip }, {
        secrets: { [secret.metadata.name]: { password } },
        configMaps: {},
    }), mounts);
    const command: string[] = container.command.map((c: string) => mapMountPaths({ c }, mounts).c);
    const proc = spawn(command[0], command.slice(1), { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    proc.stdout!.on("data", (d) => (log += d));
    proc.stderr!.on("data", (d) => (log += d));

    return {
        name, ip, root, env, process: proc,
        output: () => log,
        runScript(script, ...args) {
            const r = spawnSync("sh", [path.join(mounts["/scripts"], script), ...args], { env: { ...process.env, ...env }, encoding: "utf8" });
            return { status: r.status, stdout: r.stdout + r.stderr };
        },
        async stop() {
            if (proc.exitCode !== null) return;
            const exited = new Promise((resolve) => proc.once("exit", resolve));
            proc.kill("SIGTERM");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 15000))]);
            if (proc.exitCode === null) proc.kill("SIGKILL");
        },
    };
}
