#!/usr/bin/env bash
# Builds the FerretDB version pinned in tools/ferretdb/go.mod, with the project's patches
# (tools/ferretdb/patches/*.patch, each explained in its header), into .tools/bin/ferretdb.
#
# The binary reports itself as `<version>-chat.<hash of the patches>` (`ferretdb --version`), so a
# changed, added or removed patch is noticed here and rebuilds it, as a missing binary does.
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
upstream="$(go list -m -f '{{.Version}}' "$module")"
patches=(patches/*.patch)
version="$upstream-chat.$(cat "${patches[@]}" | sha256sum | cut -c1-12)"
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null | awk '/^version:/ {print $2}')" = "$version" ]; then
  exit 0
fi

echo "Building FerretDB $upstream with ${#patches[@]} patches into .tools/bin (first run, or the patches changed; about a minute, longer on a cold Go cache)..." >&2
start=$(date +%s)
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
moddir="$(go mod download -json "$module@$upstream" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
src="$root/.tools/src/ferretdb-$upstream"
rm -rf "$src"
mkdir -p "$(dirname "$src")" "$(dirname "$bin")"
cp -R "$moddir" "$src"
chmod -R u+w "$src"
for patch in "${patches[@]}"; do
  # The copy sits inside this repository's work tree: keep git from taking it for part of it.
  (cd "$src" && GIT_CEILING_DIRECTORIES="$root/.tools" git apply --whitespace=nowarn "$root/tools/ferretdb/$patch") || {
    echo "FerretDB patch $patch does not apply to $upstream." >&2
    exit 1
  }
done
printf '%s\n' "$version" >"$src/build/version/version.txt"
printf 'go-module-proxy\n' >"$src/build/version/package.txt"
(cd "$src" && go build -trimpath -o "$bin.tmp" ./cmd/ferretdb)
mv "$bin.tmp" "$bin"
echo "FerretDB $version built in $(($(date +%s) - start)) s." >&2
