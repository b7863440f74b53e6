// The node agent's client of the API server: plain HTTPS requests authenticated as the kubeconfig
// says (client certificate, CA), JSON in and out. The agent needs a handful of verbs on a handful
// of kinds; a small client keeps each request visible and every wait bounded.
import * as https from "https";

export class ApiError extends Error {
    constructor(
        readonly status: number,
        readonly method: string,
        readonly path: string,
        body: string,
    ) {
        super(`${method} ${path}: ${status} ${body.slice(0, 300)}`);
    }
}

export type PatchType = "merge" | "strategic";

const CONTENT_TYPES: Record<PatchType, string> = {
    merge: "application/merge-patch+json",
    strategic: "application/strategic-merge-patch+json",
};

export class KubeApi {
    private constructor(
        private readonly server: URL,
        private readonly tls: https.RequestOptions,
    ) {}

    static async fromFile(kubeconfig: string): Promise<KubeApi> {
        // client-node is an ES module; this file is CommonJS.
        const { KubeConfig } = await import("@kubernetes/client-node");
        const kc = new KubeConfig();
        kc.loadFromFile(kubeconfig);
        const cluster = kc.getCurrentCluster();
        if (!cluster) throw new Error(`${kubeconfig}: no current cluster`);
        const tls: https.RequestOptions = {};
        await kc.applyToHTTPSOptions(tls);
        return new KubeApi(new URL(cluster.server), tls);
    }

    /** One request, bounded by `timeoutMs`; a 404 answers undefined when `allowMissing`. */
    async request<T = any>(
        method: string,
        path: string,
        body?: unknown,
        opts: { patch?: PatchType; allowMissing?: boolean; timeoutMs?: number } = {},
    ): Promise<T> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const contentType = opts.patch ? CONTENT_TYPES[opts.patch] : "application/json";
        return new Promise<T>((resolve, reject) => {
            const req = https.request(
                {
                    ...this.tls,
                    hostname: this.server.hostname,
                    port: this.server.port,
                    method,
                    path,
                    headers: {
                        Accept: "application/json",
                        ...(payload ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) } : {}),
                    },
                    timeout: opts.timeoutMs ?? 15000,
                },
                (res) => {
                    let text = "";
                    res.setEncoding("utf8");
                    res.on("data", (d) => (text += d));
                    res.on("end", () => {
                        const status = res.statusCode ?? 0;
                        if (status === 404 && opts.allowMissing) resolve(undefined as T);
                        else if (status >= 200 && status < 300) resolve(text ? JSON.parse(text) : undefined);
                        else reject(new ApiError(status, method, path, text));
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in ${opts.timeoutMs ?? 15000} ms`)));
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }

    get = <T = any>(path: string) => this.request<T | undefined>("GET", path, undefined, { allowMissing: true });
    list = async <T = any>(path: string): Promise<T[]> => (await this.request<{ items: T[] }>("GET", path)).items ?? [];
    create = <T = any>(path: string, body: unknown) => this.request<T>("POST", path, body);
    patch = <T = any>(path: string, body: unknown, type: PatchType = "merge") => this.request<T>("PATCH", path, body, { patch: type });
    delete = (path: string, body?: unknown) => this.request("DELETE", path, body, { allowMissing: true });
}

/** Whether an error is the API's answer `status` (409 conflict, 404 not found, ...). */
export const isStatus = (e: unknown, status: number): boolean => e instanceof ApiError && e.status === status;
