// RedisClusterArgs (args.ts), access: ACL users and passwords, TLS, and the NetworkPolicies.
import type * as pulumi from "@pulumi/pulumi";

/** ACL users and password rotation (see docs/security.md, "ACL users and credentials"). */
export interface AuthArgs {
    /** Password generation. Raise it by one to rotate every user's password: new passwords are generated, and the pods roll to pick them up. Default: `0`. */
    rotation?: number;
    /** Keep accepting the previous generation's passwords beside the current ones, while clients move to the new ones; set back to false to remove them. Raising `rotation` with this false revokes the old passwords at once (for a leaked password). Default: `false`. */
    acceptPrevious?: boolean;
    /** Emergency rotation, for a leaked password: when a rotation removes a user's password, end every open session of that user on every node (`CLIENT KILL USER`), so a session opened with the leaked password cannot go on. Clients reconnect with the password they hold, so hand them the new one first (or accept the reconnect storm). Without it, removed passwords refuse new logins only. Default: `false`. */
    disconnectRevoked?: boolean;
    /** Enable Redis's `default` user for clients that can only send a password: it gets the `app` user's rights and password. Default: `false`. */
    defaultUser?: boolean;
}

export interface IssuerRefArgs {
    /** Name of the cert-manager Issuer or ClusterIssuer. */
    name: pulumi.Input<string>;
    /** `Issuer` or `ClusterIssuer`. Default: `"Issuer"`. */
    kind?: string;
}

export interface TlsArgs {
    /** Serve TLS on the client port, for replication and on the cluster bus; turns the plaintext port off. Default: `false`. */
    enabled?: boolean;
    /** cert-manager issuer that signs the certificate (one of issuerRef or secretName when enabled). */
    issuerRef?: IssuerRefArgs;
    /** An existing Secret with `tls.crt`, `tls.key` and `ca.crt`. Default: `""`. */
    secretName?: pulumi.Input<string>;
    /**
     * Create a CA of this deployment's own in its namespace (cert-manager: a self-signed Issuer, a CA
     * Certificate, a CA Issuer) and issue the certificate from it, so only this deployment's pods
     * are trusted by its clients (docs/tls.md, "Trust"). One of issuerRef, secretName or this. Default: `false`.
     */
    namespacedCa?: boolean;
}

export interface NetworkPolicyArgs {
    /** Deny by default and allow only what Redis needs. Default: `true`. */
    enabled?: boolean;
    /** Namespaces whose pods may reach the client port (and the Sentinel port). Default: `[]`. */
    allowedNamespaces?: pulumi.Input<string>[];
    /** When set, only pods with these labels may reach the client port: in the namespaces listed above or in this one. Default: `{}`. */
    allowedPodLabels?: Record<string, string>;
    /** Address ranges (CIDR) that may reach the client port from outside the pod network, e.g. the machine running `pulumi up` with `formation.connectivity: direct`. Default: `[]`. */
    allowedCidrs?: string[];
    /** Namespace of Prometheus, allowed to scrape the exporter. Default: `"monitoring"`. */
    monitoringNamespace?: string;
    /** Labels of the Prometheus pods there; only they may scrape the exporter (its port carries a multi-target `/scrape` endpoint). `{}` allows every pod of the namespace. Default: `{"app.kubernetes.io/name": "prometheus"}` (what the Prometheus Operator puts on its pods). */
    monitoringPodLabels?: Record<string, string>;
    /** Namespace of the cluster DNS pods; the deployment's pods may send DNS (port 53) only to them and to `dnsCidrs`. Default: `"kube-system"`. */
    dnsNamespace?: string;
    /** Labels of the cluster DNS pods (CoreDNS keeps kube-dns's). Default: `{"k8s-app": "kube-dns"}`. */
    dnsPodLabels?: Record<string, string>;
    /** Further DNS servers by address, e.g. NodeLocal DNSCache's link-local `169.254.20.10/32`. Default: `[]`. */
    dnsCidrs?: string[];
    /** Where the pods that talk to AWS (the backup Jobs, and the Redis pods while `restore.from` is set) may connect on 443: S3, and with IRSA STS (and KMS with a key). Give the CIDRs of your VPC endpoints (interface endpoints for S3, STS and KMS with private DNS, e.g. the VPC CIDR) or of the S3 prefix list; empty allows any address on 443. Default: `[]`. */
    awsCidrs?: string[];
}
