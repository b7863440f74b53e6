// The node agent's kubelet API for port-forward, its pure parts. The URL and channel layout are
// the ones kube-apiserver 1.34 and the kubelet use: the API server turns the client's `ports` into
// `port` (pkg/registry/core/pod/strategy.go, streamParams: params.Add(api.PortHeader, join(ports, ","))),
// and the kubelet's WebSocket streams open each channel with the port, uint16 little endian
// (pkg/kubelet/cri/streaming/portforward/websocket.go), which @kubernetes/client-node strips.
import * as assert from "assert";
import { apiServerArgs } from "../../kube/control-plane";
import { channelFrame, KUBELET_PORT, parsePortForward, portPrefix } from "../../kube/node/kubelet-server";
import { localNodes, nodeStatus } from "../../kube/node/nodes";
import { nodeNetwork } from "../../kube/node/network";

describe("node agent: the kubelet API for port-forward", () => {
    it("reads the path and ports the API server sends", () => {
        assert.deepStrictEqual(parsePortForward("/portForward/redis-e2e/redis-cluster-0?port=6379"), {
            namespace: "redis-e2e",
            pod: "redis-cluster-0",
            ports: [6379],
        });
        assert.deepStrictEqual(parsePortForward("/portForward/ns/pod-1/0f1e2d3c?port=6379,16379&port=9121"), {
            namespace: "ns",
            pod: "pod-1",
            ports: [6379, 16379, 9121],
        });
    });

    it("refuses other paths and bad ports, naming what is wrong", () => {
        assert.deepStrictEqual(parsePortForward("/exec/ns/pod?command=sh"), { error: "not a portForward path: /exec/ns/pod" });
        assert.deepStrictEqual(parsePortForward("/portForward/ns/pod"), { error: 'query parameter "port" is required' });
        // The client's own parameter name is not what reaches the kubelet.
        assert.deepStrictEqual(parsePortForward("/portForward/ns/pod?ports=6379"), { error: 'query parameter "port" is required' });
        assert.deepStrictEqual(parsePortForward("/portForward/ns/pod?port=0,70000,x"), {
            error: 'port "0", "70000", "x" is not a number from 1 to 65535',
        });
    });

    it("frames channel messages as the v4.channel.k8s.io protocol does", () => {
        assert.deepStrictEqual([...portPrefix(6379)], [0xeb, 0x18]);
        assert.deepStrictEqual([...channelFrame(1, Buffer.from("no"))], [1, 0x6e, 0x6f]);
        assert.deepStrictEqual([...channelFrame(2, portPrefix(26379))], [2, 0x0b, 0x67]);
    });

    it("the Nodes advertise the kubelet port, and the API server dials their InternalIP with its own certificate", () => {
        const [node] = localNodes(1, nodeNetwork);
        const status = nodeStatus(node, new Date(0)).status;
        assert.strictEqual(status.daemonEndpoints.kubeletEndpoint.Port, KUBELET_PORT);
        assert.deepStrictEqual(
            status.addresses.find((a: any) => a.type === "InternalIP"),
            { type: "InternalIP", address: "198.19.1.1" },
        );
        const pki: any = new Proxy({}, { get: (_, name) => ({ cert: `${String(name)}.crt`, key: `${String(name)}.key`, pub: "p" }) });
        const args = apiServerArgs("/bin", { apiServer: 1, etcdClient: 2 } as any, pki);
        for (const flag of [
            "--kubelet-preferred-address-types=InternalIP",
            "--kubelet-client-certificate=apiServerKubeletClient.crt",
            "--kubelet-client-key=apiServerKubeletClient.key",
            "--kubelet-certificate-authority=ca.crt",
        ])
            assert.ok(args.includes(flag), flag);
    });
});
