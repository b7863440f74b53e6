// The base name of a component's Kubernetes objects: the `name` setting, else the component's own
// resource name, so that two components in one namespace (`new RedisCluster("sessions")`,
// `new RedisCluster("cache")`) never share a StatefulSet, Service, Secret, selector or bucket.
import type { RedisClusterArgs } from "./settings/args";
import { ConfigError } from "./settings/errors";
import { isDnsLabel } from "./settings/formats";
import { MAX_NAME } from "./settings/schema";

/** `args` with `name` filled in from `resourceName` when not given; a resource name that is no valid name is an error. */
export function withInstanceName(resourceName: string, args: RedisClusterArgs, keyPrefix = ""): RedisClusterArgs {
    if (args.name !== undefined) return args;
    if (!isDnsLabel(resourceName, MAX_NAME)) {
        throw new ConfigError(
            [
                {
                    key: "name",
                    value: resourceName,
                    allowed:
                        `set, because the component's resource name (used when name is not set) is not a lowercase RFC 1123 name of at most ${MAX_NAME} ` +
                        "characters ([a-z0-9-], starting and ending alphanumeric); pass name explicitly or rename the resource",
                },
            ],
            keyPrefix,
        );
    }
    return { ...args, name: resourceName };
}
