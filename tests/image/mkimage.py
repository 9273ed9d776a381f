#!/usr/bin/python3
"""Build test images offline as OCI image layouts (stdlib only).

    mkimage.py test     DIR [--busybox PATH]   the multi-layer test image (tag `test`)
    mkimage.py plain    DIR [--busybox PATH]   the test image's config over one plain layer (tag
                                               `plain`): busybox and /data/keep.txt, no whiteouts
                                               (containerd refuses layer 3 of `test`); tag `pause`:
                                               the same, as root, with Cmd `sleep 1000000` (a CRI
                                               sandbox image)
    mkimage.py index    DIR [--busybox PATH]   a multi-platform index (tag `multi`):
                                               amd64 (the test image), arm64, an attestation
    mkimage.py hostile  DIR KIND               one-layer images that must be refused
                                               (KIND: dotdot, symlink, hardlink, truncated,
                                               diffid, overlayxattr), tag KIND
    mkimage.py big      DIR SIZE_MB LAYERS     SIZE_MB of incompressible-ish data in LAYERS
                                               gzip layers (benchmarks), tag `big`
    mkimage.py client   DIR [--busybox PATH]   one plain layer (busybox, /data with a non-executable
                                               /data/notexec) and the test image's config (tag
                                               `client`): for podman and containerd, whose layer
                                               stores refuse the test image's whiteout tricks

The test image, layer by layer (what the tests check):
  1. busybox + /etc/passwd, /etc/group; /data/{keep.txt, gone.txt, gonedir/, opaque/old*,
     recreated/oldfile, hl1 + hardlink hl2, fifo, setuid, owned (1000:1000), nobody (65534), xattr (user.test)},
     /data/dev/null (char 1:3)
  2. whiteouts: data/.wh.gone.txt, data/.wh.gonedir; data/opaque/new1 BEFORE
     data/opaque/.wh..wh..opq (order must not matter); data/added.txt
  3. data/keep.txt changed; data/recreated/ deleted and made again in the same layer
     (data/.wh.recreated AFTER data/recreated/newfile); etc/motd
"""
import gzip, hashlib, io, json, os, sys, tarfile

MTIME = 1700000000


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


class Layout:
    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(path, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        self.index = []
        ip = os.path.join(path, "index.json")
        if os.path.exists(ip):
            self.index = json.load(open(ip))["manifests"]

    def blob(self, data):
        d = sha(data)
        with open(os.path.join(self.path, "blobs", "sha256", d[7:]), "wb") as f:
            f.write(data)
        return d

    def tag(self, desc, name):
        desc = dict(desc)
        desc["annotations"] = {"org.opencontainers.image.ref.name": name}
        self.index = [e for e in self.index if e.get("annotations", {}).get("org.opencontainers.image.ref.name") != name]
        self.index.append(desc)
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                       "manifests": self.index}, f)


