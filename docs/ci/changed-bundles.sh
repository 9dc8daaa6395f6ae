#!/bin/sh
# Print the capture bundles under ROOT that changed between two commits, one per line, for
# `perftriage check`. A bundle is a folder ROOT/<name>/ (any file changed inside it) or an archive
# ROOT/<name>.tar.gz|.tgz|.tar|.zip. Deleted bundles and loose files at the top of ROOT (a README, a
# baseline) are left out.
#
# Usage: changed-bundles.sh BASE [HEAD] [ROOT]
#   BASE  the commit before the push (empty or all zeros on a branch's first push: every bundle at HEAD)
#   HEAD  default HEAD;  ROOT  default captures
#
# Bundle names may hold spaces, not newlines. Needs the BASE commit in the clone (fetch-depth: 0, or a
# deep enough GIT_DEPTH); when it is missing every bundle at HEAD is listed, which checks too much, never too little.
set -eu
base=${1:-}
head=${2:-HEAD}
root=${3:-captures}
root=${root%/}

if [ -z "$base" ] || [ "$base" = 0000000000000000000000000000000000000000 ] || ! git cat-file -e "$base^{commit}" 2>/dev/null; then
  changed=$(git -c core.quotePath=false ls-tree -r --name-only "$head" "$root/")
else
  changed=$(git -c core.quotePath=false diff --name-only --no-renames "$base" "$head" -- "$root/")
fi

printf '%s\n' "$changed" | while IFS= read -r path; do
  [ -n "$path" ] || continue
  rest=${path#"$root"/}
  case "$rest" in
    */*) bundle="$root/${rest%%/*}" ;;
    *.tar.gz | *.tgz | *.tar | *.zip) bundle="$root/$rest" ;;
    *) continue ;;
  esac
  if [ -e "$bundle" ]; then printf '%s\n' "$bundle"; fi
done | sort -u
