#!/usr/bin/env bash
# Refreshes api/assets/redoc.standalone.js, the renderer /docs serves from the
# binary (no page of ours loads anything from another host). The version and
# its checksum are pinned here; `go run .` never needs npm, only this script
# does, and only when the pin changes.
set -euo pipefail
VERSION=2.5.0
SHA256=0ec05be285ac885a330289b02f470e1bdbd2b6b3223a9fa213f24bf805a851d1
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "redoc@${VERSION}" >/dev/null && tar xzf "redoc-${VERSION}.tgz")
echo "${SHA256}  ${tmp}/package/bundles/redoc.standalone.js" | sha256sum -c -
cp "${tmp}/package/bundles/redoc.standalone.js" "${tmp}/package/bundles/redoc.standalone.js.LICENSE.txt" api/assets/
echo "api/assets/redoc.standalone.js is redoc ${VERSION}"
