// Pulumi's own dynamic-provider host, started and called over gRPC the way the engine does it:
// the same entry the engine's `pulumi-resource-pulumi-nodejs` shim runs from the program's
// directory, the same generated stubs, the same Configure, Check and Diff requests. What the
// provider prints (its plan lines) is kept, as the engine would show it.
import { ChildProcess, spawn } from "child_process";
import { createRequire } from "module";
import * as path from "path";

export interface CheckFailure {
    property: string;
    reason: string;
}
export interface CheckResult {
    inputs: Record<string, unknown>;
    failures: CheckFailure[];
}
export interface DiffResult {
    changes: "none" | "some" | "unknown";
    replaces: string[];
    deleteBeforeReplace: boolean;
}

const CALL_TIMEOUT_MS = 60000;
const START_TIMEOUT_MS = 60000;

export class ProviderHost {
    private constructor(
        private readonly child: ChildProcess,
        private readonly printed: { text: string },
        private readonly client: any,
        private readonly sdk: Sdk,
    ) {}

    /** Everything the host printed so far, stdout and stderr. */
    get output(): string {
        return this.printed.text;
    }

    /**
     * Starts the host with `programDir` as its working directory, as the engine does, and configures
     * it. `plugin`: a provider plugin's executable to start instead of the dynamic-provider host.
     */
    static async start(programDir: string, plugin?: string): Promise<ProviderHost> {
        const sdk = loadSdk(programDir);
        const [command, ...args] = plugin ? [plugin] : [process.execPath, sdk.hostEntry];
        const child = spawn(command, [...args, "127.0.0.1:1"], { cwd: programDir, stdio: ["ignore", "pipe", "pipe"] });
        const printed = { text: "" };
        const port = await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(
                () => reject(new Error(`the provider host printed no port within ${START_TIMEOUT_MS / 1000} s: ${printed.text}`)),
                START_TIMEOUT_MS,
            );
            const collect = (chunk: Buffer) => {
                printed.text += chunk.toString();
                // Its first line is the port it listens on, as the engine expects.
                const first = /^(\d+)\n/.exec(printed.text);
                if (first) {
                    clearTimeout(timer);
                    resolve(Number(first[1]));
                }
            };
            child.stdout!.on("data", collect);
            child.stderr!.on("data", collect);
            child.on("exit", (code) => {
                clearTimeout(timer);
                reject(new Error(`the provider host exited (${code}): ${printed.text}`));
            });
        });
        const client = new sdk.rpc.ResourceProviderClient(`127.0.0.1:${port}`, sdk.grpc.credentials.createInsecure());
        const host = new ProviderHost(child, printed, client, sdk);
        const configure = new sdk.proto.ConfigureRequest();
        configure.setArgs(sdk.struct.Struct.fromJavaScript({}));
        configure.setAcceptsecrets(true);
        configure.setAcceptresources(true);
        await host.call("configure", configure);
        return host;
    }

    async check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
        const req = new this.sdk.proto.CheckRequest();
        req.setUrn(urn);
        req.setOlds(this.sdk.struct.Struct.fromJavaScript(olds));
        req.setNews(this.sdk.struct.Struct.fromJavaScript(news));
        const resp = await this.call("check", req);
        return {
            inputs: resp.getInputs()?.toJavaScript() ?? {},
            failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    /** `olds` are the resource's outputs in the state, as the engine sends them. */
    async diff(urn: string, id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<DiffResult> {
        const req = new this.sdk.proto.DiffRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setOlds(this.sdk.struct.Struct.fromJavaScript(olds));
        req.setNews(this.sdk.struct.Struct.fromJavaScript(news));
        const resp = await this.call("diff", req);
        const kinds = this.sdk.proto.DiffResponse.DiffChanges;
        const changes = resp.getChanges() === kinds.DIFF_SOME ? "some" : resp.getChanges() === kinds.DIFF_NONE ? "none" : "unknown";
        return { changes, replaces: resp.getReplacesList(), deleteBeforeReplace: resp.getDeletebeforereplace() };
    }

    /** The package schema the provider serves (GetSchema). */
    async schema(): Promise<any> {
        const resp = await this.call("getSchema", new this.sdk.proto.GetSchemaRequest());
        return JSON.parse(resp.getSchema());
    }

    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode !== null || this.child.signalCode !== null) return;
        const exited = new Promise((resolve) => this.child.once("exit", resolve));
        this.child.kill("SIGTERM");
        await exited;
    }

    private call(method: string, req: unknown): Promise<any> {
        const deadline = new Date(Date.now() + CALL_TIMEOUT_MS);
        return new Promise((resolve, reject) =>
            this.client[method](req, { deadline }, (err: Error | null, resp: any) => (err ? reject(err) : resolve(resp))),
        );
    }
}

interface Sdk {
    hostEntry: string;
    grpc: any;
    proto: any;
    rpc: any;
    struct: any;
}

/** The SDK the program uses, and the gRPC and protobuf copies its stubs were generated against. */
function loadSdk(programDir: string): Sdk {
    const programRequire = createRequire(path.join(programDir, "package.json"));
    const sdkRequire = createRequire(programRequire.resolve("@pulumi/pulumi/package.json"));
    return {
        hostEntry: programRequire.resolve("@pulumi/pulumi/cmd/dynamic-provider"),
        grpc: sdkRequire("@grpc/grpc-js"),
        proto: sdkRequire("./proto/provider_pb"),
        rpc: sdkRequire("./proto/provider_grpc_pb"),
        struct: sdkRequire("google-protobuf/google/protobuf/struct_pb"),
    };
}
