// One pod bound to one of the agent's nodes, run as the kubelet runs it: volumes, then init
// containers in order, then the containers, restarted by the pod's restartPolicy; probes on
// schedule; status written back to the API server whenever it changes.
import * as fs from "fs";
import * as path from "path";
import { mapMountPaths } from "../../local/kubelet";
import { planContainer } from "../../local/pod";
import type { ProbeKind } from "../../local/probe-schedule";
import { KubeApi } from "./api";
import { Container } from "./container";
import { inPod } from "./network";
import type { LocalNode } from "./nodes";
import { podStatus, PodView } from "./pod-status";
import { kubeProbe } from "./probes";
import { volumeContent, writeFiles } from "./volumes";

/** How often mounted ConfigMaps and Secrets are brought up to date (the kubelet's sync is about a minute). */
const VOLUME_SYNC_MS = 5000;

export class PodRuntime {
    private inits: Container[] = [];
    private containers: Container[] = [];
    private planned = false;
    private pendingReason?: string;
    private lastVolumeSync = 0;
    private hostDirs: Record<string, string> = {};
    private lastStatus = "";
    private stopped = false;
    readonly startTime = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    readonly root: string;

    constructor(
        private readonly api: KubeApi,
        private pod: any,
        readonly node: LocalNode,
        readonly ip: string,
        stateDir: string,
    ) {
        this.root = path.join(stateDir, "pods", `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid.slice(0, 8)}`);
        fs.mkdirSync(path.join(this.root, "volumes"), { recursive: true });
    }

    get uid(): string {
        return this.pod.metadata.uid;
    }
    get key(): string {
        return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
    }

    private volumeDir = (name: string): string => this.hostDirs[name] ?? path.join(this.root, "volumes", name);

    /** Brings the volumes up to date; false while one is not available yet. */
    private async syncVolumes(): Promise<boolean> {
        if (Date.now() - this.lastVolumeSync < VOLUME_SYNC_MS && this.planned) return true;
        this.lastVolumeSync = Date.now();
        for (const v of this.pod.spec.volumes ?? []) {
            const content = await volumeContent(this.api, this.pod, v);
            if ("waiting" in content) {
                if (!this.planned) this.pendingReason = content.waiting;
                return this.planned;
            }
            const dir = path.join(this.root, "volumes", v.name);
            if ("files" in content) writeFiles(dir, content.files);
            else if ("hostDir" in content) this.hostDirs[v.name] = content.hostDir;
            else fs.mkdirSync(dir, { recursive: true });
        }
        return true;
    }

