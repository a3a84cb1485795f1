#!/usr/bin/env bash
# scripts/build-image-base.sh — the local base image of the infertrace images, for machines that
# reach no container registry: a jlink'd Java runtime (/opt/java, from the JDK that runs this) on a
# root filesystem made of Debian packages (libc6, zlib1g, libgcc-s1, libstdc++6), with a non-root
# user 65532 and no shell, written as a `docker save` tarball that Jib takes as
# `-Dimage.base=tar://PATH`.
#
# Also busybox.tar, the extension image's base: Debian's static busybox (it has cp), same user.
#
# Usage: scripts/build-image-base.sh [OUT_DIR]   (default: target/image-base; writes base.tar and
#        busybox.tar)
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
out=${1:-$root/target/image-base}
# What the proxy, the webhook and their libraries use (jdeps), plus TLS's elliptic curves.
MODULES=java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,java.xml,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.unsupported,jdk.zipfs
PACKAGES=(libc6 zlib1g libgcc-s1 libstdc++6)

java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt-get download runs as _apt
rootfs=$work/rootfs
mkdir -p "$rootfs" "$out"

(cd "$work" && apt-get download -q "${PACKAGES[@]}" >/dev/null)
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$rootfs"
done
rm -rf "$rootfs"/usr/share/doc "$rootfs"/usr/share/lintian "$rootfs"/usr/share/locale \
  "$rootfs"/usr/share/gcc "$rootfs"/usr/lib/x86_64-linux-gnu/gconv "$rootfs"/sbin "$rootfs"/usr/sbin \
  "$rootfs"/usr/bin "$rootfs"/etc/ld.so.conf.d

"$java_home/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$rootfs/opt/java"

mkdir -p "$rootfs/etc" "$rootfs/home/nonroot" "$rootfs/tmp" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys"
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/root:/nonexistent\nnonroot:x:65532:65532:nonroot:/home/nonroot:/nonexistent\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
chown 65532:65532 "$rootfs/home/nonroot"

tar --sort=name --mtime=@0 --numeric-owner -C "$rootfs" -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
cat >"$work/config.json" <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/opt/java/bin:/usr/local/bin:/usr/bin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"],
           "User":"65532:65532","WorkingDir":"/home/nonroot"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created_by":"scripts/build-image-base.sh: jlink $MODULES on Debian ${PACKAGES[*]}"}]}
JSON
printf '[{"Config":"config.json","RepoTags":["infertrace-base:local"],"Layers":["layer.tar"]}]\n' >"$work/manifest.json"
tar --mtime=@0 --numeric-owner -C "$work" -cf "$out/base.tar" manifest.json config.json layer.tar
echo "build-image-base: $out/base.tar ($(du -h "$out/base.tar" | cut -f1); java $("$rootfs/opt/java/bin/java" -version 2>&1 | head -n1))"

# The extension image's base (infertrace-javaagent-extension): the OpenTelemetry Operator's init
# container runs `cp` in it, so a static busybox (Debian's busybox-static) with its applets in /bin
# and the same non-root user; the local stand-in for busybox:1.37.
bb=$work/busybox
mkdir -p "$bb/rootfs/bin" "$bb/rootfs/etc" "$bb/rootfs/tmp" "$bb/rootfs/home/nonroot"
chmod 755 "$bb"
(cd "$bb" && apt-get download -q busybox-static >/dev/null)
dpkg-deb -x "$bb"/busybox-static_*.deb "$bb/deb"
cp "$bb/deb/bin/busybox" "$bb/rootfs/bin/busybox"
for applet in $("$bb/rootfs/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$bb/rootfs/bin/$applet"
done
chmod 1777 "$bb/rootfs/tmp"
cp "$rootfs/etc/passwd" "$rootfs/etc/group" "$bb/rootfs/etc/"
chown 65532:65532 "$bb/rootfs/home/nonroot"
tar --sort=name --mtime=@0 --numeric-owner -C "$bb/rootfs" -cf "$bb/layer.tar" .
bb_diff_id=$(sha256sum "$bb/layer.tar" | cut -d' ' -f1)
bb_version=$(dpkg-deb -f "$bb"/busybox-static_*.deb Version)
cat >"$bb/config.json" <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/bin"],"Cmd":["sh"],"User":"65532:65532","WorkingDir":"/home/nonroot"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$bb_diff_id"]},
 "history":[{"created_by":"scripts/build-image-base.sh: Debian busybox-static $bb_version"}]}
JSON
printf '[{"Config":"config.json","RepoTags":["infertrace-busybox:local"],"Layers":["layer.tar"]}]\n' >"$bb/manifest.json"
tar --mtime=@0 --numeric-owner -C "$bb" -cf "$out/busybox.tar" manifest.json config.json layer.tar
echo "build-image-base: $out/busybox.tar ($(du -h "$out/busybox.tar" | cut -f1); busybox $bb_version)"
