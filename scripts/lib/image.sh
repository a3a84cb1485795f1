# shellcheck shell=bash
# Sourced by the scripts that run an image tarball (Jib, jib:buildTar) without a container runtime.
#
# unpack_image IMAGE_TAR DIR: unpacks the image's layers in order into DIR/rootfs (with /proc, /dev
# and a world-writable /tmp to mount and write into), and sets image_user ("uid:gid"), and the
# arrays image_entrypoint and image_env from its config.
unpack_image() {
  local image=$1 dir=$2 layer config
  mkdir -p "$dir/image" "$dir/rootfs"
  tar -xf "$image" -C "$dir/image"
  while read -r layer; do
    tar --warning=no-unknown-keyword -xf "$dir/image/$layer" -C "$dir/rootfs"
  done < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[0]["Layers"]))' \
    "$dir/image/manifest.json")
  mkdir -p "$dir/rootfs/proc" "$dir/rootfs/dev" "$dir/rootfs/tmp"
  chmod 1777 "$dir/rootfs/tmp"
  config=$dir/image/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Config"])' \
    "$dir/image/manifest.json")
  image_user=$(image_config "$config" user)
  mapfile -t image_entrypoint < <(image_config "$config" entrypoint)
  mapfile -t image_env < <(image_config "$config" env)
}

# run_in_image DIR [VAR=VALUE...] -- COMMAND...: COMMAND in DIR/rootfs (unpack_image's) as a
# container runtime would run it: in private mount and pid namespaces (COMMAND is their pid 1, with
# /proc mounted and the host's /dev bound in), chroot'ed as image_user, with image_env and the
# given variables only. It execs: run it in the background (&); COMMAND is then the only child of
# the pid that $! names.
run_in_image() {
  local dir=$1 vars=()
  shift
  while [ "$1" != -- ]; do
    vars+=("$1")
    shift
  done
  shift
  exec unshare -m -p --fork \
    sh -c 'mount -t proc proc "$1/proc" && mount --bind /dev "$1/dev" && shift && exec "$@"' \
    sh "$dir/rootfs" env -i "${image_env[@]}" "${vars[@]}" \
    "$(command -v chroot)" --userspec="$image_user" "$dir/rootfs" "$@"
}

image_config() {
  python3 - "$1" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["config"]
what = sys.argv[2]
if what == "user": print(c.get("User") or "0:0")
elif what == "env": print("\n".join(c.get("Env") or []))
else: print("\n".join(c.get("Entrypoint") or []))
PY
}
