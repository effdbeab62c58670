"""Card and suggestion uuids the service recognises as its own, without keeping a list of them.

CDS Hooks feedback names a card by its ``uuid`` and accepted suggestions by theirs. Feedback about a card the
service never issued is not feedback on its advice, and recording it let anyone fill the store (44 MB in 4 s
from 20 requests in a security review). So "issued" means: minted by this service with its key. A uuid here is
a version-4 UUID whose first 8 bytes are random and whose last 8 are an HMAC-SHA256 of the first 8 under the
key of ``assertion_ids.assertion_key`` (``CDS_ASSERTION_SECRET``), with the UUID version and variant bits set
(RFC 9562 §5.4). Any replica sharing the secret recognises any other's cards, across restarts, and nothing is
stored per card. Without the secret the key is the process's own (its decision processes are given the same
key), so feedback is recognised by the process that issued the card only.

A guess is recognised with probability 2^-62 (the MAC keeps 62 of its 64 bits beside the variant bits).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

_PURPOSE = b"card-uuid\x1f"


def _mac(key: bytes, nonce: bytes) -> bytes:
    tag = bytearray(hmac.new(key, _PURPOSE + nonce, hashlib.sha256).digest()[:8])
    tag[0] = (tag[0] & 0x3F) | 0x80  # RFC 9562 variant 10xx
    return bytes(tag)


def issued_uuid(key: bytes) -> str:
    """A new uuid for a card or a suggestion, recognisable by ``was_issued`` under the same key."""
    nonce = bytearray(secrets.token_bytes(8))
    nonce[6] = (nonce[6] & 0x0F) | 0x40  # version 4
    return str(uuid.UUID(bytes=bytes(nonce) + _mac(key, bytes(nonce))))


def was_issued(value: str, key: bytes) -> bool:
    """Whether ``value`` is a uuid ``issued_uuid`` made with ``key``."""
    try:
        raw = uuid.UUID(value).bytes
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(raw[8:], _mac(key, raw[:8]))
