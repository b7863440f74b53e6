// NetworkPolicies enforced by the kernel in local mode (dev stack): local mode loads the rendered
// policies into an nftables table of its own, gives each pod's processes the pod's address, and
// the kernel accepts or refuses each connection. Real processes connect from inside pods (their
// cgroups) and from outside; every connection the kernel recorded is then checked against the
// NetworkPolicy oracle.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as net from "net";
import { render } from "../../local/deployment";
import { enforcementMode, podCgroupDir, policedPods, tableOf } from "../../local/network-policy-enforcement";
import { commandLine } from "../../local/pod";
import { JOB_POD_NAME } from "../../local/state";
import { PORTS } from "../../components/settings/spec";
import { auditConnections, auditSummary, stateDirOf } from "../support/policy-audit";
import { printLogsOnFailure, startDevDeployment, TestDeployment } from "../support/local-deployment";

const BASE = "127.0.54.11";
/** An address no pod of the deployment holds: a client outside it (another namespace's pod, no labels the policies name). */
const STRANGER = "127.0.54.200";

/** Connects from inside pod `pod` (its cgroup) to `host:port`: "connected" or the error's code. */
function connectFromPod(dir: string, pod: string, host: string, port: number): string {
    const cgroup = podCgroupDir(dir, pod);
    assert.ok(cgroup, `pod ${pod} has no cgroup`);
    const script =
        "import socket,sys\ntry:\n s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=3); print('connected', s.getsockname()[0])\n" +
        "except OSError as e:\n print(type(e).__name__)";
    const [cmd, ...args] = commandLine({
        name: "probe",
        argv: ["/usr/bin/python3", "-c", script, host, String(port)],
        env: {},
        probes: {},
        cgroup,
    });
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    return (r.stdout + r.stderr).trim();
}

/** Connects from `localAddress` (undefined: the host's default, 127.0.0.1) and reads the reply to PING. */
function pingFrom(host: string, port: number, localAddress?: string): Promise<string> {
    return new Promise((resolve) => {
        const s = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
        s.setTimeout(3000, () => {
            s.destroy();
            resolve("timeout");
        });
        s.on("connect", () => s.write("PING\r\n"));
        s.on("data", (d) => {
            s.destroy();
            resolve(d.toString().trim());
        });
        s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
}

describe("NetworkPolicies enforced by the kernel (local mode, dev stack)", function () {
    this.timeout(180000);
    let t: TestDeployment;
    let dir: string;
    let pods: { name: string; address: string }[];

    before(async () => {
        const mode = enforcementMode();
        assert.ok(mode.on, `enforcement is off here: ${"reason" in mode ? mode.reason : ""}`);
        t = await startDevDeployment(BASE);
        dir = stateDirOf(t.deployment.passwordFile);
        pods = t.deployment.pods;
    });
    afterEach(function () {
        printLogsOnFailure(this, t, "dev");
    });
    after(() => t?.stop());

    it("loads a table of the deployment's own, listing every pod and the Job pods", () => {
        const { table } = tableOf(dir);
        const listed = spawnSync("nft", ["list", "table", "inet", table], { encoding: "utf8" });
        assert.strictEqual(listed.status, 0, listed.stderr);
        for (const p of pods) assert.match(listed.stdout, new RegExp(p.address.replace(/\./g, "\\.")));
        assert.deepStrictEqual(
            policedPods(dir)
                .map((p) => p.name)
                .sort(),
            [...pods.map((p) => p.name), JOB_POD_NAME].sort(),
        );
    });

    it("a pod's processes leave from the pod's address, and may reach a peer's client and bus ports", () => {
        const [a, b] = pods;
        assert.strictEqual(connectFromPod(dir, a.name, b.address, PORTS.redis), `connected 127.0.0.1`);
        assert.strictEqual(connectFromPod(dir, a.name, b.address, PORTS.bus), `connected 127.0.0.1`);
        // The server sees the pod's address: ask Redis who is connected, from inside pod a.
        const cgroup = podCgroupDir(dir, a.name)!;
        const [cmd, ...args] = commandLine({
            name: "cli",
            argv: ["redis-cli", "--user", "admin", "-h", b.address, "CLIENT", "INFO"],
            env: {},
            probes: {},
            cgroup,
        });
        const info = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, REDISCLI_AUTH: t.adminPassword } });
        assert.match(info.stdout, new RegExp(`addr=${a.address.replace(/\./g, "\\.")}:`), info.stdout + info.stderr);
    });

    it("the kernel refuses what the policies forbid: a Redis pod to a peer's exporter, the Job pods to the bus port", () => {
        const [a, b] = pods;
        assert.strictEqual(connectFromPod(dir, a.name, b.address, PORTS.exporter), "ConnectionRefusedError");
        assert.strictEqual(connectFromPod(dir, JOB_POD_NAME, b.address, PORTS.bus), "ConnectionRefusedError");
        // The backup Jobs' policy lets them reach Redis itself.
        assert.strictEqual(connectFromPod(dir, JOB_POD_NAME, b.address, PORTS.redis), "connected 127.0.0.1");
    });

    it("a client outside the deployment is refused on the Redis port; the host (port-forward, API server) is not", async () => {
        const [a] = pods;
        assert.strictEqual(await pingFrom(a.address, PORTS.redis, STRANGER), "ECONNREFUSED");
        // Redis answers the host: it asks for a password, which proves the connection was made.
        assert.match(await pingFrom(a.address, PORTS.redis), /^-NOAUTH/);
    });

    it("every connection the kernel recorded agrees with the policies", async () => {
        const audit = auditConnections(dir, (await render("dev")).objects);
        console.log(`      ${auditSummary(audit)}`);
        assert.deepStrictEqual(audit.disagreements, []);
        // The cluster's own traffic (bus, replication) was recorded, and the refusals above were.
        assert.ok(
            audit.accepted.some((c) => c.port === PORTS.bus && c.fromPod && c.toPod),
            "no pod-to-pod bus connection recorded",
        );
        assert.ok(
            audit.refused.some((c) => c.port === PORTS.exporter),
            "the refused exporter connection was not recorded",
        );
        assert.ok(
            audit.refused.some((c) => c.from === STRANGER),
            "the refused outside client was not recorded",
        );
    });
});