class Layer:
    """A tar layer built entry by entry, in the given order."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.PAX_FORMAT)

    def _info(self, name, type_, mode, uid=0, gid=0):
        ti = tarfile.TarInfo(name)
        ti.type = type_
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.mtime = MTIME
        return ti

    def dir(self, name, mode=0o755, uid=0, gid=0, pax=None):
        ti = self._info(name, tarfile.DIRTYPE, mode, uid, gid)
        if pax:
            ti.pax_headers = pax
        self.tar.addfile(ti)

    def file(self, name, data, mode=0o644, uid=0, gid=0, pax=None):
        if isinstance(data, str):
            data = data.encode()
        ti = self._info(name, tarfile.REGTYPE, mode, uid, gid)
        ti.size = len(data)
        if pax:
            ti.pax_headers = pax
        self.tar.addfile(ti, io.BytesIO(data))

    def symlink(self, name, target):
        ti = self._info(name, tarfile.SYMTYPE, 0o777)
        ti.linkname = target
        self.tar.addfile(ti)

    def hardlink(self, name, target):
        ti = self._info(name, tarfile.LNKTYPE, 0o644)
        ti.linkname = target
        self.tar.addfile(ti)

    def fifo(self, name):
        self.tar.addfile(self._info(name, tarfile.FIFOTYPE, 0o600))

    def chardev(self, name, major, minor, mode=0o666):
        ti = self._info(name, tarfile.CHRTYPE, mode)
        ti.devmajor, ti.devminor = major, minor
        self.tar.addfile(ti)

    def whiteout(self, name):
        self.file(name, b"", 0o600)

    def finish(self, compress=True):
        self.tar.close()
        raw = self.buf.getvalue()
        blob = gzip.compress(raw, compresslevel=6, mtime=0) if compress else raw
        return raw, blob


def busybox_layer(busybox, extra=None):
    l = Layer()
    for d in ["bin", "etc", "proc", "sys", "dev", "root", "home", "home/tester", "usr", "usr/bin", "sbin"]:
        l.dir(d, uid=1000 if d == "home/tester" else 0, gid=1000 if d == "home/tester" else 0)
    l.dir("tmp", 0o1777)
    data = open(busybox, "rb").read()
    l.file("bin/busybox", data, 0o755)
    for applet in ["sh", "ls", "cat", "id", "echo", "stat", "test", "hostname", "sleep", "true", "false",
                   "env", "pwd", "getfattr", "readlink", "find", "wc", "grep", "ps", "mount", "touch", "rm"]:
        l.symlink("bin/" + applet, "busybox")
    l.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                         "tester:x:1000:1000:Tester:/home/tester:/bin/sh\n")
    l.file("etc/group", "root:x:0:\nnogroup:x:65534:\ntester:x:1000:\nextra:x:2000:tester,nobody\n"
                        "more:x:2001:nobody,tester\n")
    if extra:
        extra(l)
    return l


def test_layers(busybox):
    def data1(l):
        l.dir("data")
        l.file("data/keep.txt", "v1\n")
        l.file("data/gone.txt", "this file is deleted by layer 2\n")
        l.dir("data/gonedir")
        l.file("data/gonedir/a", "a\n")
        l.file("data/gonedir/b", "b\n")
        l.dir("data/opaque")
        l.file("data/opaque/old1", "old1\n")
        l.file("data/opaque/old2", "old2\n")
        l.dir("data/recreated")
        l.file("data/recreated/oldfile", "old\n")
        l.file("data/hl1", "hardlinked\n")
        l.hardlink("data/hl2", "data/hl1")
        l.fifo("data/fifo")
        l.file("data/setuid", "#!/bin/sh\n", 0o4755)
        l.file("data/owned", "owned\n", 0o640, 1000, 1000)
        l.file("data/nobody", "nobody\n", 0o644, 65534, 65534)
        l.file("data/xattr", "x\n", pax={"SCHILY.xattr.user.test": "hello"})
        # A forged overlay xattr must be dropped by the unpacker.
        l.file("data/forged", "f\n", pax={"SCHILY.xattr.trusted.overlay.opaque": "y"})
        l.dir("data/dev")
        l.chardev("data/dev/null", 1, 3)
    l1 = busybox_layer(busybox, data1)
    l2 = Layer()
    l2.dir("data")
    l2.whiteout("data/.wh.gone.txt")
    l2.whiteout("data/.wh.gonedir")
    l2.dir("data/opaque")
    l2.file("data/opaque/new1", "new1\n")
    l2.whiteout("data/opaque/.wh..wh..opq")
    l2.file("data/added.txt", "added\n")
    l3 = Layer()
    l3.dir("data")
    l3.file("data/keep.txt", "v3\n")
    l3.dir("data/recreated")
    l3.file("data/recreated/newfile", "new\n")
    l3.whiteout("data/.wh.recreated")
    l3.file("etc/motd", "hello from layer 3\n")
    return [l1, l2, l3]


def write_image(lay, layers, config_extra=None, arch="amd64", variant=None, diffid_override=None, blob_override=None,
                user="tester"):
    descs, diff_ids = [], []
    for i, l in enumerate(layers):
        raw, blob = l.finish() if isinstance(l, Layer) else l
        if blob_override and i in blob_override:
            blob = blob_override[i]
        d = lay.blob(blob)
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": len(blob)})
        diff_ids.append(sha(raw))
    if diffid_override:
        diff_ids = diffid_override(diff_ids)
    cfg = {"created": "2023-11-14T22:13:20Z", "author": "congo tests", "architecture": arch, "os": "linux",
           "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar"],
                      "Cmd": ["/bin/sh", "-c", "echo hello from the image"],
                      "WorkingDir": "/data", "User": user,
                      "Labels": {"org.example.label": "x", "org.opencontainers.image.os": "label-loses"},
                      "StopSignal": "SIGINT", "ExposedPorts": {"80/tcp": {}, "53/udp": {}}},
           "rootfs": {"type": "layers", "diff_ids": diff_ids},
           "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "mkimage.py"}]}
    if variant:
        cfg["variant"] = variant
    if config_extra:
        config_extra(cfg)
    cb = json.dumps(cfg).encode()
    cd = lay.blob(cb)
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(cb)},
           "layers": descs}
    mb = json.dumps(man).encode()
    md = lay.blob(mb)
    plat = {"architecture": arch, "os": "linux"}
    if variant:
        plat["variant"] = variant
    return {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": len(mb),
            "platform": plat}


def cmd_test(path, busybox):
    lay = Layout(path)
    lay.tag(write_image(lay, test_layers(busybox)), "test")


def cmd_plain(path, busybox):
    def data(l):
        l.dir("data")
        l.file("data/keep.txt", "v1\n")
    lay = Layout(path)
    layer = busybox_layer(busybox, data).finish()
    lay.tag(write_image(lay, [layer]), "plain")
    lay.tag(write_image(lay, [layer], user="", config_extra=lambda c: c["config"].update(
        Cmd=["/bin/sleep", "1000000"], WorkingDir="/")), "pause")


def cmd_client(path, busybox):
    def extra(l):
        l.dir("data", 0o775, uid=1000, gid=1000)
        l.file("data/keep.txt", "kept\n")
        l.file("data/notexec", "#!/bin/sh\necho never\n", 0o644)
    lay = Layout(path)
    lay.tag(write_image(lay, [busybox_layer(busybox, extra)]), "client")


def cmd_index(path, busybox):
    lay = Layout(path)
    amd = write_image(lay, test_layers(busybox))
    a = Layer()
    a.dir("etc")
    a.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    a.file("platform", "arm64\n")
    arm = write_image(lay, [a], arch="arm64", variant="v8",
                      config_extra=lambda c: c["config"].update(User="root"))
    att = Layer()
    att.file("attestation.json", "{}")
    attd = write_image(lay, [att], arch="unknown")
    attd["platform"] = {"architecture": "unknown", "os": "unknown"}
    attd["annotations"] = {"vnd.docker.reference.type": "attestation-manifest",
                           "vnd.docker.reference.digest": amd["digest"]}
    idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
           "manifests": [arm, attd, amd]}
    ib = json.dumps(idx).encode()
    lay.tag({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": lay.blob(ib), "size": len(ib)},
            "multi")


def cmd_hostile(path, kind, busybox):
    lay = Layout(path)
    l = Layer()
    kw = {}
    if kind == "dotdot":
        l.dir("a")
        l.file("a/../../../escape-dotdot", "escaped\n")
    elif kind == "symlink":
        target = os.environ.get("HOSTILE_TARGET", "/tmp")
        l.symlink("evil", target)
        l.file("evil/pwned-symlink", "escaped\n")
    elif kind == "hardlink":
        l.hardlink("shadow", "/etc/shadow")
    elif kind == "truncated":
        l.file("big", os.urandom(300000))
        raw, blob = l.finish()
        kw["blob_override"] = {0: blob[: len(blob) // 2]}
        lay.tag(write_image(lay, [(raw, blob)], user="", **kw), kind)
        return
    elif kind == "diffid":
        l.file("file", "content\n")
        kw["diffid_override"] = lambda ids: ["sha256:" + "0" * 64 for _ in ids]
    elif kind == "overlayxattr":
        l.dir("d", )
        l.file("d/f", "x\n", pax={"SCHILY.xattr.trusted.overlay.redirect": "/etc"})
    elif kind == "useroverlayxattr":
        # What an overlay mounted with `userxattr` (rootless) would obey.
        l.dir("d", pax={"SCHILY.xattr.user.overlay.opaque": "y"})
        l.file("d/f", "x\n", pax={"SCHILY.xattr.user.overlay.redirect": "/etc"})
        l.file("w", "w\n", pax={"SCHILY.xattr.user.overlay.whiteout": "y", "SCHILY.xattr.user.test": "kept"})
    else:
        sys.exit("unknown kind " + kind)
    lay.tag(write_image(lay, [l], user="", **kw), kind)


def cmd_big(path, size_mb, nlayers):
    """Layers of files with random-ish but compressible-by-half content."""
    lay = Layout(path)
    layers = []
    per = size_mb * 1024 * 1024 // nlayers
    seed = hashlib.sha256(b"congo").digest()
    for i in range(nlayers):
        l = Layer()
        l.dir("layer%d" % i)
        left, n = per, 0
        while left > 0:
            sz = min(left, 256 * 1024 if n % 4 else 2 * 1024 * 1024)
            # half random, half zeros: compresses to ~50 %
            chunk = bytearray()
            while len(chunk) < sz // 2:
                seed = hashlib.sha256(seed).digest()
                chunk += seed * 1
            rnd = os.urandom(sz // 2)
            l.file("layer%d/f%05d" % (i, n), rnd + bytes(sz - len(rnd)))
            left -= sz
            n += 1
        for k in range(200):
            l.file("layer%d/small/s%04d" % (i, k), "small file %d\n" % k)
        layers.append(l)
    lay.tag(write_image(lay, layers, user=""), "big")


def main():
    args = sys.argv[1:]
    busybox = "/bin/busybox"
    if "--busybox" in args:
        i = args.index("--busybox")
        busybox = args[i + 1]
        del args[i:i + 2]
    if not args:
        sys.exit(__doc__)
    if args[0] == "test":
        cmd_test(args[1], busybox)
    elif args[0] == "plain":
        cmd_plain(args[1], busybox)

    elif args[0] == "client":
        cmd_client(args[1], busybox)
    elif args[0] == "index":
        cmd_index(args[1], busybox)
    elif args[0] == "hostile":
        cmd_hostile(args[1], args[2], busybox)
    elif args[0] == "big":
        cmd_big(args[1], int(args[2]), int(args[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
