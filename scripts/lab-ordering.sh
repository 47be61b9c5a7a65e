#!/usr/bin/env bash
# Lab run of ordered roster changes on a real broker (the system Mosquitto on 127.0.0.1:1883): 7 daemons,
# admit node-8 (its checkpoint votes count, every node holds its first checkpoint), kill -9 the primary while
# a change is pending, remove node-8, restart a node, rotate node-5's key, and verify every ledger. Needs the fat jar (mvn -B verify) and python3. Prints the timings from the daemons' own log lines.
set -u
. "$(dirname "$0")/lab-common.sh"
D=${LAB_DIR:-$(mktemp -d /tmp/quorumd-ordering-lab.XXXXXX)}
mkdir -p $D
q federation init --nodes 7 --out $D --broker tcp://127.0.0.1:1883 --prefix "lab-ordering/$(date +%s)" --fast > $D/init.txt
cat $D/init.txt
for k in 1 2 3 4 5 6 7; do start node-$k; done
wait_all() { wait_for "federation show" "$1" "$2" "$3"; } # condition on `federation show --json`
cp_all() { wait_for "checkpoint show" "$1" "$2" "$3"; }   # condition on `checkpoint show --json` (a list)
ALL7="node-1 node-2 node-3 node-4 node-5 node-6 node-7"
wait_all "s['epoch']==0" "$ALL7" 60 || { echo "nodes did not come up"; exit 1; }
sleep 3
echo "== add node-8"
ID=$(q federation propose add --name node-8 --new-key $D/node-8/node.key $(sock node-1))
echo "request $ID"
sleep 1
for k in 2 3 4 5; do q federation endorse $ID $(sock node-$k); done
T0=$(ms); echo "last endorsement of the add at $(date -u -d @$((T0/1000)) +%T).$((T0%1000))"
wait_all "s['epoch']==1 and len(s['roster'])==8" "$ALL7" 30 || { echo "add not executed"; exit 1; }
T1=$(ms)
echo "all 7 at epoch 1 with 8 members, $((T1-T0)) ms after the last endorsement"
for k in 1 2 3 4 5 6 7; do q federation show --json $(sock node-$k) | python3 -c "import json,sys; s=json.load(sys.stdin); print('node-$k', s['epoch'], s['startSeq'], len(s['roster']), s['stateDigest'][:16])"; done
q federation export --out $D/node-8/anchor.json $(sock node-3) > /dev/null
start node-8
wait_all "s['epoch']==1 and s['role']=='follower'" "node-8" 30 && echo "node-8 started from the export, following"
T8=$(ms)
for i in $(seq 1 60); do q checkpoint now $(sock node-8) > /dev/null 2>&1 && break; sleep 1; done
cp_all "any(x['subject']=='node-8' and x['checkpointId'] for x in s)" "$ALL7" 90 \
  && echo "every node holds node-8's first checkpoint, $(( $(ms) - T8 )) ms after node-8 started" \
  || echo "node-8's checkpoint is not held everywhere"
cp_all "any('node-8' in x.get('voters', []) for x in s)" "$ALL7" 90 \
  && echo "node-8's checkpoint votes count: every node holds a checkpoint node-8 co-signed" \
  || echo "no checkpoint with node-8's vote on every node"

