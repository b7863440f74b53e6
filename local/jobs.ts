// `npm run local -- run-job <cronjob>`: one Job from a rendered CronJob, as
// `kubectl create job --from=cronjob/<cronjob>` makes it: init containers one after another, then
// the containers, each a local process with the kubelet's environment and mount mapping. Volumes:
// ConfigMaps and Secrets as files, claims as directories kept in the deployment's state (they
// outlive the job, as a PVC does), emptyDirs fresh per attempt. Failed attempts are retried up to
// the Job's backoffLimit; activeDeadlineSeconds bounds the whole run.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { KubeObject } from "../components/kubernetes/object";
import { render, secretsOf } from "./deployment";
import { volumeItems } from "./kubelet";
import { commandLine, ContainerPlan, isAlive, planContainer, secretKeys } from "./pod";
import { podCgroupDir } from "./network-policy-enforcement";
import { JOB_ADDRESS_ORDINAL, JOB_POD_NAME, loadState, podAddress, stateDir } from "./state";

export { JOB_ADDRESS_ORDINAL } from "./state";

export interface ContainerRun {
    name: string;
    exitCode: number | null;
    output: string;
}
export interface JobResult {
    job: string;
    cronJob: string;
    succeeded: boolean;
    attempts: number;
    /** Containers of the last attempt, in the order they ran. */
    containers: ContainerRun[];
}

/** Pure: in-cluster Service names (`svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`) to a local address. */
export function serviceHosts(objects: KubeObject[], address: string): Record<string, string> {
    const hosts: Record<string, string> = {};
    for (const svc of objects.filter((o) => o.kind === "Service")) {
        const { name, namespace } = svc.metadata;
        for (const host of [`${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`])
            hosts[host] = address;
    }
    return hosts;
}

export interface JobPlan {
    name: string;
    podSpec: any;
    initContainers: ContainerPlan[];
    containers: ContainerPlan[];
    volumes: { dir: string; files?: Record<string, string>; fresh: boolean }[];
    activeDeadlineSeconds?: number;
    backoffLimit: number;
}

/** Pure: what would run for a Job made from `cronJobName`, with volumes under `root` and claims under `claims`. */
export function planJob(
    objects: KubeObject[],
    cronJobName: string,
    jobName: string,
    ip: string,
    root: string,
    claims: string,
    localValues: Record<string, string>,
    hosts: Record<string, string>,
): JobPlan {
    const cron = objects.find((o) => o.kind === "CronJob" && o.metadata.name === cronJobName) as any;
    if (!cron) {
        const known = objects.filter((o) => o.kind === "CronJob").map((o) => o.metadata.name);
        throw new Error(`no CronJob ${cronJobName} in the stack (it has: ${known.join(", ") || "none"})`);
    }
    const jobSpec = cron.spec.jobTemplate.spec;
    const pod = jobSpec.template.spec;
    // Only the generated passwords and the TLS Secret's stand-in are known locally; local mode
    // replaces cloud credentials by its own (s3.ts).
    const secretFiles = (name: string): Record<string, string> =>
        Object.fromEntries(secretKeys(objects, name).map((k) => [k, localValues[k] ?? ""]));
    const secrets: Record<string, Record<string, string>> = {};
    for (const s of objects.filter((o) => o.kind === "Secret")) secrets[s.metadata.name] = secretFiles(s.metadata.name);
    const volumeDir = (name: string): string => {
        const v = pod.volumes.find((x: any) => x.name === name);
        return v?.persistentVolumeClaim ? path.join(claims, v.persistentVolumeClaim.claimName) : path.join(root, name);
    };
    const volumes = pod.volumes.map((v: any) => ({
        dir: volumeDir(v.name),
        fresh: !v.persistentVolumeClaim,
        files: v.configMap
            ? (objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === v.configMap.name) as any)?.data
            : v.secret
              ? volumeItems(secretFiles(v.secret.secretName), v.secret.items)
              : undefined,
    }));
    const identity = { name: jobName, namespace: cron.metadata.namespace, ip };
    const plan = (c: any) => {
        const p = planContainer(c, identity, volumeDir, { secrets, configMaps: {} });
        p.env = Object.fromEntries(Object.entries(p.env).map(([k, v]) => [k, hosts[v] ?? v]));
        return p;
    };
    return {
        name: jobName,
        podSpec: pod,
        initContainers: (pod.initContainers ?? []).map(plan),
        containers: pod.containers.map(plan),
        volumes,
        activeDeadlineSeconds: jobSpec.activeDeadlineSeconds,
        backoffLimit: jobSpec.backoffLimit ?? 6,
    };
}

