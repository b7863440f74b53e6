// TLS as rendered: the cert-manager Certificate or the user's Secret, the directives that turn
// plaintext off, and every consumer of the certificate (Redis, Sentinel, exporter, scripts,
// backup jobs) wired to the same files. The behaviour is proven in test/integration/tls.test.ts.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { buildAllObjects } from "../../components/kubernetes";
import { buildBackupObjects } from "../../components/backup/jobs";
import { packageRoot } from "../../components/package-files";
import { renderRedisConf } from "../../components/redis/redis-conf";
import { renderSentinelConf } from "../../components/redis/sentinel-conf";
import { resolveSpec } from "../../components/settings/spec";

const issued = { name: "cache", namespace: "team-a", tls: { enabled: true, issuerRef: { name: "internal-ca", kind: "ClusterIssuer" } } };
const find = (objects: any[], kind: string, name: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    assert.ok(o, `no ${kind} ${name}`);
    return o;
};
const envOf = (c: any) => Object.fromEntries((c.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
const TLS_ENV = { TLS_CERT_FILE: "/etc/redis-tls/tls.crt", TLS_KEY_FILE: "/etc/redis-tls/tls.key", TLS_CA_FILE: "/etc/redis-tls/ca.crt" };

describe("TLS rendering", () => {
    it("off: plaintext port, no certificate, no TLS volume or environment", () => {
        const spec = resolveSpec({});
        const objects = buildAllObjects(spec, "x") as any[];
        assert.ok(!objects.some((o) => o.kind === "Certificate"));
        assert.match(renderRedisConf(spec), /^port 6379$/m);
        assert.doesNotMatch(renderRedisConf(spec), /tls/);
        const pod = find(objects, "StatefulSet", "redis-cluster").spec.template.spec;
        assert.ok(!pod.volumes.some((v: any) => v.name === "tls"));
        assert.ok(!pod.containers[0].env.some((e: any) => e.name.startsWith("TLS_")));
    });

    it("with an issuer: a Certificate for the Services and every pod's name, issued before the pods mount it", () => {
        const objects = buildAllObjects(resolveSpec(issued), "x") as any[];
        const cert = find(objects, "Certificate", "cache-tls");
        assert.strictEqual(cert.apiVersion, "cert-manager.io/v1");
        assert.strictEqual(cert.spec.secretName, "cache-tls");
        assert.deepStrictEqual(cert.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "internal-ca" });
        for (const name of [
            "cache",
            "cache.team-a.svc",
            "cache.team-a.svc.cluster.local",
            "*.cache-headless.team-a.svc.cluster.local",
            "localhost",
        ]) {
            assert.ok(cert.spec.dnsNames.includes(name), `certificate lacks ${name}`);
        }
        assert.deepStrictEqual(
            cert.spec.usages.filter((u: string) => u.endsWith("auth")),
            ["server auth", "client auth"],
        );
        const order = objects.map((o) => o.kind);
        assert.ok(order.indexOf("Certificate") < order.indexOf("StatefulSet"));
    });

    it("turns plaintext off and TLS on for clients, replication and the cluster bus", () => {
        const conf = renderRedisConf(resolveSpec(issued));
        for (const line of ["port 0", "tls-port 6379", "tls-replication yes", "tls-cluster yes", "tls-auth-clients optional"]) {
            assert.match(conf, new RegExp(`^${line}$`, "m"), line);
        }
        // TLS 1.2 and 1.3 only; TLS 1.2 suites all AEAD with ECDHE (forward secrecy); TLS 1.3 keeps
        // OpenSSL's list (all AEAD, all ECDHE); session caching stays the engine's default (on).
        assert.match(conf, /^tls-protocols "TLSv1\.2 TLSv1\.3"$/m);
        const ciphers = /^tls-ciphers (\S+)$/m.exec(conf)![1].split(":");
        assert.ok(ciphers.length > 0);
        for (const c of ciphers) assert.match(c, /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/, c);
        assert.doesNotMatch(conf, /tls-ciphersuites|tls-session-caching/);
        // The start script adds the certificate's paths from the environment (local mode maps them).
        const start = fs.readFileSync(path.join(packageRoot, "components", "redis", "scripts", "redis-start.sh"), "utf8");
        assert.match(start, /echo "tls-cert-file \$TLS_CERT_FILE"/);
    });

    it("mounts the certificate and key into Redis only; the exporter gets the CA alone and scrapes the pod by its DNS name", () => {
        const pod = find(buildAllObjects(resolveSpec(issued), "x") as any[], "StatefulSet", "cache").spec.template.spec;
        assert.deepStrictEqual(
            pod.volumes.find((v: any) => v.name === "tls"),
            { name: "tls", secret: { secretName: "cache-tls", defaultMode: 0o440 } },
        );
        assert.deepStrictEqual(
            pod.volumes.find((v: any) => v.name === "tls-ca"),
            { name: "tls-ca", secret: { secretName: "cache-tls", defaultMode: 0o440, items: [{ key: "ca.crt", path: "ca.crt" }] } },
        );
        const [redis, exporter] = pod.containers;
        assert.deepStrictEqual(
            redis.volumeMounts.find((m: any) => m.name === "tls"),
            { name: "tls", mountPath: "/etc/redis-tls", readOnly: true },
        );
        for (const [k, v] of Object.entries(TLS_ENV)) assert.strictEqual(envOf(redis)[k], v);
        // No container but Redis mounts the volume that holds tls.key.
        const withKey = [...pod.initContainers, ...pod.containers].filter((c: any) =>
            (c.volumeMounts ?? []).some((m: any) => m.name === "tls"),
        );
        assert.deepStrictEqual(
            withKey.map((c: any) => c.name),
            ["redis"],
        );
        assert.deepStrictEqual(
            exporter.volumeMounts.find((m: any) => m.name === "tls-ca"),
            { name: "tls-ca", mountPath: "/etc/redis-tls-ca", readOnly: true },
        );
        const exp = envOf(exporter);
        assert.strictEqual(exp.REDIS_ADDR, "rediss://$(POD_NAME).cache-headless.$(POD_NAMESPACE).svc.cluster.local:6379");
        assert.strictEqual(exp.REDIS_EXPORTER_TLS_CA_CERT_FILE, "/etc/redis-tls-ca/ca.crt");
        assert.ok(!Object.keys(exp).some((k) => /CLIENT_(CERT|KEY)/.test(k)), "the exporter presents no certificate");
        // Redis accepts a client without a certificate, which is what lets the exporter hold no key.
        assert.match(renderRedisConf(resolveSpec(issued)), /^tls-auth-clients optional$/m);
        const names = exporter.env.map((e: any) => e.name);
        assert.ok(names.indexOf("POD_NAME") < names.indexOf("REDIS_ADDR") && names.indexOf("POD_NAMESPACE") < names.indexOf("REDIS_ADDR"));
    });

    it("tls.namespacedCa: a CA of the deployment's own in its namespace (self-signed Issuer -> CA Certificate -> CA Issuer) signs the certificate", () => {
        const objects = buildAllObjects(
            resolveSpec({ name: "cache", namespace: "team-a", tls: { enabled: true, namespacedCa: true } }),
            "x",
        ) as any[];
        const cm = objects.filter((o) => o.apiVersion === "cert-manager.io/v1");
        assert.deepStrictEqual(
            cm.map((o) => [o.kind, o.metadata.name, o.metadata.namespace]),
            [
                ["Issuer", "cache-ca-root", "team-a"],
                ["Certificate", "cache-ca", "team-a"],
                ["Issuer", "cache-ca", "team-a"],
                ["Certificate", "cache-tls", "team-a"],
            ],
        );
        assert.deepStrictEqual(cm[0].spec, { selfSigned: {} });
        assert.strictEqual(cm[1].spec.isCA, true);
        assert.deepStrictEqual(cm[1].spec.issuerRef, { group: "cert-manager.io", kind: "Issuer", name: "cache-ca-root" });
        assert.deepStrictEqual(cm[2].spec, { ca: { secretName: cm[1].spec.secretName } });
        assert.deepStrictEqual(cm[3].spec.issuerRef, { group: "cert-manager.io", kind: "Issuer", name: "cache-ca" });
        assert.ok(!objects.some((o) => o.kind === "ClusterIssuer"));
        // No pod mounts the CA's Secret: its key signs certificates and stays with cert-manager.
        const pods = objects.filter((o) => o.kind === "StatefulSet").map((o) => o.spec.template.spec);
        assert.ok(pods.every((p) => p.volumes.every((v: any) => v.secret?.secretName !== "cache-ca")));
    });

    it("tls: exactly one certificate source, each problem named with key, value and what is allowed", () => {
        for (const tls of [
            { enabled: true, namespacedCa: true, secretName: "x" },
            { enabled: true, namespacedCa: true, issuerRef: { name: "ca", kind: "ClusterIssuer" } },
        ]) {
            assert.throws(() => resolveSpec({ tls }), /tls.*exactly one of tls\.issuerRef.*tls\.namespacedCa/s);
        }
        assert.throws(() => resolveSpec({ tls: { namespacedCa: true } }), /tls\.enabled.*tls\.namespacedCa/s);
    });

    it("uses the user's Secret as it is when given one: no Certificate", () => {
        const objects = buildAllObjects(resolveSpec({ tls: { enabled: true, secretName: "my-redis-tls" } }), "x") as any[];
        assert.ok(!objects.some((o) => o.kind === "Certificate"));
        const pod = find(objects, "StatefulSet", "redis-cluster").spec.template.spec;
        assert.strictEqual(pod.volumes.find((v: any) => v.name === "tls").secret.secretName, "my-redis-tls");
    });

    it("the sentinel topology: Sentinels serve TLS and reach Redis over TLS; no cluster bus", () => {
        const spec = resolveSpec({ ...issued, topology: "sentinel", replicasPerShard: 2 });
        const sentinelConf = renderSentinelConf(spec);
        for (const line of ["port 0", "tls-port 26379", "tls-replication yes", 'tls-protocols "TLSv1.2 TLSv1.3"'])
            assert.match(sentinelConf, new RegExp(`^${line}$`, "m"), line);
        assert.match(sentinelConf, /^tls-ciphers ECDHE-/m);
        assert.doesNotMatch(sentinelConf + renderRedisConf(spec), /tls-cluster/);
        const objects = buildAllObjects(spec, "x") as any[];
        const sentinel = find(objects, "StatefulSet", "cache-sentinel").spec.template.spec;
        assert.ok(sentinel.volumes.some((v: any) => v.name === "tls"));
        for (const [k, v] of Object.entries(TLS_ENV)) assert.strictEqual(envOf(sentinel.containers[0])[k], v);
        assert.ok(find(objects, "Certificate", "cache-tls").spec.dnsNames.includes("*.cache-sentinel-headless.team-a.svc.cluster.local"));
        assert.strictEqual(
            envOf(sentinel.containers[1]).REDIS_ADDR,
            "rediss://$(POD_NAME).cache-sentinel-headless.$(POD_NAMESPACE).svc.cluster.local:26379",
        );
    });

    it("backup dumps speak TLS with the CA alone and the same redis-cli wrapper as the pods", () => {
        const spec = resolveSpec({ ...issued, backup: { s3: { enabled: false } } });
        const objects = buildBackupObjects(spec) as any[];
        const pod = find(objects, "CronJob", "cache-backup-daily").spec.jobTemplate.spec.template.spec;
        const dump = [...(pod.initContainers ?? []), ...pod.containers].find((c: any) => c.name === "dump");
        // The CA only: the dump verifies Redis and presents no certificate, so no key is in the pod.
        assert.deepStrictEqual(
            Object.keys(envOf(dump)).filter((k) => k.startsWith("TLS_")),
            ["TLS_CA_FILE"],
        );
        assert.strictEqual(envOf(dump).TLS_CA_FILE, "/etc/redis-tls-ca/ca.crt");
        assert.deepStrictEqual(
            pod.volumes.filter((v: any) => v.secret?.secretName === "cache-tls"),
            [{ name: "tls-ca", secret: { secretName: "cache-tls", defaultMode: 0o440, items: [{ key: "ca.crt", path: "ca.crt" }] } }],
        );
        const backupScripts = find(objects, "ConfigMap", "cache-backup-scripts").data;
        const podScripts = find(buildAllObjects(spec, "x") as any[], "ConfigMap", "cache-scripts").data;
        assert.strictEqual(backupScripts["redis-cli.sh"], podScripts["redis-cli.sh"]);
    });

    it("every script reaches Redis through redis-cli.sh, so none can miss TLS", () => {
        const dirs = [
            ["components", "redis", "scripts"],
            ["components", "backup", "scripts"],
        ].map((d) => path.join(packageRoot, ...d));
        for (const dir of dirs) {
            for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".sh") && f !== "redis-cli.sh")) {
                const text = fs.readFileSync(path.join(dir, file), "utf8");
                // backup-verify.sh talks to the scratch Redis it started itself, inside its own pod.
                const direct = text
                    .split("\n")
                    .filter((l) => !l.trim().startsWith("#") && /(^|[\s$(])redis-cli\s/.test(l) && file !== "backup-verify.sh");
                assert.deepStrictEqual(direct, [], `${file} calls redis-cli directly`);
            }
        }
    });
});
