// Local mode's NetworkPolicy enforcement: the thin shell around network-policy-rules.ts. It gives
// every pod a cgroup (its processes join it as they start, see pod.ts), loads the deployment's
// nftables table on `up` (and whenever a pod moves to another address), reads back the
// connections the kernel judged, and removes table and cgroups on `down`. It is on when running as
// root with `nft` and a cgroup2 hierarchy; REDIS_LOCAL_NETWORK_POLICY=off turns it off.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { KubeObject } from "../components/kubernetes/object";
import { buildRuleset, LocalPodIdentity, Policy, StandIn } from "./network-policy-rules";
import { s3Endpoint } from "./s3";

export const ENFORCEMENT_ENV = "REDIS_LOCAL_NETWORK_POLICY";
/** Where nft resolves `socket cgroupv2` paths from. */
const CGROUP_FS = "/sys/fs/cgroup";
const RECORD_FILE = "connections.json";
const IDENTITIES_FILE = "network-policy.json";

/** The cgroup2 hierarchy's mount point, when it lies where nft can name its cgroups. */
function cgroup2Mount(): string | undefined {
    const mounts = fs.existsSync("/proc/self/mounts") ? fs.readFileSync("/proc/self/mounts", "utf8") : "";
    const mount = mounts
        .split("\n")
        .map((l) => l.split(" "))
        .find((f) => f[2] === "cgroup2")?.[1];
    return mount && (mount === CGROUP_FS || mount.startsWith(`${CGROUP_FS}/`)) ? mount : undefined;
}

/** Whether local mode enforces the policies here, and if not, why not (it says so). */
export function enforcementMode(): { on: true } | { on: false; reason: string } {
    if ((process.env[ENFORCEMENT_ENV] ?? "").toLowerCase() === "off") return { on: false, reason: `${ENFORCEMENT_ENV}=off` };
    if (process.getuid?.() !== 0) return { on: false, reason: "nftables needs root" };
    if (spawnSync("nft", ["--version"], { encoding: "utf8" }).status !== 0)
        return { on: false, reason: "nft is not installed (apt-get install nftables)" };
    if (!cgroup2Mount()) return { on: false, reason: `no cgroup2 hierarchy under ${CGROUP_FS} to tell pods' processes apart` };
    return { on: true };
}

/** The deployment's table name and packet mark base, both derived from its state directory. */
export function tableOf(dir: string): { table: string; markBase: number } {
    const hash = crypto.createHash("sha256").update(path.resolve(dir)).digest("hex");
    return { table: `redis-local-${hash.slice(0, 10)}`, markBase: (parseInt(hash.slice(0, 4), 16) | 0x100) * 0x10000 };
}

/** The cgroup directory of pod `name` of the deployment in `dir`: present only while enforced. */
export function podCgroupDir(dir: string, name: string): string | undefined {
    const mount = cgroup2Mount();
    const cg = mount && path.join(mount, tableOf(dir).table, name);
    return cg && fs.existsSync(cg) ? cg : undefined;
}

/** A pod to police: its name, address and (Job pods) the CronJob or (pods) StatefulSet it comes from. */
export interface PodToPolice {
    name: string;
    address: string;
    template: { kind: "StatefulSet" | "CronJob"; name: string };
}

/** Pure: the labels, namespace and ports of each pod, from its rendered template. */
export function identitiesOf(objects: KubeObject[], pods: PodToPolice[]): LocalPodIdentity[] {
    return pods.map((p) => {
        const owner = objects.find((o) => o.kind === p.template.kind && o.metadata.name === p.template.name) as any;
        if (!owner) throw new Error(`network policy enforcement: no ${p.template.kind} ${p.template.name} for pod ${p.name}`);
        const template = owner.kind === "CronJob" ? owner.spec.jobTemplate.spec.template : owner.spec.template;
        const containers = [...(template.spec.initContainers ?? []), ...template.spec.containers];
        return {
            name: p.name,
            namespace: owner.metadata.namespace ?? "default",
            labels: { ...(template.metadata?.labels ?? {}) },
            address: p.address,
            ports: containers.flatMap((c: any) => c.ports ?? []),
        };
    });
}

/** Local servers standing in for remote ones that policies allow by port: the S3 endpoint for 443. */
function standIns(): StandIn[] {
    const endpoint = s3Endpoint();
    if (!endpoint) return [];
    const url = new URL(endpoint);
    const address = url.hostname === "localhost" ? "127.0.0.1" : url.hostname;
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return [];
    return [{ port: 443, address, localPort: Number(url.port || (url.protocol === "https:" ? 443 : 80)), what: "the local S3 endpoint" }];
}

