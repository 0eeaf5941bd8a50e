#!/usr/bin/env bash
# The command line's contract with scripts: exit 0 for help, 2 for a usage
# error (an unknown command named as such, even beside --help), 1 for an
# operation that fails; help that names the commands and their options.
. "$(dirname "$0")/lib.sh"

# run_cli ARG...: runs ocitree, keeps stdout+stderr in $WORK/out and
# the exit status in $rc.
run_cli() { rc=0; "$OCITREE" "$@" >"$WORK/out" 2>&1 || rc=$?; }

log "help"
run_cli --help
expect_eq "ocitree --help exits 0" 0 "$rc"
check "ocitree --help lists pull, push and prune" grep -q -E '^ +pull' "$WORK/out"
run_cli pull --help
expect_eq "ocitree pull --help exits 0" 0 "$rc"
check "ocitree pull --help names the docker:// transport" grep -q 'docker://' "$WORK/out"

log "usage errors exit 2 and say what was wrong"
for args in "nosuch" "nosuch --help" "--repo $WORK/r nosuch" "--repo $WORK/r nosuch --help"; do
  # shellcheck disable=SC2086 # the words are the arguments
  run_cli $args
  expect_eq "ocitree $args exits 2" 2 "$rc"
  check "ocitree $args names the unknown command" grep -q "unknown command 'nosuch'" "$WORK/out"
done
run_cli
expect_eq "ocitree without a command exits 2" 2 "$rc"
run_cli --repo "$WORK/r" pull
expect_eq "pull without an image exits 2" 2 "$rc"

log "a failing operation exits 1 and writes nothing"
# Like 'ostree init', init does not create missing parents.
run_cli --repo "$WORK/missing/repo" init --mode archive
expect_eq "init under a missing directory exits 1" 1 "$rc"
check "the error names the path" grep -q "$WORK/missing/repo" "$WORK/out"
check_fails "nothing was created" test -e "$WORK/missing"
run_cli --repo "$WORK/none" fsck
expect_eq "fsck of a missing repository exits 1" 1 "$rc"
