// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected = 0x82F63B78), as ext4 and JBD2 use it, in safe Swift.
// Slicing-by-8 tables make it about 1 byte per cycle, enough for the journal's commit checksums.

/// CRC-32C checksums of byte sequences.
enum CRC32C {
    /// Eight 256-entry tables: `tables[0]` is the classic byte table, `tables[k]` advances k more bytes.
    private static let tables: [[UInt32]] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            tables[0][byte] = crc
        }
        for byte in 0..<256 {
            for slice in 1..<8 {
                let previous = tables[slice - 1][byte]
                tables[slice][byte] = (previous >> 8) ^ tables[0][Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// The checksum of `bytes`, continuing from `seed` (the result of an earlier call, or 0 to start).
    static func checksum(_ bytes: some Collection<UInt8>, seed: UInt32 = 0) -> UInt32 {
        let t = tables
        var crc = ~seed
        var iterator = bytes.makeIterator()
        var pending = bytes.count
        while pending >= 8 {
            var word: UInt64 = 0
            for index in 0..<8 { word |= UInt64(iterator.next() ?? 0) << (8 * index) }
            let low = UInt32(truncatingIfNeeded: word) ^ crc, high = UInt32(truncatingIfNeeded: word >> 32)
            crc = t[7][Int(low & 0xFF)] ^ t[6][Int((low >> 8) & 0xFF)] ^ t[5][Int((low >> 16) & 0xFF)]
                ^ t[4][Int(low >> 24)] ^ t[3][Int(high & 0xFF)] ^ t[2][Int((high >> 8) & 0xFF)]
                ^ t[1][Int((high >> 16) & 0xFF)] ^ t[0][Int(high >> 24)]
            pending -= 8
        }
        while let byte = iterator.next() {
            crc = (crc >> 8) ^ t[0][Int((crc ^ UInt32(byte)) & 0xFF)]
        }
        return ~crc
    }
}
