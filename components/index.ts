// The package's public face.
export { RedisCluster, RedisClusterResourceArgs, RESOURCE_TYPE } from "./redis-cluster";
export * from "./spec/args";
export type { KubeAccessArgs } from "./kube-target";
export { INPUT_SETTINGS } from "./inputs";
export { resolveSpec, checkArgs, ClusterSpec, PORTS, PATHS } from "./spec/spec";
export { ConfigError } from "./spec/errors";
export type { Problem } from "./spec/fields";
export type { Settings } from "./spec/schema";
export { buildAllObjects, buildRedisObjects, KubeObject } from "./kubernetes";
