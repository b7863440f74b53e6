// Cluster DNS from the API's EndpointSlices, as CoreDNS's kubernetes plugin answers it: a
// headless Service's endpoints with a hostname get `<hostname>.<service>.<ns>.svc.cluster.local`,
// and every Service name points at its endpoints. With no kube-proxy here, a Service name resolves
// to one ready endpoint (the first by address) rather than to a virtual IP. Published in /etc/hosts
// through local mode's block writer, which pods and the host share.
import { publishNames } from "../../local/dns";

export interface HostEntry {
    address: string;
    name: string;
}

const DOMAIN = "svc.cluster.local";

/** Pure: the names EndpointSlices give. */
export function dnsEntries(slices: any[]): HostEntry[] {
    const entries: HostEntry[] = [];
    const serviceAddress = new Map<string, string>();
    for (const slice of slices) {
        const service = slice.metadata?.labels?.["kubernetes.io/service-name"];
        const ns = slice.metadata?.namespace;
        if (!service || !ns || slice.addressType !== "IPv4") continue;
        for (const ep of slice.endpoints ?? []) {
            const address = ep.addresses?.[0];
            if (!address || ep.conditions?.ready === false) continue;
            if (ep.hostname) entries.push({ address, name: `${ep.hostname}.${service}.${ns}.${DOMAIN}` });
            const key = `${service}.${ns}`;
            const current = serviceAddress.get(key);
            if (!current || address < current) serviceAddress.set(key, address);
        }
    }
    for (const [key, address] of serviceAddress) {
        for (const name of [key, `${key}.svc`, `${key}.${DOMAIN}`]) entries.push({ address, name });
    }
    return entries.sort((a, b) => a.name.localeCompare(b.name));
}

let published = "";

/** Publishes the entries when they changed. */
export function publishDns(entries: HostEntry[]): void {
    const text = JSON.stringify(entries);
    if (text === published) return;
    publishNames("kube", entries);
    published = text;
}
