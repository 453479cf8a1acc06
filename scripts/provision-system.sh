#!/usr/bin/env bash
# Ensure the system tools the integration/e2e tests need are present:
#   Orthanc + DICOMweb plugin (STOW-RS target), dciodvfy (dicom3tools), chromium (e2e).
# Idempotent and fast when everything is already installed. Never silently skips:
# either the tools end up present, or it prints one sentence saying what is missing and exits 1.
set -euo pipefail

PACKAGES=(orthanc orthanc-dicomweb dicom3tools chromium)

have_plugin() {
  local f
  for f in /usr/share/orthanc/plugins/libOrthancDicomWeb.so* /usr/lib/orthanc/libOrthancDicomWeb.so*; do
    [[ -e "$f" ]] && return 0
  done
  return 1
}

# Prints "what (package)" for each missing tool, space-separated.
missing_tools() {
  local out=()
  [[ -x /usr/sbin/Orthanc ]] || out+=("/usr/sbin/Orthanc(orthanc)")
  have_plugin || out+=("libOrthancDicomWeb.so(orthanc-dicomweb)")
  [[ -x /usr/bin/dciodvfy ]] || out+=("/usr/bin/dciodvfy(dicom3tools)")
  command -v chromium >/dev/null 2>&1 || out+=("chromium(chromium)")
  echo "${out[*]-}"
}

# How to run privileged commands: directly as root, via passwordless sudo, or not at all.
SUDO=none
if [[ $(id -u) -eq 0 ]]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
fi

fail() {
  echo "provision-system: $*" >&2
  exit 1
}

missing=$(missing_tools)
if [[ -n "$missing" ]]; then
  if [[ ! -f /etc/debian_version ]] || ! command -v apt-get >/dev/null 2>&1; then
    fail "missing ${missing}; this is not a Debian/Ubuntu system, so install the equivalents of the Debian packages '${PACKAGES[*]}' by hand."
  fi
  if [[ "$SUDO" == none ]]; then
    fail "missing ${missing}; run 'sudo apt-get install -y --no-install-recommends ${PACKAGES[*]}' (or re-run this script as root)."
  fi
  log=$(mktemp "${TMPDIR:-/tmp}/cleardisc-provision.XXXXXX.log")
  echo "provision-system: installing ${PACKAGES[*]} (log: $log)" >&2
  # 'env' because sudo may reset the environment.
  if ! { $SUDO apt-get update && $SUDO env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${PACKAGES[@]}"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "apt-get failed installing '${PACKAGES[*]}'; full log in $log."
  fi
  missing=$(missing_tools)
  if [[ -n "$missing" ]]; then
    fail "still missing ${missing} after apt-get install (log: $log; on Ubuntu 'chromium' may be a snap stub; install a real chromium and put it on PATH)."
  fi
  rm -f "$log"
fi

# The Debian orthanc package enables a system service on 8042/4242. Tests pick their own free
# ports, but a stray system Orthanc is confusing and wastes memory, so stop and disable it.
service_running=0
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
  # Also disable an enabled-but-stopped service so it does not come back on the next boot.
  if [[ "$SUDO" != none ]] && { systemctl is-active --quiet orthanc || systemctl is-enabled --quiet orthanc; } 2>/dev/null; then
    $SUDO systemctl disable --now orthanc >/dev/null 2>&1 || true
  fi
  systemctl is-active --quiet orthanc 2>/dev/null && service_running=1
elif [[ -x /etc/init.d/orthanc ]] && /etc/init.d/orthanc status >/dev/null 2>&1; then
  service_running=1
  if [[ "$SUDO" != none ]]; then
    $SUDO /etc/init.d/orthanc stop >/dev/null 2>&1 || true
    /etc/init.d/orthanc status >/dev/null 2>&1 || service_running=0
  fi
fi
if [[ $service_running -eq 1 ]]; then
  fail "the system 'orthanc' service is running (ports 8042/4242); stop it with 'sudo systemctl disable --now orthanc' (or 'sudo /etc/init.d/orthanc stop')."
fi

exit 0
