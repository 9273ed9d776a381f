#!/usr/bin/python3
"""A minimal CRI client (runtime.v1.RuntimeService over a unix socket), enough
to drive containerd's CRI plugin the way the kubelet does for one pod.  The
protobuf messages are encoded by hand (only the fields used here), so the only
dependency is python3-grpcio.

    cri.py SOCK runp HANDLER                 RunPodSandbox; prints the sandbox id
    cri.py SOCK create POD IMAGE LOG CMD...  CreateContainer; prints the container id
    cri.py SOCK start CID                    StartContainer
    cri.py SOCK status CID                   ContainerStatus; prints "STATE EXIT_CODE"
    cri.py SOCK exec CID CMD...              ExecSync; prints stdout, exits with the status
    cri.py SOCK update CID MEMORY_BYTES      UpdateContainerResources (the memory limit)
    cri.py SOCK stop CID TIMEOUT             StopContainer (stop signal, SIGKILL after TIMEOUT s)
    cri.py SOCK stopp POD | rmp POD          StopPodSandbox / RemovePodSandbox

The pod (name, namespace, cgroup parent, log directory) comes from the
environment: CRI_POD_NAME, CRI_CGROUP_PARENT, CRI_LOG_DIR.
"""
import os
import sys

import grpc

SERVICE = "/runtime.v1.RuntimeService/"
STATES = ["CREATED", "RUNNING", "EXITED", "UNKNOWN"]


def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_bytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def f_int(num, n):
    return varint(num << 3) + varint(n) if n else b""


def decode(buf):
    """field number -> list of values (ints or bytes)"""
    out, i = {}, 0
    while i < len(buf):
        k, i = read_varint(buf, i)
        num, wt = k >> 3, k & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            n, i = read_varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def sandbox_config():
    name = os.environ["CRI_POD_NAME"]
    meta = f_bytes(1, name) + f_bytes(2, name + "-uid") + f_bytes(3, "congo-test") + f_int(4, 0)
    # LinuxPodSandboxConfig: cgroup_parent; security_context.namespace_options:
    # network POD (0, a network namespace of the pod's own), pid CONTAINER (1), ipc POD.
    nsopts = f_int(2, 1)
    secctx = f_bytes(1, nsopts)
    linux = f_bytes(1, os.environ["CRI_CGROUP_PARENT"]) + f_bytes(2, secctx)
    return f_bytes(1, meta) + f_bytes(2, name) + f_bytes(3, os.environ["CRI_LOG_DIR"]) + f_bytes(8, linux)


def call(chan, method, req, timeout=60):
    rpc = chan.unary_unary(SERVICE + method)
    return decode(rpc(req, timeout=timeout))


def main():
    sock, op, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    chan = grpc.insecure_channel("unix://" + sock)
    try:
        if op == "runp":
            r = call(chan, "RunPodSandbox", f_bytes(1, sandbox_config()) + f_bytes(2, args[0]))
            print(r[1][0].decode())
        elif op == "create":
            pod, image, log, cmd = args[0], args[1], args[2], args[3:]
            cfg = f_bytes(1, f_bytes(1, os.path.basename(log).split(".")[0])) + f_bytes(2, f_bytes(1, image))
            for c in cmd:
                cfg += f_bytes(3, c)
            cfg += f_bytes(11, log)
            r = call(chan, "CreateContainer", f_bytes(1, pod) + f_bytes(2, cfg) + f_bytes(3, sandbox_config()))
            print(r[1][0].decode())
        elif op == "start":
            call(chan, "StartContainer", f_bytes(1, args[0]))
        elif op == "status":
            st = decode(call(chan, "ContainerStatus", f_bytes(1, args[0]))[1][0])
            print(STATES[st.get(3, [0])[0]], st.get(7, [0])[0])
        elif op == "exec":
            r = call(chan, "ExecSync", f_bytes(1, args[0]) + b"".join(f_bytes(2, c) for c in args[1:]) + f_int(3, 30))
            sys.stdout.buffer.write(b"".join(r.get(1, [])))
            sys.stderr.buffer.write(b"".join(r.get(2, [])))
            sys.exit(r.get(3, [0])[0])
        elif op == "update":
            res = f_int(2, 0) + f_int(4, int(args[1]))
            call(chan, "UpdateContainerResources", f_bytes(1, args[0]) + f_bytes(2, res))
        elif op == "stop":
            call(chan, "StopContainer", f_bytes(1, args[0]) + f_int(2, int(args[1])))
        elif op == "stopp":
            call(chan, "StopPodSandbox", f_bytes(1, args[0]))
        elif op == "rmp":
            call(chan, "RemovePodSandbox", f_bytes(1, args[0]))
        else:
            sys.exit(__doc__)
    except grpc.RpcError as e:
        sys.exit("cri.py %s: %s: %s" % (op, e.code().name, e.details()))


if __name__ == "__main__":
    main()
