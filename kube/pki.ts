// The cluster's PKI, made with the openssl CLI: one CA for serving and client certificates (etcd's
// too: one trust root is enough on one machine), a separate front-proxy CA as Kubernetes requires
// for the aggregation layer, and the service-account signing keypair. ECDSA P-256 throughout: fast
// to generate and accepted by every component. Keys are 0600 in a 0700 directory and never printed.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { KUBELET_CLIENT_CN } from "./node/kubelet-server";

export interface CertFiles {
    cert: string;
    key: string;
}

export interface Pki {
    dir: string;
    ca: CertFiles;
    frontProxyCa: CertFiles;
    etcdServer: CertFiles;
    apiServerEtcdClient: CertFiles;
    apiServer: CertFiles;
    frontProxyClient: CertFiles;
    admin: CertFiles;
    controllerManager: CertFiles;
    controllerManagerServing: CertFiles;
    scheduler: CertFiles;
    schedulerServing: CertFiles;
    provisioner: CertFiles;
    /** The API server's client identity toward the Nodes' kubelet API (port-forward). */
    apiServerKubeletClient: CertFiles;
    serviceAccount: { key: string; pub: string };
}

/** The user the provisioner authenticates as; bootstrap binds its ClusterRole to this name. */
export const PROVISIONER_USER = "redis-kube:provisioner";

const LOOPBACK_SANS = ["IP:127.0.0.1", "DNS:localhost"];

function openssl(args: string[]): void {
    const r = spawnSync("openssl", args, { encoding: "utf8", timeout: 30000 });
    if (r.error) throw new Error(`openssl ${args[0]}: ${r.error.message} (is openssl installed? apt-get install -y openssl)`);
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.trim()}`);
}

function newKey(file: string): void {
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file]);
    fs.chmodSync(file, 0o600);
}

function subject(cn: string, orgs: string[]): string {
    return orgs.map((o) => `/O=${o}`).join("") + `/CN=${cn}`;
}

function ensureCa(dir: string, name: string, cn: string): CertFiles {
    const files = pair(dir, name);
    if (fs.existsSync(files.cert) && fs.existsSync(files.key)) return files;
    newKey(files.key);
    openssl([
        "req",
        "-x509",
        "-new",
        "-key",
        files.key,
        "-sha256",
        "-days",
        "3650",
        "-subj",
        `/CN=${cn}`,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        "-out",
        files.cert,
    ]);
    return files;
}

export interface LeafSpec {
    cn: string;
    orgs?: string[];
    /** serverAuth and/or clientAuth. */
    usages: ("serverAuth" | "clientAuth")[];
    sans?: string[];
}

/** A certificate signed by `ca`, made once: an existing pair is kept (so `up` after `up` is stable). */
export function ensureLeaf(dir: string, name: string, ca: CertFiles, spec: LeafSpec): CertFiles {
    const files = pair(dir, name);
    if (fs.existsSync(files.cert) && fs.existsSync(files.key)) return files;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    newKey(files.key);
    const csr = path.join(dir, `${name}.csr`);
    const ext = path.join(dir, `${name}.ext`);
    openssl(["req", "-new", "-key", files.key, "-subj", subject(spec.cn, spec.orgs ?? []), "-out", csr]);
    fs.writeFileSync(
        ext,
        [
            "basicConstraints=critical,CA:FALSE",
            "keyUsage=critical,digitalSignature,keyEncipherment",
            `extendedKeyUsage=${spec.usages.join(",")}`,
            ...(spec.sans?.length ? [`subjectAltName=${spec.sans.join(",")}`] : []),
        ].join("\n") + "\n",
    );
    openssl([
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        ca.cert,
        "-CAkey",
        ca.key,
        "-set_serial",
        `0x${crypto.randomBytes(12).toString("hex")}`,
        "-days",
        "365",
        "-sha256",
        "-extfile",
        ext,
        "-out",
        files.cert,
    ]);
    fs.rmSync(csr);
    fs.rmSync(ext);
    return files;
}

function pair(dir: string, name: string): CertFiles {
    return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/** Where each certificate and key lives under `dir` (whether or not it exists yet). */
export function pkiPaths(dir: string): Pki {
    return {
        dir,
        ca: pair(dir, "ca"),
        frontProxyCa: pair(dir, "front-proxy-ca"),
        etcdServer: pair(dir, "etcd-server"),
        apiServerEtcdClient: pair(dir, "apiserver-etcd-client"),
        apiServer: pair(dir, "apiserver"),
        frontProxyClient: pair(dir, "front-proxy-client"),
        admin: pair(dir, "admin"),
        controllerManager: pair(dir, "controller-manager"),
        controllerManagerServing: pair(dir, "controller-manager-serving"),
        scheduler: pair(dir, "scheduler"),
        schedulerServing: pair(dir, "scheduler-serving"),
        provisioner: pair(dir, "provisioner"),
        apiServerKubeletClient: pair(dir, "apiserver-kubelet-client"),
        serviceAccount: { key: path.join(dir, "sa.key"), pub: path.join(dir, "sa.pub") },
    };
}

/** Every certificate and key the control plane needs, under `dir`; `serviceIp` is the kubernetes Service's ClusterIP. */
export function ensurePki(dir: string, serviceIp: string): Pki {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ca = ensureCa(dir, "ca", "redis-kube-ca");
    const frontProxyCa = ensureCa(dir, "front-proxy-ca", "redis-kube-front-proxy-ca");
    const server = (name: string, cn: string, sans: string[] = []) =>
        ensureLeaf(dir, name, ca, { cn, usages: ["serverAuth"], sans: [...LOOPBACK_SANS, ...sans] });
    const client = (name: string, cn: string, orgs: string[] = []) => ensureLeaf(dir, name, ca, { cn, orgs, usages: ["clientAuth"] });
    ensureLeaf(dir, "etcd-server", ca, { cn: "etcd-server", usages: ["serverAuth", "clientAuth"], sans: LOOPBACK_SANS });
    client("apiserver-etcd-client", "kube-apiserver-etcd-client");
    server("apiserver", "kube-apiserver", [
        `IP:${serviceIp}`,
        "DNS:kubernetes",
        "DNS:kubernetes.default",
        "DNS:kubernetes.default.svc",
        "DNS:kubernetes.default.svc.cluster.local",
    ]);
    ensureLeaf(dir, "front-proxy-client", frontProxyCa, { cn: "front-proxy-client", usages: ["clientAuth"] });
    // O=system:masters: the admin is a superuser without any RBAC binding (the cluster's break-glass identity).
    client("admin", "kubernetes-admin", ["system:masters"]);
    // These user names are the ones the bootstrap RBAC policy binds its system roles to.
    client("controller-manager", "system:kube-controller-manager");
    server("controller-manager-serving", "kube-controller-manager");
    client("scheduler", "system:kube-scheduler");
    server("scheduler-serving", "kube-scheduler");
    client("provisioner", PROVISIONER_USER);
    // The node agent's kubelet API answers this name only (kube/node/kubelet-server.ts).
    client("apiserver-kubelet-client", KUBELET_CLIENT_CN);
    const paths = pkiPaths(dir);
    if (!fs.existsSync(paths.serviceAccount.key) || !fs.existsSync(paths.serviceAccount.pub)) {
        newKey(paths.serviceAccount.key);
        openssl(["pkey", "-in", paths.serviceAccount.key, "-pubout", "-out", paths.serviceAccount.pub]);
    }
    return paths;
}
