// Kubeconfigs for each client of the API server (admin, controller-manager, scheduler, provisioner).
// They point at the certificate files rather than embedding them, so private keys live in one
// place (the 0600 files under pki/) and a kubeconfig holds nothing secret.
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import type { CertFiles } from "./pki";

export const CLUSTER_NAME = "redis-kube";

export function writeKubeconfig(file: string, server: string, caFile: string, user: string, client: CertFiles): void {
    const config = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: CLUSTER_NAME, cluster: { server, "certificate-authority": caFile } }],
        users: [{ name: user, user: { "client-certificate": client.cert, "client-key": client.key } }],
        contexts: [{ name: `${user}@${CLUSTER_NAME}`, context: { cluster: CLUSTER_NAME, user } }],
        "current-context": `${user}@${CLUSTER_NAME}`,
        preferences: {},
    };
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, stringify(config), { mode: 0o600 });
}
