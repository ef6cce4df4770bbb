#!/usr/bin/env bash
# `make test`: every member's tests in one pytest run (2 workers), then the end-to-end suite on
# real processes. SQLite by default; PostgreSQL when GIP_TEST_DATABASE_URL is set.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p test-output
rm -f test-output/*.xml

suites=()
for dir in libs/* services/* gateway tests/workspace tests/infra tests/devidp; do
  [ -d "$dir" ] && suites+=("$dir")
done
db=SQLite; [ -n "${GIP_TEST_DATABASE_URL:-}" ] && db=PostgreSQL
echo "== unit and integration on $db: ${suites[*]}"
$PY -m pytest "${suites[@]}" -n 2 -q --junitxml=test-output/unit.xml
unit=$?

e2e=0
if compgen -G "tests/e2e/test_*.py" >/dev/null; then
  echo "== end to end"
  $PY -m pytest tests/e2e -q --junitxml=test-output/e2e.xml
  e2e=$?
fi

$PY scripts/test_summary.py test-output/*.xml
summary=$?
[ $unit -eq 0 ] && [ $e2e -eq 0 ] && [ $summary -eq 0 ]
