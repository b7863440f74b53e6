// What `new RedisCluster("c")` with no args registers: only what a laptop cluster (kind, minikube)
// takes, with no AWS account and no Prometheus Operator or cert-manager CRDs. And `profile:
// production`, which brings back the deployment guide's shape: the prod stack names it, and its
// render must stay the committed snapshot (the snapshot test compares the whole file).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { redisResources } from "../../components/kubernetes/resources";
import { RedisCluster } from "../../components/redis-cluster";
import { packageRoot } from "../../components/package-files";
import { ConfigError } from "../../components/settings/errors";
import { PROFILES } from "../../components/settings/profiles";
import { resolveSpec } from "../../components/settings/spec";
import { renderProgram } from "../../tools/render";
import { readStackConfig } from "../../tools/stack-config";
import { argsFromConfig } from "../../program/config";

const kinds = (objs: any[]) => objs.map((o) => `${o.apiVersion} ${o.kind}`);
/** The API groups a laptop cluster serves without add-ons. */
const BUILT_IN = /^(v1|apps\/v1|batch\/v1|policy\/v1|networking\.k8s\.io\/v1) /;

describe("defaults: new RedisCluster(name) with no args", function () {
    this.timeout(60000);
    let rendered: Awaited<ReturnType<typeof renderProgram>>;

    before(async () => {
        rendered = await renderProgram(() => new RedisCluster("c"), { project: "consumer", stack: "dev" });
    });

    it("registers no AWS resource (no bucket, no IAM user, no access key)", () => {
        const types = rendered.others.map((r) => r.type);
        assert.deepStrictEqual(
            types.filter((t) => t.startsWith("aws:")),
            [],
        );
        // What it does register besides Kubernetes objects: passwords and the formation steps.
        assert.ok(
            types.every((t) => /^(random:|pulumi-nodejs:dynamic)/.test(t)),
            types.join(", "),
        );
    });

    it("creates only objects of built-in API groups: no ServiceMonitor, PrometheusRule or Certificate", () => {
        const all = kinds(rendered.kubernetes);
        assert.deepStrictEqual(
            all.filter((k) => !BUILT_IN.test(k)),
            [],
        );
        // The ones a laptop needs are there: the Redis pods, their Services and the backup jobs.
        for (const k of ["apps/v1 StatefulSet", "v1 Service", "v1 Secret", "batch/v1 CronJob"]) assert.ok(all.includes(k), `${k} missing`);
    });

    it("leaves the storage class to the cluster's default and asks for small requests", () => {
        const sts: any = rendered.kubernetes.find((o: any) => o.kind === "StatefulSet" && o.metadata.name === "c");
        const claim = sts.spec.volumeClaimTemplates[0].spec;
        assert.ok(!("storageClassName" in claim), JSON.stringify(claim));
        assert.strictEqual(claim.resources.requests.storage, "1Gi");
        const redis = sts.spec.template.spec.containers.find((c: any) => c.name === "redis");
        assert.deepStrictEqual(redis.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } });
        // Pods may share the laptop's one node; preferred spreading is all that is asked.
        assert.strictEqual(sts.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, undefined);
        for (const pvc of rendered.kubernetes.filter((o: any) => o.kind === "PersistentVolumeClaim") as any[]) {
            assert.ok(!("storageClassName" in pvc.spec), pvc.metadata.name);
            assert.strictEqual(pvc.spec.resources.requests.storage, "2Gi");
        }
    });

    it("forms the cluster through the Kubernetes API, as `pulumi up` on a laptop must", () => {
        const formation: any = rendered.others.find((r) => r.type.endsWith("ClusterFormation"));
        assert.strictEqual(formation.inputs.connectivity, "port-forward");
    });
});

