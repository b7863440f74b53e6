// The values local mode gives the deployment's Secrets: the generated passwords (kept once made)
// and the TLS Secret's files, which the program does not create and the user provides.
import * as fs from "fs";
import type { KubeObject } from "../components/kubernetes/object";
import { TLS_FILES } from "../components/settings/spec";
import { localSecrets, secretFile } from "./state";

/**
 * The rendered Secret's values as local mode keeps them (generated on first use), and the TLS
 * Secret's when TLS is on: the program does not create that one, so its files must be there.
 */
export function secretsOf(r: { objects: KubeObject[] }, dir: string): Record<string, string> {
    const keys = r.objects.filter((o) => o.kind === "Secret").flatMap((o: any) => Object.keys(o.stringData ?? {}));
    return { ...localSecrets(dir, keys), ...tlsSecretOf(r, dir) };
}

function tlsSecretOf(r: { objects: KubeObject[] }, dir: string): Record<string, string> {
    const tlsVolume = r.objects
        .filter((o) => o.kind === "StatefulSet")
        .flatMap((o: any) => o.spec.template.spec.volumes ?? [])
        .find((v: any) => v.name === "tls");
    if (!tlsVolume) return {};
    const keys = Object.values(TLS_FILES);
    const missing = keys.filter((k) => !fs.existsSync(secretFile(dir, k)));
    if (missing.length > 0) {
        throw new Error(
            `TLS is on: local mode stands in for Secret ${tlsVolume.secret.secretName} with the files ` +
                `${keys.map((k) => secretFile(dir, k)).join(", ")}; missing: ${missing.join(", ")} (a certificate and key for the pods' ` +
                "addresses and names, and the CA that signed it)",
        );
    }
    return Object.fromEntries(keys.map((k) => [k, fs.readFileSync(secretFile(dir, k), "utf8")]));
}
