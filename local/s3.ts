// S3 in local mode: $REDIS_LOCAL_S3_ENDPOINT (an S3-compatible server such as s3rver) stands in
// for AWS. Containers of the aws-cli image get that endpoint and the server's own credentials
// instead of IRSA or the IAM user's key, and Debian's aws CLI (/usr/bin/aws; a machine may have
// another `aws` first on PATH). Nothing here is a secret: S3RVER/S3RVER is s3rver's fixed login.
import { spawnSync } from "child_process";
import type { DataSourceAnswers } from "../tools/pulumi-mocks";

export const AWS_CLI = "/usr/bin/aws";
const AWS_CLI_IMAGE = /^amazon\/aws-cli:/;

export const s3Endpoint = (): string | undefined => process.env.REDIS_LOCAL_S3_ENDPOINT || undefined;

/** Environment that local mode adds to a container of `image`, after the kubelet's own. */
export function localImageEnv(image: string): Record<string, string> {
    if (!AWS_CLI_IMAGE.test(image)) return {};
    const endpoint = s3Endpoint();
    return {
        PATH: `/usr/bin:${process.env.PATH ?? "/bin"}`,
        ...(endpoint
            ? {
                  S3_ENDPOINT_URL: endpoint,
                  AWS_ACCESS_KEY_ID: "S3RVER",
                  AWS_SECRET_ACCESS_KEY: "S3RVER",
                  AWS_DEFAULT_REGION: "us-east-1",
              }
            : {}),
    };
}

/** The aws CLI against the local endpoint, for local mode itself and the tests. */
export function awsLocal(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
    const endpoint = s3Endpoint();
    if (!endpoint) throw new Error("REDIS_LOCAL_S3_ENDPOINT is not set (e.g. http://127.0.0.1:19411 of an s3rver)");
    const r = spawnSync(AWS_CLI, ["--endpoint-url", endpoint, ...args], {
        encoding: "utf8",
        input,
        maxBuffer: 64 * 2 ** 20,
        env: { ...process.env, ...localImageEnv("amazon/aws-cli:local"), HOME: process.env.HOME ?? "/tmp" },
    });
    return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/**
 * Data sources the stack program reads, answered from the local endpoint: the restore manifest
 * (aws.s3.getObject). Undefined without an endpoint (render then stays offline). One HTTP GET, as
 * the AWS provider makes it: an aws CLI process cost 1-3 s of CPU here, which a restore's time
 * then counted against us (s3rver serves unsigned requests).
 */
export function localS3Calls(): DataSourceAnswers | undefined {
    const endpoint = s3Endpoint();
    if (!endpoint) return undefined;
    return async (token, inputs) => {
        if (token !== "aws:s3/getObject:getObject") return undefined;
        const key = String(inputs.key).split("/").map(encodeURIComponent).join("/");
        const r = await fetch(`${endpoint}/${encodeURIComponent(String(inputs.bucket))}/${key}`);
        return { ...inputs, body: r.ok ? await r.text() : undefined };
    };
}
