// TLS for every pod: the cert-manager Certificate (when an issuer is configured), the Secret volume
// and the environment the scripts, Redis and the exporter read the files from. One certificate
// serves the whole deployment: servers present it, and Redis presents it as a client too
// (replication, the cluster bus, Sentinel's links). Containers that only connect (the exporter,
// the backup jobs) get the CA alone: Redis accepts clients without a certificate
// (tls-auth-clients optional), so the private key stays where a server runs (docs/tls.md).
import { ClusterSpec, PATHS, PORTS, TLS_FILES } from "../settings/spec";
import { KubeObject, meta } from "./object";

/**
 * The names the deployment's certificate carries, as cert-manager issues it: DNS names only, plus
 * the loopback address. Every name a client is given is here: the Services', and every pod's by
 * the wildcard under its headless Service, which covers the hostname each Redis node announces
 * (ANNOUNCE_HOSTNAME), the seed addresses and the Sentinels'. Pod IPs are not: they change with
 * every restart, so clients over TLS reach pods by name (cluster-preferred-endpoint-type hostname).
 */
export function certificateSubject(spec: ClusterSpec): { dnsNames: string[]; ipAddresses: string[] } {
    const ns = spec.names.namespace;
    const services = [spec.names.clientService, ...(spec.sentinel ? [spec.sentinel.names.service] : [])];
    const podDomains = [spec.names.headlessService, ...(spec.sentinel ? [spec.sentinel.names.headlessService] : [])];
    const forms = (host: string) => [`${host}.${ns}.svc`, `${host}.${ns}.svc.cluster.local`];
    return {
        dnsNames: [
            ...services.flatMap((s) => [s, `${s}.${ns}`, ...forms(s)]),
            ...podDomains.flatMap((d) => forms(`*.${d}`)),
            // A process reaching its own pod's Redis through a port-forward or the loopback.
            "localhost",
        ],
        ipAddresses: ["127.0.0.1"],
    };
}

/**
 * With tls.namespacedCa, the deployment's own CA in its namespace, as cert-manager documents it: a
 * self-signed Issuer signs a CA Certificate, whose Secret a CA Issuer signs with. Nothing outside
 * the namespace can issue from it, and a client that trusts it trusts only this deployment.
 */
function namespacedCaObjects(spec: ClusterSpec): KubeObject[] {
    const ca = spec.tls?.namespacedCa;
    if (!ca) return [];
    return [
        { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: meta(spec, ca.selfSigned, "tls"), spec: { selfSigned: {} } },
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: meta(spec, ca.secretName, "tls"),
            spec: {
                isCA: true,
                commonName: `${spec.names.statefulSet}.${spec.names.namespace} CA`,
                secretName: ca.secretName,
                privateKey: { algorithm: "ECDSA", size: 256 },
                // Ten years: a CA change means every client must trust the new one (docs/tls.md).
                duration: "87600h",
                issuerRef: { group: "cert-manager.io", kind: "Issuer", name: ca.selfSigned },
            },
        },
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Issuer",
            metadata: meta(spec, ca.issuer, "tls"),
            spec: { ca: { secretName: ca.secretName } },
        },
    ];
}

/** The cert-manager Certificate, when an issuer signs the deployment's certificate (and the namespaced CA, when asked for). */
export function buildCertificate(spec: ClusterSpec): KubeObject[] {
    const cert = spec.tls?.certificate;
    if (!cert) return [];
    const metadata = meta(spec, cert.name, "tls");
    return [
        ...namespacedCaObjects(spec),
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            // pulumi-kubernetes (4.18 and later) waits for this condition before the Certificate
            // counts as created; the StatefulSet depends on it, so no pod starts before its Secret
            // holds an issued certificate.
            metadata: { ...metadata, annotations: { ...metadata.annotations, [WAIT_FOR]: "condition=Ready" } },
            spec: {
                secretName: spec.tls!.secretName,
                commonName: `${spec.names.clientService}.${spec.names.namespace}.svc`,
                ...certificateSubject(spec),
                usages: ["server auth", "client auth", "digital signature", "key encipherment"],
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                duration: "2160h",
                renewBefore: "360h",
                issuerRef: { group: "cert-manager.io", kind: cert.issuerRef.kind, name: cert.issuerRef.name },
            },
        },
    ];
}

/** pulumi-kubernetes' annotation naming the condition it awaits on a resource it has no await logic for. */
export const WAIT_FOR = "pulumi.com/waitFor";

/** The TLS Secret as a pod volume (none when TLS is off). */
export function tlsVolumes(spec: ClusterSpec) {
    return spec.tls ? [{ name: "tls", secret: { secretName: spec.tls.secretName, defaultMode: 0o440 } }] : [];
}

