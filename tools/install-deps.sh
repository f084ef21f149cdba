#!/usr/bin/env bash
# Installs the Debian 12 packages Celshade needs to build, run and test.
# Idempotent and non-interactive: it installs only what is missing.
#   tools/install-deps.sh          build and run
#   tools/install-deps.sh --test   also what the test suite needs
#   tools/install-deps.sh --bench  also the peers celshade-bench compares against
set -euo pipefail

want_test=0
want_bench=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --bench) want_test=1; want_bench=1 ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

pkgs=(
  meson ninja-build pkg-config gcc
  glslang-tools protobuf-c-compiler libprotobuf-c-dev libonnx-dev
  libglib2.0-dev libjson-glib-dev libgdk-pixbuf-2.0-dev
  libvulkan-dev mesa-vulkan-drivers vulkan-tools
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev ffmpeg
  libgtk-4-dev libadwaita-1-dev
  # The editor plays the clip's sound with GTK's GStreamer media backend.
  libgtk-4-media-gstreamer gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav
  gettext curl ca-certificates
)
if [ "$want_test" = 1 ]; then
  pkgs+=(python3 python3-numpy libonnx-testdata vulkan-validationlayers
         clang libclang-rt-14-dev xvfb xauth
         desktop-file-utils appstream python3-opencv)
fi
if [ "$want_bench" = 1 ]; then
  pkgs+=(python3-torch python3-onnx)
  # A Node.js that did not come from Debian (with its own npm) serves as well;
  # Debian's npm conflicts with it.
  if ! command -v npm >/dev/null 2>&1; then
    pkgs+=(nodejs npm)
  fi
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: every package is already installed"
fi

if [ "$want_bench" = 1 ]; then
  # ONNX Runtime's CPU library ships inside the npm package; its install
  # script only fetches optional GPU extras, so scripts stay disabled.
  root="$(cd "$(dirname "$0")/.." && pwd)"
  if [ ! -d "$root/tools/bench/node_modules/onnxruntime-node" ]; then
    (cd "$root/tools/bench" && npm install --no-audit --no-fund --ignore-scripts)
  fi
fi
