#!/bin/sh
# Installs the Debian 12 packages wafersim needs, if any are missing.
#   scripts/deps.sh          to build and run
#   scripts/deps.sh --test   to build and run the test suite as well
# Needs root (or sudo) only when something is missing.
set -eu

packages="build-essential cmake pkg-config git libgsl-dev libhdf5-dev libfyaml-dev"
if [ "${1:-}" = "--test" ]; then
    packages="$packages check python3 python3-numpy python3-h5py python3-xarray python3-h5netcdf python3-pandas netcdf-bin valgrind libopenmpi-dev openmpi-bin"
    # wafersim report, analysis/ and its notebook test (tests/notebook_test.py)
    packages="$packages python3-matplotlib jupyter-nbconvert python3-ipykernel"
    # scripts/ci-extra.sh and scripts/fuzz.sh: sanitizers, TSan with libomp
    # and Archer, libFuzzer.
    packages="$packages clang clang-14 libclang-rt-14-dev libomp-14-dev llvm-14"
fi

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "installing:$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
