# Shared by the lab scripts (sourced, not run): the jar, a CLI shorthand, starting a daemon in its node
# directory, and waiting for a condition on the --json answer of a command on some nodes.
JAR=${JAR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/quorumd.jar}
declare -A PID
q() { java -jar $JAR "$@"; }
js() { q "$@" --json 2>/dev/null; }
ms() { date +%s%3N; }
start() { (cd $D/$1 && exec java -jar $JAR run --config quorumd.yaml >> run.log 2>&1) & PID[$1]=$!; }
sock() { echo "--socket $D/$1/data/control.sock"; }
wait_for() { # $1 = command (its --json answer is s), $2 = python condition on s, $3 = nodes, $4 = timeout s
  local deadline=$(( $(date +%s) + $4 ))
  while [ $(date +%s) -lt $deadline ]; do
    local ok=1
    for n in $3; do js $1 $(sock $n) | python3 -c "import json,sys; s=json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null || { ok=0; break; }; done
    [ $ok = 1 ] && return 0
    sleep 0.2
  done
  return 1
}
