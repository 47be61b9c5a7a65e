#!/usr/bin/env bash
# Lab run of micropayment tickets on a real broker (the system Mosquitto on 127.0.0.1:1883): 7 daemons with
# --fast timings; node-1 funds its account and pays node-2 EV 50000 in tickets; after params expiry and
# redemption the balances must read the same on every node and node-2's earnings equal its settled winners.
# Then node-2 is killed with -9 while a second payment streams in, restarted, and a ticket batch it had taken is
# published again with mosquitto_pub: it must be refused replayed_nonce. Last, ledger verify --full on all 7.
# Needs the fat jar (mvn -B verify), python3 and mosquitto-clients. Prints what it measured.
set -u
. "$(dirname "$0")/lab-common.sh"
D=${LAB_DIR:-$(mktemp -d /tmp/quorumd-pm-lab.XXXXXX)}
mkdir -p $D
PREFIX="lab-pm/$(date +%s)"
q federation init --nodes 7 --out $D --broker tcp://127.0.0.1:1883 --prefix "$PREFIX" --fast > $D/init.txt
for k in 1 2 3 4 5 6 7; do start node-$k; done
ALL7="node-1 node-2 node-3 node-4 node-5 node-6 node-7"
FAIL=0
wait_for "federation show" "s['epoch']==0" "$ALL7" 60 || { echo "nodes did not come up"; exit 1; }
N2=$(js status $(sock node-2) | python3 -c "import json,sys; print(json.load(sys.stdin)['nodeId'])")
TOPIC="$PREFIX/pm/to/$N2"
mosquitto_sub -h 127.0.0.1 -p 1883 -q 1 -t "$TOPIC" > $D/pm-to-node-2.dump 2>/dev/null & SUB=$!

echo "== node-1 funds deposit 100000, reserve 60000"
q pm fund --deposit 100000 --reserve 60000 $(sock node-1)
wait_for "pm balance --node node-1" "s['deposit']=='100000' and s['reserve']=='60000'" "$ALL7" 30 \
  && echo "funded on all 7" || { echo "funding not executed everywhere"; FAIL=1; }

echo "== node-1 pays node-2 EV 50000"
T0=$(ms)
q pm pay --to node-2 --ev 50000 --wait 120 $(sock node-1) &
PAY=$!
if wait_for "pm received --from node-1" "int(s['received'][0]['ev'])>=50000" "node-2" 60; then
  echo "node-2 received >= 50000 from node-1 $(( $(ms) - T0 )) ms after pm pay"
else
  echo "FAIL: node-2 received < 50000 within 60 s"; FAIL=1
fi
wait $PAY
q pm received --from node-1 $(sock node-2)

echo "== after params expiry and redemption"
if wait_for "pm tickets" "len(s['tickets'])>0 and all(t['state']=='settled' for t in s['tickets'])" "node-2" 120; then
  echo "every winner of node-2 settled $(( $(ms) - T0 )) ms after pm pay"
else
  echo "FAIL: winners of node-2 not all settled"; FAIL=1
fi
sleep 2
SETTLED=$(js pm tickets --state settled $(sock node-2) | python3 -c "import json,sys; t=json.load(sys.stdin)['tickets']; print(len(t), sum(x['faceValue'] for x in t))")
echo "node-2's settled winners (count, face value): $SETTLED"
for who in node-1 node-2; do
  for k in 1 2 3 4 5 6 7; do echo "node-$k: $(q pm balance --node $who $(sock node-$k))"; done | tee $D/balance-$who.txt
  [ $(sed 's/^node-[0-9]*: //' $D/balance-$who.txt | sed 's/ (as of seq [0-9]*)//' | sort -u | wc -l) = 1 ] \
    && echo "pm balance --node $who: the same on all 7" || { echo "FAIL: pm balance --node $who differs"; FAIL=1; }
done
EARNED=$(js pm balance --node node-2 $(sock node-3) | python3 -c "import json,sys; print(json.load(sys.stdin)['earned'])")
[ "$EARNED" = "${SETTLED#* }" ] && echo "node-2 earned $EARNED = face value of its settled winners" \
  || { echo "FAIL: node-2 earned $EARNED, settled winners ${SETTLED#* }"; FAIL=1; }

echo "== kill -9 node-2 mid-stream, restart, publish a batch again"
q pm pay --to node-2 --ev 20000 --wait 0 $(sock node-1) > /dev/null
wait_for "pm received --from node-1" "int(s['received'][0]['ev'])>=55000" "node-2" 30
kill -9 ${PID[node-2]}; TK=$(ms)
start node-2
wait_for "status" "True" "node-2" 30 && echo "node-2 answering again $(( $(ms) - TK )) ms after kill -9"
BATCH=$(python3 - $D/pm-to-node-2.dump <<'PY'
import json, sys, time
best = None
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        env = json.loads(line)
    except ValueError:
        continue
    if env.get("type") == "pm.ticket" and env["body"]["paramsExpiresAt"] > time.time() * 1000 + 1500:
        best = line.strip()
print(best or "")
PY
)
if [ -z "$BATCH" ]; then
  echo "FAIL: no captured batch whose params are still live"; FAIL=1
else
  BEFORE=$(js status $(sock node-2) | python3 -c "import json,sys; print(json.load(sys.stdin)['rejects'])")
  mosquitto_pub -h 127.0.0.1 -p 1883 -q 1 -t "$TOPIC" -m "$BATCH"
  sleep 2
  AFTER=$(js status $(sock node-2) | python3 -c "import json,sys; print(json.load(sys.stdin)['rejects'])")
  echo "node-2 rejects before the re-published batch: $BEFORE"
  echo "node-2 rejects after it:                      $AFTER"
  echo "$AFTER" | grep -q "replayed_nonce" && echo "the batch published again was refused replayed_nonce" \
    || { echo "FAIL: no replayed_nonce"; FAIL=1; }
fi
wait_for "pm tickets" "all(t['state'] in ('settled','refused','expired') for t in s['tickets'])" "node-2" 120 \
  && echo "node-2's winners final again"
kill $SUB 2>/dev/null
echo "== stop all, ledger verify --full"
for k in 1 2 3 4 5 6 7; do kill ${PID[node-$k]} 2>/dev/null; done
for k in 1 2 3 4 5 6 7; do wait ${PID[node-$k]} 2>/dev/null; done
for k in 1 2 3 4 5 6 7; do q ledger verify $D/node-$k/data --full > $D/verify-$k.txt 2>&1; echo "node-$k: ledger verify --full exit $?"; done
echo "lab dir: $D"
exit $FAIL