function nft(args: string[], input?: string): { status: number | null; out: string } {
    const r = spawnSync("nft", args, { input, encoding: "utf8" });
    return { status: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** One connection the kernel judged: addresses resolved to the pods that held them at the time. */
export interface RecordedConnection {
    from: string;
    fromPod?: string;
    to: string;
    toPod?: string;
    protocol: string;
    port: number;
    verdict: "accepted" | "refused";
}

const PROTOCOLS: Record<string, string> = { 6: "tcp", 17: "udp", 132: "sctp" };

/** The connections in the table's record sets, named by `identities`. */
function readSets(table: string, identities: LocalPodIdentity[]): RecordedConnection[] {
    const byAddress = new Map(identities.map((i) => [i.address, i.name]));
    const out: RecordedConnection[] = [];
    for (const verdict of ["accepted", "refused"] as const) {
        const r = nft(["-j", "list", "set", "inet", table, verdict]);
        if (r.status !== 0) continue;
        const set = (JSON.parse(r.out).nftables as any[]).find((x) => x.set)?.set;
        for (const e of set?.elem ?? []) {
            const [from, to, protocol, port] = (e.elem?.val ?? e).concat as [string, string, string | number, number];
            out.push({
                from,
                ...(byAddress.has(from) ? { fromPod: byAddress.get(from) } : {}),
                to,
                ...(byAddress.has(to) ? { toPod: byAddress.get(to) } : {}),
                protocol: PROTOCOLS[String(protocol)] ?? String(protocol),
                port: Number(port),
                verdict,
            });
        }
    }
    return out;
}

function readJson<T>(file: string, fallback: T): T {
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : fallback;
}

/** Keeps what the current table recorded before the table is replaced or removed. */
function saveRecord(dir: string): void {
    const { table } = tableOf(dir);
    const identities = readJson<LocalPodIdentity[]>(path.join(dir, IDENTITIES_FILE), []);
    const earlier = readJson<RecordedConnection[]>(path.join(dir, RECORD_FILE), []);
    const key = (c: RecordedConnection) => JSON.stringify(c);
    const seen = new Set(earlier.map(key));
    const now = readSets(table, identities).filter((c) => !seen.has(key(c)));
    if (now.length > 0) fs.writeFileSync(path.join(dir, RECORD_FILE), JSON.stringify([...earlier, ...now], null, 1) + "\n");
}

/**
 * Loads (or replaces) the deployment's table for `identities` and creates their cgroups. Returns
 * the table name, or throws with nft's own message.
 */
export function applyPolicies(dir: string, objects: KubeObject[], identities: LocalPodIdentity[]): string {
    const mount = cgroup2Mount()!;
    const { table, markBase } = tableOf(dir);
    const root = path.join(mount, table);
    const level = path.relative(mount, root).split(path.sep).length + 1;
    const pods = identities.map((i) => {
        fs.mkdirSync(path.join(root, i.name), { recursive: true });
        return { ...i, cgroup: { path: path.relative(CGROUP_FS, path.join(root, i.name)), level } };
    });
    const policies = objects.filter((o) => o.kind === "NetworkPolicy") as unknown as Policy[];
    saveRecord(dir);
    const script = buildRuleset({ table, pods, policies, markBase, standIns: standIns() });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, `${table}.nft`), script);
    const r = nft(["-f", "-"], script);
    if (r.status !== 0)
        throw new Error(`nft refused the NetworkPolicy table ${table} (${path.join(dir, `${table}.nft`)}): ${r.out.trim()}`);
    fs.writeFileSync(path.join(dir, IDENTITIES_FILE), JSON.stringify(identities, null, 1) + "\n");
    return table;
}

/** Every connection judged so far (earlier tables' and the current one's), for tests. */
export function recordedConnections(dir: string): RecordedConnection[] {
    saveRecord(dir);
    return readJson<RecordedConnection[]>(path.join(dir, RECORD_FILE), []);
}

/** The pods the current table polices (their labels and addresses), for tests. */
export function policedPods(dir: string): LocalPodIdentity[] {
    return readJson<LocalPodIdentity[]>(path.join(dir, IDENTITIES_FILE), []);
}

/** Removes the table and the (by now empty) cgroups; a no-op when nothing was enforced. */
export function removePolicies(dir: string): void {
    const { table } = tableOf(dir);
    if (nft(["list", "table", "inet", table]).status === 0) {
        const r = nft(["delete", "table", "inet", table]);
        if (r.status !== 0) throw new Error(`nft could not delete table ${table}: ${r.out.trim()}`);
    }
    const mount = cgroup2Mount();
    const root = mount && path.join(mount, table);
    if (!root || !fs.existsSync(root)) return;
    const remove = (cg: string) => {
        try {
            fs.rmdirSync(cg);
        } catch (e) {
            // EBUSY: a process of the pod outlived its stop; say so rather than fail the whole down.
            process.stderr.write(`local: cannot remove cgroup ${cg}: ${e instanceof Error ? e.message : e}\n`);
        }
    };
    for (const pod of fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory())) remove(path.join(root, pod.name));
    remove(root);
}
