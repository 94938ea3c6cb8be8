#!/usr/bin/env bash
# Installs what the VS Code integration and browser end-to-end tests need on a
# machine with no internet but the npm registry and Debian's packages:
#
#   - Debian packages: Chromium (driven by playwright-core), ripgrep (VS Code's
#     search; its npm package would download a binary) and the headers that
#     code-server's native modules build against;
#   - code-server 4.100.3 (VS Code 1.100 served to a browser) into
#     .cache/code-server/ at the repo root, which git ignores.
#
# code-server's own install script builds native modules and downloads ripgrep
# from the internet, which fails here, so its steps are done by hand (recipe in
# the steps below). Idempotent: apt runs only when
# something is missing, and a complete install (marked by .complete-<version>)
# is reused as it is. Run as root (CI is) or with sudo available.
#
#   bash scripts/setup-code-server.sh
set -euo pipefail

readonly CODE_SERVER_VERSION=4.100.3
readonly APT_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep chromium)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly root
readonly install_dir="$root/.cache/code-server"
readonly marker="$install_dir/.complete-$CODE_SERVER_VERSION"
readonly vscode_dir="$install_dir/node_modules/code-server/lib/vscode"

script_start=$SECONDS
step_start=$SECONDS

log() { printf '[setup-code-server] %s\n' "$*"; }

# Ends a step: prints how long it took and starts the next one's clock.
done_step() {
  log "$1 ($((SECONDS - step_start))s)"
  step_start=$SECONDS
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    log "error: '$*' needs root (run this script as root or install sudo)"
    exit 1
  fi
}

# npm without the noise, and never running a package's install scripts unless
# the step rebuilds them on purpose.
npm_install() {
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error "$@"
}

# --- Debian packages ---------------------------------------------------------

missing=()
for package in "${APT_PACKAGES[@]}"; do
  # Read the status: dpkg -s also succeeds for removed-but-configured packages.
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
# The native modules are built by node-gyp: a machine without a compiler or
# python (unusual for a Node machine, but cheap to cover) gets them from Debian.
for tool in g++ make python3; do
  if ! command -v "$tool" >/dev/null; then
    missing+=(build-essential python3)
    break
  fi
done

if ((${#missing[@]} > 0)); then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -q
  # Wait for the dpkg lock rather than fail when another apt is running.
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q -o DPkg::Lock::Timeout=600 "${missing[@]}"
  done_step "Debian packages installed"
else
  log "Debian packages already installed"
fi

# --- code-server ---------------------------------------------------------------

if [[ -f "$marker" ]]; then
  log "code-server $CODE_SERVER_VERSION already installed in $install_dir"
  exit 0
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" != 20 ]]; then
  # code-server's native modules and its bundled VS Code server target Node 20.
  log "error: code-server $CODE_SERVER_VERSION needs Node 20, found $(node --version)"
  exit 1
fi

# A folder without the marker is an interrupted or older install: start over
# rather than guess which steps completed.
if [[ -e "$install_dir" ]]; then
  log "removing incomplete or outdated install in $install_dir"
  rm -rf "$install_dir"
fi
mkdir -p "$install_dir"
# Without a package.json of its own here, npm would walk up to the repo's and
# install code-server into the project's node_modules.
cat >"$install_dir/package.json" <<EOF
{
  "name": "smart-code-server-cache",
  "private": true,
  "description": "code-server for the integration tests, installed by scripts/setup-code-server.sh"
}
EOF

cd "$install_dir"
log "installing code-server $CODE_SERVER_VERSION from the npm registry"
npm_install "code-server@$CODE_SERVER_VERSION"
done_step "code-server package installed"

npm rebuild argon2 --loglevel=error
done_step "argon2 rebuilt"

cd "$vscode_dir"
npm_install --omit=dev
done_step "VS Code server dependencies installed"

# native-watchdog is not in the notes' list, but without it the extension host
# logs an error at start and cannot notice that its parent died (and exit).
npm rebuild kerberos @parcel/watcher @vscode/spdlog native-watchdog --loglevel=error
done_step "kerberos, @parcel/watcher, @vscode/spdlog, native-watchdog rebuilt"
# node-pty backs the integrated terminal only, which the tests do not use; it
# does not build here, so a failure is reported and tolerated.
if npm rebuild node-pty --loglevel=error >/dev/null 2>&1; then
  done_step "node-pty rebuilt"
else
  done_step "node-pty did not build (terminals unavailable; not needed by the tests)"
fi

# @vscode/ripgrep's install script downloads rg; point it at Debian's instead.
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
# The server looks for its modules in node_modules.asar, as packaged builds do.
ln -sfn node_modules node_modules.asar

(cd extensions && npm_install --omit=dev)
done_step "built-in extensions' dependencies installed"

touch "$marker"
log "code-server $CODE_SERVER_VERSION ready in $install_dir ($((SECONDS - script_start))s in all)"
