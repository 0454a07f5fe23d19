#!/usr/bin/env bash
# Usage: release/publish-registry-tree.sh <tree folder> <checkout of the registry repository> <tag>
#
# Makes the release commit of the repository the Terraform Registry publishes (terraform-aws-session-manager-role):
# its files become exactly the tree's, committed and tagged <tag> (annotated). The release workflow then pushes the
# branch and the tag; the registry publishes the version when it sees the tag.
#
# A tag that exists already must hold the same tree (a re-run of the workflow): nothing is done. Any other tree is an
# error, because a published registry version must never change.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 <tree folder> <registry checkout> <tag>" >&2
  exit 2
fi
tree=$(cd "$1" && pwd)
tag=$3
cd "$2"

git rm -r -q --ignore-unmatch -- .
cp -R "$tree"/. .
git add -A
release_tree=$(git write-tree)

if git rev-parse -q --verify "refs/tags/$tag" > /dev/null; then
  if [ "$(git rev-parse "refs/tags/$tag^{tree}")" = "$release_tree" ]; then
    echo "$tag already holds this tree: nothing to publish."
    exit 0
  fi
  echo "::error::$tag exists in the registry repository with other files; a published version must not change." >&2
  exit 1
fi

identity=(-c user.name="github-actions[bot]" -c user.email="41898282+github-actions[bot]@users.noreply.github.com")
if ! git rev-parse -q --verify HEAD > /dev/null || [ "$(git rev-parse 'HEAD^{tree}')" != "$release_tree" ]; then
  git "${identity[@]}" commit -q -m "Release $tag"
fi
git "${identity[@]}" tag -a "$tag" -m "$tag"
echo "Committed and tagged $tag: $(git rev-parse --short HEAD)."
