#!/usr/bin/env bash
# Adds up the Surefire reports of every module into one closing line: "N passed, N failed, N skipped".
shopt -s nullglob
tests=0 failed=0 skipped=0
for f in */target/surefire-reports/TEST-*.xml; do
  head=$(grep -m1 -o '<testsuite [^>]*>' "$f")
  get() { echo "$head" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  tests=$((tests + $(get tests)))
  failed=$((failed + $(get failures) + $(get errors)))
  skipped=$((skipped + $(get skipped)))
done
echo "tests: $((tests - failed - skipped)) passed, $failed failed, $skipped skipped"
