/// Strings laid out back to back in one buffer, with each one's range.
struct StringSet {
    var bytes: [UInt8] = []
    var ranges: [Range<Int>] = []

    init(_ strings: [String]) {
        for string in strings {
            let start = bytes.count
            bytes.append(contentsOf: string.utf8)
            ranges.append(start..<bytes.count)
        }
    }
}
