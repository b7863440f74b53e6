// Valkey's availability-zone comes from the pod's zone label through the Downward API. The field
// path and the "" for a missing label follow the kubelet (k8s.io/kubernetes pkg/fieldpath,
// ExtractFieldPathAsString: metadata.labels['<key>'] returns the label or ""); the label reaches
// the pod through the PodTopologyLabels admission plugin, which the local control plane turns on.
import * as assert from "assert";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec, ZONE_LABEL } from "../../components/settings/spec";
import { apiServerArgs } from "../../kube/control-plane";
import { resolveEnv } from "../../local/kubelet";

const redisContainer = (engine: string) => {
    const sts: any = buildAllObjects(resolveSpec({ engine }), "pw").find((o) => o.kind === "StatefulSet");
    return sts.spec.template.spec.containers.find((c: any) => c.name === "redis");
};
const zoneVar = (engine: string) => redisContainer(engine).env.find((e: any) => e.name === "AVAILABILITY_ZONE");

describe("availability zone (Valkey)", () => {
    it("gives a Valkey pod its zone label as AVAILABILITY_ZONE, and a Redis pod nothing (Redis has no such setting)", () => {
        assert.deepStrictEqual(zoneVar("valkey"), {
            name: "AVAILABILITY_ZONE",
            valueFrom: { fieldRef: { fieldPath: "metadata.labels['topology.kubernetes.io/zone']" } },
        });
        assert.strictEqual(zoneVar("redis"), undefined);
    });

    it("resolves as the kubelet does: the label's value, or empty when the pod has none", () => {
        const env = [zoneVar("valkey")];
        const pod = { name: "redis-cluster-0", namespace: "redis", ip: "10.0.0.5" };
        assert.deepStrictEqual(resolveEnv(env, { ...pod, labels: { [ZONE_LABEL]: "eu-west-1b" } }, { secrets: {}, configMaps: {} }), {
            AVAILABILITY_ZONE: "eu-west-1b",
        });
        assert.deepStrictEqual(resolveEnv(env, { ...pod, labels: { app: "redis" } }, { secrets: {}, configMaps: {} }), {
            AVAILABILITY_ZONE: "",
        });
        assert.deepStrictEqual(resolveEnv(env, pod, { secrets: {}, configMaps: {} }), { AVAILABILITY_ZONE: "" });
    });

    it("the local control plane's API server copies node zones onto pods (PodTopologyLabelsAdmission)", () => {
        const ports: any = { apiServer: 1, etcdClient: 2 };
        const pki: any = new Proxy({}, { get: () => ({ cert: "c", key: "k", pub: "p" }) });
        assert.ok(apiServerArgs("/bin", ports, pki).includes("--feature-gates=PodTopologyLabelsAdmission=true"));
    });
});