function prepareVolumes(plan: JobPlan): void {
    for (const v of plan.volumes) {
        if (v.fresh) fs.rmSync(v.dir, { recursive: true, force: true });
        fs.mkdirSync(v.dir, { recursive: true, mode: 0o700 });
        for (const [file, content] of Object.entries(v.files ?? {})) fs.writeFileSync(path.join(v.dir, file), content, { mode: 0o600 });
    }
}

/** Runs one container to its end, or kills its process group at `deadline`. */
/** Told of each container as it starts (its pid leads its own process group). */
export type OnStart = (container: string, pid: number) => void;

function runContainer(c: ContainerPlan, logFile: string, deadline: number, onStart?: OnStart): Promise<ContainerRun> {
    return new Promise((resolve) => {
        const [cmd, ...args] = commandLine(c);
        const child = spawn(cmd, args, { env: { ...process.env, ...c.env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        onStart?.(c.name, child.pid!);
        let output = "";
        const log = fs.openSync(logFile, "a");
        const take = (d: Buffer) => {
            output += d;
            fs.writeSync(log, d);
        };
        child.stdout!.on("data", take);
        child.stderr!.on("data", take);
        const timer = setTimeout(
            () => {
                take(Buffer.from(`\nlocal: activeDeadlineSeconds reached; killing ${c.name}\n`));
                try {
                    process.kill(-child.pid!, "SIGKILL");
                } catch {
                    /* already gone */
                }
            },
            Math.max(0, deadline - Date.now()),
        );
        child.on("close", (code) => {
            clearTimeout(timer);
            fs.closeSync(log);
            resolve({ name: c.name, exitCode: code, output });
        });
    });
}

async function runAttempt(plan: JobPlan, logDir: string, deadline: number, onStart?: OnStart): Promise<ContainerRun[]> {
    prepareVolumes(plan);
    const runs: ContainerRun[] = [];
    for (const c of plan.initContainers) {
        const r = await runContainer(c, path.join(logDir, `${c.name}.log`), deadline, onStart);
        runs.push(r);
        if (r.exitCode !== 0) return runs;
    }
    runs.push(...(await Promise.all(plan.containers.map((c) => runContainer(c, path.join(logDir, `${c.name}.log`), deadline, onStart)))));
    return runs;
}

/** Runs a Job from the CronJob against the running local deployment of `stack`. */
export async function runJob(stack: string, cronJobName: string, opts: { onStart?: OnStart; retry?: boolean } = {}): Promise<JobResult> {
    const dir = stateDir(stack);
    const state = loadState(dir);
    const live = state?.pods.find((p) => Object.keys(p.pids).length > 0 && Object.values(p.pids).every(isAlive));
    if (!state || !live) throw new Error(`no running local deployment of stack ${stack} (run: npm run local -- up --stack ${stack})`);
    const r = await render(stack);
    const secrets = secretsOf(r, dir);
    const jobName = `${cronJobName}-manual-${Date.now().toString(36)}`;
    const root = path.join(dir, "jobs", jobName);
    const plan = planJob(
        r.objects,
        cronJobName,
        jobName,
        podAddress(JOB_ADDRESS_ORDINAL),
        root,
        path.join(dir, "claims"),
        secrets,
        serviceHosts(r.objects, live.address),
    );
    // Enforced policies: the Job's processes run in the Job pods' cgroup, so they leave from its address.
    const cgroup = podCgroupDir(dir, JOB_POD_NAME);
    if (cgroup) for (const c of [...plan.initContainers, ...plan.containers]) c.cgroup = cgroup;
    const deadline = Date.now() + (plan.activeDeadlineSeconds ?? 24 * 3600) * 1000;
    let runs: ContainerRun[] = [];
    let attempts = 0;
    const limit = opts.retry === false ? 0 : plan.backoffLimit;
    while (attempts <= limit && Date.now() < deadline) {
        attempts++;
        const logDir = path.join(root, `attempt-${attempts}`);
        fs.mkdirSync(logDir, { recursive: true });
        runs = await runAttempt(plan, logDir, deadline, opts.onStart);
        if (runs.every((x) => x.exitCode === 0) && runs.length === plan.initContainers.length + plan.containers.length) break;
    }
    const succeeded = runs.length === plan.initContainers.length + plan.containers.length && runs.every((x) => x.exitCode === 0);
    return { job: jobName, cronJob: cronJobName, succeeded, attempts, containers: runs };
}