echo "== kill -9 the primary with a proposal pending"
PRIM=$(q federation show --json $(sock node-1) | python3 -c "import json,sys; print(json.load(sys.stdin)['primary'])")
echo "primary: $PRIM"
OTHER=node-2; [ $PRIM = node-2 ] && OTHER=node-3
kill -9 ${PID[$PRIM]}
TK=$(ms)
ID2=$(q federation propose roles --name node-8 --roles voter,replica $(sock $OTHER))
for k in 1 2 3 4 5 6 7; do [ node-$k = $PRIM ] || [ node-$k = $OTHER ] || q federation endorse $ID2 $(sock node-$k) 2>/dev/null; done
TE=$(ms); echo "last endorsement of the roles change at $(date -u -d @$((TE/1000)) +%T).$((TE%1000)) (kill -9 at +$((TE-TK)) ms before it)"
LIVE=""; for k in 1 2 3 4 5 6 7; do [ node-$k = $PRIM ] || LIVE="$LIVE node-$k"; done
wait_all "s['epoch']==2" "$LIVE" 60 && TC=$(ms) && echo "committed in the next view $((TC-TK)) ms after kill -9 (viewTimeout 10 s)"
q federation show $(sock $OTHER)
start $PRIM
wait_all "s['epoch']==2" "$PRIM" 60 && echo "$PRIM restarted and caught up to epoch 2"

echo "== remove node-8"
ID3=$(q federation propose remove --name node-8 $(sock node-1))
for k in 2 3 4 5 6 7; do q federation endorse $ID3 $(sock node-$k) 2>/dev/null; done
wait_all "s['epoch']==3 and len(s['roster'])==7" "$ALL7" 60 && echo "node-8 removed on all 7"
sleep 5
for k in 1 2 3 4 5 6 7; do q status --json $(sock node-$k) | python3 -c "import json,sys; s=json.load(sys.stdin); print('node-$k rejects:', s['rejects'])"; done
kill ${PID[node-8]} 2>/dev/null
echo "== restart node-4"
kill ${PID[node-4]}; wait ${PID[node-4]} 2>/dev/null; start node-4
wait_all "s['epoch']==3" "node-4" 60 && echo "node-4 restarted normally at epoch 3"
echo "== rotate node-5's key"
OLD5=$(q status --json $(sock node-5) | python3 -c "import json,sys; print(json.load(sys.stdin)['nodeId'])")
q keygen --out $D/node-5/next.key > /dev/null
sed -i 's/^  dataDir: data$/  dataDir: data\n  nextKeyFile: next.key/' $D/node-5/quorumd.yaml
kill ${PID[node-5]}; wait ${PID[node-5]} 2>/dev/null; start node-5
wait_all "s['epoch']==3" "node-5" 60 || echo "node-5 did not come back"
sleep 2
ID4=$(q federation propose rotate-key --new-key $D/node-5/next.key $(sock node-5))
for k in 1 2 3 4; do q federation endorse $ID4 $(sock node-$k) 2>/dev/null; done
TR=$(ms); echo "last endorsement of the rotation at $(date -u -d @$((TR/1000)) +%T).$((TR%1000))"
wait_all "s['epoch']==4" "$ALL7" 60 && echo "rotation executed on all 7, $(( $(ms) - TR )) ms after the last endorsement"
for i in $(seq 1 100); do
  NEW5=$(q status --json $(sock node-5) 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['nodeId'])" 2>/dev/null)
  [ -n "$NEW5" ] && [ "$NEW5" != "$OLD5" ] && break; sleep 0.2
done
echo "node-5 id ${OLD5:0:16} -> ${NEW5:0:16}, $(( $(ms) - TR )) ms after the last endorsement"
NOOP=$(q federation propose roles --name node-7 --roles voter $(sock node-5) 2>&1)
echo "node-5 proposes under its new key: $NOOP"
for k in 1 2 3 4; do q federation endorse $NOOP $(sock node-$k) 2>/dev/null; done
wait_all "s['epoch']==5" "$ALL7" 60 && echo "a change node-5 asked for under its new key executed on all 7" \
  || echo "node-5's request under the new key did not execute"
for k in 1 2 3 4 5 6 7; do kill ${PID[node-$k]} 2>/dev/null; done
wait
for k in 1 2 3 4 5 6 7; do q ledger verify $D/node-$k/data --full > /dev/null; echo "node-$k ledger verify --full exit $?"; done
grep -h "federation roster changed\|view change started\|key rotation executed\|quorumd starting" $D/node-*/run.log | sort
