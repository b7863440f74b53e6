// Over TLS, clients check that the certificate names the host they connect to. The nodes must
// therefore be announced (CLUSTER SLOTS/SHARDS, MOVED) by names the certificate covers, and every
// name the component hands out must be covered too. The verdicts come from Node's own
// tls.checkServerIdentity, the check ioredis runs on every connection.
import * as assert from "assert";
import * as tls from "tls";
import { buildAllObjects } from "../../components/kubernetes";
import { connectionInfo } from "../../components/outputs";
import { renderRedisConf } from "../../components/redis/redis-conf";
import { RedisCluster } from "../../components/redis-cluster";
import { ClusterSpec, resolveSpec } from "../../components/settings/spec";
import { runUnderMocks } from "../../tools/pulumi-mocks";

const issued = { name: "cache", namespace: "team-a", tls: { enabled: true, issuerRef: { name: "internal-ca", kind: "ClusterIssuer" } } };
const sentinel = { ...issued, topology: "sentinel", replicasPerShard: 2 };

const certificateOf = (spec: ClusterSpec) => (buildAllObjects(spec, "x") as any[]).find((o) => o.kind === "Certificate");

/** Node's verdict on `host` for the certificate the Certificate object asks for: undefined = accepted. */
function verdict(spec: ClusterSpec, host: string): Error | undefined {
    const c = certificateOf(spec).spec;
    const subjectaltname = [...c.dnsNames.map((d: string) => `DNS:${d}`), ...c.ipAddresses.map((ip: string) => `IP Address:${ip}`)].join(
        ", ",
    );
    return tls.checkServerIdentity(host, { subject: { CN: c.commonName }, subjectaltname } as unknown as tls.PeerCertificate);
}

/** The hostname each Redis pod announces: ANNOUNCE_HOSTNAME as the kubelet expands it. */
function announcedHostnames(spec: ClusterSpec): string[] {
    const sts = (buildAllObjects(spec, "x") as any[]).find((o) => o.kind === "StatefulSet" && o.metadata.name === spec.names.statefulSet);
    const template = sts.spec.template.spec.containers[0].env.find((e: any) => e.name === "ANNOUNCE_HOSTNAME").value as string;
    return Array.from({ length: sts.spec.replicas }, (_, i) =>
        template.replace("$(POD_NAME)", `${sts.metadata.name}-${i}`).replace("$(POD_NAMESPACE)", sts.metadata.namespace),
    );
}

const hostOf = (address: string) => address.slice(0, address.lastIndexOf(":"));

describe("TLS host names: what is announced and handed out is what the certificate names", () => {
    it("announces nodes by hostname when TLS is on, by IP when it is off", () => {
        assert.match(renderRedisConf(resolveSpec(issued)), /^cluster-preferred-endpoint-type hostname$/m);
        assert.match(renderRedisConf(resolveSpec({})), /^cluster-preferred-endpoint-type ip$/m);
        assert.match(
            renderRedisConf(resolveSpec({ tls: { enabled: true, secretName: "mine" } })),
            /^cluster-preferred-endpoint-type hostname$/m,
        );
    });

    it("every pod's announced hostname is its seed address and is covered by the certificate", () => {
        const spec = resolveSpec(issued);
        const announced = announcedHostnames(spec);
        assert.strictEqual(announced.length, 6);
        assert.deepStrictEqual(announced, connectionInfo(spec).seedAddresses.map(hostOf));
        for (const host of announced) assert.strictEqual(verdict(spec, host), undefined, host);
    });

    it("covers the client Service, the Sentinels and the exporters' targets", () => {
        for (const args of [issued, sentinel]) {
            const spec = resolveSpec(args);
            const info = connectionInfo(spec);
            const hosts = [
                info.clientHost,
                ...info.sentinelAddresses.map(hostOf),
                `${spec.names.clientService}.${spec.names.namespace}.svc`,
            ];
            for (const host of hosts) assert.strictEqual(verdict(spec, host), undefined, host);
        }
        assert.strictEqual(connectionInfo(resolveSpec(sentinel)).sentinelAddresses.length, 3);
    });

    it("names no pod IP: a client reaching a pod by its address is refused, as cert-manager issues it", () => {
        const spec = resolveSpec(issued);
        assert.deepStrictEqual(certificateOf(spec).spec.ipAddresses, ["127.0.0.1"]);
        const refused = verdict(spec, "10.244.1.17");
        assert.ok(refused, "a pod IP was accepted");
        assert.strictEqual((refused as NodeJS.ErrnoException).code, "ERR_TLS_CERT_ALTNAME_INVALID");
        // A name outside the deployment is refused as well: the wildcard covers one label only.
        assert.ok(verdict(spec, "a.b.cache-headless.team-a.svc.cluster.local"));
        assert.ok(verdict(spec, "cache-0.other-headless.team-a.svc.cluster.local"));
    });
});

describe("the Certificate is Ready before any pod starts", function () {
    this.timeout(30000);

    it("asks pulumi-kubernetes to await its Ready condition, and the StatefulSet depends on it", async () => {
        const cert = certificateOf(resolveSpec(issued));
        assert.strictEqual(cert.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
        const run = await runUnderMocks(() => new RedisCluster("redis", issued), { project: "redis-cluster", stack: "test" });
        const certificate = run.resources.find((r) => r.type === "kubernetes:cert-manager.io/v1:Certificate");
        assert.ok(certificate, run.resources.map((r) => r.type).join(", "));
        const sts = run.resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
        assert.strictEqual(sts.length, 1);
        assert.ok(sts[0].dependencies.includes(certificate.urn), "the StatefulSet does not wait for the Certificate");
    });
});