export function tlsMounts(spec: ClusterSpec) {
    return spec.tls ? [{ name: "tls", mountPath: PATHS.tls, readOnly: true }] : [];
}

/** Where the scripts (through redis-cli.sh) find the certificate; none when TLS is off. */
export function tlsEnv(spec: ClusterSpec): { name: string; value: string }[] {
    if (!spec.tls) return [];
    return [
        { name: "TLS_CERT_FILE", value: `${PATHS.tls}/${TLS_FILES.cert}` },
        { name: "TLS_KEY_FILE", value: `${PATHS.tls}/${TLS_FILES.key}` },
        { name: "TLS_CA_FILE", value: `${PATHS.tls}/${TLS_FILES.ca}` },
    ];
}

/**
 * The Secret's ca.crt alone, for containers that are TLS clients and serve nothing: the key is not
 * in the volume, so it is not in the container (none when TLS is off).
 */
export function tlsCaVolumes(spec: ClusterSpec) {
    return spec.tls
        ? [
              {
                  name: TLS_CA_VOLUME,
                  secret: { secretName: spec.tls.secretName, defaultMode: 0o440, items: [{ key: TLS_FILES.ca, path: TLS_FILES.ca }] },
              },
          ]
        : [];
}

export const TLS_CA_VOLUME = "tls-ca";

export function tlsCaMounts(spec: ClusterSpec) {
    return spec.tls ? [{ name: TLS_CA_VOLUME, mountPath: PATHS.tlsCa, readOnly: true }] : [];
}

/** redis-cli.sh's environment for a client that verifies the server and presents no certificate. */
export function tlsCaEnv(spec: ClusterSpec): { name: string; value: string }[] {
    return spec.tls ? [{ name: "TLS_CA_FILE", value: `${PATHS.tlsCa}/${TLS_FILES.ca}` }] : [];
}

/**
 * The exporter's address: over TLS it reaches its pod by the pod's DNS name (the certificate names
 * the pods by a wildcard, never by their IPs). Its password file is keyed by this address.
 */
export function exporterAddress(spec: ClusterSpec, port: number): { name: string; value: string } {
    if (!spec.tls) return { name: "REDIS_ADDR", value: `redis://$(POD_IP):${port}` };
    const domain = port === PORTS.sentinel ? spec.sentinel!.names.headlessService : spec.names.headlessService;
    return { name: "REDIS_ADDR", value: `rediss://$(POD_NAME).${domain}.$(POD_NAMESPACE).svc.cluster.local:${port}` };
}

/** The exporter's address and TLS settings: it verifies Redis against the CA and presents no certificate. */
export function exporterTarget(spec: ClusterSpec, port: number): { name: string; value: string }[] {
    return [
        exporterAddress(spec, port),
        ...(spec.tls ? [{ name: "REDIS_EXPORTER_TLS_CA_CERT_FILE", value: `${PATHS.tlsCa}/${TLS_FILES.ca}` }] : []),
    ];
}

/**
 * redis.conf / sentinel.conf directives: TLS on `port`, plaintext off, TLS for outgoing links too.
 * The certificate's paths are added by the start scripts from the environment (tlsEnv).
 */
export function tlsDirectives(spec: ClusterSpec, port: number): [string, string | number][] {
    if (!spec.tls) return [["port", port]];
    return [
        ["port", 0],
        ["tls-port", port],
        // Clients authenticate with their ACL user; a client certificate is checked when given.
        // Not "yes": the exporter and the backup jobs hold only the CA, never a key (docs/tls.md).
        ["tls-auth-clients", "optional"],
        ["tls-replication", "yes"],
        ...(spec.settings.topology === "cluster" && port === PORTS.redis ? [["tls-cluster", "yes"] as [string, string]] : []),
        // TLS 1.2 and 1.3 only (the engine's default, pinned), and for TLS 1.2 only AEAD suites with
        // ECDHE key exchange: the engine's default list (OpenSSL's DEFAULT) also accepts CBC-SHA
        // suites and, with an RSA certificate, static-RSA ones (no forward secrecy). TLS 1.3 keeps
        // OpenSSL's list (all AEAD, all ECDHE): no suite measured faster (docs/performance.md).
        ["tls-protocols", `"${TLS_PROTOCOLS}"`],
        ["tls-ciphers", TLS12_CIPHERS],
    ];
}

/** The TLS versions the servers accept. */
export const TLS_PROTOCOLS = "TLSv1.2 TLSv1.3";
/**
 * TLS 1.2 suites (tls-ciphers): ECDHE with AES-GCM or ChaCha20-Poly1305, for ECDSA (cert-manager's
 * P-256 key) and RSA certificates (a Secret you bring), Mozilla's "intermediate" list without DHE.
 */
export const TLS12_CIPHERS = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");
