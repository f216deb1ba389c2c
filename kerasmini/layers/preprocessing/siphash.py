"""SipHash-2-4 (Aumasson and Bernstein), what TensorFlow's
tf.strings.to_hash_bucket_strong hashes with (highwayhash's SipHash, key = the two
64-bit halves of a Keras `salt`): 64-bit arithmetic on Python ints."""
MASK = (1 << 64) - 1


def _rotl(value, shift):
    return ((value << shift) | (value >> (64 - shift))) & MASK


def _rounds(v, count):
    v0, v1, v2, v3 = v
    for _ in range(count):
        v0 = (v0 + v1) & MASK
        v1 = _rotl(v1, 13) ^ v0
        v0 = _rotl(v0, 32)
        v2 = (v2 + v3) & MASK
        v3 = _rotl(v3, 16) ^ v2
        v0 = (v0 + v3) & MASK
        v3 = _rotl(v3, 21) ^ v0
        v2 = (v2 + v1) & MASK
        v1 = _rotl(v1, 17) ^ v2
        v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def _absorb(v, word):
    v0, v1, v2, v3 = _rounds((v[0], v[1], v[2], v[3] ^ word), 2)
    return v0 ^ word, v1, v2, v3


def siphash24(key, data):
    """SipHash-2-4 of `data` (bytes) under `key` (two ints, taken modulo 2**64)."""
    k0, k1 = (k & MASK for k in key)
    v = (k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573)
    whole = len(data) - len(data) % 8
    for at in range(0, whole, 8):
        v = _absorb(v, int.from_bytes(data[at:at + 8], "little"))
    # the last 0-7 bytes, with the length's low byte on top
    v = _absorb(v, int.from_bytes(data[whole:], "little") | ((len(data) & 0xff) << 56))
    v0, v1, v2, v3 = _rounds((v[0], v[1], v[2] ^ 0xff, v[3]), 4)
    return v0 ^ v1 ^ v2 ^ v3


def salt_key(salt, kind):
    """Keras's `salt` argument as the hash key: an int n -> [n, n], a pair -> a list;
    each part must fit TensorFlow's int64 attribute (tf.keras fails at call otherwise)."""
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        key = list(salt)
    elif isinstance(salt, int):
        key = [salt, salt]
    else:
        raise ValueError(f"The `salt` argument for `{kind}` can only be a tuple of size 2 "
                         f"integers, or a single integer. Received: salt={salt}.")
    if not all(isinstance(k, int) and -2**63 <= k < 2**63 for k in key):
        raise ValueError(f"The `salt` of `{kind}` must be integers in [-2**63, 2**63). "
                         f"Received: salt={salt}.")
    return key
