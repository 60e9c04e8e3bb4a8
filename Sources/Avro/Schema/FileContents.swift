#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads small whole files (schema files) with stdio.
enum FileContents {
    /// The bytes of the file at `path`; files larger than `limit` are refused.
    static func read(path: String, limit: Int) throws(AvroError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw AvroError(.io, "cannot open: \(String(cString: strerror(errno)))", source: path)
        }
        defer { fclose(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 { out.append(contentsOf: chunk[0..<count]) }
            if out.count > limit { throw AvroError(.io, "file larger than \(limit) bytes", source: path) }
            if count < chunk.count {
                if ferror(file) != 0 { throw AvroError(.io, "read error", source: path) }
                return out
            }
        }
    }
}
