"""saving/h5_headers.py on object headers built here byte by byte (HDF5 file format
specification III.A, IV.A.1-2): every layout the parser claims to read (version 1 and 2
headers, each width of a version 2 header's size field, its optional fields, continuation
blocks), and each of its refusals. libhdf5 writes only some of these layouts for a Keras
file, so a parser that misreads the others would pass the tests built from h5py files."""
import struct
import unittest

from parameterized import parameterized

from kerasmini.saving import h5_headers
from kerasmini.saving.h5_headers import HeaderError

DATATYPE = bytes([0x19, 0, 0, 0]) + struct.pack("<I", 16) + bytes(8)  # vlen, size 16
DESCRIPTORS = struct.pack("<IQI", 5, 0, 1) + struct.pack("<IQI", 7, 0, 2)


def superblock(version=2, offsets=8, lengths=8):
    """48 bytes: the signature, a version, the sizes of offsets and lengths where that
    version keeps them (bytes 13, 14 for version 0; 9, 10 for version 2)."""
    data = bytearray(h5_headers.SIGNATURE + bytes(40))
    data[8] = version
    data[13 if version < 2 else 9] = offsets
    data[14 if version < 2 else 10] = lengths
    return data


def attribute(name, version=3, datatype=DATATYPE, value=DESCRIPTORS):
    """An attribute message's body (dataspace bytes left empty: the parser skips them)."""
    key = name.encode() + b"\0"
    pad = (lambda n: (n + 7) // 8 * 8) if version == 1 else (lambda n: n)
    head = struct.pack("<BBHHH", version, 0, len(key), len(datatype), 0)
    head += b"\0" if version == 3 else b""
    return (head + key.ljust(pad(len(key)), b"\0") + datatype.ljust(pad(len(datatype)), b"\0")
            + value)


def v2_messages(messages, creation_order=False):
    return b"".join(struct.pack("<BHB", kind, len(body), 0) +
                    (b"\0\0" if creation_order else b"") + body for kind, body in messages)


def v2_header(messages, width_code=0, flags=0):
    """A version 2 object header: 'OHDR', version, flags (width code in bits 0-1), the
    optional times (0x20) and attribute phase values (0x10), the first block's size in
    1 << width_code bytes, the messages, a checksum."""
    flags |= width_code
    block = v2_messages(messages, creation_order=bool(flags & 0x04))
    head = b"OHDR" + bytes([2, flags]) + (bytes(16) if flags & 0x20 else b"") + \
        (bytes(4) if flags & 0x10 else b"")
    return head + len(block).to_bytes(1 << width_code, "little") + block + bytes(4)


def v1_header(messages):
    """A version 1 object header: version 1, reserved, message count, reference count,
    header size (u32), padding to 16; 8-byte message prefixes."""
    block = b"".join(struct.pack("<HHB3x", kind, len(body), 0) + body
                     for kind, body in messages)
    return struct.pack("<BBHII4x", 1, 0, len(messages), 1, len(block)) + block


class HeaderLayouts(unittest.TestCase):
    def read(self, header, name="model_config", sb=None):
        data = (sb or superblock()) + header
        return h5_headers.attribute_message(data, 48, name)

    @parameterized.expand([(code, flags) for code in range(4)
                           for flags in (0, 0x04, 0x10, 0x20, 0x34)])
    def test_v2_headers_of_every_size_width_and_optional_field(self, width_code, flags):
        other = attribute("names", value=bytes(16))
        header = v2_header([(0x01, bytes(12)), (h5_headers.ATTRIBUTE, other),
                            (h5_headers.ATTRIBUTE, attribute("model_config"))],
                           width_code, flags)
        self.assertEqual(self.read(header), (DATATYPE, DESCRIPTORS))
        self.assertEqual(self.read(header, "names"), (DATATYPE, bytes(16)))

    @parameterized.expand([(1,), (2,), (3,)])
    def test_v1_headers_and_every_attribute_version(self, version):
        header = v1_header([(0x01, bytes(16)),
                            (h5_headers.ATTRIBUTE, attribute("model_config", version))])
        sb = superblock(version=0)
        self.assertEqual(self.read(header, sb=sb)[0][:len(DATATYPE)], DATATYPE)
        self.assertEqual(self.read(header, sb=sb)[1][-len(DESCRIPTORS):], DESCRIPTORS)

    def test_the_superblock_is_found_after_a_user_block(self):
        for at in (512, 1024, 4096):
            data = bytes(at) + superblock() + bytes(16)
            self.assertEqual(h5_headers.superblock(data), (at, 8, 8))
        with self.assertRaisesRegex(HeaderError, "no HDF5 superblock"):
            h5_headers.superblock(bytes(700) + superblock())  # not at a power of two

    @parameterized.expand([(0,), (2,), (3,)])
    def test_sizes_other_than_8_are_refused(self, version):
        header = v2_header([(h5_headers.ATTRIBUTE, attribute("model_config"))])
        for sizes in ((4, 8), (8, 4), (2, 2)):
            with self.subTest(sizes=sizes), self.assertRaisesRegex(HeaderError,
                                                                   "only 8 are checked"):
                self.read(header, sb=superblock(version, *sizes))

    def test_continuation_blocks_are_followed_and_a_loop_refused(self):
        later = v2_messages([(h5_headers.ATTRIBUTE, attribute("model_config"))])
        chunk_at = 48 + 64  # where the continuation block goes (relative to the base)

        def file_with(target_length):
            pointer = struct.pack("<QQ", chunk_at, target_length)
            header = v2_header([(h5_headers.CONTINUATION, pointer)])
            header = header.ljust(64, b"\0")
            return superblock() + header + b"OCHK" + later + bytes(4)

        data = file_with(4 + len(later) + 4)
        self.assertEqual(h5_headers.attribute_message(data, 48, "model_config"),
                         (DATATYPE, DESCRIPTORS))
        looping = bytearray(data)  # the continuation block continues to itself
        looping[chunk_at + 4:chunk_at + 4 + len(later)] = v2_messages(
            [(h5_headers.CONTINUATION, struct.pack("<QQ", chunk_at, 8 + len(later)))]
        ).ljust(len(later), b"\0")
        with self.assertRaisesRegex(HeaderError, "loop"):
            h5_headers.attribute_message(bytes(looping), 48, "model_config")
        no_signature = bytearray(data)
        no_signature[chunk_at:chunk_at + 4] = b"XXXX"
        with self.assertRaisesRegex(HeaderError, "without its signature"):
            h5_headers.attribute_message(bytes(no_signature), 48, "model_config")

    def test_a_chain_of_continuations_longer_than_the_limit_is_refused(self):
        """The header and MAX_HEADER_BLOCKS continuation blocks are read, one more is
        refused: each block here is a
        distinct continuation to the next, the last holding the attribute."""
        def chain(blocks):
            body_size = 4 + 4 + 16 + 4  # 'OCHK', message prefix, (offset, length), checksum
            start = 48 + 64
            data = bytearray(superblock())
            data += v2_header([(h5_headers.CONTINUATION,
                                struct.pack("<QQ", start, body_size))]).ljust(64, b"\0")
            for i in range(blocks - 1):
                last = i == blocks - 2
                if last:
                    messages = [(h5_headers.ATTRIBUTE, attribute("model_config"))]
                else:
                    following = start + (i + 1) * body_size
                    messages = [(h5_headers.CONTINUATION,
                                 struct.pack("<QQ", following,
                                             body_size if i < blocks - 3 else
                                             8 + len(v2_messages(
                                                 [(h5_headers.ATTRIBUTE,
                                                   attribute("model_config"))]))))]
                data += b"OCHK" + v2_messages(messages) + bytes(4)
            return bytes(data)

        limit = 1000  # MAX_HEADER_BLOCKS, written out: a limit ten times off must fail
        self.assertEqual(h5_headers.attribute_message(chain(limit + 1), 48, "model_config"),
                         (DATATYPE, DESCRIPTORS))
        with self.assertRaisesRegex(HeaderError, "loop"):
            h5_headers.attribute_message(chain(limit + 2), 48, "model_config")

    def test_headers_outside_the_file_or_cut_short_are_refused(self):
        header = v2_header([(h5_headers.ATTRIBUTE, attribute("model_config"))])
        data = superblock() + header
        for address in (len(data), len(data) + 100, 10**9):
            with self.subTest(address=address), self.assertRaisesRegex(
                    HeaderError, f"no object header at byte {address}"):
                h5_headers.attribute_message(data, address, "model_config")
        for cut in range(48, len(data) - 4):
            with self.subTest(cut=cut), self.assertRaises(HeaderError):
                h5_headers.attribute_message(data[:cut], 48, "model_config")

    def test_shared_or_missing_attributes_are_refused(self):
        shared = v2_header([(h5_headers.ATTRIBUTE, attribute("model_config"))])
        shared = bytearray(shared)
        shared[6 + 1 + 3] = 0x02  # the message's flags: shared
        with self.assertRaisesRegex(HeaderError, "shared"):
            self.read(bytes(shared))
        with self.assertRaisesRegex(HeaderError, "not in the header"):
            self.read(v2_header([(h5_headers.ATTRIBUTE, attribute("other"))]))


class VlenBytes(unittest.TestCase):
    def test_lengths_times_the_base_size_from_every_descriptor(self):
        for base in (1, 2, 4):
            datatype = bytes([0x19, 0, 0, 0]) + struct.pack("<I", 16) + bytes(4) + \
                struct.pack("<I", base)
            raw = b"".join(struct.pack("<IQI", n, 0, i) for i, n in enumerate((3, 0, 9)))
            self.assertEqual(h5_headers.vlen_bytes(datatype, raw, 3), 12 * base)
            self.assertEqual(h5_headers.vlen_bytes(datatype, raw, 2), 3 * base)

    def test_too_few_descriptors_or_another_class_are_refused(self):
        raw = struct.pack("<IQI", 3, 0, 0)
        with self.assertRaisesRegex(HeaderError, "2 values need 32 bytes"):
            h5_headers.vlen_bytes(DATATYPE, raw, 2)
        with self.assertRaisesRegex(HeaderError, "not of a variable-length"):
            h5_headers.vlen_bytes(bytes([0x13]) + DATATYPE[1:], raw, 1)


if __name__ == "__main__":
    unittest.main()
