// Cluster DNS for local mode: the headless Service gives every pod a name
// (<statefulset>-<n>.<headless>.<namespace>.svc.cluster.local) that follows it to a new address.
// Local mode publishes those names in /etc/hosts, in a block of its own per deployment, which it
// can only do as root (CI is); elsewhere pods simply have no names, and what needs them says so.
import * as fs from "fs";

const HOSTS = process.env.REDIS_LOCAL_HOSTS_FILE ?? "/etc/hosts";

export function canPublishNames(): boolean {
    try {
        fs.accessSync(HOSTS, fs.constants.W_OK);
        return true;
    } catch {
        return false;
    }
}

const marker = (id: string) => [`# BEGIN redis-cluster local mode ${id}`, `# END redis-cluster local mode ${id}`];

/** The ids of the deployments with a block in the hosts file. */
export function publishedDeployments(): string[] {
    const prefix = marker("")[0];
    if (!fs.existsSync(HOSTS)) return [];
    return fs
        .readFileSync(HOSTS, "utf8")
        .split("\n")
        .filter((l) => l.startsWith(prefix))
        .map((l) => l.slice(prefix.length));
}

/** Replaces this deployment's block with `entries` (address -> name); an empty list removes it. */
export function publishNames(id: string, entries: { address: string; name: string }[]): void {
    if (!canPublishNames()) return;
    const [begin, end] = marker(id);
    const lines = fs.readFileSync(HOSTS, "utf8").split("\n");
    const kept: string[] = [];
    let inside = false;
    for (const line of lines) {
        if (line === begin) inside = true;
        else if (line === end) inside = false;
        else if (!inside) kept.push(line);
    }
    while (kept.length > 0 && kept[kept.length - 1] === "") kept.pop();
    const block = entries.length > 0 ? [begin, ...entries.map((e) => `${e.address} ${e.name}`), end] : [];
    fs.writeFileSync(HOSTS, [...kept, ...block, ""].join("\n"));
}
