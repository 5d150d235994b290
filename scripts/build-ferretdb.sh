#!/usr/bin/env bash
# Builds the FerretDB version pinned in tools/ferretdb/go.mod into .tools/bin/ferretdb.
#
# Why not plain `go install`: FerretDB's CLI panics at start unless build/version/version.txt
# exists, and the module zip on the proxy ships without it (upstream generates it with git).
# So we fetch the pinned module (its hash checked against tools/ferretdb/go.sum), copy it to
# .tools/src, write version.txt, and build it there with FerretDB's own go.sum.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin/ferretdb"
module="github.com/FerretDB/FerretDB"

if ! command -v go >/dev/null 2>&1; then
  echo "FerretDB cannot be built: Go is missing. Install Go 1.22+ (https://go.dev/doc/install, or 'apt-get install golang') or set TEST_DATABASE_URL / DATABASE_URL to a MongoDB." >&2
  exit 1
fi

cd "$root/tools/ferretdb"
version="$(go list -m -f '{{.Version}}' "$module")"
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null | awk '/^version:/ {print $2}')" = "$version" ]; then
  exit 0
fi

echo "Building FerretDB $version into .tools/bin (first run only; about a minute, longer on a cold Go cache)..." >&2
start=$(date +%s)
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
moddir="$(go mod download -json "$module@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
src="$root/.tools/src/ferretdb-$version"
rm -rf "$src"
mkdir -p "$(dirname "$src")" "$(dirname "$bin")"
cp -R "$moddir" "$src"
chmod -R u+w "$src"
printf '%s\n' "$version" >"$src/build/version/version.txt"
printf 'go-module-proxy\n' >"$src/build/version/package.txt"
(cd "$src" && go build -trimpath -o "$bin.tmp" ./cmd/ferretdb)
mv "$bin.tmp" "$bin"
echo "FerretDB $version built in $(($(date +%s) - start)) s." >&2
