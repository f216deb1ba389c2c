"""The raw bytes of an HDF5 attribute, found from the file's bytes, before libhdf5 reads it.

Why: a variable-length value (a string such as Keras's `name`, `weight_names`,
`model_config`) is stored as descriptors of (length, global heap address, index), and
libhdf5 allocates `length` x element size for each one *before* it looks the heap object
up and finds the length false: a 16-byte descriptor can cost 4 GiB. h5py offers no way
to see the descriptors without that read, so they are found here, in the attribute
message of the object's header (HDF5 file format specification, sections III.A-C and
IV.A.2.m), and checked against the size of the file: what is really stored cannot be
longer than the file.

Only what that needs is parsed: the superblock's sizes, object headers of version 1
and 2 with their continuation blocks, and attribute messages of versions 1 to 3.
Anything else (an attribute kept in dense storage or shared, 4-byte addresses, a header
running outside the file) is refused: Keras never writes it, and it could hide a
descriptor.
"""
import struct

SIGNATURE = b"\x89HDF\r\n\x1a\n"
ATTRIBUTE, CONTINUATION = 0x000C, 0x0010
VLEN_CLASS = 9
DESCRIPTOR_BYTES = 16      # length u32, heap collection address u64, object index u32
MAX_HEADER_BLOCKS = 1000   # an object header's blocks: a chain of continuations ends


class HeaderError(ValueError):
    """The bytes do not hold what the header says (the caller names the file)."""


def superblock(data):
    """(base address, size of offsets, size of lengths): HDF5 looks for the signature at
    0, 512, 1024, 2048, ... (after a user block), and addresses count from there."""
    at = 0
    while at + 16 <= len(data):
        if bytes(data[at:at + 8]) == SIGNATURE:
            version = data[at + 8]
            sizes = (data[at + 13], data[at + 14]) if version < 2 else \
                (data[at + 9], data[at + 10])
            return at, *sizes
        at = 512 if at == 0 else at * 2
    raise HeaderError("no HDF5 superblock found")


def attribute_message(data, address, name):
    """(datatype bytes, raw value bytes) of the attribute `name` in the object header at
    `address` (relative to the superblock, as h5py's ObjInfo.addr gives it)."""
    base, offsets, lengths = superblock(data)
    if (offsets, lengths) != (8, 8):
        raise HeaderError(f"it uses {offsets}-byte addresses; only 8 are checked")
    key = name.encode("utf-8")
    try:
        for kind, flags, body in _messages(data, base, base + address):
            if kind == ATTRIBUTE:
                if flags & 0x02:  # the message itself lives in a shared-message heap
                    raise HeaderError(f"the attribute messages of the object at {address} "
                                      "are shared")
                found = _attribute(body, key)
                if found is not None:
                    return found
    except (struct.error, IndexError) as error:  # a field cut short by the file's end
        raise HeaderError(f"the header of the object at {address} is truncated: "
                          f"{error}") from None
    raise HeaderError(f"the attribute '{name}' is not in the header of the object at "
                      f"{address} (it is in dense storage)")


def vlen_bytes(datatype, raw, count):
    """The bytes libhdf5 would allocate for `count` variable-length values whose
    descriptors are `raw`: the sum of their lengths times the base type's size."""
    if datatype[0] & 0x0F != VLEN_CLASS:
        raise HeaderError("the attribute is not of a variable-length type")
    base_size = _u32(datatype, 12)  # the base type's message follows the 8-byte header
    if len(raw) < count * DESCRIPTOR_BYTES:
        raise HeaderError(f"{count} values need {count * DESCRIPTOR_BYTES} bytes of "
                          f"descriptors, the attribute stores {len(raw)}")
    lengths = struct.unpack_from(f"<{count * 4}I", raw)[::4]
    return sum(lengths) * max(base_size, 1)


# ----- object headers -------------------------------------------------------------------
def _messages(data, base, start):
    """(type, flags, body) of every message of the object header at `start`, following
    continuation blocks (at most MAX_HEADER_BLOCKS, each visited once)."""
    if bytes(data[start:start + 4]) == b"OHDR":
        version, blocks = 2, [_v2_first_block(data, start)]
    elif start < len(data) and data[start] == 1:
        size = _u32(data, start + 8)
        version, blocks = 1, [(start + 16, start + 16 + size)]
    else:
        raise HeaderError(f"no object header at byte {start}")
    flags = data[start + 5] if version == 2 else 0
    seen = set()
    while blocks:
        begin, end = blocks.pop()
        if (begin, end) in seen or len(seen) > MAX_HEADER_BLOCKS:
            raise HeaderError("its object header's continuation blocks loop")
        seen.add((begin, end))
        if not 0 <= begin <= end <= len(data):
            raise HeaderError(f"an object header block ({begin}..{end}) lies outside "
                              f"the file of {len(data)} bytes")
        for kind, mflags, body in _block(data, begin, end, version, flags):
            if kind == CONTINUATION:
                offset, length = struct.unpack_from("<QQ", body)
                if version == 2:
                    if bytes(data[base + offset:base + offset + 4]) != b"OCHK":
                        raise HeaderError("a continuation block without its signature")
                    blocks.append((base + offset + 4, base + offset + length - 4))
                else:
                    blocks.append((base + offset, base + offset + length))
            yield kind, mflags, body


def _v2_first_block(data, start):
    flags = data[start + 5]
    at = start + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
    width = 1 << (flags & 0x03)
    size = int.from_bytes(bytes(data[at:at + width]), "little")
    return at + width, at + width + size


def _block(data, begin, end, version, header_flags):
    """(type, flags, body) of the messages packed in data[begin:end]."""
    at = begin
    prefix = 8 if version == 1 else 4 + (2 if header_flags & 0x04 else 0)
    while at + prefix <= end:
        if version == 1:
            kind, size, flags = struct.unpack_from("<HHB", data, at)
        else:
            kind, size, flags = struct.unpack_from("<BHB", data, at)
        body_start = at + prefix
        if body_start + size > end:
            raise HeaderError(f"a header message at byte {at} runs past its block")
        yield kind, flags, bytes(data[body_start:body_start + size])
        at = body_start + size


def _attribute(body, key):
    """(datatype, raw value) if the attribute message `body` is named `key`."""
    if len(body) < 8:
        raise HeaderError("an attribute message is truncated")
    version, flags, name_size, type_size, space_size = struct.unpack_from("<BBHHH", body)
    if version not in (1, 2, 3):
        raise HeaderError(f"an attribute message of version {version}")
    if version > 1 and flags & 0x03:
        raise HeaderError("an attribute with a shared datatype or dataspace")
    pad = (lambda n: (n + 7) // 8 * 8) if version == 1 else (lambda n: n)
    at = 8 + (1 if version == 3 else 0)
    name = body[at:at + name_size].rstrip(b"\x00")
    at += pad(name_size)
    datatype = body[at:at + type_size]
    at += pad(type_size) + pad(space_size)
    if at > len(body) or len(datatype) < 8:
        raise HeaderError("an attribute message is truncated")
    return (datatype, body[at:]) if name == key else None


def _u32(data, at):
    if at + 4 > len(data):
        raise HeaderError(f"a field at byte {at} lies outside the data")
    return struct.unpack_from("<I", data, at)[0]
