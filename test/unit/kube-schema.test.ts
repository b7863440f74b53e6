import * as assert from "assert";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec } from "../../components/settings/spec";
import type { KubeObject } from "../../components/kubernetes/object";
import { validateStrict } from "../support/kube-validate";
import { renderedStack } from "../support/render-stacks";

const variants: Record<string, () => Promise<KubeObject[]>> = {
    "dev stack": async () => (await renderedStack("dev")).kubernetes as KubeObject[],
    "prod stack": async () => (await renderedStack("prod")).kubernetes as KubeObject[],
    "sentinel-dev stack": async () => (await renderedStack("sentinel-dev")).kubernetes as KubeObject[],
    "sentinel topology with production defaults and monitoring": async () =>
        buildAllObjects(resolveSpec({ topology: "sentinel", replicasPerShard: 2 }), "[secret]"),
    "every optional scheduling knob": async () =>
        buildAllObjects(
            resolveSpec({
                systemInit: { enabled: true },
                createNamespace: false,
                labels: { team: "analytics" },
                annotations: { "example.com/owner": "analytics team" },
                scheduling: {
                    hostAntiAffinity: "preferred",
                    zoneAntiAffinity: "required",
                    nodeSelector: { "node.kubernetes.io/instance-type": "r6i.2xlarge" },
                    tolerations: [
                        { key: "dedicated", operator: "Equal", value: "redis", effect: "NoSchedule" },
                        { operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
                    ],
                    priorityClassName: "high-priority",
                },
                storage: { size: "100Gi", storageClass: "" },
            }),
            "[secret]",
        ),
    "every network policy knob, sentinel topology": async () =>
        buildAllObjects(
            resolveSpec({
                topology: "sentinel",
                createNamespace: false,
                networkPolicy: {
                    allowedNamespaces: ["llm-analytics", "batch"],
                    allowedPodLabels: { "app.kubernetes.io/name": "analytics-api" },
                    allowedCidrs: ["192.0.2.0/24", "2001:db8::/32"],
                    monitoringNamespace: "observability",
                },
            }),
            "[secret]",
        ),
};

describe("rendered objects validate against the Kubernetes schemas", () => {
    for (const [name, objects] of Object.entries(variants)) {
        it(`${name}: every object is valid and has no unknown field`, async () => {
            const objs = await objects();
            assert.ok(objs.length >= 7, `expected the full set of objects, got ${objs.length}`);
            const problems = (await Promise.all(objs.map(validateStrict))).flat();
            assert.deepStrictEqual(problems, []);
        });
    }

    it("catches a misspelled field the stock validators let through", async () => {
        const [sts] = buildAllObjects(resolveSpec({}), "x").filter((o) => o.kind === "StatefulSet");
        const broken = structuredClone(sts) as any;
        broken.spec.template.spec.containers[0].imagePullPolcy = "Always";
        broken.spec.replicaz = 3;
        const problems = await validateStrict(broken);
        assert.deepStrictEqual(problems.filter((p) => p.includes("unknown field")).sort(), [
            "StatefulSet/redis-cluster: unknown field /spec/replicaz",
            "StatefulSet/redis-cluster: unknown field /spec/template/spec/containers/0/imagePullPolcy",
        ]);
    });

    it("catches a wrong type", async () => {
        const [pdb] = buildAllObjects(resolveSpec({}), "x").filter((o) => o.kind === "PodDisruptionBudget");
        const broken = structuredClone(pdb) as any;
        broken.spec.selector = "app=redis";
        const problems = await validateStrict(broken);
        assert.ok(
            problems.some((p) => p.includes("/spec/selector") && p.includes("type")),
            problems.join("\n"),
        );
    });
});