    /** Resolves every container's environment and command, as the kubelet does before starting it. */
    private async plan(): Promise<void> {
        const spec = this.pod.spec;
        const sources = { secrets: {} as Record<string, Record<string, string>>, configMaps: {} as Record<string, Record<string, string>> };
        const ns = this.pod.metadata.namespace;
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
            for (const e of c.env ?? []) {
                const s = e.valueFrom?.secretKeyRef?.name;
                const m = e.valueFrom?.configMapKeyRef?.name;
                if (s && !sources.secrets[s]) {
                    const obj = await this.api.get(`/api/v1/namespaces/${ns}/secrets/${s}`);
                    if (obj)
                        sources.secrets[s] = Object.fromEntries(
                            Object.entries(obj.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), "base64").toString("utf8")]),
                        );
                }
                if (m && !sources.configMaps[m]) {
                    const obj = await this.api.get(`/api/v1/namespaces/${ns}/configmaps/${m}`);
                    if (obj) sources.configMaps[m] = obj.data ?? {};
                }
            }
        }
        const identity = {
            name: this.pod.metadata.name,
            namespace: ns,
            ip: this.ip,
            uid: this.uid,
            nodeName: this.node.name,
            hostIP: this.node.network.address,
            serviceAccountName: spec.serviceAccountName,
            labels: this.pod.metadata.labels ?? {},
        };
        const make = (c: any) => {
            const plan = planContainer(c, identity, this.volumeDir, sources);
            const mounts: Record<string, string> = {};
            for (const m of c.volumeMounts ?? []) mounts[m.mountPath] = this.volumeDir(m.name);
            const local = (argv: string[]) => argv.map((a) => mapMountPaths({ a }, mounts).a);
            const probes: Partial<Record<ProbeKind, ReturnType<typeof kubeProbe>>> = {
                startup: kubeProbe(c.startupProbe, c, local),
                liveness: kubeProbe(c.livenessProbe, c, local),
                readiness: kubeProbe(c.readinessProbe, c, local),
            };
            const defined = Object.fromEntries(Object.entries(probes).filter(([, p]) => p !== undefined));
            return new Container(c.name, plan, defined, this.ip, (argv) => inPod(this.ip, argv), path.join(this.root, `${c.name}.log`));
        };
        this.inits = (spec.initContainers ?? []).map(make);
        this.containers = spec.containers.map(make);
        this.planned = true;
        this.pendingReason = undefined;
    }

    private get restartPolicy(): string {
        return this.pod.spec.restartPolicy ?? "Always";
    }

    /** One pass of the pod's loop. */
    async sync(pod: any): Promise<void> {
        this.pod = pod;
        if (this.stopped) return;
        try {
            if (await this.syncVolumes()) {
                if (!this.planned) await this.plan();
                this.runContainers();
            }
        } catch (e) {
            this.pendingReason = e instanceof Error ? e.message : String(e);
        }
        await this.writeStatus();
    }

    private initsDone(): boolean {
        return this.inits.every((c) => c.terminated?.exitCode === 0);
    }

    private failed(): boolean {
        return (
            this.restartPolicy === "Never" && [...this.inits, ...this.containers].some((c) => c.terminated && c.terminated.exitCode !== 0)
        );
    }

    private runContainers(): void {
        if (this.failed()) return;
        const next = this.inits.find((c) => c.terminated?.exitCode !== 0);
        if (next) {
            if (!next.running && (!next.terminated || this.restartPolicy !== "Never")) next.start();
            return;
        }
        for (const c of this.containers) {
            const mayRestart = this.restartPolicy === "Always" || (this.restartPolicy === "OnFailure" && c.terminated?.exitCode !== 0);
            if (!c.running && (!c.terminated || mayRestart)) c.start();
            void c.probe();
        }
    }

    private phase(): PodView["phase"] {
        if (this.failed()) return "Failed";
        if (!this.planned || !this.initsDone()) return "Pending";
        const done = this.containers.every((c) => c.terminated && !c.running);
        if (this.restartPolicy !== "Always" && done) {
            const allOk = this.containers.every((c) => c.terminated!.exitCode === 0);
            if (allOk || this.restartPolicy === "Never") return allOk ? "Succeeded" : "Failed";
        }
        return this.containers.some((c) => c.startedAt) ? "Running" : "Pending";
    }

    view(): PodView {
        const image = (name: string) =>
            [...(this.pod.spec.initContainers ?? []), ...this.pod.spec.containers].find((c: any) => c.name === name)?.image ?? "";
        const containerView = (c: Container) => ({
            name: c.name,
            image: image(c.name),
            pid: c.pid,
            running: c.running,
            ready: c.ready,
            started: c.started,
            restarts: c.restarts,
            startedAt: c.startedAt,
            waitingReason: c.terminated && !c.running && this.restartPolicy === "Never" ? undefined : c.waitingReason,
            terminated: c.terminated,
            lastTerminated: c.lastTerminated,
        });
        const pendingContainers = (specs: any[] = []) =>
            specs.map((c: any) => ({
                name: c.name,
                image: c.image,
                running: false,
                ready: false,
                started: false,
                restarts: 0,
                waitingReason: "ContainerCreating",
            }));
        return {
            phase: this.phase(),
            ip: this.ip,
            hostIP: this.node.network.address,
            startTime: this.startTime,
            initialized: this.planned && this.initsDone(),
            pendingReason: this.pendingReason,
            initContainers: this.planned ? this.inits.map(containerView) : pendingContainers(this.pod.spec.initContainers),
            containers: this.planned ? this.containers.map(containerView) : pendingContainers(this.pod.spec.containers),
        };
    }

    private async writeStatus(): Promise<void> {
        const status = podStatus(this.view(), this.pod.status);
        const text = JSON.stringify(status);
        if (text === this.lastStatus) return;
        await this.api.patch(`/api/v1/namespaces/${this.pod.metadata.namespace}/pods/${this.pod.metadata.name}/status`, { status });
        this.lastStatus = text;
    }

    /** Stops every container: preStop hooks first (when `hooks`), then SIGTERM, SIGKILL at the deadline. */
    async stop(graceSeconds: number, hooks = true): Promise<void> {
        this.stopped = true;
        const graceMs = graceSeconds * 1000;
        await Promise.all([...this.containers, ...this.inits].map((c) => c.stop(graceMs, hooks)));
    }

    /** The pod's processes, for the agent's own shutdown accounting. */
    pids(): number[] {
        return [...this.inits, ...this.containers].map((c) => c.pid).filter((p): p is number => p !== undefined);
    }
}
