#!/usr/bin/env bash
# Pull request previews for .github/workflows/site.yml, with nothing but git, gh and GITHUB_TOKEN.
#
# The previews live in the branch $PREVIEW_BRANCH (default "voorbeelden"), one folder pr-<number>/
# per open pull request; every deployment of main copies that branch to <site>/voorbeeld/. The
# branch is always one commit (force-pushed with a lease), so old previews leave no history behind;
# two pull requests updating at once retry instead of overwriting each other.
#
#   previews.sh put NUMBER FOLDER    publish FOLDER as pr-NUMBER/
#   previews.sh remove NUMBER        remove pr-NUMBER/ (exit 3 when there was none)
#   previews.sh comment NUMBER URL   post the preview's link on the pull request, or update that post
#   previews.sh failed NUMBER URL    say in that post that no preview could be built (URL: the run)
set -euo pipefail

branch=${PREVIEW_BRANCH:-voorbeelden}
git_dir=$(git rev-parse --absolute-git-dir)
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-github-actions[bot]}
export GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-41898282+github-actions[bot]@users.noreply.github.com}
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-$GIT_AUTHOR_NAME} GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-$GIT_AUTHOR_EMAIL}
marker="<!-- voorbeeld-van-de-site -->"

usage() {
  echo "usage: previews.sh put NUMBER FOLDER | remove NUMBER | comment NUMBER URL | failed NUMBER URL" >&2
  exit 2
}

# change NUMBER [FOLDER]: rebuild the branch with pr-NUMBER/ replaced by FOLDER (or removed).
change() {
  local number=$1 folder=${2:-} attempt work lease tree commit
  for attempt in 1 2 3 4 5; do
    work=$(mktemp -d)
    lease=""
    # No branch yet: an empty lease then means "push only if it still does not exist".
    if git fetch --quiet --depth=1 origin "refs/heads/$branch" 2>/dev/null; then
      lease=$(git rev-parse FETCH_HEAD)
      git archive FETCH_HEAD | tar -x -C "$work"
    fi
    if [ -z "$folder" ] && [ ! -d "$work/pr-$number" ]; then
      rm -rf "$work"
      return 3
    fi
    rm -rf "${work:?}/pr-$number"
    if [ -n "$folder" ]; then
      cp -R "$folder" "$work/pr-$number"
    fi
    printf '%s\n' "Voorbeelden van open pull requests, gemaakt door .github/workflows/site.yml." \
      "Elke map pr-<nummer>/ is een volledige site; ze verschijnt onder <site>/voorbeeld/pr-<nummer>/." \
      >"$work/README.md"
    # A tree of exactly $work, through an index of its own: the checkout is not touched.
    tree=$(cd "$work" && export GIT_DIR="$git_dir" GIT_WORK_TREE="$work" GIT_INDEX_FILE="$work.index" &&
      git add --all --force . && git write-tree)
    commit=$(git commit-tree "$tree" -m "Voorbeelden bijgewerkt (pull request #$number)")
    rm -rf "$work" "$work.index"
    if git push --quiet --force-with-lease="refs/heads/$branch:$lease" origin "$commit:refs/heads/$branch"; then
      return 0
    fi
    echo "previews: the branch $branch changed meanwhile, trying again ($attempt)" >&2
    sleep $((attempt * 3))
  done
  echo "previews: could not update the branch $branch" >&2
  return 1
}

# post NUMBER BODY: the one comment of this script on the pull request, created or updated.
post() {
  local number=$1 body="$marker
$2" id
  id=$(gh api "repos/$GITHUB_REPOSITORY/issues/$number/comments" --paginate \
    --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
  if [ -n "$id" ]; then
    gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -f body="$body" >/dev/null
  else
    gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$number/comments" -f body="$body" >/dev/null
  fi
}

comment() {
  post "$1" "**Voorbeeld van deze wijziging:** $2

Zo ziet de site eruit met deze pull request, ook met concepten (\`draft: true\`) en geplande verhalen
(datum in de toekomst), elk met een balk bovenaan. Het voorbeeld staat er enkele minuten na elke nieuwe
commit; wordt de pull request gesloten, dan verdwijnt het. Een volledige kopie om te downloaden staat
bij de run van de controle, onder *Artifacts*."
}

failed() {
  post "$1" "**Geen voorbeeld:** met deze wijziging kon de site niet gebouwd worden.

Elke fout staat in het tabblad *Files changed* bij de regel zelf, en allemaal op een rij in de
[samenvatting van de controle]($2). Verbeter ze in dezelfde branch: het voorbeeld verschijnt dan
hier vanzelf."
}

[ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]] || usage
case $1 in
  put) [ $# -eq 3 ] && [ -d "$3" ] || usage; change "$2" "$3" ;;
  remove) [ $# -eq 2 ] || usage; change "$2" ;;
  comment) [ $# -eq 3 ] || usage; comment "$2" "$3" ;;
  failed) [ $# -eq 3 ] || usage; failed "$2" "$3" ;;
  *) usage ;;
esac
