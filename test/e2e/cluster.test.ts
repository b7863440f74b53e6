// End to end with the real engines: the real Pulumi CLI and its plugins deploy a dev-shaped cluster
// stack onto the local Kubernetes control plane (`npm run kube`), whose real controllers and
// scheduler place the pods and whose node agent runs them. The scenarios run in order on one stack,
// as a user's day would: first preview and up, no-op preview and refresh, a live setting, a label
// change, and destroy.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { kubectl, kubectlJson, LocalCluster, waitFor } from "./support/local-cluster";
import { committedStackConfig, useLocalStack } from "./support/local-stack";
import { PulumiProject, tail } from "./support/pulumi-cli";
import { accessOf, clusterCheck, podRestarts, runExample, StackAccess, withWrites } from "./support/stack-checks";

const STACK = "test-e2e-cluster";
const NAMESPACE = "redis-e2e";
const SELECTOR = "app.kubernetes.io/name=redis,app.kubernetes.io/component=redis";

/** The dev stack's settings, in a namespace of its own, reached directly at the pods' addresses. */
export function devShapedConfig(): Record<string, unknown> {
    return { ...committedStackConfig("Pulumi.dev.yaml", NAMESPACE), formation: { connectivity: "direct" } };
}

describe("e2e: a cluster stack with the real Pulumi CLI on the local control plane", function () {
    this.timeout(1_200_000);
    const stack = useLocalStack(STACK, NAMESPACE);
    let cluster: LocalCluster;
    let pulumi: PulumiProject;
    let access: StackAccess;
    before(() => ({ cluster, pulumi } = stack));

    /**
     * `pulumi up`, then the StatefulSet's roll watched to its end. The pinned provider's StatefulSet
     * await can return before the controller has seen the new generation
     * (pulumi/pulumi-kubernetes#3329, fixed by #4094 after the pinned commit); a later scenario
     * must not start in the middle of an earlier one's roll.
     */
    const up = async () => {
        const r = await pulumi.ok(["up", "--yes", "--skip-preview", "--non-interactive", "-s", STACK]);
        kubectl(cluster, ["-n", NAMESPACE, "rollout", "status", "statefulset/redis-cluster", "--timeout=600s"]);
        return r;
    };

    it("1. previews a new stack, then deploys it: formation runs after the StatefulSet is ready, clients round-trip 10,000 keys", async () => {
        await pulumi.initStack(STACK, devShapedConfig());
        const preview = await pulumi.ok(["preview", "--non-interactive", "-s", STACK]);
        assert.match(preview.stdout, /kubernetes:apps\/v1:StatefulSet/);
        assert.match(preview.stdout, /ClusterFormation/);
        const created = await up();
        assert.match(created.stdout, /Resources:[\s\S]*created/);
        access = accessOf(await pulumi.outputs(STACK));
        assert.strictEqual(access.seeds.length, 6);
        const ioredis = runExample(access, "ioredis", "e2e-io", 10_000);
        assert.deepStrictEqual([ioredis.written, ioredis.readBack, ioredis.masters], [10_000, 10_000, 3]);
        const py = runExample(access, "redis-py", "e2e-py", 10_000, "e2e-io");
        assert.deepStrictEqual([py.written, py.readBack, py.checked], [10_000, 10_000, 10_000]);
        const check = clusterCheck(access);
        assert.ok(check.ok, check.output);
    });

    it("2. a preview right after changes nothing, and refresh is clean", async () => {
        const preview = await pulumi.run(["preview", "--expect-no-changes", "--non-interactive", "-s", STACK]);
        assert.strictEqual(preview.code, 0, tail(preview.stdout));
        const refresh = await pulumi.run(["refresh", "--yes", "--expect-no-changes", "--non-interactive", "-s", STACK]);
        assert.strictEqual(refresh.code, 0, tail(refresh.stdout));
    });

    // Before scenario 4 on purpose: the label change then updates a backup claim that a Job has
    // bound, which hung `pulumi up` for 300 s before the claims skipped the provider's await
    // (pulumi/pulumi-kubernetes#4179; docs/e2e.md).
    it("10. a backup Job made from the CronJob completes through the real Job controller, one RDB per shard on its volume", async () => {
        kubectl(cluster, ["-n", NAMESPACE, "create", "job", "--from=cronjob/redis-cluster-backup-hourly", "e2e-backup"]);
        const job = await waitFor("the backup Job to finish", 600_000, () => {
            const j = kubectlJson(cluster, ["-n", NAMESPACE, "get", "job", "e2e-backup"]);
            if ((j.status.failed ?? 0) > (j.spec.backoffLimit ?? 6)) throw new Error(`the backup Job failed: ${JSON.stringify(j.status)}`);
            return j.status.succeeded >= 1 ? j : undefined;
        });
        assert.ok(job.status.completionTime);
        const claim = kubectlJson(cluster, ["-n", NAMESPACE, "get", "pvc", "redis-cluster-backup-hourly"]);
        const volume = kubectlJson(cluster, ["get", "pv", claim.spec.volumeName]);
        const dir = path.join(volume.spec.hostPath?.path ?? volume.spec.local.path, "hourly");
        // The hourly schedule may fire on its own while the suite runs (CI once crossed 04:00), so
        // pick this Job's backup by its run window: the id is the UTC second the script started.
        const idTime = (id: string) => Date.parse(id.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
        const started = Date.parse(job.status.startTime) - 1000,
            finished = Date.parse(job.status.completionTime);
        const ids = fs.readdirSync(dir).filter((d) => /^\d{8}T\d{6}Z$/.test(d) && idTime(d) >= started && idTime(d) <= finished);
        assert.strictEqual(
            ids.length,
            1,
            `one complete backup from this Job (${job.status.startTime}..${job.status.completionTime}): ${fs.readdirSync(dir)}`,
        );
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, ids[0], "manifest.json"), "utf8"));
        assert.strictEqual(manifest.shardCount, 3);
        for (let i = 0; i < 3; i++) assert.ok(fs.statSync(path.join(dir, ids[0], `shard-${i}.rdb`)).size > 1000, `shard-${i}.rdb`);
    });

    it("3. a live setting (maxmemory) updates only the formation, and no pod restarts", async () => {
        const before = podRestarts(cluster, NAMESPACE, SELECTOR);
        const config = pulumi.config(STACK) as any;
        pulumi.setConfig(STACK, { ...config, redis: { ...config.redis, maxmemory: "96mb" } });
        const preview = await pulumi.ok(["preview", "--diff", "--non-interactive", "-s", STACK]);
        const changed = preview.stdout.split("\n").filter((l) => /^\s*[~+-]{1,2}\s+\S+:\S+/.test(l));
        assert.ok(changed.length > 0, tail(preview.stdout));
        for (const line of changed) assert.match(line, /ClusterFormation/, `only the formation may change:\n${tail(preview.stdout)}`);
        await up();
        assert.deepStrictEqual(podRestarts(cluster, NAMESPACE, SELECTOR), before, "pods were restarted or replaced");
        const check = clusterCheck(access);
        assert.ok(check.ok, check.output);
    });

    it("4. a label change does not replace the StatefulSet: every pod and claim stays", async () => {
        const sts = kubectlJson(cluster, ["-n", NAMESPACE, "get", "statefulset", "redis-cluster"]);
        const claims = kubectlJson(cluster, ["-n", NAMESPACE, "get", "pvc"])
            .items.map((c: any) => c.metadata.uid)
            .sort();
        // Scenario 10's Job bound the backup claim: the case of pulumi/pulumi-kubernetes#4179.
        const backupClaim = kubectlJson(cluster, ["-n", NAMESPACE, "get", "pvc", "redis-cluster-backup-hourly"]);
        assert.strictEqual(backupClaim.status.phase, "Bound");
        const config = pulumi.config(STACK) as any;
        pulumi.setConfig(STACK, { ...config, labels: { team: "analytics" } });
        const preview = await pulumi.ok(["preview", "--diff", "--non-interactive", "-s", STACK]);
        assert.doesNotMatch(preview.stdout, /\+-\s+kubernetes:apps\/v1:StatefulSet/, "the StatefulSet would be replaced");
        await up();
        const after = kubectlJson(cluster, ["-n", NAMESPACE, "get", "statefulset", "redis-cluster"]);
        assert.strictEqual(after.metadata.uid, sts.metadata.uid, "the StatefulSet was re-created");
        assert.deepStrictEqual(
            kubectlJson(cluster, ["-n", NAMESPACE, "get", "pvc"])
                .items.map((c: any) => c.metadata.uid)
                .sort(),
            claims,
        );
        const relabelled = kubectlJson(cluster, ["-n", NAMESPACE, "get", "pvc", "redis-cluster-backup-hourly"]);
        assert.strictEqual(relabelled.metadata.labels.team, "analytics", "the bound backup claim got the new label");
    });

    it("4b. a storage size change follows the README: no replacement, claims expanded, the template re-created around running pods", async () => {
        // Redis pods only: a backup Job's pod may come and go meanwhile.
        const uids = (kind: string) =>
            kubectlJson(cluster, ["-n", NAMESPACE, "get", kind, ...(kind === "pods" ? ["-l", SELECTOR] : [])])
                .items.map((o: any) => o.metadata.uid)
                .sort();
        const pods = uids("pods");
        const claims = uids("pvc");
        const sts = kubectlJson(cluster, ["-n", NAMESPACE, "get", "statefulset", "redis-cluster"]);
        const config = pulumi.config(STACK) as any;
        pulumi.setConfig(STACK, { ...config, storage: { ...config.storage, size: "2Gi" } });
        // README steps 2-4: up (no pod restarts), then expand each claim.
        const preview = await pulumi.ok(["preview", "--diff", "--non-interactive", "-s", STACK]);
        assert.doesNotMatch(preview.stdout, /\+-\s+kubernetes:apps\/v1:StatefulSet/, "the StatefulSet would be replaced");
        await up();
        for (let i = 0; i < 6; i++) {
            kubectl(cluster, [
                "-n",
                NAMESPACE,
                "patch",
                "pvc",
                `data-redis-cluster-${i}`,
                "-p",
                JSON.stringify({ spec: { resources: { requests: { storage: "2Gi" } } } }),
            ]);
        }
        await waitFor(
            "every claim at 2Gi",
            60_000,
            () =>
                kubectlJson(cluster, ["-n", NAMESPACE, "get", "pvc"])
                    .items.filter((c: any) => c.metadata.name.startsWith("data-"))
                    .every((c: any) => c.status.capacity?.storage === "2Gi") || undefined,
        );
        // The template's size: delete the StatefulSet without its pods, refresh, up.
        kubectl(cluster, ["-n", NAMESPACE, "delete", "statefulset", "redis-cluster", "--cascade=orphan"]);
        await pulumi.ok(["refresh", "--yes", "--non-interactive", "-s", STACK]);
        await up();
        const recreated = kubectlJson(cluster, ["-n", NAMESPACE, "get", "statefulset", "redis-cluster"]);
        assert.notStrictEqual(recreated.metadata.uid, sts.metadata.uid, "the StatefulSet was re-created");
        assert.strictEqual(recreated.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "2Gi");
        assert.deepStrictEqual(uids("pods"), pods, "no pod was replaced");
        assert.deepStrictEqual(uids("pvc"), claims, "no claim was replaced");
        const check = clusterCheck(access);
        assert.ok(check.ok, check.output);
    });

    it("5. a password rotation: the old password is refused, the new one works, and refresh is clean", async () => {
        const config = pulumi.config(STACK) as any;
        pulumi.setConfig(STACK, { ...config, auth: { ...(config.auth ?? {}), rotation: 1 } });
        const preview = await pulumi.ok(["preview", "--diff", "--non-interactive", "-s", STACK]);
        assert.match(preview.stdout, /RandomPassword/, "the preview shows the new passwords");
        await up();
        const old = access;
        access = accessOf(await pulumi.outputs(STACK));
        assert.notStrictEqual(access.password, old.password);
        const check = clusterCheck(access);
        assert.ok(check.ok, check.output);
        assert.ok(!clusterCheck(old).ok, "the old password still works");
        const refresh = await pulumi.run(["refresh", "--yes", "--expect-no-changes", "--non-interactive", "-s", STACK]);
        assert.strictEqual(refresh.code, 0, tail(refresh.stdout));
    });

    it("6. shards 3 -> 4 -> 3 under write load: the preview prints the plan, no WAIT-acknowledged write is lost", async () => {
        for (const shards of [4, 3]) {
            const config = pulumi.config(STACK) as any;
            pulumi.setConfig(STACK, { ...config, shards });
            const preview = await pulumi.ok(["preview", "--diff", "--non-interactive", "-s", STACK]);
            assert.match(preview.stdout, /ClusterFormation/);
            const report = await withWrites(access, `scale${shards}`, up);
            assert.deepStrictEqual(report.lostReplicaAcknowledged, [], `shards=${shards}`);
            access = accessOf(await pulumi.outputs(STACK));
            assert.strictEqual(access.seeds.length, shards * 2);
            const check = clusterCheck(access);
            assert.ok(check.ok, check.output);
        }
    });

    it("7. an image change rolls the pods one at a time through the real StatefulSet controller; masters hand over", async () => {
        const before = podRestarts(cluster, NAMESPACE, SELECTOR);
        const config = pulumi.config(STACK) as any;
        // Another spelling of the default release (without its digest): a template change, same release.
        pulumi.setConfig(STACK, { ...config, image: "valkey/valkey:8.1.9-alpine" });
        const report = await withWrites(access, "roll", async () => {
            await up();
            // The pinned provider's StatefulSet await can return before the controller has seen the
            // new generation (pulumi/pulumi-kubernetes#3329, fixed by #4094 after our pin): wait for
            // the roll as kubectl does.
            kubectl(cluster, ["-n", NAMESPACE, "rollout", "status", "statefulset/redis-cluster", "--timeout=600s"]);
        });
        assert.deepStrictEqual(report.lostReplicaAcknowledged, []);
        const after = podRestarts(cluster, NAMESPACE, SELECTOR);
        for (const name of Object.keys(before)) assert.notStrictEqual(after[name]?.uid, before[name].uid, `${name} was not replaced`);
        // One at a time, from the highest ordinal down, each after the one before it was Ready.
        const pods = kubectlJson(cluster, ["-n", NAMESPACE, "get", "pods", "-l", SELECTOR]).items;
        const byOrdinal = (i: number) => pods.find((p: any) => p.metadata.name === `redis-cluster-${i}`);
        for (let i = 4; i >= 0; i--) {
            const previousReady = Date.parse(byOrdinal(i + 1).status.conditions.find((c: any) => c.type === "Ready").lastTransitionTime);
            assert.ok(
                Date.parse(byOrdinal(i).metadata.creationTimestamp) >= previousReady - 1000,
                `redis-cluster-${i} was created before redis-cluster-${i + 1} was Ready`,
            );
        }
        const sts = kubectlJson(cluster, ["-n", NAMESPACE, "get", "statefulset", "redis-cluster"]);
        assert.strictEqual(sts.status.updatedReplicas, 6);
        const check = clusterCheck(access);
        assert.ok(check.ok, check.output);
    });

    it("8. kubectl delete pod --all: every pod returns on a new address and the cluster recovers with no action", async () => {
        const before = podRestarts(cluster, NAMESPACE, SELECTOR);
        const sample = runExample(access, "ioredis", "e2e-before-delete", 1000);
        assert.strictEqual(sample.readBack, 1000);
        kubectl(cluster, ["-n", NAMESPACE, "delete", "pod", "-l", SELECTOR, "--wait=false"]);
        await waitFor("every pod back, Ready, on a new address", 600_000, () => {
            const now = podRestarts(cluster, NAMESPACE, SELECTOR);
            const pods = kubectlJson(cluster, ["-n", NAMESPACE, "get", "pods", "-l", SELECTOR]).items;
            const ready = pods.filter((p: any) => p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"));
            const fresh = Object.keys(before).every((n) => now[n] && now[n].uid !== before[n].uid && now[n].ip !== before[n].ip);
            return ready.length === 6 && fresh ? true : undefined;
        });
        await waitFor("the cluster whole again", 300_000, () => clusterCheck(access).ok || undefined);
        const after = runExample(access, "ioredis", "e2e-after-delete", 100, "e2e-before-delete");
        assert.strictEqual(after.checked, 100);
    });

    it("11. destroy empties the state and keeps the data claims, as documented", async () => {
        await pulumi.ok(["destroy", "--yes", "--skip-preview", "--non-interactive", "-s", STACK]);
        const state = JSON.parse((await pulumi.ok(["stack", "export", "-s", STACK])).stdout);
        assert.deepStrictEqual((state.deployment.resources ?? []).length, 0);
        const claims = kubectlJson(cluster, ["-n", NAMESPACE, "get", "pvc"]).items.map((c: any) => c.metadata.name);
        // Every pod's claim, and those of the pods the 4 -> 3 scale-in removed (whenScaled: Retain).
        for (let i = 0; i < 8; i++) assert.ok(claims.includes(`data-redis-cluster-${i}`), `data-redis-cluster-${i} is retained: ${claims}`);
        assert.deepStrictEqual(kubectlJson(cluster, ["-n", NAMESPACE, "get", "pods"]).items.length, 0, "no pod is left running");
    });

    it("12. up again after destroy: the retained namespace and claims bring the data back", async () => {
        await up();
        access = accessOf(await pulumi.outputs(STACK));
        const check = clusterCheck(access);
        assert.ok(check.ok, check.output);
        // Keys written in scenario 8, before the pods were deleted, are still there.
        const again = runExample(access, "ioredis", "e2e-after-destroy", 100, "e2e-before-delete");
        assert.strictEqual(again.checked, 100);
    });
});
