// The default images, each pinned as far as a trustworthy source lets us. A digest pins the exact
// build (a tag can be re-pushed); the tag beside it says what the build is and lets the CVE check
// read the version. Where no digest could be established from a source we trust, the image is
// pinned by its exact version tag and the operator adds the digest from their registry (docs/security.md,
// "Images and known vulnerabilities").
export const DEFAULT_IMAGES = {
    // Valkey 8.1.9 (8.1.9 fixes every CVE of cves.ts's Valkey table). No registry listing we trust
    // (docker-library/repo-info does not carry valkey/valkey) could be read from here, and this
    // machine cannot reach a registry: the digest is the one two unrelated public projects pin for
    // valkey/valkey:8.1.9-alpine (alias 8.1.9-alpine3.24), found with the code search; it is NOT
    // verified against Docker Hub. Check it with `crane digest valkey/valkey:8.1.9-alpine` before
    // relying on it (docs/engines.md, "Images").
    valkey: "valkey/valkey:8.1.9-alpine@sha256:a038175878d66b9d274fbf8be73c0305e93798b83917647f167e18cef3c71eec",
    // Redis 7.2.16 (7.2.11 and later fix every CVE of cves.ts). Digest of the multi-platform image
    // index, as docker-library/repo-info records it for redis:7.2.16-alpine
    // (repos/redis/remote/7.2.16-alpine.md at commit 1742085aa3304e996a45e00271d6b8308029b6e3).
    redis: "redis:7.2.16-alpine@sha256:ccd6aa8d45ff3f033d6fa15b8cc1a50579f65c89f38cf9bb607a954c4f2128ed",
    // Not an official image: no public source records its digest; tag only (docs/images.md).
    exporter: "oliver006/redis_exporter:v1.62.0",
    // Two public repositories pin this tag with different digests, neither confirmable as the
    // image index; tag only (docs/images.md, "Unverified digests").
    awsCli: "amazon/aws-cli:2.17.0",
} as const;
