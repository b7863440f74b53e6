import * as assert from "assert";
import { checkArgs, resolveSpec } from "../../components/settings/spec";
import { ConfigError } from "../../components/settings/errors";
import type { RedisClusterArgs } from "../../components/settings/args";
import { diskNeededBytes } from "../../components/settings/resource-rules";

describe("spec: defaults", () => {
    const spec = resolveSpec({});

    it("with profile production, carries the deployment guide's numbers (laptop defaults: defaults-profile.test.ts)", () => {
        const s = resolveSpec({ profile: "production" }).settings;
        assert.strictEqual(s.namespace, "redis-system");
        assert.strictEqual(s.topology, "cluster");
        assert.strictEqual(s.shards, 3);
        assert.strictEqual(s.replicasPerShard, 1);
        assert.strictEqual(spec.podCount, 6);
        assert.match(s.image, /^valkey\/valkey:8\.1\.\d+-alpine@sha256:[a-f0-9]{64}$/);
        // No CPU limit by default: a CFS quota throttles fork children (docs/persistence.md).
        assert.deepStrictEqual(s.resources, {
            requests: { cpu: "2", memory: "8Gi" },
            limits: { cpu: "", memory: "16Gi" },
            qos: "burstable",
        });
        assert.deepStrictEqual(s.storage, { size: "100Gi", storageClass: "fast-ssd" });
        assert.strictEqual(s.redis.maxmemory, "6gb");
        assert.strictEqual(s.redis.maxmemoryPolicy, "allkeys-lru");
        assert.strictEqual(s.redis.ioThreads, 4);
        assert.strictEqual(s.redis.appendonly, true);
        assert.strictEqual(s.redis.appendfsync, "everysec");
        assert.strictEqual(s.redis.autoAofRewritePercentage, 100);
        assert.strictEqual(s.redis.autoAofRewriteMinSize, "64mb");
        // `save ""`: the AOF persists, backups pull RDBs from replicas (docs/persistence.md).
        assert.deepStrictEqual(s.redis.save, []);
        assert.strictEqual(s.redis.rdbCompression, true);
        assert.strictEqual(s.redis.lazyfree, true);
        assert.strictEqual(s.redis.tcpBacklog, 4096);
        // An eighth of 6gb is more than the cap.
        assert.strictEqual(s.redis.replBacklogSize, "256mb");
        assert.strictEqual(s.scheduling.hostAntiAffinity, "required");
        assert.strictEqual(s.scheduling.zoneAntiAffinity, "preferred");
        assert.strictEqual(s.backup.hourly.schedule, "0 * * * *");
        assert.strictEqual(s.backup.hourly.keep, 3);
        // 02:30: away from the hourly run's minute, so two dumps never start together.
        assert.strictEqual(s.backup.daily.schedule, "30 2 * * *");
        assert.strictEqual(s.backup.verify.maxAgeMinutes, 0);
        assert.strictEqual(s.backup.daily.keep, 7);
        assert.strictEqual(s.systemInit.enabled, false);
        assert.strictEqual(s.sentinel, undefined);
    });

    it("warns that a listen backlog above a pod's somaxconn is capped, and keeps the default quiet", () => {
        assert.deepStrictEqual(
            resolveSpec({}).warnings.filter((w) => w.key === "redis.tcpBacklog"),
            [],
        );
        const high = resolveSpec({ redis: { tcpBacklog: 65535 } }).warnings.filter((w) => w.key === "redis.tcpBacklog");
        assert.strictEqual(high.length, 1);
        assert.strictEqual(high[0].value, 65535);
        assert.match(high[0].message, /somaxconn/);
    });

    it("sizes the replication backlog from maxmemory unless given (the engine counts it against maxmemory)", () => {
        const backlog = (redis: Record<string, string>) => resolveSpec({ redis }).settings.redis.replBacklogSize;
        assert.strictEqual(backlog({}), "16mb");
        assert.strictEqual(backlog({ maxmemory: "100mb" }), "12mb");
        assert.strictEqual(backlog({ maxmemory: "4mb" }), "512kb");
        // Within the rule at every size: never more than a quarter.
        assert.strictEqual(backlog({ maxmemory: "3mb" }), "384kb");
        assert.strictEqual(backlog({ maxmemory: "300mb" }), "37mb");
        assert.strictEqual(resolveSpec({ profile: "production", redis: { maxmemory: "12gb" } }).settings.redis.replBacklogSize, "256mb");
        assert.strictEqual(backlog({ replBacklogSize: "32mb" }), "32mb");
    });

    it("derives every name from the base name", () => {
        const n = resolveSpec({ name: "cache", namespace: "team-a" }).names;
        assert.deepStrictEqual(n, {
            namespace: "team-a",
            statefulSet: "cache",
            headlessService: "cache-headless",
            clientService: "cache",
            secret: "cache-auth",
            config: "cache-config",
            scripts: "cache-scripts",
            pdb: "cache",
            password: "cache-password",
            aclRules: "users.acl",
            backupScripts: "cache-backup-scripts",
            backupServiceAccount: "cache-backup",
            backupCredentials: "cache-backup-s3",
            backupReaderServiceAccount: "cache-backup-reader",
            backupReaderCredentials: "cache-backup-reader-s3",
            backup: { hourly: "cache-backup-hourly", daily: "cache-backup-daily" },
            backupVerify: "cache-backup-verify",
            nodeTuning: "cache-node-tuning",
            nodeTuningNamespace: "team-a-node-tuning",
        });
    });

    it("gives the sentinel topology its Sentinels, with defaults when the section is absent", () => {
        const spec = resolveSpec({ topology: "sentinel", name: "cache" });
        assert.deepStrictEqual(spec.sentinel, {
            settings: { replicas: 3, quorum: 2, downAfterMs: 5000, failoverTimeoutMs: 60000, hostAntiAffinity: "preferred" },
            masterName: "cache",
            names: {
                statefulSet: "cache-sentinel",
                headlessService: "cache-sentinel-headless",
                service: "cache-sentinel",
                pdb: "cache-sentinel",
                config: "cache-sentinel-config",
            },
            selectorLabels: {
                "app.kubernetes.io/name": "redis-sentinel",
                "app.kubernetes.io/instance": "cache",
                "app.kubernetes.io/component": "sentinel",
            },
            commonLabels: {
                "app.kubernetes.io/name": "redis-sentinel",
                "app.kubernetes.io/instance": "cache",
                "app.kubernetes.io/component": "sentinel",
                "app.kubernetes.io/managed-by": "pulumi",
                "app.kubernetes.io/part-of": "llm-analytics-hub",
            },
        });
        assert.strictEqual(
            resolveSpec({ topology: "sentinel", sentinel: { replicas: 5, quorum: 3, downAfterMs: 1000 } }).sentinel!.settings
                .failoverTimeoutMs,
            60000,
        );
        assert.strictEqual(resolveSpec({}).sentinel, undefined);
    });

    it("counts pods for both topologies", () => {
        assert.strictEqual(resolveSpec({ shards: 5, replicasPerShard: 2 }).podCount, 15);
        assert.strictEqual(resolveSpec({ topology: "sentinel", replicasPerShard: 2 }).podCount, 3);
    });

    it("accepts YAML numbers where Kubernetes expects quantities", () => {
        const s = resolveSpec({ resources: { requests: { cpu: 1 as unknown as string } } }).settings;
        assert.strictEqual(s.resources.requests.cpu, "1");
    });
});

