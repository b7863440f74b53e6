// Checks what the kernel did against what the policies say: every connection local mode's
// nftables table recorded (accepted or refused) is asked of the NetworkPolicy oracle, which was
// written from the Kubernetes API documentation, not from the translator. Connections from the
// host (127.0.0.1: the test harness, the CLI and formation, standing for port-forward and the API
// server) are not governed by NetworkPolicy and are only counted.
import * as assert from "assert";
import * as path from "path";
import type { KubeObject } from "../../components/kubernetes/object";
import { enforcementMode, policedPods, recordedConnections, RecordedConnection } from "../../local/network-policy-enforcement";
import { HOST_ADDRESS } from "../../local/network-policy-rules";
import { s3Endpoint } from "../../local/s3";
import { Cluster, Endpoint, namespace, NetworkPolicy } from "./network-policy-oracle";

export interface AuditResult {
    /** Connections judged by the policies, by verdict. */
    accepted: RecordedConnection[];
    refused: RecordedConnection[];
    fromHost: number;
    /** Connections where the kernel and the oracle disagree, described. */
    disagreements: string[];
}

const describe = (c: RecordedConnection) => `${c.fromPod ?? c.from} -> ${c.toPod ?? c.to}:${c.port}/${c.protocol}`;

/** The audit of the deployment whose state is in `dir`, against its rendered `objects`. */
export function auditConnections(dir: string, objects: KubeObject[]): AuditResult {
    const pods = policedPods(dir);
    const records = recordedConnections(dir);
    const cluster = new Cluster(
        [...new Set(pods.map((p) => p.namespace))].map((n) => namespace(n)),
        objects.filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicy[],
    );
    const s3 = s3Endpoint() ? new URL(s3Endpoint()!) : undefined;
    const endpoint = (address: string, name?: string): Endpoint => {
        const pod = name ? pods.find((p) => p.name === name) : undefined;
        return pod
            ? { kind: "pod", name: pod.name, namespace: pod.namespace, labels: pod.labels, ip: address, ports: pod.ports }
            : { kind: "external", name: address, ip: address };
    };
    const result: AuditResult = { accepted: [], refused: [], fromHost: 0, disagreements: [] };
    for (const c of records) {
        if (c.from === HOST_ADDRESS) {
            result.fromHost++;
            continue;
        }
        // The local S3 endpoint stands for S3's HTTPS port.
        const port = s3 && c.to === s3.hostname.replace("localhost", HOST_ADDRESS) && c.port === Number(s3.port) ? 443 : c.port;
        const allowed = cluster.mayConnect(endpoint(c.from, c.fromPod), endpoint(c.to, c.toPod), port, c.protocol.toUpperCase());
        result[c.verdict].push(c);
        if (allowed !== (c.verdict === "accepted")) {
            result.disagreements.push(`${describe(c)}: the kernel ${c.verdict} it, the policies ${allowed ? "allow" : "forbid"} it`);
        }
    }
    return result;
}

/** One line for a test's output: what was checked. */
export function auditSummary(a: AuditResult): string {
    const pairs = (list: RecordedConnection[]) => [...new Set(list.map(describe))].sort().join(", ");
    return (
        `${a.accepted.length} accepted and ${a.refused.length} refused connections checked against the policies ` +
        `(${a.fromHost} from the host not policed); refused: ${pairs(a.refused) || "none"}`
    );
}

export const stateDirOf = (passwordFile: string) => path.dirname(path.dirname(passwordFile));

/**
 * For a suite's last test: enforcement was on, pods really talked to each other, and the kernel
 * and the oracle agree on every connection recorded.
 */
export function assertPoliciesHeld(dir: string, objects: KubeObject[]): AuditResult {
    const mode = enforcementMode();
    assert.ok(mode.on, `NetworkPolicies were not enforced: ${"reason" in mode ? mode.reason : ""}`);
    const audit = auditConnections(dir, objects);
    console.log(`      ${auditSummary(audit)}`);
    assert.deepStrictEqual(audit.disagreements, []);
    assert.ok(
        audit.accepted.some((c) => c.fromPod && c.toPod),
        "no connection between pods was recorded",
    );
    return audit;
}
