#!/usr/bin/env python3
"""Writes pm-ticket-1.json: the micropayment ticket vectors of DESIGN §14, computed independently of quorumd.

Uses only Python's standard library and the `cryptography` package (Ed25519, HKDF, HMAC); canonical JSON is
json.dumps with sorted keys and no whitespace, which is RFC 8785 for these ASCII keys and small integers.
Run from this directory: python3 make_pm_vectors.py > pm-ticket-1.json
"""
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

TWO_256 = 1 << 256


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def node(seed):
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key, hashlib.sha256(public).digest()[:16].hex()


def win_prob(ev, face_value):
    ceil = -(-TWO_256 // face_value)
    return min(ev * ceil, TWO_256 - 1)


sender_seed = bytes(range(0, 32))          # the key of vector-key.pem
recipient_seed = bytes(range(32, 64))
sender_key, sender_id = node(sender_seed)
_, recipient_id = node(recipient_seed)

pm_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"quorumd-pm/1").derive(recipient_seed)

ev, face_value = 10, 1000
wp = win_prob(ev, face_value)
expires_at = 1767226200000
seed = bytes(range(0xA0, 0xB0)).hex()
rand_input = canonical({"expiresAt": expires_at, "faceValue": face_value, "seed": seed, "sender": sender_id,
                        "winProb": "%064x" % wp})
rand = hmac.new(pm_key, rand_input, hashlib.sha256).digest()
rand_hash = hashlib.sha256(rand).hexdigest()


def ticket(nonce):
    body = canonical({"faceValue": face_value, "paramsExpiresAt": expires_at, "recipient": recipient_id,
                      "recipientRandHash": rand_hash, "sender": sender_id, "senderNonce": nonce,
                      "winProb": "%064x" % wp})
    sig = sender_key.sign(b"quorumd-ticket/1\n" + body)
    draw = hashlib.sha256(sig + rand).digest()
    return {"senderNonce": nonce, "canonicalHex": body.hex(), "ticketId": hashlib.sha256(body).hexdigest(),
            "sigHex": sig.hex(), "drawHex": draw.hex(), "won": int.from_bytes(draw, "big") < wp}


tickets = [ticket(1)]
nonce = 2
while True:
    t = ticket(nonce)
    if t["won"]:
        tickets.append(t)
        break
    nonce += 1

print(json.dumps({
    "description": "Computed by make_pm_vectors.py (Python cryptography, not quorumd): HKDF-SHA256 pm key, HMAC-SHA256"
                   " recipientRand over the canonical params, SHA-256 hash, winProb = ticketEV * ceil(2^256 / faceValue),"
                   " Ed25519 over \"quorumd-ticket/1\\n\" + canonical ticket, draw = SHA-256(sig || rand), won = draw < winProb."
                   " The second ticket is the first nonce after 1 that wins.",
    "senderPrivateKeyFile": "../vector-key.pem",
    "senderSeedHex": sender_seed.hex(),
    "senderId": sender_id,
    "recipientSeedHex": recipient_seed.hex(),
    "recipientId": recipient_id,
    "pmKeyHex": pm_key.hex(),
    "ticketEV": ev,
    "faceValue": face_value,
    "winProbHex": "%064x" % wp,
    "expiresAt": expires_at,
    "seedHex": seed,
    "randInput": rand_input.decode("utf-8"),
    "randHex": rand.hex(),
    "recipientRandHash": rand_hash,
    "tickets": tickets,
}, indent=2))
