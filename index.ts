// Stack program entry point for `pulumi up`.
import * as pulumi from "@pulumi/pulumi";
import { packageRoot } from "./components/package-files";
import { assertFreshBuild } from "./program/freshness";
import { deployStack } from "./program/stack";

// Before anything else: a stale dist/ must not deploy.
assertFreshBuild(packageRoot);

const outputs = deployStack(pulumi.runtime.allConfig(), pulumi.getProject());

export const namespace = outputs.namespace;
export const clientHost = outputs.clientHost;
export const clientPort = outputs.clientPort;
export const seedAddresses = outputs.seedAddresses;
export const sentinelAddresses = outputs.sentinelAddresses;
export const masterName = outputs.masterName;
export const secretName = outputs.secretName;
export const username = outputs.username;
export const connectionUrl = outputs.connectionUrl;
export const password = outputs.password;
export const shardLayout = outputs.shardLayout;