describe("profile: production", () => {
    const prodArgs = () => argsFromConfig(readStackConfig(packageRoot, "prod").config);

    it("is what the prod stack names; its render is test/snapshots/prod/ (render.test.ts)", () => {
        const stackFile = YAML.parse(fs.readFileSync(path.join(packageRoot, "Pulumi.prod.yaml"), "utf8"));
        assert.strictEqual(stackFile.config["redis-cluster:profile"], "production");
    });

    it("brings the deployment guide's sizes, S3 backups and the Operator objects", () => {
        const s = resolveSpec({ profile: "production" }).settings;
        assert.deepStrictEqual(s.resources.requests, { cpu: "2", memory: "8Gi" });
        assert.deepStrictEqual(s.resources.limits, { cpu: "", memory: "16Gi" });
        assert.deepStrictEqual(s.storage, { size: "100Gi", storageClass: "fast-ssd" });
        assert.strictEqual(s.redis.maxmemory, "6gb");
        assert.strictEqual(s.redis.ioThreads, 4);
        assert.strictEqual(s.scheduling.hostAntiAffinity, "required");
        assert.strictEqual(s.backup.s3.enabled, true);
        assert.strictEqual(s.backup.volumeSize, "200Gi");
        assert.strictEqual(s.monitoring.serviceMonitor.enabled, true);
        assert.strictEqual(s.monitoring.prometheusRule.enabled, true);
        assert.strictEqual(s.monitoring.dashboard.enabled, true);
        assert.strictEqual(s.formation.connectivity, "direct");
    });

    it("yields to explicit settings key by key, keeping the profile's siblings", () => {
        const s = resolveSpec({ profile: "production", storage: { storageClass: "gp3" }, backup: { s3: { enabled: false } } }).settings;
        assert.deepStrictEqual(s.storage, { size: "100Gi", storageClass: "gp3" });
        assert.strictEqual(s.backup.s3.enabled, false);
        assert.strictEqual(s.backup.volumeSize, "200Gi");
        // The prod stack's own keys sit on top of the profile.
        const prod = resolveSpec(prodArgs()).settings;
        assert.strictEqual(prod.backup.s3.bucketName, "llm-analytics-redis-backups");
        assert.strictEqual(prod.backup.s3.enabled, true);
    });

    it("counts as defaults for rules about what was asked: guaranteed QoS takes its requests from the limits", () => {
        const spec = resolveSpec({ profile: "production", resources: { qos: "guaranteed", limits: { cpu: "4", memory: "16Gi" } } });
        assert.deepStrictEqual(redisResources(spec), { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "4", memory: "16Gi" } });
    });

    it("for the sentinel topology also requires Sentinels on separate nodes", () => {
        assert.strictEqual(resolveSpec({ profile: "production", topology: "sentinel" }).settings.sentinel?.hostAntiAffinity, "required");
        // Without it, a laptop's one node may hold every Sentinel (render warns about it).
        assert.strictEqual(resolveSpec({ topology: "sentinel" }).sentinel?.settings.hostAntiAffinity, "preferred");
    });

    it("sets sections only: Pulumi.yaml gives every top-level scalar a default the CLI passes as if set", () => {
        for (const topology of ["cluster", "sentinel"]) {
            for (const [key, value] of Object.entries(PROFILES.production(topology))) {
                assert.ok(typeof value === "object" && !Array.isArray(value), `profile production sets ${key} = ${JSON.stringify(value)}`);
            }
        }
    });

    it("docs/profiles.md has a row for every section the profile sets", () => {
        const doc = fs.readFileSync(path.join(packageRoot, "docs", "profiles.md"), "utf8");
        for (const key of Object.keys(PROFILES.production("sentinel"))) assert.match(doc, new RegExp(`^\\| \`${key}(\\.|\`)`, "m"), key);
    });

    it("an unknown profile is a config error naming the key, the value and the profiles there are", () => {
        assert.throws(
            () => resolveSpec({ profile: "prod" }),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.deepStrictEqual(e.problems, [{ key: "profile", value: "prod", allowed: 'one of "laptop", "production"' }]);
                return true;
            },
        );
    });
});
