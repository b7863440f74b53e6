// The cross-field rules are a list of named rules (settings/rules.ts, as Bitnami's validateValues.*).
// Each case breaks one rule on purpose: the public check (checkArgs) must report the problem, and
// that problem must be exactly what the named rule returns, so each rule's name says what fired.
// The wording of every message is checked against its key in spec.test.ts.
import * as assert from "assert";
import { RedisClusterArgs } from "../../components/settings/args";
import { Problem } from "../../components/settings/fields";
import { withProfile } from "../../components/settings/profiles";
import { CROSS_FIELD_RULES } from "../../components/settings/rules";
import { settingsSchema } from "../../components/settings/schema";
import { checkArgs } from "../../components/settings/spec";

const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/A";

const CASES: [rule: string, args: RedisClusterArgs, key: string][] = [
    ["imageMatchesEngine", { engine: "valkey", image: "redis:7.2.4" }, "image"],
    ["clusterHasThreeMasters", { shards: 2 }, "shards"],
    ["sentinelOnlyWithSentinelTopology", { sentinel: { quorum: 2 } }, "sentinel"],
    ["sentinelHasOneShard", { topology: "sentinel", shards: 3 }, "shards"],
    ["sentinelHasAReplica", { topology: "sentinel", replicasPerShard: 0 }, "replicasPerShard"],
    ["sentinelCountSurvivesALoss", { topology: "sentinel", sentinel: { replicas: 1, quorum: 1 } }, "sentinel.replicas"],
    ["sentinelQuorumIsAMajority", { topology: "sentinel", sentinel: { replicas: 4, quorum: 2 } }, "sentinel.quorum"],
    [
        "sentinelFailoverOutlastsDownAfter",
        { topology: "sentinel", sentinel: { downAfterMs: 30000, failoverTimeoutMs: 45000 } },
        "sentinel.failoverTimeoutMs",
    ],
    ["requestsWithinLimits", { resources: { requests: { memory: "32Gi" } } }, "resources.requests.memory"],
    ["guaranteedQosHasEqualLimits", { resources: { qos: "guaranteed" } }, "resources.limits.cpu"],
    ["maxmemoryFitsMemoryLimit", { redis: { maxmemory: "0" } }, "redis.maxmemory"],
    ["replBacklogWithinMaxmemory", { redis: { maxmemory: "128mb", replBacklogSize: "256mb" } }, "redis.replBacklogSize"],
    ["storageHoldsThePersistence", { profile: "production", storage: { size: "10Gi" } }, "storage.size"],
    ["ioThreadsFitCpuLimit", { resources: { limits: { cpu: "4" } }, redis: { ioThreads: 8 } }, "redis.ioThreads"],
    [
        "shutdownFitsGracePeriod",
        { terminationGracePeriodSeconds: 10, redis: { shutdownTimeoutSeconds: 10 } },
        "redis.shutdownTimeoutSeconds",
    ],
    ["tlsHasOneCertificateSource", { tls: { enabled: true } }, "tls"],
    ["irsaHasOidcProvider", { backup: { s3: { enabled: true, identity: "irsa" } } }, "backup.s3.oidcProviderArn"],
    [
        "iamUserHasNoOidcProvider",
        { backup: { s3: { enabled: true, identity: "iamUser", oidcProviderArn: OIDC_ARN } } },
        "backup.s3.identity",
    ],
    [
        "oidcUrlMatchesProviderArn",
        { backup: { s3: { enabled: true, oidcProviderArn: OIDC_ARN, oidcProviderUrl: "oidc.eks.eu-west-1.amazonaws.com/id/B" } } },
        "backup.s3.oidcProviderUrl",
    ],
    [
        "oidcUrlNeedsProviderArn",
        { backup: { s3: { enabled: true, identity: "irsa", oidcProviderUrl: "oidc.example.com" } } },
        "backup.s3.oidcProviderUrl",
    ],
    ["objectLockHasChecksummingCli", { backup: { s3: { enabled: true, objectLockDays: 7 } } }, "backup.awsCliImage"],
    [
        "oneKmsKeySource",
        { backup: { s3: { enabled: true, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/x", createKmsKey: true } } },
        "backup.s3.createKmsKey",
    ],
    ["restoreReadsFromS3", { restore: { from: "daily/20260101T020000Z" } }, "restore.from"],
    [
        "restoreOnlyForCluster",
        { topology: "sentinel", restore: { from: "s3://backups-bucket/redis/daily/20260101T020000Z/" } },
        "restore.from",
    ],
    ["backupOnlyForCluster", { topology: "sentinel", backup: { enabled: true } }, "backup.enabled"],
];

/** What one named rule says about `args` (parsed as resolveSpec parses them; the cases name engine and image together). */
function ruleProblems(name: string, args: RedisClusterArgs): Problem[] {
    const rule = CROSS_FIELD_RULES.find((r) => r.name === name);
    assert.ok(rule, `no rule named ${name}`);
    const parseProblems: Problem[] = [];
    const settings = settingsSchema.parse(withProfile(args), "", parseProblems);
    assert.deepStrictEqual(parseProblems, [], `${name}: the case must pass the per-field checks`);
    return rule.check(settings, args);
}

describe("cross-field rules (named, as Bitnami's validateValues.*)", () => {
    it("have distinct camelCase names, and every rule has a case below", () => {
        const names = CROSS_FIELD_RULES.map((r) => r.name);
        assert.strictEqual(new Set(names).size, names.length, names.join(","));
        for (const n of names) assert.match(n, /^[a-z][a-zA-Z0-9]+$/);
        assert.deepStrictEqual(
            CASES.map(([rule]) => rule),
            names,
        );
    });

    for (const [name, args, key] of CASES) {
        it(`${name}: reports ${key} with its value and what is allowed`, () => {
            const fromRule = ruleProblems(name, args);
            assert.strictEqual(fromRule.length, 1, JSON.stringify(fromRule));
            assert.strictEqual(fromRule[0].key, key);
            assert.ok(fromRule[0].allowed.length > 20, fromRule[0].allowed);
            // Other rules may fire on the same case (a Sentinel restore has no S3 backup either).
            assert.deepStrictEqual(
                checkArgs(args).filter((p) => p.key === key && p.allowed === fromRule[0].allowed),
                fromRule,
            );
        });
    }

    it("fire on none of the stacks' profiles", () => {
        for (const args of [{}, { profile: "production" }, { topology: "sentinel" }] as RedisClusterArgs[]) {
            assert.deepStrictEqual(
                CROSS_FIELD_RULES.flatMap((r) => ruleProblems(r.name, args)),
                [],
                JSON.stringify(args),
            );
        }
    });
});
