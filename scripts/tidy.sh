#!/usr/bin/env bash
# Runs clang-tidy (checks in .clang-tidy) on the .cpp files under src/ changed since a
# base revision, and exits non-zero on any finding.
#
#   scripts/tidy.sh            files changed since HEAD~5 (committed, staged, unstaged
#                              or new), plus the .cpp next to each changed header
#   scripts/tidy.sh REV        files changed since REV (e.g. origin/main)
#   scripts/tidy.sh --all      every .cpp under src/
#   scripts/tidy.sh FILE...    the given src/ .cpp files
#
# Needs build/compile_commands.json (BUILD_DIR overrides build/): run scripts/build.sh
# first, or only configure: cmake -S . -B build -G Ninja. Generated sources must exist
# for the files that include them (the build creates them). Runs one clang-tidy at a time
# at low priority; TIDY_JOBS=N runs N at once. CLANG_TIDY picks the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
BUILD_DIR=${BUILD_DIR:-build}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy}
TIDY_JOBS=${TIDY_JOBS:-1}

command -v "$CLANG_TIDY" >/dev/null 2>&1 ||
  { echo "tidy: $CLANG_TIDY not found (scripts/install-deps.sh installs clang-tidy)" >&2; exit 2; }
[ -f "$BUILD_DIR/compile_commands.json" ] ||
  { echo "tidy: no $BUILD_DIR/compile_commands.json; configure or build first (scripts/build.sh)" >&2; exit 2; }

# The files to check.
files=()
if [ "${1:-}" = --all ]; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard 'src/*.cpp' | sort -u)
elif [ $# -gt 0 ] && [ -f "$1" ]; then
  files=("$@")
else
  base=${1:-HEAD~5}
  if ! git rev-parse --verify -q "$base^{commit}" >/dev/null; then
    echo "tidy: base revision $base not found (shallow clone?); checking every file" >&2
    exec "$0" --all
  fi
  mapfile -t changed < <({
    git diff --name-only --diff-filter=d "$base" -- src
    git ls-files --others --exclude-standard src
  } | sort -u)
  for f in "${changed[@]}"; do
    case "$f" in
      *.cpp) files+=("$f") ;;
      *.h) [ -f "${f%.h}.cpp" ] && files+=("${f%.h}.cpp") ;;
    esac
  done
  mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -v '^$' | sort -u)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "tidy: no changed .cpp files under src/"
  exit 0
fi

# A copy of compile_commands.json without GCC's precompiled header: clang cannot read
# the .gch next to cmake_pch.hxx, so each file is parsed with its own #includes.
tmp=$(mktemp -d /tmp/yunfn-tidy.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
python3 - "$BUILD_DIR/compile_commands.json" "$tmp/compile_commands.json" <<'EOF'
import json, os, shlex, sys
entries = []
for e in json.load(open(sys.argv[1])):
    args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    if "c++-header" in args:  # the precompiled header's own entry
        continue
    if os.path.basename(args[0]) == "ccache":
        args = args[1:]
    cleaned, i = [], 0
    while i < len(args):
        a = args[i]
        if a == "-include" and i + 1 < len(args) and args[i + 1].endswith("cmake_pch.hxx"):
            i += 2
        elif a == "-Winvalid-pch" or (a.startswith("-include") and a.endswith("cmake_pch.hxx")):
            i += 1
        else:
            cleaned.append(a)
            i += 1
    entries.append({"directory": e["directory"], "file": e["file"], "arguments": cleaned})
json.dump(entries, open(sys.argv[2], "w"), indent=1)
EOF

echo "tidy: checking ${#files[@]} file(s) with $("$CLANG_TIDY" --version | grep -o 'version [0-9.]*')"
# --header-filter: findings in the repository's own headers too, none in /usr/include.
# A file with findings makes clang-tidy exit non-zero (WarningsAsErrors in .clang-tidy).
printf '%s\n' "${files[@]}" |
  nice -n 19 xargs -r -P "$TIDY_JOBS" -I{} sh -c '
    echo "tidy: $3" >&2
    out=$("$0" --quiet -p "$1" --header-filter="^$2/src/" "$3" 2>&1); rc=$?
    printf "%s\n" "$out" | grep -v -E "^[0-9]+ (warning|error)s? generated\.$" || true
    [ $rc = 0 ] || echo "tidy-failed: $3 (clang-tidy exit status $rc)"
    ' "$CLANG_TIDY" "$tmp" "$root" {} | tee "$tmp/out"

# One line per finding (a header's findings show up once per file including it).
findings=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error): ' "$tmp/out" | sed "s|^$root/||" | sort -u || true)
failed=$(grep '^tidy-failed: ' "$tmp/out" || true)
if [ -n "$findings" ] || [ -n "$failed" ]; then
  echo >&2
  if [ -n "$findings" ]; then
    echo "tidy: $(wc -l <<<"$findings") finding(s):" >&2
    echo "$findings" >&2
  fi
  [ -z "$failed" ] || echo "$failed" >&2
  exit 1
fi
echo "tidy: no findings"
