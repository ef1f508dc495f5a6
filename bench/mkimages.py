#!/usr/bin/env python3
"""Writes the benchmark's synthetic images as OCI image layouts, deterministically.

Every layer is a real gzip'd tar holding one file of incompressible bytes drawn from a seeded
PRNG, so the same seed always gives the same digests. Images:

  tiny    1 layer:  3 MiB                       (linux/amd64)
  medium  3 layers: 25 + 8 + 1 MiB              (linux/amd64)
  big     3 layers: 200 + 60 + 5 MiB            (linux/amd64)
  multi   an index of two images, linux/amd64 and linux/arm64, 2 MiB each

Usage: mkimages.py OUTDIR [--seed N]
Writes OUTDIR/<name>/ (an OCI layout whose index.json names the image "1") and
OUTDIR/images.json (digests, sizes and the path of every blob). An existing OUTDIR made with the
same seed and specification is reused as it is.
"""

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tarfile
import zlib

MiB = 1024 * 1024
SPEC = {
    "tiny": {"platforms": [("linux", "amd64")], "layers": [3 * MiB]},
    "medium": {"platforms": [("linux", "amd64")], "layers": [25 * MiB, 8 * MiB, 1 * MiB]},
    "big": {"platforms": [("linux", "amd64")], "layers": [200 * MiB, 60 * MiB, 5 * MiB]},
    "multi": {"platforms": [("linux", "amd64"), ("linux", "arm64")], "layers": [2 * MiB]},
}
SPEC_VERSION = 1

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
CHUNK = 1 * MiB


class _BlobWriter:
    """A file-like sink: hashes what tar writes (diff_id), gzips it, hashes and stores the gzip."""

    def __init__(self, tmp_path):
        self.out = open(tmp_path, "wb")
        self.diff = hashlib.sha256()
        self.blob = hashlib.sha256()
        self.size = 0
        # wbits=31: a gzip stream; its header carries mtime 0, so the output is reproducible.
        self.z = zlib.compressobj(1, zlib.DEFLATED, 31)

    def write(self, data):
        self.diff.update(data)
        self._emit(self.z.compress(data))
        return len(data)

    def _emit(self, data):
        if data:
            self.blob.update(data)
            self.out.write(data)
            self.size += len(data)

    def close(self):
        self._emit(self.z.flush())
        self.out.close()


class _RandomReader:
    def __init__(self, rng, size):
        self.rng = rng
        self.left = size

    def read(self, n=-1):
        if self.left <= 0:
            return b""
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        return self.rng.randbytes(n)


def _put_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data), "path": path}


def _layer(layout, seed, name, index, size):
    rng = random.Random(f"{seed}/{name}/{index}")
    tmp = os.path.join(layout, "blobs", "sha256", ".tmp")
    w = _BlobWriter(tmp)
    with tarfile.open(fileobj=w, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(f"data/{name}-{index}.bin")
        info.size = size
        info.mtime = 0
        info.mode = 0o644
        info.uname = info.gname = "root"
        tar.addfile(info, _RandomReader(rng, size))
    w.close()
    digest = w.blob.hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    os.replace(tmp, path)
    return {
        "digest": "sha256:" + digest,
        "size": w.size,
        "diff_id": "sha256:" + w.diff.hexdigest(),
        "path": path,
    }


def _image(layout, seed, name, os_, arch, layer_sizes, tag):
    layers = [_layer(layout, seed, f"{name}-{arch}", i, s) for i, s in enumerate(layer_sizes)]
    config = {
        "created": "2026-01-01T00:00:00Z",
        "architecture": arch,
        "os": os_,
        "config": {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["/bin/sh"], "Labels": {"bench": name}},
        "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": f"hoist bench {tag}"}],
    }
    cfg = _put_blob(layout, json.dumps(config, separators=(",", ":")).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cfg["digest"], "size": cfg["size"]},
        "layers": [
            {"mediaType": OCI_LAYER, "digest": l["digest"], "size": l["size"]} for l in layers
        ],
    }
    man = _put_blob(layout, json.dumps(manifest, separators=(",", ":")).encode())
    return {"manifest": man, "config": cfg, "layers": layers, "platform": f"{os_}/{arch}"}


def build(outdir, seed):
    stamp = {"seed": seed, "spec": SPEC, "version": SPEC_VERSION}
    meta_path = os.path.join(outdir, "images.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get("stamp") == json.loads(json.dumps(stamp)) and all(
            os.path.exists(b["path"]) for img in meta["images"].values() for b in _blobs(img)
        ):
            return meta
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    images = {}
    for name, spec in SPEC.items():
        layout = os.path.join(outdir, name)
        os.makedirs(os.path.join(layout, "blobs", "sha256"))
        with open(os.path.join(layout, "oci-layout"), "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')
        children = [_image(layout, seed, name, o, a, spec["layers"], "1") for o, a in spec["platforms"]]
        if len(children) == 1:
            top = children[0]["manifest"]
            media_type = OCI_MANIFEST
        else:
            index = {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [
                    {
                        "mediaType": OCI_MANIFEST,
                        "digest": c["manifest"]["digest"],
                        "size": c["manifest"]["size"],
                        "platform": {"os": c["platform"].split("/")[0],
                                     "architecture": c["platform"].split("/")[1]},
                    }
                    for c in children
                ],
            }
            top = _put_blob(layout, json.dumps(index, separators=(",", ":")).encode())
            media_type = OCI_INDEX
        layout_index = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": media_type,
                    "digest": top["digest"],
                    "size": top["size"],
                    "annotations": {"org.opencontainers.image.ref.name": "1"},
                }
            ],
        }
        with open(os.path.join(layout, "index.json"), "w") as f:
            json.dump(layout_index, f)
        # The size of an image: every blob a single-platform pull fetches (manifest, config,
        # layers), which is what "upstream bytes / image size" divides by.
        first = children[0]
        pull_size = first["manifest"]["size"] + first["config"]["size"] + sum(
            l["size"] for l in first["layers"]
        )
        images[name] = {
            "layout": layout,
            "top": top,
            "mediaType": media_type,
            "children": children,
            "pullBytes": pull_size,
        }
    meta = {"stamp": stamp, "images": images}
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def _blobs(img):
    yield img["top"]
    for c in img["children"]:
        yield c["manifest"]
        yield c["config"]
        yield from c["layers"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("outdir")
    p.add_argument("--seed", type=int, default=20260101)
    a = p.parse_args()
    meta = build(a.outdir, a.seed)
    for name, img in meta["images"].items():
        print(f"{name:7s} {img['top']['digest']}  {img['pullBytes'] / MiB:7.1f} MiB", file=sys.stderr)


if __name__ == "__main__":
    main()
