#!/usr/bin/env bash
# Runs the usual `hadoop fs` commands against a Cachet cluster. Usage:
#   examples/hadoop/fs-commands.sh cachet://localhost:19998
# TLS settings come from HADOOP_CLIENT_OPTS (-Dcachet.network.tls.*) or from a core-site.xml in HADOOP_CONF_DIR.
# Uses `hadoop fs` when Hadoop is installed, else bin/hadoop-fs (FsShell from the Hadoop client jars).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fs_root="${1:?usage: $0 cachet://host:port}"
if command -v hadoop >/dev/null; then hfs() { hadoop fs "$@"; }; else hfs() { "$root/bin/hadoop-fs" "$@"; }; fi
local_file=$(mktemp)
trap 'rm -f "$local_file" "$local_file.copy"' EXIT
echo "hello from hadoop fs over TLS" > "$local_file"

run() { echo "\$ hadoop fs $*"; hfs "$@"; }
run -mkdir -p "$fs_root/demo/dir"
run -put -f "$local_file" "$fs_root/demo/dir/hello.txt"
run -copyFromLocal -f "$local_file" "$fs_root/demo/dir/copy.txt"
run -ls -R "$fs_root/demo"
run -cat "$fs_root/demo/dir/hello.txt"
run -get "$fs_root/demo/dir/hello.txt" "$local_file.copy" && cmp "$local_file" "$local_file.copy" && echo "(get: identical)"
run -mv "$fs_root/demo/dir/copy.txt" "$fs_root/demo/dir/moved.txt"
run -cp "$fs_root/demo/dir/hello.txt" "$fs_root/demo/dir/hello2.txt"
run -du -s "$fs_root/demo"
run -stat "%n %b bytes, %F" "$fs_root/demo/dir/hello.txt"
run -test -e "$fs_root/demo/dir/hello.txt" && echo "(test -e: exists)"
run -checksum "$fs_root/demo/dir/hello.txt"
run -rm -r "$fs_root/demo"
