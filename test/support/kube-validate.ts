// Validates rendered objects against the Kubernetes OpenAPI schemas (kubernetes-models' compiled
// validators) and closes their gap: they accept unknown fields, and a misspelled field is exactly
// the mistake that Kubernetes would silently drop. The validator runs on a proxy that records
// which properties it reads; a property the schema never reads is one the schema does not know.
import * as path from "path";
import { pathToFileURL } from "url";
import type { KubeObject } from "../../components/kubernetes/object";
import { packageRoot } from "../../components/package-files";

const GROUPS: Record<string, string> = {
    "": "Core",
    apps: "Apps",
    policy: "Policy",
    batch: "Batch",
    "networking.k8s.io": "Networking",
    "rbac.authorization.k8s.io": "Rbac",
};

/** CRDs (the Prometheus Operator's, cert-manager's): their packages do not export their schemas, so they load by file. */
const CRD_SCHEMAS: Record<string, { pkg: string; prefix: string }> = {
    "monitoring.coreos.com": { pkg: "prometheus-operator", prefix: "ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoring" },
    "cert-manager.io": { pkg: "cert-manager", prefix: "ComGithubCertManagerCertManagerPkgApisCertmanager" },
};

function crdSchemaModule(group: string, version: string, kind: string): string | undefined {
    const crd = CRD_SCHEMAS[group];
    if (!crd) return undefined;
    const v = version[0].toUpperCase() + version.slice(1);
    const file = path.join(packageRoot, "node_modules", "@kubernetes-models", crd.pkg, "_schemas", `${crd.prefix}${v}${kind}.js`);
    return pathToFileURL(file).href;
}

function schemaModule(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const crd = crdSchemaModule(group, version, kind);
    if (crd) return crd;
    const g = GROUPS[group];
    if (!g) throw new Error(`no schema known for API group "${group}" (${kind})`);
    const v = version[0].toUpperCase() + version.slice(1);
    return `kubernetes-models/_schemas/IoK8sApi${g}${v}${kind}`;
}

type Validator = ((data: unknown) => boolean) & {
    errors?: { instancePath: string; message?: string; keyword: string; params: unknown }[] | null;
};

const dynamicImport = (specifier: string): Promise<{ validate: Validator }> => import(specifier);

/** Wraps `value` so every property read is recorded under its JSON pointer. */
function tracked(value: unknown, pointer: string, reads: Set<string>): unknown {
    if (typeof value !== "object" || value === null) return value;
    return new Proxy(value as object, {
        get(target, prop, receiver) {
            const v = Reflect.get(target, prop, receiver);
            if (typeof prop !== "string") return v;
            const child = `${pointer}/${prop}`;
            reads.add(child);
            return tracked(v, child, reads);
        },
    });
}

function allPointers(value: unknown, pointer: string, out: string[]): string[] {
    if (typeof value !== "object" || value === null) return out;
    for (const [k, v] of Object.entries(value)) {
        const child = `${pointer}/${k}`;
        out.push(child);
        allPointers(v, child, out);
    }
    return out;
}

/** Problems of one object: schema violations and fields the schema does not know. Empty if valid. */
export async function validateStrict(obj: KubeObject): Promise<string[]> {
    const { validate } = await dynamicImport(schemaModule(obj.apiVersion, obj.kind));
    const reads = new Set<string>();
    const valid = validate(tracked(obj, "", reads));
    const where = `${obj.kind}/${obj.metadata?.name}`;
    const problems = valid
        ? []
        : (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || "/"} ${e.keyword} ${JSON.stringify(e.params)}`);
    for (const p of allPointers(obj, "", [])) {
        const parent = p.slice(0, p.lastIndexOf("/"));
        // Children of an unknown field are reported through their parent.
        if (!reads.has(p) && (parent === "" || reads.has(parent))) problems.push(`${where}: unknown field ${p}`);
    }
    return problems;
}
