#!/usr/bin/env bash
# Refreshes api/web/vendor/echarts.common.min.js, the chart library of the
# officials' workspace (/dashboard/), served from the binary so the pages load
# nothing from another host. The version and its checksum are pinned here;
# `go run .` never needs npm, only this script does, and only when the pin
# changes. The common build holds the bar, line and pie charts we draw.
set -euo pipefail
VERSION=5.6.0
SHA256=55974cf42cc160e6cf9099cd3ed8cdedfaa9779919fcee7e2272c85f6ca30e27
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "echarts@${VERSION}" >/dev/null && tar xzf "echarts-${VERSION}.tgz")
echo "${SHA256}  ${tmp}/package/dist/echarts.common.min.js" | sha256sum -c -
cp "${tmp}/package/dist/echarts.common.min.js" api/web/vendor/
cp "${tmp}/package/LICENSE" api/web/vendor/echarts.LICENSE.txt
cp "${tmp}/package/NOTICE" api/web/vendor/echarts.NOTICE.txt
echo "api/web/vendor/echarts.common.min.js is echarts ${VERSION}"
