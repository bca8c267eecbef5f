#!/bin/sh
# Assembles one of gorae's bundled images (DESIGN §6) as a directory:
#   IMAGE_DIR/rootfs/...      the files a container starts from
#   IMAGE_DIR/config.json     how to run it (our small subset of Docker's config)
#
#   make-rootfs.sh hello   IMAGE_DIR HELLO_BINARY   CREATED
#   make-rootfs.sh busybox IMAGE_DIR BUSYBOX_BINARY CREATED
#
# CREATED is a fixed RFC 3339 time, so the same inputs give the same image
# and the same image ID. The image is built in a hidden directory beside
# IMAGE_DIR and renamed into place, so a build never leaves half an image.
set -eu
umask 022

kind=$1 image_dir=$2 binary=$3 created=$4
path_env="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

work="$(dirname "$image_dir")/.$(basename "$image_dir").new"  # hidden from the store
rm -rf "$work"
mkdir -p "$work/rootfs"
root="$work/rootfs"

case "$kind" in
  hello)
    install -m 0755 "$binary" "$root/hello"
    cmd='["/hello"]'
    ;;
  busybox)
    # A dynamically linked busybox (Debian's package "busybox") would find no
    # libc inside the container: insist on busybox-static.
    if ldd "$binary" 2>/dev/null | grep -q '=>'; then
      echo "make-rootfs.sh: $binary is dynamically linked; install busybox-static" >&2
      exit 1
    fi
    mkdir -p "$root/bin"
    install -m 0755 "$binary" "$root/bin/busybox"
    # One symlink per applet, at the path busybox itself gives for it
    # (bin/sh, usr/bin/env, sbin/ifconfig, ...).
    "$binary" --list-full | while read -r applet; do
      [ "$applet" = bin/busybox ] && continue
      mkdir -p "$root/$(dirname "$applet")"
      ln -sf /bin/busybox "$root/$applet"
    done
    mkdir -p "$root/etc" "$root/root" "$root/proc" "$root/sys" "$root/dev" \
             "$root/home" "$root/var"
    mkdir -p "$root/tmp" && chmod 1777 "$root/tmp"
    chmod 0700 "$root/root"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
                  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
      > "$root/etc/passwd"
    printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' > "$root/etc/group"
    chmod 0644 "$root/etc/passwd" "$root/etc/group"
    cmd='["sh"]'
    ;;
  *)
    echo "make-rootfs.sh: unknown image kind '$kind'" >&2
    exit 2
    ;;
esac

printf '{"Cmd":%s,"Entrypoint":null,"Env":["%s"],"WorkingDir":"","User":"","Created":"%s"}\n' \
  "$cmd" "$path_env" "$created" > "$work/config.json"

rm -rf "$image_dir"
mv "$work" "$image_dir"
