"""FarmHash's Fingerprint64 (farmhashna::Hash64), what TensorFlow's
tf.strings.to_hash_bucket_fast hashes with: 64-bit arithmetic on Python ints."""
MASK = (1 << 64) - 1
K0, K1, K2 = 0xc3a5c85c97cb3127, 0xb492b66fbe98f273, 0x9ae16a3b2f90404f


def _word(data, at, size=8):
    return int.from_bytes(data[at:at + size], "little")


def _rotr(value, shift):
    return value if shift == 0 else ((value >> shift) | (value << (64 - shift))) & MASK


def _shift_mix(value):
    return value ^ (value >> 47)


def _mix16(u, v, mul):
    a = _shift_mix(((u ^ v) * mul) & MASK)
    b = _shift_mix(((v ^ a) * mul) & MASK)
    return (b * mul) & MASK


def _up_to_16(data):
    n = len(data)
    mul = (K2 + 2 * n) & MASK
    if n >= 8:
        a = (_word(data, 0) + K2) & MASK
        b = _word(data, n - 8)
        c = (_rotr(b, 37) * mul + a) & MASK
        d = ((_rotr(a, 25) + b) * mul) & MASK
        return _mix16(c, d, mul)
    if n >= 4:
        return _mix16((n + (_word(data, 0, 4) << 3)) & MASK, _word(data, n - 4, 4), mul)
    if n:
        y = data[0] + (data[n >> 1] << 8)
        z = n + (data[n - 1] << 2)
        return (_shift_mix(((y * K2) ^ (z * K0)) & MASK) * K2) & MASK
    return K2


def _ends_mixed(data, mul, first_multiplier):
    """The first and last 16 bytes mixed, as the 17-32 byte hash does (the 33-64 one
    starts the same way): (a, the two halves to mix)."""
    n = len(data)
    a = (_word(data, 0) * first_multiplier) & MASK
    b = _word(data, 8)
    c = (_word(data, n - 8) * mul) & MASK
    d = (_word(data, n - 16) * K2) & MASK
    return a, (_rotr((a + b) & MASK, 43) + _rotr(c, 30) + d) & MASK, \
        (a + _rotr((b + K2) & MASK, 18) + c) & MASK


def _17_to_32(data):
    mul = (K2 + 2 * len(data)) & MASK
    _, u, v = _ends_mixed(data, mul, K1)
    return _mix16(u, v, mul)


def _33_to_64(data):
    n = len(data)
    mul = (K2 + 2 * n) & MASK
    a, y, v = _ends_mixed(data, mul, K2)
    z = _mix16(y, v, mul)
    e = (_word(data, 16) * mul) & MASK
    f = _word(data, 24)
    g = ((y + _word(data, n - 32)) * mul) & MASK
    h = ((z + _word(data, n - 24)) * mul) & MASK
    return _mix16((_rotr((e + f) & MASK, 43) + _rotr(g, 30) + h) & MASK,
                  (e + _rotr((f + a) & MASK, 18) + g) & MASK, mul)


def _weak32(data, at, a, b):
    """The weak 128-bit hash of 32 bytes with two seeds: (low, high)."""
    w, x, y, z = (_word(data, at + 8 * i) for i in range(4))
    a = (a + w) & MASK
    b = _rotr((b + a + z) & MASK, 21)
    c = a
    a = (a + x + y) & MASK
    b = (b + _rotr(a, 44)) & MASK
    return (a + z) & MASK, (b + c) & MASK


def fingerprint64(data):
    """Fingerprint64 of `data` (bytes) as an int in [0, 2**64)."""
    n = len(data)
    if n <= 16:
        return _up_to_16(data)
    if n <= 32:
        return _17_to_32(data)
    if n <= 64:
        return _33_to_64(data)
    seed = 81
    x = (seed * K2 + _word(data, 0)) & MASK
    y = (seed * K1 + 113) & MASK
    z = (_shift_mix((y * K2 + 113) & MASK) * K2) & MASK
    v, w = (0, 0), (0, 0)
    last = n - 64
    for at in range(0, ((n - 1) // 64) * 64, 64):
        x = (_rotr((x + y + v[0] + _word(data, at + 8)) & MASK, 37) * K1) & MASK
        y = (_rotr((y + v[1] + _word(data, at + 48)) & MASK, 42) * K1) & MASK
        x ^= w[1]
        y = (y + v[0] + _word(data, at + 40)) & MASK
        z = (_rotr((z + w[0]) & MASK, 33) * K1) & MASK
        v = _weak32(data, at, (v[1] * K1) & MASK, (x + w[0]) & MASK)
        w = _weak32(data, at + 32, (z + w[1]) & MASK, (y + _word(data, at + 16)) & MASK)
        z, x = x, z
    mul = (K1 + ((z & 0xff) << 1)) & MASK
    w0 = (w[0] + ((n - 1) & 63)) & MASK
    v0 = (v[0] + w0) & MASK
    w0 = (w0 + v0) & MASK
    v, w = (v0, v[1]), (w0, w[1])
    x = (_rotr((x + y + v[0] + _word(data, last + 8)) & MASK, 37) * mul) & MASK
    y = (_rotr((y + v[1] + _word(data, last + 48)) & MASK, 42) * mul) & MASK
    x ^= (w[1] * 9) & MASK
    y = (y + v[0] * 9 + _word(data, last + 40)) & MASK
    z = (_rotr((z + w[0]) & MASK, 33) * mul) & MASK
    v = _weak32(data, last, (v[1] * mul) & MASK, (x + w[0]) & MASK)
    w = _weak32(data, last + 32, (z + w[1]) & MASK, (y + _word(data, last + 16)) & MASK)
    z, x = x, z
    return _mix16((_mix16(v[0], w[0], mul) + _shift_mix(y) * K0 + z) & MASK,
                  (_mix16(v[1], w[1], mul) + x) & MASK, mul)
