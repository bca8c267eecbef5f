#!/usr/bin/python3
"""Pack one of chapter 02's image directories as an image archive.

    pack-image.py NAME:TAG IMAGE_DIR OUT.tar

IMAGE_DIR is what chapters/02-create-start-wait/images/make-rootfs.sh makes:
rootfs/ and a small config.json (Cmd, Entrypoint, Env, WorkingDir, User,
Created). OUT.tar is what `docker save` writes since Docker 25: a
`docker save` archive (manifest.json, repositories) that is also an OCI image
layout (oci-layout, index.json, blobs/sha256/). goraed loads it on its first
start like any `docker load`; real Docker, skopeo and umoci read it too.

Written apart from the engine on purpose: the build must not run the code a
student is writing in the chapter's lab, and the engine's loader is then
tested against an archive it did not write.

The same inputs give the same bytes (sorted entries, owned by root, dated at
the image's creation time), so the image ID is the same on every build.
"""

import calendar
import hashlib
import io
import json
import os
import sys
import tarfile
import time

LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"


def canonical(document):
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def root_owned(info, mtime):
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = mtime
    return info


def layer_tar(rootfs, mtime):
    """The contents of rootfs (not the directory itself), parents first, by name."""
    paths = []
    for top, dirs, files in os.walk(rootfs):
        dirs.sort()
        for name in dirs + files:
            paths.append(os.path.relpath(os.path.join(top, name), rootfs))
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(paths):
            full = os.path.join(rootfs, path)
            info = root_owned(tar.gettarinfo(full, arcname=path), mtime)
            if info.isreg():
                with open(full, "rb") as content:
                    tar.addfile(info, content)
            else:
                tar.addfile(info)
    return out.getvalue()


def add_bytes(tar, name, data, mtime=0):
    info = root_owned(tarfile.TarInfo(name), mtime)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def add_dir(tar, name):
    info = root_owned(tarfile.TarInfo(name), 0)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def pack(reference, image_dir, out_path):
    name, _, tag = reference.rpartition(":")
    with open(os.path.join(image_dir, "config.json")) as small_file:
        small = json.load(small_file)
    created = small["Created"]
    mtime = calendar.timegm(time.strptime(created, "%Y-%m-%dT%H:%M:%SZ"))

    layer = layer_tar(os.path.join(image_dir, "rootfs"), mtime)
    layer_digest = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = canonical({
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {key: small.get(key, default) for key, default in
                   (("Cmd", None), ("Entrypoint", None), ("Env", []), ("WorkingDir", ""), ("User", ""))},
        # An uncompressed layer's diff_id is its blob digest.
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        "history": [{"created": created, "created_by": "gorae's build: " + reference}],
    })
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    manifest = canonical({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": config_digest, "size": len(config)},
        "layers": [{"mediaType": LAYER_MEDIA_TYPE, "digest": layer_digest, "size": len(layer)}],
    })
    manifest_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    index = canonical({
        "schemaVersion": 2,
        "mediaType": INDEX_MEDIA_TYPE,
        "manifests": [{
            "mediaType": MANIFEST_MEDIA_TYPE, "digest": manifest_digest, "size": len(manifest),
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"io.containerd.image.name": "docker.io/library/" + reference,
                            "org.opencontainers.image.ref.name": tag},
        }],
    })
    blob = lambda digest: "blobs/sha256/" + digest.split(":", 1)[1]  # noqa: E731
    save_manifest = canonical([{"Config": blob(config_digest), "RepoTags": [reference],
                                "Layers": [blob(layer_digest)]}])
    repositories = canonical({name: {tag: layer_digest.split(":", 1)[1]}})

    partial = out_path + ".partial"
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with tarfile.open(partial, mode="w", format=tarfile.PAX_FORMAT) as tar:
        add_dir(tar, "blobs")
        add_dir(tar, "blobs/sha256")
        for digest, data in sorted([(layer_digest, layer), (config_digest, config), (manifest_digest, manifest)]):
            add_bytes(tar, blob(digest), data)
        add_bytes(tar, "index.json", index)
        add_bytes(tar, "manifest.json", save_manifest)
        add_bytes(tar, "oci-layout", canonical({"imageLayoutVersion": "1.0.0"}))
        add_bytes(tar, "repositories", repositories)
    os.replace(partial, out_path)


def main():
    if len(sys.argv) != 4 or ":" not in sys.argv[1]:
        sys.exit("usage: pack-image.py NAME:TAG IMAGE_DIR OUT.tar")
    pack(*sys.argv[1:])


if __name__ == "__main__":
    main()
