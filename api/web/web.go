// Package web holds the officials' workspace (/dashboard/): its pages,
// script and style under dashboard/, and the pinned chart library under
// vendor/ (refreshed by scripts/vendor/echarts.sh). Everything is embedded
// in the binary, so the workspace works on an intranet with no other host.
package web

import "embed"

// Files are the workspace's files: dashboard/… and vendor/….
//
//go:embed dashboard vendor
var Files embed.FS
