// The real control plane of `npm run kube` (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler built from their Go modules) without the node agent: admission, RBAC, the
// controllers, the scheduler, the provisioner and the stand-in CRDs, each proven with the real
// kubectl, then `down` leaves no process and no state.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { locateBin } from "../../kube/binaries";
import { down, status, upControlPlane } from "../../kube/cluster";
import type { ControlPlane } from "../../kube/control-plane";
import { httpsGet, waitUntil } from "../../kube/health";
import { writeKubeconfig } from "../../kube/kubeconfig";
import { kubectl, KubectlResult } from "../../kube/kubectl";
import { ensureLeaf } from "../../kube/pki";
import { alive } from "../../kube/processes";
import { layout, loadState } from "../../kube/state";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec } from "../../components/settings/spec";
import { podTemplates, PodTemplate } from "../support/pod-templates";
import { restrictedViolations } from "../support/pod-security";

const NS = "kube-test";
const NODE = "test-node-1";

describe("kube control plane (real etcd, apiserver, controller-manager, scheduler)", function () {
    this.timeout(600000);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "kube-control-plane-"));
    const dir = path.join(root, "state");
    let bin: string;
    let cp: ControlPlane | undefined;
    const k = (args: string[], input?: string): KubectlResult => kubectl(bin, cp!.adminKubeconfig, args, { input, timeoutMs: 90000 });
    const ok = (args: string[], input?: string): string => {
        const r = k(args, input);
        assert.strictEqual(r.status, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
    };
    const json = (args: string[]) => JSON.parse(ok([...args, "-o", "json"]));
    const apply = (...objects: object[]) => ok(["apply", "-f", "-"], objects.map((o) => stringify(o)).join("---\n"));
    /** Polls `get` until `test` holds, bounded; kubectl errors count as "not yet". */
    const until = (what: string, timeoutMs: number, args: string[], test: (o: any) => boolean) =>
        waitUntil(
            what,
            timeoutMs,
            async () => {
                const r = k([...args, "-o", "json"]);
                if (r.status !== 0) return { ok: false, detail: r.stderr.trim() };
                return { ok: test(JSON.parse(r.stdout)), detail: r.stdout.slice(0, 400) };
            },
            undefined,
            500,
        );
    /** Pods need their namespace's default ServiceAccount (the serviceaccount controller makes it). */
    const namespace = async (name: string, labels: Record<string, string> = {}) => {
        apply({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
        await until(`serviceaccount ${name}/default`, 60000, ["get", "serviceaccount", "default", "-n", name], () => true);
    };

    before(async function () {
        bin = locateBin();
        const started = Date.now();
        cp = await upControlPlane(dir, bin, (msg) => console.log(`      ${msg}`));
        console.log(`      control plane up in ${((Date.now() - started) / 1000).toFixed(1)} s (state ${dir})`);
    });

    after(async () => {
        // Runs on failure too: nothing may outlive the test.
        if (fs.existsSync(dir)) await down(dir);
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("is healthy: /readyz, the components' /healthz, status", async () => {
        const s = await status(dir);
        assert.ok(s.healthy, s.lines.join("\n"));
        const version = JSON.parse(ok(["version", "-o", "json"]));
        assert.strictEqual(version.serverVersion.gitVersion, "v1.34.4");
        // The apiserver binds loopback only.
        assert.match(cp!.apiServer, /^https:\/\/127\.0\.0\.1:\d+$/);
        const svc = json(["get", "service", "kubernetes", "-n", "default"]);
        assert.strictEqual(svc.spec.clusterIP, "198.18.128.1");
    });

    it("PodSecurity admission is live: restricted refuses a privileged pod that baseline-free namespaces accept", async () => {
        await namespace("ps-restricted", { "pod-security.kubernetes.io/enforce": "restricted" });
        const pod = (ns: string) => ({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "priv", namespace: ns },
            spec: { containers: [{ name: "c", image: "valkey/valkey:8.1-alpine", securityContext: { privileged: true } }] },
        });
        const refused = k(["apply", "-f", "-"], stringify(pod("ps-restricted")));
        assert.notStrictEqual(refused.status, 0, "a privileged pod was admitted into a restricted namespace");
        assert.match(refused.stderr, /violates PodSecurity "restricted:latest"/);
        assert.match(refused.stderr, /privileged/);
        // The same pod passes where no level is enforced: it is PodSecurity refusing, not --allow-privileged.
        ok(["apply", "--dry-run=server", "-f", "-"], stringify(pod("default")));
    });

    it("the real PodSecurity admission agrees with our oracle: every rendered pod is admitted where it lives, node tuning only in its own namespace", async () => {
        const spec = resolveSpec({ systemInit: { enabled: true }, namespace: "ps-redis", backup: { s3: { enabled: false } } });
        const objects = buildAllObjects(spec, "x");
        for (const ns of objects.filter((o) => o.kind === "Namespace")) {
            apply(ns);
            await until(
                `serviceaccount ${ns.metadata.name}/default`,
                60000,
                ["get", "serviceaccount", "default", "-n", ns.metadata.name],
                () => true,
            );
        }
        const namespaceOf = (where: string) => objects.find((o) => `${o.kind}/${o.metadata.name}` === where)!.metadata.namespace!;
        /** The pod a template makes; a StatefulSet's claim templates become the claims its pods mount. */
        const asPod = (t: PodTemplate, ns: string) => {
            const owner = objects.find((o) => `${o.kind}/${o.metadata.name}` === t.where) as any;
            const claims = (owner.spec.volumeClaimTemplates ?? []).map((c: any) => ({
                name: c.metadata.name,
                persistentVolumeClaim: { claimName: `${c.metadata.name}-check` },
            }));
            const spec = { ...t.spec, volumes: [...(t.spec.volumes ?? []), ...claims] };
            return stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "check", namespace: ns, labels: t.labels }, spec });
        };
        const templates = podTemplates(objects);
        assert.ok(templates.length >= 2, templates.map((t) => t.where).join(", "));
        for (const t of templates) {
            // Admitted where the render puts it (the oracle finds nothing there, or the namespace is privileged)...
            ok(["apply", "--dry-run=server", "-f", "-"], asPod(t, namespaceOf(t.where)));
            // ...and the restricted Redis namespace refuses exactly the templates the oracle flags.
            const inRedis = k(["apply", "--dry-run=server", "-f", "-"], asPod(t, spec.names.namespace));
            const flagged = restrictedViolations(t);
            assert.strictEqual(
                inRedis.status !== 0,
                flagged.length > 0,
                `${t.where}: oracle ${JSON.stringify(flagged)}, admission: ${inRedis.stderr}`,
            );
        }
        const tuning = templates.find((t) => t.where.startsWith("DaemonSet/"))!;
        const refused = k(["apply", "--dry-run=server", "-f", "-"], asPod(tuning, spec.names.namespace)).stderr;
        // The admission controller's words for each rule the oracle names.
        const words: Record<string, RegExp> = {
            privileged: /privileged \(container "disable-thp"/,
            allowPrivilegeEscalation: /allowPrivilegeEscalation != false/,
            capabilities_restricted: /unrestricted capabilities/,
            runAsNonRoot: /runAsNonRoot != true/,
            runAsUser: /runAsUser=0/,
            // Restricted's volume-type check overrides baseline's hostPath check: one message names both.
            hostPath_volumes: /type "hostPath"/,
            restrictedVolumes: /restricted volume types/,
        };
        for (const v of restrictedViolations(tuning))
            assert.match(refused, words[v.rule] ?? /^$/, `${v.rule} not named by the admission controller: ${refused}`);
    });

    it("RBAC: anonymous, a user without bindings and a fresh service account are refused; a binding grants", async () => {
        const anonymous = await httpsGet(`${cp!.apiServer}/api/v1/namespaces/default/secrets`, { ca: cp!.pki.ca.cert });
        assert.strictEqual(anonymous.status, 403, anonymous.body);
        assert.match(anonymous.body, /system:anonymous/);

        const jane = ensureLeaf(path.join(root, "jane"), "jane", cp!.pki.ca, { cn: "jane", usages: ["clientAuth"] });
        const janeConfig = path.join(root, "jane.kubeconfig");
        writeKubeconfig(janeConfig, cp!.apiServer, cp!.pki.ca.cert, "jane", jane);
        const asJane = (args: string[]) => kubectl(bin, janeConfig, args);
        const denied = asJane(["get", "pods", "-n", "default"]);
        assert.notStrictEqual(denied.status, 0);
        assert.match(denied.stderr, /User "jane" cannot list resource "pods"/);
        ok(["create", "rolebinding", "jane-view", "--clusterrole=view", "--user=jane", "-n", "default"]);
        await waitUntil("jane's rolebinding to take effect", 30000, async () => {
            const r = asJane(["get", "pods", "-n", "default"]);
            return { ok: r.status === 0, detail: r.stderr };
        });
        assert.match(asJane(["get", "secrets", "-n", "default"]).stderr, /cannot list resource "secrets"/);

        // A token signed with the service-account key: authenticates, and has no rights of its own.
        ok(["create", "serviceaccount", "robot", "-n", "default"]);
        const token = ok(["create", "token", "robot", "-n", "default", "--duration=10m"]).trim();
        const empty = path.join(root, "empty.kubeconfig");
        fs.writeFileSync(empty, "apiVersion: v1\nkind: Config\n");
        const asRobot = (args: string[]) =>
            kubectl(bin, empty, [`--server=${cp!.apiServer}`, `--certificate-authority=${cp!.pki.ca.cert}`, `--token=${token}`, ...args]);
        const whoami = asRobot(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
        assert.strictEqual(whoami.stdout, "system:serviceaccount:default:robot", whoami.stderr);
        assert.match(asRobot(["get", "secrets", "-n", "default"]).stderr, /cannot list resource "secrets"/);
    });

    it("a StatefulSet's pod is created and scheduled; its claim is provisioned, bound, expanded and deleted", async () => {
        await namespace(NS);
        // A Node made by hand (no kubelet: the node agent is not part of this test), reporting Ready.
        apply({
            apiVersion: "v1",
            kind: "Node",
            metadata: { name: NODE, labels: { "kubernetes.io/hostname": NODE, "topology.kubernetes.io/zone": "zone-a" } },
        });
        const now = new Date().toISOString();
        const resources = { cpu: "2", memory: "4Gi", pods: "110" };
        ok([
            "patch",
            "node",
            NODE,
            "--subresource=status",
            "--type=merge",
            "-p",
            JSON.stringify({
                status: {
                    capacity: resources,
                    allocatable: resources,
                    conditions: [
                        {
                            type: "Ready",
                            status: "True",
                            reason: "KubeletReady",
                            message: "test",
                            lastHeartbeatTime: now,
                            lastTransitionTime: now,
                        },
                    ],
                },
            }),
        ]);
        apply({
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "web", namespace: NS },
            spec: {
                serviceName: "web",
                replicas: 1,
                selector: { matchLabels: { app: "web" } },
                template: {
                    metadata: { labels: { app: "web" } },
                    spec: { containers: [{ name: "redis", image: "valkey/valkey:8.1-alpine" }] },
                },
                volumeClaimTemplates: [
                    { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
                ],
            },
        });
        // statefulset controller -> pod and claim; scheduler -> selected-node; provisioner -> PV; PV controller -> bound; scheduler -> nodeName.
        const pod = await until("web-0 scheduled", 120000, ["get", "pod", "web-0", "-n", NS], (p) => p.spec.nodeName === NODE).then(() =>
            json(["get", "pod", "web-0", "-n", NS]),
        );
        assert.strictEqual(pod.spec.nodeName, NODE);
        const pvc = json(["get", "pvc", "data-web-0", "-n", NS]);
        assert.strictEqual(pvc.spec.storageClassName, "local-path", "the default StorageClass was not applied");
        assert.strictEqual(pvc.status.phase, "Bound");
        const pv = json(["get", "pv", pvc.spec.volumeName]);
        const volumeDir = pv.spec.hostPath.path;
        assert.strictEqual(path.dirname(volumeDir), layout(dir).volumes);
        assert.ok(fs.statSync(volumeDir).isDirectory());
        assert.strictEqual(pv.spec.capacity.storage, "1Gi");
        assert.deepStrictEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [NODE]);

        ok([
            "patch",
            "pvc",
            "data-web-0",
            "-n",
            NS,
            "--type=merge",
            "-p",
            JSON.stringify({ spec: { resources: { requests: { storage: "2Gi" } } } }),
        ]);
        await until("claim expanded to 2Gi", 60000, ["get", "pvc", "data-web-0", "-n", NS], (c) => c.status.capacity?.storage === "2Gi");
        assert.strictEqual(json(["get", "pv", pv.metadata.name]).spec.capacity.storage, "2Gi");
        assert.match(ok(["get", "pvc", "data-web-0", "-n", NS]), /data-web-0\s+Bound\s+\S+\s+2Gi/);

        ok(["delete", "statefulset", "web", "-n", NS, "--wait=false"]);
        // No kubelet confirms the pod's end, so it is removed by force, as after a node loss.
        ok(["delete", "pod", "web-0", "-n", NS, "--force", "--grace-period=0", "--ignore-not-found"]);
        ok(["delete", "pvc", "data-web-0", "-n", NS, "--wait=false"]);
        await waitUntil(`${pv.metadata.name} deleted`, 90000, async () => {
            const r = k(["get", "pv", pv.metadata.name, "--ignore-not-found", "-o", "name"]);
            return { ok: r.status === 0 && r.stdout.trim() === "" && !fs.existsSync(volumeDir), detail: r.stdout + r.stderr };
        });
    });

    it("kubectl create job --from=cronjob makes a Job and the job controller its Pod", async () => {
        await namespace(NS);
        ok([
            "create",
            "cronjob",
            "nightly",
            "-n",
            NS,
            "--image=valkey/valkey:8.1-alpine",
            "--schedule=0 3 * * *",
            "--",
            "redis-cli",
            "ping",
        ]);
        ok(["create", "job", "manual", "-n", NS, "--from=cronjob/nightly"]);
        const job = json(["get", "job", "manual", "-n", NS]);
        assert.strictEqual(job.metadata.ownerReferences?.[0]?.kind, "CronJob");
        const pods = await until(
            "the Job's pod",
            90000,
            ["get", "pods", "-n", NS, "-l", "batch.kubernetes.io/job-name=manual"],
            (l) => l.items.length === 1,
        ).then(() => json(["get", "pods", "-n", NS, "-l", "batch.kubernetes.io/job-name=manual"]));
        assert.strictEqual(pods.items[0].metadata.ownerReferences[0].name, "manual");
        assert.deepStrictEqual(pods.items[0].spec.containers[0].command, ["redis-cli", "ping"]);
    });

    it("the stand-in CRDs accept and keep ServiceMonitor, PrometheusRule and Certificate objects", async () => {
        await namespace(NS);
        apply(
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: "redis", namespace: NS },
                spec: { selector: { matchLabels: { app: "redis" } }, endpoints: [{ port: "metrics", interval: "30s" }] },
            },
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "redis", namespace: NS },
                spec: { groups: [{ name: "redis", rules: [{ alert: "RedisDown", expr: "redis_up == 0", for: "1m" }] }] },
            },
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: "redis", namespace: NS },
                spec: { secretName: "redis-tls", issuerRef: { name: "ca", kind: "Issuer" }, dnsNames: ["redis.kube-test.svc"] },
            },
        );
        assert.strictEqual(json(["get", "servicemonitor", "redis", "-n", NS]).spec.endpoints[0].port, "metrics");
        assert.strictEqual(json(["get", "prometheusrule", "redis", "-n", NS]).spec.groups[0].rules[0].expr, "redis_up == 0");
        assert.strictEqual(json(["get", "certificate", "redis", "-n", NS]).spec.secretName, "redis-tls");
    });

    it("down stops every process it started and removes the state", async () => {
        const procs = Object.values(loadState(dir)!.processes);
        assert.strictEqual(procs.length, 5, JSON.stringify(procs));
        assert.ok(procs.every(alive));
        await down(dir);
        assert.deepStrictEqual(procs.filter(alive), []);
        assert.ok(!fs.existsSync(dir));
        // Nothing else runs from the state folder either.
        const strays = fs
            .readdirSync("/proc")
            .filter((p) => /^\d+$/.test(p))
            .filter((p) => {
                try {
                    return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(dir);
                } catch {
                    return false;
                }
            });
        assert.deepStrictEqual(strays, []);
    });
});
