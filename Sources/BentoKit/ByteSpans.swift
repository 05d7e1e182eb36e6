/// Copying borrowed bytes (`Span<UInt8>`, as `FileSystem.write` receives them) into arrays a file system keeps
/// and into the `OutputSpan` a read fills, at `memcpy`'s speed in every build.
///
/// This is the one place BentoKit touches memory through pointers: Swift 6.3's standard library has no bulk
/// copy between spans (`MutableSpan` offers only `update(repeating:)`), and an element-by-element loop, which
/// the optimizer turns into a `memcpy`, runs about 1,000 times slower in a debug build. Bounds are checked
/// before each copy, so the functions are as safe to call as the element loops they replace.
extension Array where Element == UInt8 {
    /// A copy of `bytes`.
    public init(copying bytes: Span<UInt8>) {
        self = bytes.withUnsafeBufferPointer { Array($0) }
    }

    /// Appends a copy of `bytes`.
    public mutating func append(copying bytes: Span<UInt8>) {
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    /// Overwrites the `bytes.count` elements from `position` with `bytes`; they must already exist.
    public mutating func overwrite(at position: Int, with bytes: Span<UInt8>) {
        precondition(position >= 0 && position <= count - bytes.count, "overwrite past the end of the array")
        bytes.withUnsafeBufferPointer { source in
            withUnsafeMutableBufferPointer { target in
                _ = UnsafeMutableBufferPointer(rebasing: target[position..<position + source.count]).update(fromContentsOf: source)
            }
        }
    }
}

extension OutputSpan where Element == UInt8 {
    /// Appends a copy of `bytes`, which must fit in the free capacity.
    public mutating func append(copying bytes: Span<UInt8>) {
        precondition(bytes.count <= freeCapacity, "append past an output span's capacity")
        bytes.withUnsafeBufferPointer { source in
            withUnsafeMutableBufferPointer { target, initialized in
                _ = UnsafeMutableBufferPointer(rebasing: target[initialized..<initialized + source.count])
                    .initialize(fromContentsOf: source)
                initialized += source.count
            }
        }
    }
}