// Each case: args, the key the error must name, and words the explanation must contain.
const BAD: [string, RedisClusterArgs | Record<string, unknown>, string, RegExp][] = [
    ["unknown top-level key (typo)", { shard: 3 }, "shard", /no such setting.*shards/],
    ["unknown nested key", { redis: { maxmemroy: "1gb" } }, "redis.maxmemroy", /no such setting.*maxmemory/],
    [
        "unknown key deep inside",
        { monitoring: { prometheusRule: { thresholds: { memPct: 5 } } } },
        "monitoring.prometheusRule.thresholds.memPct",
        /no such setting/,
    ],
    ["shards not a number", { shards: "three" }, "shards", /whole number/],
    ["shards fractional", { shards: 3.5 }, "shards", /whole number/],
    ["fewer than 3 shards in cluster mode", { shards: 2 }, "shards", /at least 3.*majority/],
    ["negative replicas", { replicasPerShard: -1 }, "replicasPerShard", /from 0 to 5/],
    ["unknown topology", { topology: "replication" }, "topology", /"cluster", "sentinel"/],
    ["sentinel settings with cluster topology", { sentinel: { quorum: 2 } }, "sentinel", /REPLICAOF not allowed in cluster mode/],
    ["shards with sentinel topology", { topology: "sentinel", shards: 3 }, "shards", /one master/],
    ["sentinel topology without replicas", { topology: "sentinel", replicasPerShard: 0 }, "replicasPerShard", /replica to promote/],
    [
        "sentinel quorum above sentinels",
        { topology: "sentinel", sentinel: { replicas: 3, quorum: 4 } },
        "sentinel.quorum",
        /more than half/,
    ],
    [
        "sentinel quorum of one of three",
        { topology: "sentinel", sentinel: { replicas: 3, quorum: 1 } },
        "sentinel.quorum",
        /more than half/,
    ],
    ["too few sentinels", { topology: "sentinel", sentinel: { replicas: 1, quorum: 1 } }, "sentinel.replicas", /at least 3/],
    [
        "sentinel quorum of two of four (a 2-2 split could fail over twice)",
        { topology: "sentinel", sentinel: { replicas: 4, quorum: 2 } },
        "sentinel.quorum",
        /more than half of sentinel.replicas \(4\)/,
    ],
    [
        "sentinel failover timeout within two down-after periods",
        { topology: "sentinel", sentinel: { downAfterMs: 30000, failoverTimeoutMs: 45000 } },
        "sentinel.failoverTimeoutMs",
        /at least twice sentinel.downAfterMs \(30000\)/,
    ],
    ["unpinned image", { image: "redis:latest" }, "image", /pinned/],
    ["image without tag", { image: "redis" }, "image", /pinned/],
    ["invalid CPU quantity", { resources: { requests: { cpu: "two" } } }, "resources.requests.cpu", /CPU quantity/],
    ["invalid memory quantity", { resources: { limits: { memory: "16 GB" } } }, "resources.limits.memory", /memory quantity/],
    [
        "request above limit",
        { resources: { requests: { memory: "32Gi" } } },
        "resources.requests.memory",
        /at most resources.limits.memory/,
    ],
    ["maxmemory too close to the memory limit", { redis: { maxmemory: "15gb" } }, "redis.maxmemory", /75%.*fork/],
    ["maxmemory unlimited", { redis: { maxmemory: "0" } }, "redis.maxmemory", /unlimited/],
    ["maxmemory not a redis size", { redis: { maxmemory: "6 gigs" } }, "redis.maxmemory", /redis.conf size/],
    [
        "replication backlog as large as maxmemory",
        { redis: { maxmemory: "128mb", replBacklogSize: "128mb" } },
        "redis.replBacklogSize",
        /at most a quarter of redis.maxmemory \(128mb\), i.e. 32mb, or empty \(16mb\).*evicts the dataset/,
    ],
    [
        "replication backlog over a quarter of a small maxmemory",
        { redis: { maxmemory: "3mb", replBacklogSize: "1mb" } },
        "redis.replBacklogSize",
        /i\.e\. 768kb, or empty \(384kb\)/,
    ],
    ["replication backlog not a redis size", { redis: { replBacklogSize: "big" } }, "redis.replBacklogSize", /empty \(derived\)/],
    ["storage too small for AOF and RDB", { profile: "production", storage: { size: "10Gi" } }, "storage.size", /at least .*Mi.*AOF/],
    ["storage not a quantity", { storage: { size: "lots" } }, "storage.size", /quantity/],
    ["invalid storage class", { storage: { storageClass: "Fast_SSD" } }, "storage.storageClass", /RFC 1123/],
    ["invalid namespace", { namespace: "Redis_System" }, "namespace", /RFC 1123/],
    ["name too long", { name: "a".repeat(41) }, "name", /at most 40/],
    ["unknown eviction policy", { redis: { maxmemoryPolicy: "lru" } }, "redis.maxmemoryPolicy", /allkeys-lru/],
    ["unknown fsync policy", { redis: { appendfsync: "sometimes" } }, "redis.appendfsync", /everysec/],
    ["save rule with zero seconds", { redis: { save: [{ seconds: 0, changes: 1 }] } }, "redis.save[0].seconds", /1 or more/],
    ["save rules not a list", { redis: { save: "900 1" } }, "redis.save", /a list/],
    ["io threads beyond the CPU limit", { resources: { limits: { cpu: "4" } }, redis: { ioThreads: 8 } }, "redis.ioThreads", /at most 4/],
    [
        "guaranteed QoS without a CPU limit",
        { resources: { qos: "guaranteed" } },
        "resources.limits.cpu",
        /Guaranteed QoS only when every container/,
    ],
    [
        "guaranteed QoS with requests below the limits",
        { profile: "production", resources: { qos: "guaranteed", requests: { memory: "8Gi" }, limits: { cpu: "4" } } },
        "resources.requests.memory",
        /unset or equal to resources\.limits\.memory \("16Gi"\)/,
    ],
    ["a QoS class Kubernetes does not have", { resources: { qos: "besteffort" } }, "resources.qos", /one of "burstable", "guaranteed"/],
    [
        "a CPU limit that is no quantity",
        { resources: { limits: { cpu: "lots" } } },
        "resources.limits.cpu",
        /empty \(no CPU limit\) or a Kubernetes CPU quantity/,
    ],
    ["a negative verify age", { backup: { verify: { maxAgeMinutes: -1 } } }, "backup.verify.maxAgeMinutes", /0 or more|from 0/],
    ["node timeout too small", { redis: { clusterNodeTimeoutMs: 10 } }, "redis.clusterNodeTimeoutMs", /from 1000/],
    [
        "shutdown timeout beyond the grace period",
        { terminationGracePeriodSeconds: 10, redis: { shutdownTimeoutSeconds: 10 } },
        "redis.shutdownTimeoutSeconds",
        /terminationGracePeriodSeconds/,
    ],
    ["invalid cron schedule", { backup: { daily: { schedule: "0 25 * * *" } } }, "backup.daily.schedule", /cron schedule/],
    ["cron with 6 fields", { backup: { hourly: { schedule: "0 0 * * * *" } } }, "backup.hourly.schedule", /cron schedule/],
    ["keep zero backups", { backup: { hourly: { keep: 0 } } }, "backup.hourly.keep", /from 1/],
    ["invalid bucket name", { backup: { s3: { bucketName: "My_Bucket" } } }, "backup.s3.bucketName", /bucket name/],
    [
        "IRSA without an OIDC provider",
        { backup: { s3: { enabled: true, identity: "irsa" } } },
        "backup.s3.oidcProviderArn",
        /ARN of the EKS cluster's IAM OIDC provider .* with backup\.s3\.identity "irsa"/,
    ],
    [
        "an OIDC provider ARN of another kind",
        { backup: { s3: { oidcProviderArn: "arn:aws:iam::123456789012:role/x" } } },
        "backup.s3.oidcProviderArn",
        /oidc-provider\/<issuer/,
    ],
    [
        "an issuer other than the ARN's",
        {
            backup: {
                s3: {
                    enabled: true,
                    oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/A",
                    oidcProviderUrl: "oidc.eks.eu-west-1.amazonaws.com/id/B",
                },
            },
        },
        "backup.s3.oidcProviderUrl",
        /the issuer in backup\.s3\.oidcProviderArn \(oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/A\)/,
    ],
    [
        "an OIDC provider with IAM users",
        {
            backup: {
                s3: { enabled: true, identity: "iamUser", oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.example.com" },
            },
        },
        "backup.s3.identity",
        /would be ignored/,
    ],
    ["an unknown identity", { backup: { s3: { identity: "accessKey" } } }, "backup.s3.identity", /one of "", "irsa", "iamUser"/],
    [
        "a wildcard in the S3 prefix",
        { backup: { s3: { prefix: "redis-*/" } } },
        "backup.s3.prefix",
        /no \* or \?, which IAM reads as wildcards/,
    ],
    ["a ? in the S3 prefix", { backup: { s3: { prefix: "redis?/" } } }, "backup.s3.prefix", /no \* or \?/],
    [
        "a wildcard in the restore URL",
        { restore: { from: "s3://backups-bucket/red*/daily/20260101T020000Z/" } },
        "restore.from",
        /no \* or \?/,
    ],
    [
        "a created KMS key beside a given one",
        { backup: { s3: { enabled: true, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/x", createKmsKey: true } } },
        "backup.s3.createKmsKey",
        /one key encrypts the bucket/,
    ],
    [
        "Object Lock with an aws-cli too old to send checksums",
        { backup: { s3: { enabled: true, objectLockDays: 7 } } },
        "backup.awsCliImage",
        /2\.18\.0 or later with backup\.s3\.objectLockDays 7/,
    ],
    ["negative Object Lock days", { backup: { s3: { objectLockDays: -1 } } }, "backup.s3.objectLockDays", /from 0 to 36500/],
    ["an AWS egress range that is no CIDR", { networkPolicy: { awsCidrs: ["s3.amazonaws.com"] } }, "networkPolicy.awsCidrs[0]", /CIDR/],
    ["TLS enabled without a certificate source", { tls: { enabled: true } }, "tls", /exactly one of tls.issuerRef/],
    ["TLS source without TLS enabled", { tls: { secretName: "redis-tls" } }, "tls.enabled", /ignored/],
    [
        "invalid issuer kind",
        { tls: { enabled: true, issuerRef: { name: "ca", kind: "Certificate" } } },
        "tls.issuerRef.kind",
        /ClusterIssuer/,
    ],
    ["invalid label key", { labels: { "bad key": "x" } }, "labels.bad key (key)", /label key/],
    ["invalid label value", { labels: { team: "has spaces" } }, "labels.team", /label value/],
    [
        "invalid toleration operator",
        { scheduling: { tolerations: [{ key: "k", operator: "Maybe" }] } },
        "scheduling.tolerations[0].operator",
        /Equal/,
    ],
    ["invalid anti-affinity mode", { scheduling: { hostAntiAffinity: "always" } }, "scheduling.hostAntiAffinity", /required/],
    [
        "invalid scrape interval",
        { monitoring: { serviceMonitor: { interval: "30 seconds" } } },
        "monitoring.serviceMonitor.interval",
        /duration/,
    ],
    [
        "threshold above 100%",
        { monitoring: { prometheusRule: { thresholds: { memoryPercent: 120 } } } },
        "monitoring.prometheusRule.thresholds.memoryPercent",
        /from 1 to 100/,
    ],
    ["invalid restore source", { restore: { from: "yesterday" } }, "restore.from", /backup id/],
    ["unknown connectivity", { formation: { connectivity: "ssh" } }, "formation.connectivity", /port-forward/],
    ["section of the wrong type", { resources: "big" }, "resources", /an object/],
    ["boolean as text", { createNamespace: "yes" }, "createNamespace", /true or false/],
    ["allowed namespace invalid", { networkPolicy: { allowedNamespaces: ["Apps"] } }, "networkPolicy.allowedNamespaces[0]", /RFC 1123/],
    ["allowed CIDR without prefix", { networkPolicy: { allowedCidrs: ["10.0.0.0"] } }, "networkPolicy.allowedCidrs[0]", /CIDR/],
    [
        "allowed CIDR prefix too long",
        { networkPolicy: { allowedCidrs: ["10.0.0.0/8", "10.0.0.0/33"] } },
        "networkPolicy.allowedCidrs[1]",
        /prefix length/,
    ],
];

describe("spec: bad input", () => {
    it(`covers at least 30 distinct cases (${BAD.length})`, () => {
        assert.ok(BAD.length >= 30);
    });

    for (const [title, args, key, allowed] of BAD) {
        it(`rejects ${title}`, () => {
            const problems = checkArgs(args as RedisClusterArgs);
            const match = problems.find((p) => p.key === key);
            assert.ok(match, `expected a problem for ${key}, got ${JSON.stringify(problems)}`);
            assert.match(match.allowed, allowed);
            const err = (() => {
                try {
                    resolveSpec(args as RedisClusterArgs, "redis-cluster:");
                    return undefined;
                } catch (e) {
                    return e;
                }
            })();
            assert.ok(err instanceof ConfigError);
            // The message names the key as written in a stack file, the value given and what is allowed.
            assert.ok(err.message.includes(`redis-cluster:${key}: got ${JSON.stringify(match.value) ?? "nothing"}`), err.message);
        });
    }

    it("lists every problem at once, not just the first", () => {
        const problems = checkArgs({ shards: "x", image: "redis", storage: { size: "?" }, bogus: 1 } as unknown as RedisClusterArgs);
        assert.deepStrictEqual(problems.map((p) => p.key).sort(), ["bogus", "image", "shards", "storage.size"]);
    });

    it("accepts both production and laptop-sized settings", () => {
        assert.deepStrictEqual(checkArgs({}), []);
        assert.deepStrictEqual(
            checkArgs({
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                storage: { size: "1Gi", storageClass: "" },
                redis: { maxmemory: "128mb", ioThreads: 1 },
            }),
            [],
        );
    });
});

describe("spec: disk sizing", () => {
    it("asks for AOF growth and rewrite, and two RDB dumps when save rules are set", () => {
        const withRdb = resolveSpec({ profile: "production", redis: { save: [{ seconds: 900, changes: 1 }] } }).settings;
        assert.strictEqual(diskNeededBytes(withRdb), 6 * 2 ** 30 * (2 + 1 + 2));
        const noRdb = resolveSpec({ profile: "production" }).settings;
        assert.strictEqual(diskNeededBytes(noRdb), 6 * 2 ** 30 * 3);
    });
});
